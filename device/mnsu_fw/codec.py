"""Wire codec of the mnsu serial protocol, shared by the firmware (MicroPython) and the host.

A frame on the wire is COBS(header + payload + crc) followed by one 0x00 delimiter.

    header  = <BBHI: protocol version, message type, sequence number, board time (us, u32)
    payload = struct-packed fields of the message type (little-endian), 0..MAX_PAYLOAD bytes
    crc     = <H: CRC-16/CCITT-FALSE over header + payload

docs/protocol.md gives the byte layout of every message. The firmware uses the allocation-free
`*_into` functions and FrameSplitter.feed_into; the host uses encode_frame / decode_frame /
FrameSplitter.feed and the pack_* / unpack_* helpers, which return plain tuples and dicts.

Written in the MicroPython subset: no typing import at run time, annotations are strings.
"""

import struct

PROTOCOL_VERSION = 1

HEADER_FORMAT = "<BBHI"
HEADER_SIZE = 8
CRC_SIZE = 2
MAX_PAYLOAD = 240
# Largest decoded frame (header + payload + crc) and largest COBS-encoded frame without its
# delimiter: COBS adds one byte per started 254-byte run.
MAX_RAW = HEADER_SIZE + MAX_PAYLOAD + CRC_SIZE
MAX_ENCODED = MAX_RAW + (MAX_RAW + 253) // 254
# Largest frame on the wire, delimiter included.
MAX_FRAME = MAX_ENCODED + 1

# ---------------------------------------------------------------- message types
HELLO = 0x01  # host -> device: empty; the device answers CAPS
CAPS = 0x02  # device -> host: capabilities
TELEMETRY = 0x10  # device -> host
EVENTS = 0x11  # device -> host: spikes, burst on/off, contact, touch-down
LEGS = 0x12  # device -> host: every leg's state, after each TELEMETRY of a board with 2+ legs
JOINT_CMD = 0x20  # host -> device: hip, knee targets (deg, float32)
LEG_JOINT_CMD = 0x21  # host -> device: leg index, its hip, knee targets (deg, float32)
PARAM_GET = 0x30  # host -> device: param id
PARAM_SET = 0x31  # host -> device: param id, value
PARAM_VALUE = 0x32  # device -> host: answer to PARAM_GET / PARAM_SET (the applied value)
PARAM_SAVE = 0x33  # host -> device: write the parameters to flash
PARAM_DEFAULTS = 0x34  # host -> device: every parameter back to its default (not saved)
ACK = 0x40  # device -> host
NACK = 0x41  # device -> host: with an error code
MODE = 0x50  # host -> device: requested mode
ESTOP = 0x51  # host -> device: latch the e-stop
ESTOP_RESET = 0x52  # host -> device: clear the e-stop latch (mode becomes IDLE)
EXIT_TO_REPL = 0x53  # host -> device: protocol version; stop the loop, back to the REPL
HEARTBEAT = 0x60  # host -> device: keeps the link watchdog fed
LOG = 0x70  # device -> host: level, UTF-8 text

MESSAGE_NAMES = {
    HELLO: "hello",
    CAPS: "caps",
    TELEMETRY: "telemetry",
    EVENTS: "events",
    LEGS: "legs",
    JOINT_CMD: "joint_cmd",
    LEG_JOINT_CMD: "leg_joint_cmd",
    PARAM_GET: "param_get",
    PARAM_SET: "param_set",
    PARAM_VALUE: "param_value",
    PARAM_SAVE: "param_save",
    PARAM_DEFAULTS: "param_defaults",
    ACK: "ack",
    NACK: "nack",
    MODE: "mode",
    ESTOP: "estop",
    ESTOP_RESET: "estop_reset",
    EXIT_TO_REPL: "exit_to_repl",
    HEARTBEAT: "heartbeat",
    LOG: "log",
}

# ---------------------------------------------------------------- NACK error codes
ERR_UNKNOWN_TYPE = 1  # message type not known (or not accepted from the host)
ERR_BAD_LENGTH = 2  # payload length does not match the message type
ERR_UNKNOWN_PARAM = 3  # param id out of the table
ERR_OUT_OF_RANGE = 4  # value outside [min, max] of the parameter or of the mode list
ERR_NOT_FINITE = 5  # NaN or infinity
ERR_NOT_INTEGER = 6  # integer/bool/enum parameter given a fractional value
ERR_INCONSISTENT = 7  # value would break an ordering (min < max, low < high threshold)
ERR_WRONG_MODE = 8  # command not accepted in the current mode (e.g. joint command not in HOST)
ERR_ESTOP_LATCHED = 9  # e-stop is latched: only ESTOP_RESET clears it
ERR_READ_ONLY = 10  # parameter cannot be set
ERR_STORAGE = 11  # writing the parameter file failed
ERR_BAD_VERSION = 12  # frame protocol version differs
ERR_SERVOS_POWERED = 13  # calibration or defaults while the servos are powered (go IDLE first)
ERR_HARD_LIMIT = 14  # beyond the deploy-time hard limit (limits.json): can only be narrowed

ERROR_NAMES = {
    ERR_UNKNOWN_TYPE: "unknown message type",
    ERR_BAD_LENGTH: "bad payload length",
    ERR_UNKNOWN_PARAM: "unknown parameter id",
    ERR_OUT_OF_RANGE: "value out of range",
    ERR_NOT_FINITE: "value not finite",
    ERR_NOT_INTEGER: "value must be an integer",
    ERR_INCONSISTENT: "value inconsistent with other parameters",
    ERR_WRONG_MODE: "not accepted in the current mode",
    ERR_ESTOP_LATCHED: "e-stop latched",
    ERR_READ_ONLY: "parameter is read-only",
    ERR_STORAGE: "parameter storage failed",
    ERR_BAD_VERSION: "protocol version mismatch",
    ERR_SERVOS_POWERED: "servos powered (enter IDLE first)",
    ERR_HARD_LIMIT: "beyond the deploy-time hard limit",
}

# ---------------------------------------------------------------- modes and events
MODE_IDLE = 0  # servos limp, rhythm still decoded
MODE_CPG = 1  # the board's rhythm drives the leg
MODE_HOST = 2  # host joint commands drive the leg
MODE_HOLD = 3  # servos hold their last position
MODE_ESTOP = 4  # latched; ESTOP_RESET clears it
MODE_SAFE = 5  # link watchdog fired; a MODE command leaves it
MODE_NAMES = ("idle", "cpg", "host", "hold", "estop", "safe")

EV_SPIKE = 1
EV_BURST_ON = 2
EV_BURST_OFF = 3
EV_CONTACT_ON = 4
EV_CONTACT_OFF = 5
EV_TOUCHDOWN = 6  # touch-down pulse fired into the board
EVENT_NAMES = {
    EV_SPIKE: "spike",
    EV_BURST_ON: "burst_on",
    EV_BURST_OFF: "burst_off",
    EV_CONTACT_ON: "contact_on",
    EV_CONTACT_OFF: "contact_off",
    EV_TOUCHDOWN: "touchdown",
}

LOG_DEBUG = 10
LOG_INFO = 20
LOG_WARNING = 30
LOG_ERROR = 40

# Telemetry flag bits
FLAG_CONTACT = 1  # foot on the ground
FLAG_ESTOP = 2  # e-stop latched
FLAG_LOCKED = 4  # the rhythm estimator is locked to the flexor bursts
FLAG_TOUCHDOWN = 8  # touch-down pulse output active
FLAG_SERVOS_ON = 16  # servo PWM outputs enabled

# ---------------------------------------------------------------- payload layouts
CAPS_FORMAT = "<BBBBBBHHH"  # + board name (UTF-8, rest of payload)
CAPS_FIELDS = (
    "protocol",
    "fw_major",
    "fw_minor",
    "fw_patch",
    "n_adc",
    "n_servo",
    "sample_rate_hz",
    "n_params",
    "params_crc",
)
TELEMETRY_FORMAT = "<BB4H4IHHHHhhhhHHHBBBBIIHHHIHHHH"
TELEMETRY_FIELDS = (
    "mode",
    "flags",
    "adc0",  # latest raw ADC reads (u16 scale, 0..65535)
    "adc1",
    "adc2",
    "adc3",
    "spikes0",  # cumulative spike counts per channel
    "spikes1",
    "spikes2",
    "spikes3",
    "phase_u16",  # rhythm phase, 65536 = one cycle, 0 = flexor burst onset
    "freq_mhz",  # rhythm frequency (mHz), 0 when not locked
    "env_flexor_q15",  # burst envelopes, 32768 = 1.0
    "env_extensor_q15",
    "hip_target_cdeg",  # target before limits and slew (centidegrees)
    "knee_target_cdeg",
    "hip_cdeg",  # commanded angle after limits and slew (centidegrees)
    "knee_cdeg",
    "pulse0_us",  # servo pulse widths (us), 0 = output off (limp)
    "pulse1_us",
    "drive_permille",  # drive output level (1000 = full)
    "events",  # events since the last telemetry frame (saturates at 255)
    "bursts_on",  # burst onsets since the last telemetry frame
    "bursts_off",
    "contacts",  # contact changes since the last telemetry frame
    "ticks",  # control ticks since boot
    "overruns",  # ticks that started late by more than one period
    "max_loop_us",  # longest tick body since the last telemetry frame
    "gc_runs",  # gc.collect() calls made by the loop
    "events_dropped",  # events lost because the queue was full
    "frames_ok",  # good frames received
    "bad_crc",  # frames dropped for a bad CRC
    "bad_frames",  # malformed COBS, oversized or truncated frames dropped
    "seq_gaps",  # host sequence numbers skipped
    "nacks",  # NACKs sent
)
TELEMETRY_SIZE = struct.calcsize(TELEMETRY_FORMAT)
EVENT_FORMAT = "<BBI"  # kind, channel, board time (us, u32)
EVENT_SIZE = 6
MAX_EVENTS = (MAX_PAYLOAD - 1) // EVENT_SIZE  # per EVENTS frame (count byte first)
JOINT_CMD_FORMAT = "<ff"  # hip, knee (deg)
# LEGS: a count byte, then per leg: flags (FLAG_CONTACT, FLAG_TOUCHDOWN of that leg), flexor
# and extensor envelopes (Q15, saturating at 65535), hip and knee (cdeg, after limits and slew),
# hip and knee pulses (us, 0 = limp)
LEG_FORMAT = "<BHHhhHH"
LEG_SIZE = 13
LEG_FIELDS = (
    "flags",
    "env_flexor_q15",
    "env_extensor_q15",
    "hip_cdeg",
    "knee_cdeg",
    "pulse0_us",
    "pulse1_us",
)
PARAM_GET_FORMAT = "<H"  # param id
PARAM_SET_FORMAT = "<Hf"  # param id, value
PARAM_VALUE_FORMAT = "<HHf"  # request seq, param id, value
ACK_FORMAT = "<BH"  # acknowledged type, acknowledged seq
NACK_FORMAT = "<BHBH"  # refused type, refused seq, error code, detail (param id or 0)
MODE_FORMAT = "<B"
LOG_FORMAT = "<B"  # + UTF-8 text

# Fixed payload lengths of host -> device messages (the firmware rejects other lengths).
REQUEST_SIZES = {
    HELLO: 0,
    JOINT_CMD: 8,
    LEG_JOINT_CMD: 9,
    PARAM_GET: 2,
    PARAM_SET: 6,
    PARAM_SAVE: 0,
    PARAM_DEFAULTS: 0,
    MODE: 1,
    ESTOP: 0,
    ESTOP_RESET: 0,
    EXIT_TO_REPL: 1,
    HEARTBEAT: 0,
}


class CodecError(ValueError):
    """A frame or COBS block that cannot be decoded; the message says what was wrong."""


# ---------------------------------------------------------------- CRC-16/CCITT-FALSE
def _crc_table() -> "list[int]":
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
        table.append(crc & 0xFFFF)
    return table


_CRC_TABLE = _crc_table()


def crc16(data: "bytes | bytearray | memoryview", crc: int = 0xFFFF) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor)."""
    table = _CRC_TABLE
    for b in data:
        crc = ((crc << 8) & 0xFFFF) ^ table[(crc >> 8) ^ b]
    return crc


def crc16_range(buf: "bytes | bytearray | memoryview", start: int, end: int) -> int:
    """crc16 of buf[start:end] without slicing (no allocation)."""
    table = _CRC_TABLE
    crc = 0xFFFF
    for i in range(start, end):
        crc = ((crc << 8) & 0xFFFF) ^ table[(crc >> 8) ^ buf[i]]
    return crc


# ---------------------------------------------------------------- COBS
def cobs_encode_into(
    src: "bytes | bytearray | memoryview",
    n: int,
    dst: "bytearray | memoryview",
    offset: int = 0,
) -> int:
    """COBS-encode src[0:n] into dst[offset:] (no delimiter); returns the end offset in dst.

    dst must hold n + n // 254 + 1 bytes after offset. No allocation.
    """
    code_at = offset
    out = offset + 1
    code = 1
    for i in range(n):
        b = src[i]
        if b == 0:
            dst[code_at] = code
            code_at = out
            out += 1
            code = 1
        else:
            dst[out] = b
            out += 1
            code += 1
            if code == 0xFF:
                dst[code_at] = code
                if i == n - 1:
                    return out  # canonical COBS: no empty block after a full final one
                code_at = out
                out += 1
                code = 1
    dst[code_at] = code
    return out


def cobs_decode_into(
    src: "bytes | bytearray | memoryview", n: int, dst: "bytearray | memoryview"
) -> int:
    """COBS-decode src[0:n] (no delimiter) into dst; returns the decoded length.

    Returns -1 for malformed input (a zero byte, a code running past the end, or output longer
    than dst) instead of raising, so the firmware's receive path allocates nothing.
    """
    i = 0
    out = 0
    cap = len(dst)
    if n == 0:
        return -1
    while i < n:
        code = src[i]
        if code == 0:
            return -1
        i += 1
        end = i + code - 1
        if end > n:
            return -1
        if out + (code - 1) > cap:
            return -1
        while i < end:
            b = src[i]
            if b == 0:
                return -1
            dst[out] = b
            out += 1
            i += 1
        if code != 0xFF and i < n:
            if out >= cap:
                return -1
            dst[out] = 0
            out += 1
    return out


def cobs_encode(data: "bytes | bytearray | memoryview") -> bytes:
    """COBS-encode `data` (the result holds no 0x00 byte and no delimiter)."""
    n = len(data)
    dst = bytearray(n + n // 254 + 1)
    m = cobs_encode_into(data, n, dst)
    return bytes(dst[:m])


def cobs_decode(data: "bytes | bytearray | memoryview") -> bytes:
    """Decode a COBS block (without its 0x00 delimiter); CodecError if it is malformed."""
    n = len(data)
    if n == 0:
        raise CodecError("COBS block is empty (a frame needs at least one code byte)")
    for i in range(n):
        if data[i] == 0:
            raise CodecError("COBS block contains a 0x00 byte at offset %d" % i)
    dst = bytearray(n)
    m = cobs_decode_into(data, n, dst)
    if m < 0:
        raise CodecError("COBS block is truncated: a code byte points past its end (%d bytes)" % n)
    return bytes(dst[:m])


# ---------------------------------------------------------------- frames
def encode_frame_into(
    msg_type: int,
    seq: int,
    t_lo16: int,
    t_hi16: int,
    payload: "bytes | bytearray | memoryview",
    n_payload: int,
    raw: "bytearray",
    out: "bytearray",
    offset: int = 0,
) -> int:
    """Frame `payload[0:n_payload]` into out[offset:] (COBS + delimiter); returns the end offset.

    The board time is given as two 16-bit halves (t_us = t_lo16 | t_hi16 << 16) so that a
    32-bit clock never needs an integer above 2**30 (a heap-allocated long on the RP2040).

    `raw` is a scratch buffer of MAX_RAW bytes and `out` one of MAX_FRAME bytes. The firmware
    packs the payload straight into raw[HEADER_SIZE:] and passes `raw` itself as `payload`:
    then nothing is copied and nothing allocated.
    """
    if n_payload > MAX_PAYLOAD:
        raise CodecError("payload of %d bytes exceeds MAX_PAYLOAD %d" % (n_payload, MAX_PAYLOAD))
    struct.pack_into("<BBHHH", raw, 0, PROTOCOL_VERSION, msg_type, seq & 0xFFFF, t_lo16, t_hi16)
    if payload is not raw:
        for i in range(n_payload):
            raw[HEADER_SIZE + i] = payload[i]
    end = HEADER_SIZE + n_payload
    crc = crc16_range(raw, 0, end)
    raw[end] = crc & 0xFF
    raw[end + 1] = crc >> 8
    m = cobs_encode_into(raw, end + CRC_SIZE, out, offset)
    out[m] = 0
    return m + 1


def encode_frame(
    msg_type: int, seq: int, t_us: int, payload: "bytes | bytearray | memoryview" = b""
) -> bytes:
    """A complete wire frame: COBS(header + payload + crc) + b"\\x00"."""
    n = len(payload)
    if n > MAX_PAYLOAD:
        raise CodecError("payload of %d bytes exceeds MAX_PAYLOAD %d" % (n, MAX_PAYLOAD))
    if not 0 <= msg_type <= 0xFF:
        raise CodecError("message type %r is not a byte" % msg_type)
    raw = bytearray(MAX_RAW)
    out = bytearray(MAX_FRAME)
    t_us &= 0xFFFFFFFF
    m = encode_frame_into(msg_type, seq, t_us & 0xFFFF, t_us >> 16, payload, n, raw, out)
    return bytes(out[:m])


def decode_frame(data: "bytes | bytearray | memoryview") -> "tuple[int, int, int, bytes]":
    """Decode one wire frame -> (msg_type, seq, t_us, payload); CodecError if malformed.

    `data` is the COBS block with or without its trailing 0x00 delimiter.
    """
    n = len(data)
    if n and data[n - 1] == 0:
        n -= 1
    if n > MAX_ENCODED:
        raise CodecError("frame of %d encoded bytes exceeds MAX_ENCODED %d" % (n, MAX_ENCODED))
    raw = cobs_decode(data[:n])
    m = len(raw)
    if m < HEADER_SIZE + CRC_SIZE:
        raise CodecError(
            "frame too short: %d bytes, need at least %d" % (m, HEADER_SIZE + CRC_SIZE)
        )
    got = raw[m - 2] | (raw[m - 1] << 8)
    want = crc16_range(raw, 0, m - 2)
    if got != want:
        raise CodecError("bad CRC: frame says 0x%04X, computed 0x%04X" % (got, want))
    version, msg_type, seq, t_us = struct.unpack_from(HEADER_FORMAT, raw, 0)
    if version != PROTOCOL_VERSION:
        raise CodecError(
            "protocol version %d, this codec speaks %d" % (version, PROTOCOL_VERSION)
        )
    return msg_type, seq, t_us, bytes(raw[HEADER_SIZE : m - 2])


class FrameSplitter:
    """Splits a byte stream at 0x00 delimiters into checked frames, resyncing after garbage.

    Bytes before the first delimiter may be the tail of a frame cut in half (e.g. the host
    opened the port mid-frame): they are dropped and counted like any other bad frame.
    Counters: frames_ok, bad_crc, bad_cobs, oversize, too_short, bad_version.
    """

    def __init__(self) -> None:
        self._buf = bytearray(MAX_ENCODED)
        self._n = 0
        self._dropping = False  # an oversized frame is being skipped up to its delimiter
        self.raw = bytearray(MAX_RAW)  # the last good decoded frame (header + payload + crc)
        self.raw_len = 0
        self.frames_ok = 0
        self.bad_crc = 0
        self.bad_cobs = 0
        self.oversize = 0
        self.too_short = 0
        self.bad_version = 0

    @property
    def bad_frames(self) -> int:
        """Frames dropped for any reason but a bad CRC."""
        return self.bad_cobs + self.oversize + self.too_short + self.bad_version

    def feed_into(
        self,
        data: "bytes | bytearray | memoryview",
        n: int,
        sink: "Callable[[bytearray, int], None]",
    ) -> None:
        """Consume data[0:n]; call sink(raw, raw_len) for each good frame (no allocation here).

        raw holds header + payload + crc; the payload is raw[HEADER_SIZE:raw_len - CRC_SIZE].
        """
        buf = self._buf
        cap = MAX_ENCODED
        for i in range(n):
            b = data[i]
            if b != 0:
                if self._dropping:
                    continue
                if self._n >= cap:
                    self._dropping = True
                    self.oversize += 1
                    self._n = 0
                    continue
                buf[self._n] = b
                self._n += 1
                continue
            # delimiter
            if self._dropping:
                self._dropping = False
                continue
            count = self._n
            self._n = 0
            if count == 0:
                continue  # empty frames (back-to-back delimiters) are a legal resync idiom
            m = cobs_decode_into(buf, count, self.raw)
            if m < 0:
                self.bad_cobs += 1
                continue
            if m < HEADER_SIZE + CRC_SIZE:
                self.too_short += 1
                continue
            raw = self.raw
            if (raw[m - 2] | (raw[m - 1] << 8)) != crc16_range(raw, 0, m - 2):
                self.bad_crc += 1
                continue
            if raw[0] != PROTOCOL_VERSION:
                self.bad_version += 1
                continue
            self.frames_ok += 1
            self.raw_len = m
            sink(raw, m)

    def feed(self, data: "bytes | bytearray | memoryview") -> "list[tuple[int, int, int, bytes]]":
        """Consume data; return the good frames as (msg_type, seq, t_us, payload) tuples."""
        frames = []

        def sink(raw: bytearray, m: int) -> None:
            msg_type, seq, t_us = struct.unpack_from("<BHI", raw, 1)
            frames.append((msg_type, seq, t_us, bytes(raw[HEADER_SIZE : m - CRC_SIZE])))

        self.feed_into(data, len(data), sink)
        return frames


# ---------------------------------------------------------------- payload helpers (host side)
def pack_caps(
    fw_version: "tuple[int, int, int]",
    n_adc: int,
    n_servo: int,
    sample_rate_hz: int,
    n_params: int,
    params_crc: int,
    board: str,
) -> bytes:
    name = board.encode()[: MAX_PAYLOAD - struct.calcsize(CAPS_FORMAT)]
    head = struct.pack(
        CAPS_FORMAT,
        PROTOCOL_VERSION,
        fw_version[0],
        fw_version[1],
        fw_version[2],
        n_adc,
        n_servo,
        sample_rate_hz,
        n_params,
        params_crc,
    )
    return head + name


def unpack_caps(payload: "bytes | bytearray") -> "dict[str, object]":
    size = struct.calcsize(CAPS_FORMAT)
    if len(payload) < size:
        raise CodecError("caps payload of %d bytes, need at least %d" % (len(payload), size))
    out: "dict[str, object]" = dict(zip(CAPS_FIELDS, struct.unpack_from(CAPS_FORMAT, payload, 0)))
    # a name cut inside a UTF-8 character (the firmware cuts by bytes) is still a name
    out["board"] = bytes(payload[size:]).decode("utf-8", "replace")
    return out


def unpack_telemetry(payload: "bytes | bytearray") -> "dict[str, int]":
    if len(payload) != TELEMETRY_SIZE:
        raise CodecError(
            "telemetry payload of %d bytes, expected %d" % (len(payload), TELEMETRY_SIZE)
        )
    return dict(zip(TELEMETRY_FIELDS, struct.unpack(TELEMETRY_FORMAT, payload)))


def pack_telemetry(values: "dict[str, int]") -> bytes:
    return struct.pack(TELEMETRY_FORMAT, *[values[k] for k in TELEMETRY_FIELDS])


def pack_events(events: "list[tuple[int, int, int]]") -> bytes:
    if len(events) > MAX_EVENTS:
        raise CodecError("%d events exceed MAX_EVENTS %d per frame" % (len(events), MAX_EVENTS))
    out = bytearray(1 + EVENT_SIZE * len(events))
    out[0] = len(events)
    for k, (kind, channel, t_us) in enumerate(events):
        struct.pack_into(EVENT_FORMAT, out, 1 + EVENT_SIZE * k, kind, channel, t_us & 0xFFFFFFFF)
    return bytes(out)


def unpack_events(payload: "bytes | bytearray") -> "list[tuple[int, int, int]]":
    """EVENTS payload -> [(kind, channel, t_us), ...]."""
    if not payload:
        raise CodecError("events payload is empty (needs a count byte)")
    count = payload[0]
    if len(payload) != 1 + EVENT_SIZE * count:
        raise CodecError(
            "events payload of %d bytes for %d events, expected %d"
            % (len(payload), count, 1 + EVENT_SIZE * count)
        )
    return [struct.unpack_from(EVENT_FORMAT, payload, 1 + EVENT_SIZE * k) for k in range(count)]


def pack_legs(legs: "list[dict[str, int]]") -> bytes:
    out = bytearray(1 + LEG_SIZE * len(legs))
    out[0] = len(legs)
    for k, leg in enumerate(legs):
        struct.pack_into(LEG_FORMAT, out, 1 + LEG_SIZE * k, *[leg[f] for f in LEG_FIELDS])
    return bytes(out)


def unpack_legs(payload: "bytes | bytearray") -> "list[dict[str, int]]":
    """LEGS payload -> one dict of LEG_FIELDS per leg."""
    _check_len(payload, 1 + LEG_SIZE * payload[0] if payload else 1, "legs")
    return [
        dict(zip(LEG_FIELDS, struct.unpack_from(LEG_FORMAT, payload, 1 + LEG_SIZE * k)))
        for k in range(payload[0])
    ]


def pack_leg_joint_cmd(leg: int, hip_deg: float, knee_deg: float) -> bytes:
    """LEG_JOINT_CMD: the leg index (u8), then a JOINT_CMD payload."""
    return bytes([leg]) + struct.pack(JOINT_CMD_FORMAT, hip_deg, knee_deg)


def pack_joint_cmd(hip_deg: float, knee_deg: float) -> bytes:
    return struct.pack(JOINT_CMD_FORMAT, hip_deg, knee_deg)


def unpack_joint_cmd(payload: "bytes | bytearray") -> "tuple[float, float]":
    _check_len(payload, 8, "joint_cmd")
    hip, knee = struct.unpack(JOINT_CMD_FORMAT, payload)
    return hip, knee


def pack_param_get(param_id: int) -> bytes:
    return struct.pack(PARAM_GET_FORMAT, param_id)


def pack_param_set(param_id: int, value: float) -> bytes:
    return struct.pack(PARAM_SET_FORMAT, param_id, value)


def unpack_param_set(payload: "bytes | bytearray") -> "tuple[int, float]":
    _check_len(payload, 6, "param_set")
    pid, value = struct.unpack(PARAM_SET_FORMAT, payload)
    return pid, value


def pack_param_value(request_seq: int, param_id: int, value: float) -> bytes:
    return struct.pack(PARAM_VALUE_FORMAT, request_seq & 0xFFFF, param_id, value)


def unpack_param_value(payload: "bytes | bytearray") -> "tuple[int, int, float]":
    """PARAM_VALUE payload -> (request_seq, param_id, value)."""
    _check_len(payload, 8, "param_value")
    seq, pid, value = struct.unpack(PARAM_VALUE_FORMAT, payload)
    return seq, pid, value


def pack_ack(ref_type: int, ref_seq: int) -> bytes:
    return struct.pack(ACK_FORMAT, ref_type, ref_seq & 0xFFFF)


def unpack_ack(payload: "bytes | bytearray") -> "tuple[int, int]":
    """ACK payload -> (acknowledged type, acknowledged seq)."""
    _check_len(payload, 3, "ack")
    ref_type, ref_seq = struct.unpack(ACK_FORMAT, payload)
    return ref_type, ref_seq


def pack_nack(ref_type: int, ref_seq: int, error: int, detail: int = 0) -> bytes:
    return struct.pack(NACK_FORMAT, ref_type, ref_seq & 0xFFFF, error, detail & 0xFFFF)


def unpack_nack(payload: "bytes | bytearray") -> "tuple[int, int, int, int]":
    """NACK payload -> (refused type, refused seq, error code, detail)."""
    _check_len(payload, 6, "nack")
    ref_type, ref_seq, error, detail = struct.unpack(NACK_FORMAT, payload)
    return ref_type, ref_seq, error, detail


def pack_mode(mode: int) -> bytes:
    return struct.pack(MODE_FORMAT, mode)


def pack_exit_to_repl() -> bytes:
    """EXIT_TO_REPL payload: this codec's protocol version (the board refuses another)."""
    return struct.pack(MODE_FORMAT, PROTOCOL_VERSION)


def pack_log(level: int, text: str) -> bytes:
    return struct.pack(LOG_FORMAT, level) + text.encode()[: MAX_PAYLOAD - 1]


def unpack_log(payload: "bytes | bytearray") -> "tuple[int, str]":
    """LOG payload -> (level, text); undecodable bytes are replaced, never fatal."""
    if not payload:
        raise CodecError("log payload is empty (needs a level byte)")
    raw = bytes(payload[1:])
    try:
        text = raw.decode()
    except UnicodeError:
        text = "".join(chr(b) if b < 128 else "?" for b in raw)
    return payload[0], text


def _check_len(payload: "bytes | bytearray", n: int, what: str) -> None:
    if len(payload) != n:
        raise CodecError("%s payload of %d bytes, expected %d" % (what, len(payload), n))


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable

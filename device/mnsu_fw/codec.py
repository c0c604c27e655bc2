"""Wire codec of the mnsu serial protocol: the half the firmware needs (MicroPython).

A frame on the wire is COBS(header + payload + crc) followed by one 0x00 delimiter.

    header  = <BBHI: protocol version, message type, sequence number, board time (us, u32)
    payload = struct-packed fields of the message type (little-endian), 0..MAX_PAYLOAD bytes
    crc     = <H: CRC-16/CCITT-FALSE over header + payload

docs/protocol.md gives the byte layout of every message. This module holds the constants, the
CRC, COBS, the allocation-free `*_into` encoders, the frame splitter (`FrameSplitter.feed_into`)
and the CAPS answer: nothing the board does not run. The host's half (names of messages,
errors, modes, events and payload fields, bytes-returning frame functions, pack_* / unpack_*
helpers) is `host/mnsu/wire.py`, which re-exports this module: names and field tables would
cost the board's heap for nothing.

Written in the MicroPython subset: no typing import at run time, annotations are strings.
"""

import struct
from array import array

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


# ---------------------------------------------------------------- modes and events
MODE_IDLE = 0  # servos limp, rhythm still decoded
MODE_CPG = 1  # the board's rhythm drives the leg
MODE_HOST = 2  # host joint commands drive the leg
MODE_HOLD = 3  # servos hold their last position
MODE_ESTOP = 4  # latched; ESTOP_RESET clears it
MODE_SAFE = 5  # link watchdog fired; a MODE command leaves it

EV_SPIKE = 1
EV_BURST_ON = 2
EV_BURST_OFF = 3
EV_CONTACT_ON = 4
EV_CONTACT_OFF = 5
EV_TOUCHDOWN = 6  # touch-down pulse fired into the board

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
TELEMETRY_FORMAT = "<BB4H4IHHHHhhhhHHHBBBBIIHHHIHHHH"
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
def _crc_table() -> "array[int]":
    # an array of u16 (512 bytes) rather than a list of 256 ints (2 KB of the board's heap)
    table = array("H", bytes(512))
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
        table[byte] = crc & 0xFFFF
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


# Why a decoded frame is refused (check_frame); 0 = good.
TOO_SHORT = 1
BAD_CRC = 2
BAD_VERSION = 3


def check_frame(raw: "bytes | bytearray | memoryview", m: int) -> int:
    """0 when raw[0:m] (a COBS-decoded frame: header + payload + crc) is good, else why not:
    TOO_SHORT, BAD_CRC or BAD_VERSION, checked in that order. The one definition of a good
    frame, for the board's splitter and the host's decoders alike."""
    if m < HEADER_SIZE + CRC_SIZE:
        return TOO_SHORT
    if (raw[m - 2] | (raw[m - 1] << 8)) != crc16_range(raw, 0, m - 2):
        return BAD_CRC
    if raw[0] != PROTOCOL_VERSION:
        return BAD_VERSION
    return 0


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
            raw = self.raw
            m = cobs_decode_into(buf, count, raw)
            if m < 0:
                self.bad_cobs += 1
                continue
            why = check_frame(raw, m)
            if why:
                if why == BAD_CRC:
                    self.bad_crc += 1
                elif why == TOO_SHORT:
                    self.too_short += 1
                else:
                    self.bad_version += 1
                continue
            self.frames_ok += 1
            self.raw_len = m
            sink(raw, m)


# ---------------------------------------------------------------- the CAPS answer
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


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

"""The host's half of the wire codec: `mnsu_fw.codec` plus what only a host needs.

The firmware's `mnsu_fw.codec` keeps what the board needs (the constants, CRC, COBS, the
allocation-free `*_into` encoders and `FrameSplitter.feed_into`); everything here is for hosts
and tests only and would cost the board's heap for nothing: the message, error, mode and event
names, the field names of each payload, the bytes-returning `encode_frame` / `decode_frame` /
`FrameSplitter.feed`, and the `pack_*` / `unpack_*` helpers, which return plain tuples and
dicts. Host code imports the codec from here (`from mnsu import wire as c`), so one name space
holds both halves; docs/protocol.md gives the byte layout of every message.

One concern, the wire format as the host sees it; its length is the two lists of names (the
device half imported by name, so that `FrameSplitter` here is the host's, and `__all__`).
"""

from __future__ import annotations

import struct

from mnsu_fw import codec as _device
from mnsu_fw.codec import (
    ACK,
    ACK_FORMAT,
    BAD_CRC,
    BAD_VERSION,
    CAPS,
    CAPS_FORMAT,
    CRC_SIZE,
    ERR_BAD_LENGTH,
    ERR_BAD_VERSION,
    ERR_ESTOP_LATCHED,
    ERR_HARD_LIMIT,
    ERR_INCONSISTENT,
    ERR_NOT_FINITE,
    ERR_NOT_INTEGER,
    ERR_OUT_OF_RANGE,
    ERR_READ_ONLY,
    ERR_SERVOS_POWERED,
    ERR_STORAGE,
    ERR_UNKNOWN_PARAM,
    ERR_UNKNOWN_TYPE,
    ERR_WRONG_MODE,
    ESTOP,
    ESTOP_RESET,
    EV_BURST_OFF,
    EV_BURST_ON,
    EV_CONTACT_OFF,
    EV_CONTACT_ON,
    EV_SPIKE,
    EV_TOUCHDOWN,
    EVENT_FORMAT,
    EVENT_SIZE,
    EVENTS,
    EXIT_TO_REPL,
    FLAG_CONTACT,
    FLAG_ESTOP,
    FLAG_LOCKED,
    FLAG_SERVOS_ON,
    FLAG_TOUCHDOWN,
    HEADER_FORMAT,
    HEADER_SIZE,
    HEARTBEAT,
    HELLO,
    JOINT_CMD,
    JOINT_CMD_FORMAT,
    LEG_FORMAT,
    LEG_JOINT_CMD,
    LEG_SIZE,
    LEGS,
    LOG,
    LOG_DEBUG,
    LOG_ERROR,
    LOG_FORMAT,
    LOG_INFO,
    LOG_WARNING,
    MAX_ENCODED,
    MAX_EVENTS,
    MAX_FRAME,
    MAX_PAYLOAD,
    MAX_RAW,
    MODE,
    MODE_CPG,
    MODE_ESTOP,
    MODE_FORMAT,
    MODE_HOLD,
    MODE_HOST,
    MODE_IDLE,
    MODE_SAFE,
    NACK,
    NACK_FORMAT,
    PARAM_DEFAULTS,
    PARAM_GET,
    PARAM_GET_FORMAT,
    PARAM_SAVE,
    PARAM_SET,
    PARAM_SET_FORMAT,
    PARAM_VALUE,
    PARAM_VALUE_FORMAT,
    PROTOCOL_VERSION,
    REQUEST_SIZES,
    TELEMETRY,
    TELEMETRY_FORMAT,
    TELEMETRY_SIZE,
    TOO_SHORT,
    CodecError,
    check_frame,
    cobs_decode_into,
    cobs_encode_into,
    crc16,
    crc16_range,
    encode_frame_into,
    pack_caps,
)

# ---------------------------------------------------------------- names (for people, logs)
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

MODE_NAMES = ("idle", "cpg", "host", "hold", "estop", "safe")

EVENT_NAMES = {
    EV_SPIKE: "spike",
    EV_BURST_ON: "burst_on",
    EV_BURST_OFF: "burst_off",
    EV_CONTACT_ON: "contact_on",
    EV_CONTACT_OFF: "contact_off",
    EV_TOUCHDOWN: "touchdown",
}

# ---------------------------------------------------------------- payload field names
# CAPS_FORMAT's fields (the board name is the rest of the payload)
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

# TELEMETRY_FORMAT's fields, in order
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

# LEG_FORMAT's fields, in order (one LEGS entry)
LEG_FIELDS = (
    "flags",
    "env_flexor_q15",
    "env_extensor_q15",
    "hip_cdeg",
    "knee_cdeg",
    "pulse0_us",
    "pulse1_us",
)


# ---------------------------------------------------------------- COBS and frames as bytes
def cobs_encode(data: bytes | bytearray | memoryview) -> bytes:
    """COBS-encode `data` (the result holds no 0x00 byte and no delimiter)."""
    n = len(data)
    dst = bytearray(n + n // 254 + 1)
    m = cobs_encode_into(data, n, dst)
    return bytes(dst[:m])


def cobs_decode(data: bytes | bytearray | memoryview) -> bytes:
    """Decode a COBS block (without its 0x00 delimiter); CodecError if it is malformed."""
    n = len(data)
    if n == 0:
        raise CodecError("COBS block is empty (a frame needs at least one code byte)")
    for i in range(n):
        if data[i] == 0:
            raise CodecError(f"COBS block contains a 0x00 byte at offset {i}")
    dst = bytearray(n)
    m = cobs_decode_into(data, n, dst)
    if m < 0:
        raise CodecError(f"COBS block is truncated: a code byte points past its end ({n} bytes)")
    return bytes(dst[:m])


def encode_frame(
    msg_type: int, seq: int, t_us: int, payload: bytes | bytearray | memoryview = b""
) -> bytes:
    """A complete wire frame: COBS(header + payload + crc) + b"\\x00"."""
    n = len(payload)
    if n > MAX_PAYLOAD:
        raise CodecError(f"payload of {n} bytes exceeds MAX_PAYLOAD {MAX_PAYLOAD}")
    if not 0 <= msg_type <= 0xFF:
        raise CodecError(f"message type {msg_type!r} is not a byte")
    raw = bytearray(MAX_RAW)
    out = bytearray(MAX_FRAME)
    t_us &= 0xFFFFFFFF
    m = encode_frame_into(msg_type, seq, t_us & 0xFFFF, t_us >> 16, payload, n, raw, out)
    return bytes(out[:m])


def decode_frame(data: bytes | bytearray | memoryview) -> tuple[int, int, int, bytes]:
    """Decode one wire frame -> (msg_type, seq, t_us, payload); CodecError if malformed.

    `data` is the COBS block with or without its trailing 0x00 delimiter.
    """
    n = len(data)
    if n and data[n - 1] == 0:
        n -= 1
    if n > MAX_ENCODED:
        raise CodecError(f"frame of {n} encoded bytes exceeds MAX_ENCODED {MAX_ENCODED}")
    raw = cobs_decode(data[:n])
    m = len(raw)
    why = check_frame(raw, m)
    if why == TOO_SHORT:
        raise CodecError(f"frame too short: {m} bytes, need at least {HEADER_SIZE + CRC_SIZE}")
    if why == BAD_CRC:
        got = raw[m - 2] | (raw[m - 1] << 8)
        want = crc16_range(raw, 0, m - 2)
        raise CodecError(f"bad CRC: frame says 0x{got:04X}, computed 0x{want:04X}")
    version, msg_type, seq, t_us = struct.unpack_from(HEADER_FORMAT, raw, 0)
    if why == BAD_VERSION:
        raise CodecError(f"protocol version {version}, this codec speaks {PROTOCOL_VERSION}")
    return msg_type, seq, t_us, bytes(raw[HEADER_SIZE : m - 2])


class FrameSplitter(_device.FrameSplitter):
    """The firmware's splitter (its resync rules) with a bytes-in, tuples-out `feed`."""

    def feed(self, data: bytes | bytearray | memoryview) -> list[tuple[int, int, int, bytes]]:
        """Consume data; return the good frames as (msg_type, seq, t_us, payload) tuples."""
        frames: list[tuple[int, int, int, bytes]] = []

        def sink(raw: bytearray, m: int) -> None:
            msg_type, seq, t_us = struct.unpack_from("<BHI", raw, 1)
            frames.append((msg_type, seq, t_us, bytes(raw[HEADER_SIZE : m - CRC_SIZE])))

        self.feed_into(data, len(data), sink)
        return frames


# ---------------------------------------------------------------- payload helpers
def unpack_caps(payload: bytes | bytearray) -> dict[str, object]:
    size = struct.calcsize(CAPS_FORMAT)
    if len(payload) < size:
        raise CodecError(f"caps payload of {len(payload)} bytes, need at least {size}")
    out: dict[str, object] = dict(
        zip(CAPS_FIELDS, struct.unpack_from(CAPS_FORMAT, payload, 0), strict=False)
    )
    # a name cut inside a UTF-8 character (the firmware cuts by bytes) is still a name
    out["board"] = bytes(payload[size:]).decode("utf-8", "replace")
    return out


def unpack_telemetry(payload: bytes | bytearray) -> dict[str, int]:
    if len(payload) != TELEMETRY_SIZE:
        raise CodecError(f"telemetry payload of {len(payload)} bytes, expected {TELEMETRY_SIZE}")
    return dict(zip(TELEMETRY_FIELDS, struct.unpack(TELEMETRY_FORMAT, payload), strict=False))


def pack_telemetry(values: dict[str, int]) -> bytes:
    return struct.pack(TELEMETRY_FORMAT, *[values[k] for k in TELEMETRY_FIELDS])


def pack_events(events: list[tuple[int, int, int]]) -> bytes:
    if len(events) > MAX_EVENTS:
        raise CodecError(f"{len(events)} events exceed MAX_EVENTS {MAX_EVENTS} per frame")
    out = bytearray(1 + EVENT_SIZE * len(events))
    out[0] = len(events)
    for k, (kind, channel, t_us) in enumerate(events):
        struct.pack_into(EVENT_FORMAT, out, 1 + EVENT_SIZE * k, kind, channel, t_us & 0xFFFFFFFF)
    return bytes(out)


def unpack_events(payload: bytes | bytearray) -> list[tuple[int, int, int]]:
    """EVENTS payload -> [(kind, channel, t_us), ...]."""
    if not payload:
        raise CodecError("events payload is empty (needs a count byte)")
    count = payload[0]
    if len(payload) != 1 + EVENT_SIZE * count:
        raise CodecError(
            f"events payload of {len(payload)} bytes for {count} events, expected "
            f"{1 + EVENT_SIZE * count}"
        )
    return [struct.unpack_from(EVENT_FORMAT, payload, 1 + EVENT_SIZE * k) for k in range(count)]


def pack_legs(legs: list[dict[str, int]]) -> bytes:
    out = bytearray(1 + LEG_SIZE * len(legs))
    out[0] = len(legs)
    for k, leg in enumerate(legs):
        struct.pack_into(LEG_FORMAT, out, 1 + LEG_SIZE * k, *[leg[f] for f in LEG_FIELDS])
    return bytes(out)


def unpack_legs(payload: bytes | bytearray) -> list[dict[str, int]]:
    """LEGS payload -> one dict of LEG_FIELDS per leg."""
    _check_len(payload, 1 + LEG_SIZE * payload[0] if payload else 1, "legs")
    return [
        dict(
            zip(LEG_FIELDS, struct.unpack_from(LEG_FORMAT, payload, 1 + LEG_SIZE * k), strict=False)
        )
        for k in range(payload[0])
    ]


def pack_leg_joint_cmd(leg: int, hip_deg: float, knee_deg: float) -> bytes:
    """LEG_JOINT_CMD: the leg index (u8), then a JOINT_CMD payload."""
    return bytes([leg]) + struct.pack(JOINT_CMD_FORMAT, hip_deg, knee_deg)


def pack_joint_cmd(hip_deg: float, knee_deg: float) -> bytes:
    return struct.pack(JOINT_CMD_FORMAT, hip_deg, knee_deg)


def unpack_joint_cmd(payload: bytes | bytearray) -> tuple[float, float]:
    _check_len(payload, 8, "joint_cmd")
    hip, knee = struct.unpack(JOINT_CMD_FORMAT, payload)
    return hip, knee


def pack_param_get(param_id: int) -> bytes:
    return struct.pack(PARAM_GET_FORMAT, param_id)


def pack_param_set(param_id: int, value: float) -> bytes:
    return struct.pack(PARAM_SET_FORMAT, param_id, value)


def unpack_param_set(payload: bytes | bytearray) -> tuple[int, float]:
    _check_len(payload, 6, "param_set")
    pid, value = struct.unpack(PARAM_SET_FORMAT, payload)
    return pid, value


def pack_param_value(request_seq: int, param_id: int, value: float) -> bytes:
    return struct.pack(PARAM_VALUE_FORMAT, request_seq & 0xFFFF, param_id, value)


def unpack_param_value(payload: bytes | bytearray) -> tuple[int, int, float]:
    """PARAM_VALUE payload -> (request_seq, param_id, value)."""
    _check_len(payload, 8, "param_value")
    seq, pid, value = struct.unpack(PARAM_VALUE_FORMAT, payload)
    return seq, pid, value


def pack_ack(ref_type: int, ref_seq: int) -> bytes:
    return struct.pack(ACK_FORMAT, ref_type, ref_seq & 0xFFFF)


def unpack_ack(payload: bytes | bytearray) -> tuple[int, int]:
    """ACK payload -> (acknowledged type, acknowledged seq)."""
    _check_len(payload, 3, "ack")
    ref_type, ref_seq = struct.unpack(ACK_FORMAT, payload)
    return ref_type, ref_seq


def pack_nack(ref_type: int, ref_seq: int, error: int, detail: int = 0) -> bytes:
    return struct.pack(NACK_FORMAT, ref_type, ref_seq & 0xFFFF, error, detail & 0xFFFF)


def unpack_nack(payload: bytes | bytearray) -> tuple[int, int, int, int]:
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


def unpack_log(payload: bytes | bytearray) -> tuple[int, str]:
    """LOG payload -> (level, text); undecodable bytes are replaced, never fatal."""
    if not payload:
        raise CodecError("log payload is empty (needs a level byte)")
    raw = bytes(payload[1:])
    try:
        text = raw.decode()
    except UnicodeError:
        text = "".join(chr(b) if b < 128 else "?" for b in raw)
    return payload[0], text


def _check_len(payload: bytes | bytearray, n: int, what: str) -> None:
    if len(payload) != n:
        raise CodecError(f"{what} payload of {len(payload)} bytes, expected {n}")


# the device half (re-exported) and this module's own names
__all__ = [
    "BAD_CRC",
    "BAD_VERSION",
    "TOO_SHORT",
    "check_frame",
    "ACK",
    "ACK_FORMAT",
    "CAPS",
    "CAPS_FIELDS",
    "CAPS_FORMAT",
    "CRC_SIZE",
    "CodecError",
    "ERROR_NAMES",
    "ERR_BAD_LENGTH",
    "ERR_BAD_VERSION",
    "ERR_ESTOP_LATCHED",
    "ERR_HARD_LIMIT",
    "ERR_INCONSISTENT",
    "ERR_NOT_FINITE",
    "ERR_NOT_INTEGER",
    "ERR_OUT_OF_RANGE",
    "ERR_READ_ONLY",
    "ERR_SERVOS_POWERED",
    "ERR_STORAGE",
    "ERR_UNKNOWN_PARAM",
    "ERR_UNKNOWN_TYPE",
    "ERR_WRONG_MODE",
    "ESTOP",
    "ESTOP_RESET",
    "EVENTS",
    "EVENT_FORMAT",
    "EVENT_NAMES",
    "EVENT_SIZE",
    "EV_BURST_OFF",
    "EV_BURST_ON",
    "EV_CONTACT_OFF",
    "EV_CONTACT_ON",
    "EV_SPIKE",
    "EV_TOUCHDOWN",
    "EXIT_TO_REPL",
    "FLAG_CONTACT",
    "FLAG_ESTOP",
    "FLAG_LOCKED",
    "FLAG_SERVOS_ON",
    "FLAG_TOUCHDOWN",
    "FrameSplitter",
    "HEADER_FORMAT",
    "HEADER_SIZE",
    "HEARTBEAT",
    "HELLO",
    "JOINT_CMD",
    "JOINT_CMD_FORMAT",
    "LEGS",
    "LEG_FIELDS",
    "LEG_FORMAT",
    "LEG_JOINT_CMD",
    "LEG_SIZE",
    "LOG",
    "LOG_DEBUG",
    "LOG_ERROR",
    "LOG_FORMAT",
    "LOG_INFO",
    "LOG_WARNING",
    "MAX_ENCODED",
    "MAX_EVENTS",
    "MAX_FRAME",
    "MAX_PAYLOAD",
    "MAX_RAW",
    "MESSAGE_NAMES",
    "MODE",
    "MODE_CPG",
    "MODE_ESTOP",
    "MODE_FORMAT",
    "MODE_HOLD",
    "MODE_HOST",
    "MODE_IDLE",
    "MODE_NAMES",
    "MODE_SAFE",
    "NACK",
    "NACK_FORMAT",
    "PARAM_DEFAULTS",
    "PARAM_GET",
    "PARAM_GET_FORMAT",
    "PARAM_SAVE",
    "PARAM_SET",
    "PARAM_SET_FORMAT",
    "PARAM_VALUE",
    "PARAM_VALUE_FORMAT",
    "PROTOCOL_VERSION",
    "REQUEST_SIZES",
    "TELEMETRY",
    "TELEMETRY_FIELDS",
    "TELEMETRY_FORMAT",
    "TELEMETRY_SIZE",
    "cobs_decode",
    "cobs_decode_into",
    "cobs_encode",
    "cobs_encode_into",
    "crc16",
    "crc16_range",
    "decode_frame",
    "encode_frame",
    "encode_frame_into",
    "pack_ack",
    "pack_caps",
    "pack_events",
    "pack_exit_to_repl",
    "pack_joint_cmd",
    "pack_leg_joint_cmd",
    "pack_legs",
    "pack_log",
    "pack_mode",
    "pack_nack",
    "pack_param_get",
    "pack_param_set",
    "pack_param_value",
    "pack_telemetry",
    "unpack_ack",
    "unpack_caps",
    "unpack_events",
    "unpack_joint_cmd",
    "unpack_legs",
    "unpack_log",
    "unpack_nack",
    "unpack_param_set",
    "unpack_param_value",
    "unpack_telemetry",
]

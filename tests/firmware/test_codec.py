"""The wire codec (device/mnsu_fw/codec.py): golden vectors, round trips, malformed input.

The same module runs on the device; test_codec_micropython.py replays the golden vectors under
the MicroPython interpreter.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mnsu import wire as c

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "protocol_v1.json"


def golden() -> list[dict[str, Any]]:
    data = json.loads(GOLDEN.read_text())
    assert data["protocol_version"] == c.PROTOCOL_VERSION
    frames: list[dict[str, Any]] = data["frames"]
    return frames


def reference_crc(data: bytes) -> int:
    """Bitwise CRC-16/CCITT-FALSE, independent of the codec's table."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def reference_cobs(data: bytes) -> bytes:
    """Textbook COBS encoder (split at zeros, then into runs of at most 254 bytes)."""
    out = bytearray()
    blocks = data.split(b"\x00")
    for k, block in enumerate(blocks):
        last_block = k == len(blocks) - 1
        while len(block) >= 254:
            out += b"\xff" + block[:254]
            block = block[254:]
            if not block and last_block:
                return bytes(out)
        out += bytes([len(block) + 1]) + block
    return bytes(out)


# ------------------------------------------------------------------ CRC and COBS
def test_crc16_check_value() -> None:
    assert c.crc16(b"123456789") == 0x29B1
    assert c.crc16(b"") == 0xFFFF
    assert c.crc16_range(b"xx123456789yy", 2, 11) == 0x29B1


@given(st.binary(max_size=300))
def test_crc16_matches_bitwise_reference(data: bytes) -> None:
    assert c.crc16(data) == reference_crc(data)


# Examples from the COBS paper / Wikipedia (without the trailing delimiter).
COBS_VECTORS = [
    (b"\x00", b"\x01\x01"),
    (b"\x00\x00", b"\x01\x01\x01"),
    (b"\x00\x11\x00", b"\x01\x02\x11\x01"),
    (b"\x11\x22\x00\x33", b"\x03\x11\x22\x02\x33"),
    (b"\x11\x22\x33\x44", b"\x05\x11\x22\x33\x44"),
    (b"\x11\x00\x00\x00", b"\x02\x11\x01\x01\x01"),
    (bytes(range(1, 255)), b"\xff" + bytes(range(1, 255))),
    (bytes(range(0, 255)), b"\x01\xff" + bytes(range(1, 255))),
    (bytes(range(1, 256)), b"\xff" + bytes(range(1, 255)) + b"\x02\xff"),
    (b"", b"\x01"),
]


@pytest.mark.parametrize(("plain", "encoded"), COBS_VECTORS)
def test_cobs_vectors(plain: bytes, encoded: bytes) -> None:
    assert c.cobs_encode(plain) == encoded
    assert c.cobs_decode(encoded) == plain


@given(st.binary(max_size=700))
def test_cobs_round_trip_and_reference(data: bytes) -> None:
    enc = c.cobs_encode(data)
    assert b"\x00" not in enc
    assert enc == reference_cobs(data)
    assert len(enc) <= len(data) + len(data) // 254 + 1
    assert c.cobs_decode(enc) == data


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        (b"", "empty"),
        (b"\x03\x11", "truncated"),
        (b"\x05\x11\x22", "truncated"),
        (b"\x02\x00\x11", "0x00 byte at offset 1"),
        (b"\xff\x01", "truncated"),
    ],
)
def test_cobs_decode_rejects_malformed(bad: bytes, why: str) -> None:
    with pytest.raises(c.CodecError, match=why):
        c.cobs_decode(bad)


# ------------------------------------------------------------------ golden frames
@pytest.mark.parametrize("vec", golden(), ids=lambda v: v["name"])
def test_golden_frame(vec: dict[str, Any]) -> None:
    payload = bytes.fromhex(vec["payload"])
    wire = bytes.fromhex(vec["wire"])
    assert c.encode_frame(vec["type"], vec["seq"], vec["t_us"], payload) == wire
    assert c.decode_frame(wire) == (vec["type"], vec["seq"], vec["t_us"], payload)
    # The layout the docs describe, checked without the codec's own helpers:
    assert wire[-1] == 0 and b"\x00" not in wire[:-1]
    raw = reference_cobs_decode(wire[:-1])
    assert raw[:8] == struct.pack("<BBHI", 1, vec["type"], vec["seq"], vec["t_us"])
    assert raw[8:-2] == payload
    assert struct.unpack("<H", raw[-2:])[0] == reference_crc(raw[:-2])


def reference_cobs_decode(data: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(data):
        code = data[i]
        out += data[i + 1 : i + code]
        i += code
        if code != 0xFF and i < len(data):
            out.append(0)
    return bytes(out)


def test_golden_covers_every_message_type() -> None:
    types = {v["type"] for v in golden()}
    # the multi-leg messages have theirs in protocol_v1_legs.json (test_codec_legs.py)
    legs = json.loads(GOLDEN.with_name("protocol_v1_legs.json").read_text())["frames"]
    types |= {v["type"] for v in legs}
    assert set(c.MESSAGE_NAMES) <= types


def test_golden_payload_helpers() -> None:
    by_name = {v["name"]: bytes.fromhex(v["payload"]) for v in golden()}
    caps = c.unpack_caps(by_name["caps"])
    assert caps["board"] == "leg" and caps["sample_rate_hz"] == 2000 and caps["n_params"] == 45
    tel = c.unpack_telemetry(by_name["telemetry"])
    assert tel["hip_target_cdeg"] == -1500 and tel["ticks"] == 4_000_000_000
    assert tel["nacks"] == c.TELEMETRY_FIELDS.index("nacks")
    assert c.unpack_events(by_name["events"]) == [
        (c.EV_SPIKE, 0, 123000),
        (c.EV_BURST_ON, 1, 123400),
        (c.EV_CONTACT_ON, 0, 0),
    ]
    assert c.unpack_joint_cmd(by_name["joint_cmd"]) == (10.5, -3.0)
    assert c.unpack_param_set(by_name["param_set"]) == (24, 0.5)
    assert c.unpack_param_value(by_name["param_value"]) == (9, 24, 0.5)
    assert c.unpack_ack(by_name["ack"]) == (c.MODE, 12)
    assert c.unpack_nack(by_name["nack"]) == (c.PARAM_SET, 9, c.ERR_OUT_OF_RANGE, 24)
    assert c.unpack_log(by_name["log"]) == (c.LOG_WARNING, "params.json corrupt: defaults")


def test_max_frame_size() -> None:
    vec = next(v for v in golden() if v["name"] == "max_payload")
    assert len(bytes.fromhex(vec["payload"])) == c.MAX_PAYLOAD
    assert len(bytes.fromhex(vec["wire"])) <= c.MAX_FRAME
    with pytest.raises(c.CodecError, match="exceeds MAX_PAYLOAD"):
        c.encode_frame(c.LOG, 0, 0, bytes(c.MAX_PAYLOAD + 1))


# ------------------------------------------------------------------ decode errors
def test_decode_frame_errors_say_what_was_wrong() -> None:
    good = bytearray(c.encode_frame(c.JOINT_CMD, 3, 99, c.pack_joint_cmd(1.0, 2.0)))
    flipped = bytearray(c.cobs_decode(bytes(good[:-1])))
    flipped[9] ^= 0x40
    with pytest.raises(c.CodecError, match="bad CRC"):
        c.decode_frame(c.cobs_encode(flipped))
    with pytest.raises(c.CodecError, match="too short"):
        c.decode_frame(c.cobs_encode(b"\x01\x02\x03"))
    raw = bytearray(struct.pack("<BBHI", 9, c.HEARTBEAT, 0, 0))
    raw += struct.pack("<H", c.crc16(raw))
    with pytest.raises(c.CodecError, match="protocol version 9"):
        c.decode_frame(c.cobs_encode(raw))
    with pytest.raises(c.CodecError, match="exceeds MAX_ENCODED"):
        c.decode_frame(b"\x01" * (c.MAX_ENCODED + 1))
    with pytest.raises(c.CodecError, match="events payload of 8 bytes for 1 events"):
        c.unpack_events(b"\x01" + bytes(7))
    with pytest.raises(c.CodecError, match="telemetry payload"):
        c.unpack_telemetry(bytes(5))


def test_round_trip_float_fields() -> None:
    for value in (0.0, -1.5, 2.0**100, math.inf):  # exact in float32
        frame = c.encode_frame(c.PARAM_SET, 1, 2, c.pack_param_set(3, value))
        pid, got = c.unpack_param_set(c.decode_frame(frame)[3])
        assert pid == 3 and got == value
    _, nan = c.unpack_param_set(c.pack_param_set(3, math.nan))
    assert math.isnan(nan)


@given(
    st.integers(0, 255),
    st.integers(0, 0xFFFF),
    st.integers(0, 0xFFFFFFFF),
    st.binary(max_size=c.MAX_PAYLOAD),
)
def test_frame_round_trip(msg_type: int, seq: int, t_us: int, payload: bytes) -> None:
    wire = c.encode_frame(msg_type, seq, t_us, payload)
    assert len(wire) <= c.MAX_FRAME
    assert c.decode_frame(wire) == (msg_type, seq, t_us, payload)
    assert c.FrameSplitter().feed(wire) == [(msg_type, seq, t_us, payload)]


# ------------------------------------------------------------------ fuzzing and resync
@settings(max_examples=400)
@given(st.binary(max_size=600))
def test_decoder_never_fails_other_than_codec_error(data: bytes) -> None:
    try:
        msg_type, seq, t_us, payload = c.decode_frame(data)
    except c.CodecError:
        return
    # Whatever decodes must re-encode to the same frame (canonical COBS, CRC checked).
    assert c.decode_frame(c.encode_frame(msg_type, seq, t_us, payload))[3] == payload


@settings(max_examples=300)
@given(
    st.lists(st.binary(max_size=400), max_size=6),
    st.lists(st.binary(max_size=60), min_size=1, max_size=6),
    st.integers(1, 64),
)
def test_splitter_resyncs_after_garbage(
    garbage: list[bytes], payloads: list[bytes], chunk: int
) -> None:
    """Garbage before each good frame never loses or corrupts that frame, however it is cut."""
    stream = bytearray()
    want = []
    for k, payload in enumerate(payloads):
        if k < len(garbage):
            stream += garbage[k] + b"\x00"  # garbage ends at a delimiter (a link glitch)
        stream += c.encode_frame(c.LOG, k, k * 1000, payload)
        want.append((c.LOG, k, k * 1000, payload))
    splitter = c.FrameSplitter()
    got = []
    for i in range(0, len(stream), chunk):
        got += splitter.feed(bytes(stream[i : i + chunk]))
    # A random garbage block can itself be a valid frame only with a matching CRC (~1/65536)
    # and version byte; then it shows up as an extra frame, never as a lost or altered one.
    genuine = [f for f in got if f[0] == c.LOG and f in want]
    assert genuine == want
    assert splitter.frames_ok == len(got)


def test_splitter_counts_each_error_kind() -> None:
    good = c.encode_frame(c.HEARTBEAT, 5, 6)
    bad_crc = bytearray(good)
    bad_crc[3] ^= 0x01 if bad_crc[3] != 0x01 else 0x03
    s = c.FrameSplitter()
    stream = (
        b"\x05\x11\x00"  # truncated COBS
        + bytes(bad_crc)
        + b"\x02\x11\x00"  # decodes to 1 byte: too short
        + b"\x01" * (c.MAX_ENCODED + 50)
        + b"\x00"  # oversized
        + good
        + b"\x00\x00"  # empty frames: ignored
    )
    frames = s.feed(stream)
    assert frames == [(c.HEARTBEAT, 5, 6, b"")]
    assert (s.bad_cobs, s.bad_crc, s.too_short, s.oversize, s.frames_ok) == (1, 1, 1, 1, 1)
    assert s.bad_frames == 3


def test_splitter_oversized_frame_does_not_swallow_the_next() -> None:
    s = c.FrameSplitter()
    good = c.encode_frame(c.HEARTBEAT, 1, 2)
    frames = s.feed(b"\x07" * 5000 + b"\x00" + good)
    assert frames == [(c.HEARTBEAT, 1, 2, b"")] and s.oversize == 1

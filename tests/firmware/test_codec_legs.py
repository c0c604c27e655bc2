"""LEGS and LEG_JOINT_CMD: golden vectors under CPython and MicroPython, the payload layout byte
by byte (docs/protocol.md), malformed payloads, and the firmware sending and obeying them."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest

from conftest import Host, nack_error, run_micropython
from mnsu import wire as c
from mnsu.cosim import CoSim
from mnsu.link.decoder import Decoder
from mnsu.protocol import Legs

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "protocol_v1_legs.json"
TROT = ROOT / "examples" / "quadruped_trot.yaml"


def vectors() -> list[dict[str, Any]]:
    data = json.loads(GOLDEN.read_text())
    assert data["protocol_version"] == c.PROTOCOL_VERSION
    frames: list[dict[str, Any]] = data["frames"]
    return frames


def le(value: int, size: int, signed: bool = False) -> bytes:
    return value.to_bytes(size, "little", signed=signed)


def test_legs_payload_layout_by_hand() -> None:
    for vec in vectors():
        if vec["type"] != c.LEGS:
            continue
        want = bytes([len(vec["fields"])])
        for leg in vec["fields"]:
            want += (
                le(leg["flags"], 1)
                + le(leg["env_flexor_q15"], 2)
                + le(leg["env_extensor_q15"], 2)
                + le(leg["hip_cdeg"], 2, True)
                + le(leg["knee_cdeg"], 2, True)
                + le(leg["pulse0_us"], 2)
                + le(leg["pulse1_us"], 2)
            )
        assert want.hex() == vec["payload"], vec["name"]
        assert c.unpack_legs(want) == vec["fields"]
        assert c.encode_frame(vec["type"], vec["seq"], vec["t_us"], want).hex() == vec["wire"]
    cmd = next(v for v in vectors() if v["type"] == c.LEG_JOINT_CMD)
    f = cmd["fields"]
    hand = bytes([f["leg"]]) + struct.pack("<f", f["hip_deg"]) + struct.pack("<f", f["knee_deg"])
    assert hand.hex() == cmd["payload"]
    assert c.REQUEST_SIZES[c.LEG_JOINT_CMD] == len(hand)


def test_malformed_legs_payload_is_a_codec_error() -> None:
    good = bytes.fromhex(vectors()[0]["payload"])
    for bad in (b"", good[:-1], good + b"\x00", bytes([5]) + good[1:]):
        with pytest.raises(c.CodecError):
            c.unpack_legs(bad)


SCRIPT = """
import json
from mnsu_fw import codec as c
raw = bytearray(c.MAX_RAW)
buf = bytearray(c.MAX_FRAME)
out = []
for v in json.loads(open(%r).read())["frames"]:
    payload = bytes.fromhex(v["payload"])
    t = v["t_us"]
    n = c.encode_frame_into(v["type"], v["seq"], t & 0xFFFF, t >> 16, payload, len(payload),
                            raw, buf)
    out.append(bytes(buf[:n]).hex())
print(json.dumps(out))
"""


def test_micropython_encodes_the_golden_frames() -> None:
    stdout = run_micropython(SCRIPT % str(GOLDEN))
    assert json.loads(stdout) == [v["wire"] for v in vectors()]


def test_board_sends_legs_and_obeys_leg_joint_commands() -> None:
    with CoSim(TROT, seed=1) as sim:
        host = Host(sim)
        assert host.request(c.MODE, c.pack_mode(c.MODE_HOST))[1] == c.ACK
        ack = host.request(c.LEG_JOINT_CMD, c.pack_leg_joint_cmd(2, -20.0, 45.0))
        assert ack[1] == c.ACK
        assert nack_error(host.request(c.LEG_JOINT_CMD, c.pack_leg_joint_cmd(4, 0.0, 10.0))) == (
            c.ERR_OUT_OF_RANGE
        )
        far = host.request(c.LEG_JOINT_CMD, c.pack_leg_joint_cmd(1, 80.0, 10.0))
        assert nack_error(far) == c.ERR_OUT_OF_RANGE  # beyond the hip's 35 deg
        host.run(1.0)
        decoder = Decoder()
        msgs = []
        for t, kind, seq, t_us, payload in host.frames:
            if kind == c.LEGS:
                msgs += decoder._typed(kind, seq, t_us, t_us * 1e-6, payload, t)
        last = msgs[-1]
        assert isinstance(last, Legs) and len(last.legs) == 4
        assert last.joints_deg(2) == pytest.approx((-20.0, 45.0))
        assert last.joints_deg(0) == pytest.approx((0.0, 10.0))  # held at neutral
        assert len(msgs) >= 90  # one per telemetry frame at 100 Hz

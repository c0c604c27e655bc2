"""The codec and the parameter table under the real MicroPython interpreter give the same bytes.

The board's half of the codec (`*_into`, `FrameSplitter.feed_into`) runs under MicroPython; the
golden vectors were written by the host's half (`mnsu.wire`).
"""

from __future__ import annotations

import json
from pathlib import Path

from mnsu_fw import params

from conftest import run_micropython
from mnsu import wire as c

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "protocol_v1.json"

SCRIPT = """
import json
import struct
from mnsu_fw import codec as c
from mnsu_fw import params
frames = json.loads(open(%r).read())["frames"]
raw = bytearray(c.MAX_RAW)
buf = bytearray(c.MAX_FRAME)
out = []
for v in frames:
    payload = bytes.fromhex(v["payload"])
    t = v["t_us"]
    n = c.encode_frame_into(v["type"], v["seq"], t & 0xFFFF, t >> 16, payload, len(payload),
                            raw, buf)
    wire = bytes(buf[:n])
    got = []
    def sink(r, m):
        got.append(struct.unpack_from("<BHI", r, 1) + (bytes(r[c.HEADER_SIZE : m - c.CRC_SIZE]),))
    s = c.FrameSplitter()
    data = b"garbage\\x13\\x00" + bytes.fromhex(v["wire"])
    s.feed_into(data, len(data), sink)
    dec = got[-1] if got else (0, 0, 0, b"")
    out.append([wire.hex(), dec[0], dec[1], dec[2], dec[3].hex(), len(got), s.bad_frames])
print(json.dumps({"frames": out, "crc": c.crc16(b"123456789"), "table_crc": params.table_crc(),
                  "count": params.COUNT}))
"""


def test_micropython_codec_matches_golden_and_host() -> None:
    stdout = run_micropython(SCRIPT % str(GOLDEN))
    result = json.loads(stdout)
    assert result["crc"] == 0x29B1
    assert result["table_crc"] == params.table_crc()
    assert result["count"] == params.COUNT
    vectors = json.loads(GOLDEN.read_text())["frames"]
    assert len(result["frames"]) == len(vectors)
    for vec, (wire, mtype, seq, t_us, payload, n_good, n_bad) in zip(
        vectors, result["frames"], strict=True
    ):
        assert wire == vec["wire"], vec["name"]
        assert (mtype, seq, t_us, payload) == (vec["type"], vec["seq"], vec["t_us"], vec["payload"])
        # the garbage before the frame ends at its own delimiter: one bad frame, one good
        assert (n_good, n_bad) == (1, 1), vec["name"]
    assert c.PROTOCOL_VERSION == 1

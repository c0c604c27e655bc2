"""`mnsu record` on the virtual board (the real firmware under MicroPython behind a pty): the
MCAP it writes is read back with independent readers -- rosbags (container and CDR) and
mcap-ros2-support's dynamic decoder (from the schema text in the file) -- and every message is
compared with the link's own view of the same session (mnsu.link.replay of the .mnsurec)."""

from __future__ import annotations

import io
import math
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from mnsu.cli import main
from mnsu.cosim.virtual_board import VirtualBoard
from mnsu.link import Event, Link, LogLine, Telemetry, replay
from mnsu.protocol import cdeg_to_deg

ROOT = Path(__file__).resolve().parents[2]
pytest.importorskip("rosbags")
pytest.importorskip("mcap_ros2")


def mnsu(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3 s live recording of a walking virtual board (CPG mode, 100 Hz telemetry)."""
    vb = VirtualBoard(ROOT / "examples" / "leg.yaml", realtime=True, speed=1.0)
    vb.start()
    out = tmp_path_factory.mktemp("rec") / "session.mcap"
    try:
        with Link(vb.path) as link:
            link.set_param("telemetry_hz", 100)
            link.set_mode("cpg")
        code, stdout, err = mnsu("record", "--port", vb.path, "--out", str(out), "--duration", "3")
        assert code == 0, err
        assert "/joint_states" in stdout
    finally:
        vb.stop()
    return out


def test_rosbags_reads_every_topic_with_the_links_counts_and_values(session: Path) -> None:
    from rosbags.highlevel import AnyReader

    from mnsu.export.ros_mcap import TOPICS, typestore

    link_view = list(replay(session.with_suffix(".mnsurec")))
    tel = [m for m in link_view if isinstance(m, Telemetry)]
    events = [m for m in link_view if isinstance(m, Event)]
    logs = [m for m in link_view if isinstance(m, LogLine)]
    assert len(tel) > 200  # 3 s at 100 Hz, less the connect time
    with AnyReader([session], default_typestore=typestore()) as opened:
        reader: Any = opened  # deserialize() returns untyped message objects
        types = {c.topic: c.msgtype for c in reader.connections}
        assert types == TOPICS
        counts = Counter(c.topic for c, _, _ in reader.messages())
        assert counts["/joint_states"] == len(tel)
        assert counts["/cpg/neurons"] == len(tel)
        assert counts["/foot_contact"] == len(tel)
        assert counts["/cpg/events"] == len(events)
        assert counts["/rosout"] == len(logs)
        js = [
            reader.deserialize(raw, c.msgtype)
            for c, _, raw in reader.messages()
            if c.topic == "/joint_states"
        ]
        contacts = [
            reader.deserialize(raw, c.msgtype).contact
            for c, _, raw in reader.messages()
            if c.topic == "/foot_contact"
        ]
        kinds = [
            reader.deserialize(raw, c.msgtype).event
            for c, _, raw in reader.messages()
            if c.topic == "/cpg/events"
        ]
        raw_in = b"".join(
            bytes(reader.deserialize(raw, c.msgtype).data)
            for c, _, raw in reader.messages()
            if c.topic == "/mnsu/link" and reader.deserialize(raw, c.msgtype).direction == 0
        )
    assert [list(m.name) for m in js[:1]] == [["hip", "knee"]]
    for m, t in zip(js, tel, strict=True):
        assert m.position[0] == pytest.approx(math.radians(cdeg_to_deg(t.fields["hip_cdeg"])))
        assert m.position[1] == pytest.approx(math.radians(cdeg_to_deg(t.fields["knee_cdeg"])))
    assert contacts == [t.contact for t in tel]
    assert kinds == [e.kind for e in events]
    stamps = [m.header.stamp.sec * 10**9 + m.header.stamp.nanosec for m in js]
    assert all(b > a for a, b in zip(stamps, stamps[1:], strict=False))
    # the raw bytes from the board are the recording's, every one
    from mnsu.link import load_recording

    rec = load_recording(session.with_suffix(".mnsurec"))
    assert raw_in == b"".join(d for k, _, d in rec.records if k == "r")
    # the leg moved (CPG mode): the hip swept more than 5 degrees
    hips = [m.position[0] for m in js]
    assert math.degrees(max(hips) - min(hips)) > 5.0


def test_mcap_ros2_decoder_reads_the_schemas_in_the_file(session: Path) -> None:
    from mcap.reader import make_reader
    from mcap_ros2.decoder import DecoderFactory

    seen: Counter[str] = Counter()
    with session.open("rb") as f:
        reader = make_reader(f, decoder_factories=[DecoderFactory()])
        assert reader.get_header().profile == "ros2"
        for schema, channel, _msg, decoded in reader.iter_decoded_messages():
            seen[channel.topic] += 1
            assert schema is not None
            if channel.topic == "/cpg/neurons":
                assert len(decoded.name) == len(decoded.readout_v) == len(decoded.spike_count)
                assert all(0.0 <= v <= 3.3 for v in decoded.readout_v)
    assert seen["/joint_states"] > 200


def test_convert_and_bad_input_are_one_line(session: Path, tmp_path: Path) -> None:
    out = tmp_path / "again.mcap"
    code, stdout, err = mnsu(
        "record", "--convert", str(session.with_suffix(".mnsurec")), "--out", str(out)
    )
    assert code == 0, err
    assert out.read_bytes() != b"" and "/joint_states" in stdout
    bad = tmp_path / "bad.mnsurec"
    bad.write_bytes(b"not a recording")
    code, _, err = mnsu("record", "--convert", str(bad), "--out", str(tmp_path / "x.mcap"))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "not an mnsu link" in err
    code, _, err = mnsu("record", "--convert", str(bad), "--out", str(tmp_path / "x.bag"))
    assert code == 2 and "must end in .mcap" in err
    rec = str(session.with_suffix(".mnsurec"))
    code, _, err = mnsu("record", "--convert", rec, "--out", str(tmp_path / "no" / "x.mcap"))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "cannot write" in err
    out = tmp_path / "absent.mcap"
    code, _, err = mnsu("record", "--port", str(tmp_path / "no-such-port"), "--out", str(out))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "no-such-port" in err
    assert not out.with_suffix(".mnsurec").exists()  # no empty recording left behind

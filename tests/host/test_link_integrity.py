"""The host link never dies and never lies: hostile bytes, board resets, killed recorders, noise.

The decoder fuzz feeds >= 1e5 hostile items interleaved with valid frames in random chunk
sizes; the pty tests run the real Link against a fake board (tests/host/peer.py).
"""

from __future__ import annotations

import os
import random
import signal
import struct
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mnsu_fw import params as p

from mnsu import wire as c
from mnsu.link import Connection, Decoder, Link, Telemetry, load_recording, replay
from mnsu.link.recording import RECORD_MAGIC, Recorder

from .peer import Peer, telemetry_payload
from .test_link import call, connect, serve_until

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def peer() -> Iterator[Peer]:
    board = Peer()
    yield board
    board.close()


def _noise(rng: random.Random, n: int) -> bytes:
    return rng.randbytes(n).replace(b"\x00", b"\x01")


def _hostile(rng: random.Random) -> bytes:
    """One hostile item: line noise, long garbage, or CRC-valid frames that do not unpack."""
    r = rng.random()
    if r < 0.25:  # short noise, no delimiter: glued to the next frame
        return _noise(rng, rng.randrange(1, 30))
    if r < 0.35:  # long garbage without a delimiter (more than one frame long)
        return _noise(rng, rng.randrange(252, 400))
    if r < 0.5:  # noise with delimiters
        return rng.randbytes(rng.randrange(1, 60)) + b"\x00"
    kind = rng.choice([c.CAPS, c.EVENTS, c.LOG, c.ACK, c.NACK, c.PARAM_VALUE, 0x7E, c.TELEMETRY])
    if kind == c.CAPS and rng.random() < 0.5:  # a board name cut inside a UTF-8 character
        payload = c.pack_caps((0, 1, 0), 2, 2, 2000, p.COUNT, p.table_crc(), "b\u00e9")[:-1]
    else:
        n = rng.randrange(0, 60)
        if kind == c.TELEMETRY and n == c.TELEMETRY_SIZE:
            n += 1
        payload = rng.randbytes(n)
    frame = c.encode_frame(kind, rng.randrange(65536), rng.randrange(1 << 32), payload)
    if r < 0.6:  # a CRC-valid frame with a foreign version byte
        raw = bytearray(c.cobs_decode(frame[:-1]))
        raw[0] = rng.randrange(2, 256)
        raw[-2:] = struct.pack("<H", c.crc16(bytes(raw[:-2])))
        frame = c.cobs_encode(bytes(raw)) + b"\x00"
    return frame


def test_decoder_fuzz_loses_and_corrupts_no_valid_frame() -> None:
    rng = random.Random(7)
    stream = bytearray()
    sent: list[int] = []
    n_hostile = 0
    t_us = 0
    k = 0
    while n_hostile < 100_000:
        for _ in range(rng.randrange(1, 4)):
            stream += _hostile(rng)
            n_hostile += 1
        t_us = (t_us + 1000) & 0xFFFFFFFF
        stream += c.encode_frame(c.TELEMETRY, k & 0xFFFF, t_us, telemetry_payload(k))
        sent.append(k)
        k += 1
    dec = Decoder()
    got: list[int] = []
    pos = 0
    t0 = time.perf_counter()
    while pos < len(stream):
        n = rng.choice([1, 2, 7, 64, 255, 256, 700, 4096, rng.randrange(1, 5000)])
        for frame in dec.feed(bytes(stream[pos : pos + n]), 0.0):
            for msg in dec.messages(frame, 0.0):
                if isinstance(msg, Telemetry):
                    got.append(msg.fields["ticks"])
                    assert msg.fields["hip_cdeg"] == msg.fields["ticks"] % 3000 - 1500
        pos += n
    wall = time.perf_counter() - t0
    assert got == sent, (len(got), len(sent))  # every valid frame, in order, none invented
    assert dec.stats.decode_errors > 1000 and dec.stats.resyncs > 10_000
    print(f"decoder fuzz: {n_hostile} hostile items, {len(sent)} frames, {wall:.1f} s")


def test_cut_utf8_caps_and_undecodable_frames_do_not_kill_the_reader(peer: Peer) -> None:
    link = connect(peer)
    sub = link.subscribe(("telemetry",))
    try:
        caps = c.pack_caps((0, 1, 0), 2, 2, 2000, p.COUNT, p.table_crc(), "leg-\u00e9")[:-1]
        peer.send(c.CAPS, caps)  # the name ends inside the two bytes of an e-acute
        peer.send(c.CAPS, b"\x01\x02")  # too short to unpack
        peer.send(c.EVENTS, b"\x05\x01")  # says 5 events, carries none
        peer.send_telemetry(1, 1000)
        msg = None
        deadline = time.monotonic() + 3.0
        while msg is None and time.monotonic() < deadline:
            peer.serve(0.005)
            msg = sub.get(0.01)
        assert isinstance(msg, Telemetry) and msg.fields["ticks"] == 1
        assert link.stats.decode_errors >= 2
        assert link.connected and link.caps is not None
        # the reader still answers: heartbeats go out, a request gets its reply
        hb = link.stats.heartbeats_sent
        serve_until(peer, lambda: link.stats.heartbeats_sent > hb + 2, 2.0)
        assert link.stats.heartbeats_sent > hb + 2
        assert call(peer, link.get_param, "telemetry_hz") == 100.0
    finally:
        link.close()


def test_board_reset_mid_session_is_a_reset_event_not_lost_frames(peer: Peer) -> None:
    link = connect(peer)
    sub = link.subscribe(("telemetry", "connection"))
    try:
        for k in range(500):
            peer.send_telemetry(k, 1000)
        peer.seq = 0  # the board restarts: sequence and clock from 0
        peer.t_us = 0
        peer.send(c.LOG, bytes([c.LOG_WARNING]) + b"params.json missing")
        for k in range(500, 600):
            peer.send_telemetry(k, 1000)
        serve_until(peer, lambda: link.stats.frames_received >= 602, 5.0)
        msgs = sub.drain()
        resets = [m for m in msgs if isinstance(m, Connection) and m.state == "board_reset"]
        ticks = [m.fields["ticks"] for m in msgs if isinstance(m, Telemetry)]
        assert ticks == list(range(600))
        assert len(resets) == 1 and "went back" in resets[0].detail
        assert link.stats.board_resets == 1 and link.stats.frames_lost == 0
        assert link.connected
    finally:
        link.close()


def test_noise_burst_on_the_line_does_not_cost_the_next_command(peer: Peer) -> None:
    link = connect(peer)
    try:
        for k in range(20):
            # line noise reached the board's receiver (the firmware's own splitter) unterminated
            peer.splitter.feed(bytes(random.Random(k).randrange(1, 256) for _ in range(40)))
            assert call(peer, link.set_param, "telemetry_hz", 100 + k) == 100.0 + k
    finally:
        link.close()


CHILD = textwrap.dedent(
    """
    import sys, time
    from mnsu.link import Link
    link = Link(sys.argv[1], record=sys.argv[2], hello_timeout_s=5.0)
    print("connected", flush=True)
    time.sleep(60)
    """
)


def test_recording_of_a_killed_host_replays_every_complete_record(
    peer: Peer, tmp_path: Path
) -> None:
    rec = tmp_path / "killed.mnsurec"
    env = dict(os.environ, PYTHONPATH=str(ROOT / "host"))
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, peer.path, str(rec)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        deadline = time.monotonic() + 20.0
        while not rec.exists() or b"connected" not in _peek(child):
            peer.serve(0.01)
            assert time.monotonic() < deadline and child.poll() is None, child.stderr
        for k in range(3000):
            peer.send_telemetry(k, 1000)
            if k % 200 == 0:
                peer.serve(0)
        time.sleep(0.3)
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(10)
    loaded = load_recording(rec)
    ticks = [m.fields["ticks"] for m in replay(rec) if isinstance(m, Telemetry)]
    assert len(ticks) >= 2500 and ticks == list(range(len(ticks)))
    # a torn tail at every possible cut: every record before it is recovered, the tail reported
    data = rec.read_bytes()
    ends = _record_ends(data)
    for cut in range(ends[0], min(len(data), ends[0] + 400)):
        (tmp_path / "cut.mnsurec").write_bytes(data[:cut])
        part = load_recording(tmp_path / "cut.mnsurec")
        complete = sum(1 for e in ends[1:] if e <= cut)
        assert len(part.records) == complete
        assert (part.torn is None) == (cut in ends)
        if part.torn is not None:
            tail = [m for m in replay(tmp_path / "cut.mnsurec")][-1]
            assert "torn tail" in getattr(tail, "text", ""), tail
    assert loaded.records


def _peek(child: subprocess.Popen[bytes]) -> bytes:
    import select

    assert child.stdout is not None
    if select.select([child.stdout], [], [], 0)[0]:
        return child.stdout.readline()
    return b""


def _record_ends(data: bytes) -> list[int]:
    """Byte offsets where the header and each record end (reference parser of docs/link.md)."""
    pos = data.index(b"\n", len(RECORD_MAGIC)) + 1
    ends = [pos]
    rec = struct.Struct("<cdI")
    while pos + rec.size <= len(data):
        _, _, n = rec.unpack_from(data, pos)
        if pos + rec.size + n > len(data):
            break
        pos += rec.size + n
        ends.append(pos)
    return ends


def test_recorder_flushes_each_record(tmp_path: Path) -> None:
    r = Recorder(tmp_path / "r.mnsurec", {"port": "x"})
    r.write(b"r", b"abc")
    # another reader sees it at once (nothing waits in a buffer of this process)
    assert load_recording(tmp_path / "r.mnsurec").records[0][2] == b"abc"
    r.close()


def test_link_connected_is_false_when_the_reader_is_gone(peer: Peer) -> None:
    link = connect(peer)
    link.close()
    assert not link.connected
    assert isinstance(link, Link)

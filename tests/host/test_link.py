"""The host link over real pseudo-terminals against a peer that speaks the shared codec."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mnsu import wire as c
from mnsu.link import (
    CommandRefused,
    Connection,
    Decoder,
    Link,
    LinkTimeout,
    ParamError,
    ProtocolVersionError,
    Telemetry,
    check_param,
    replay,
)

from .peer import Peer


def connect(peer: Peer, port: str | None = None, **kw: object) -> Link:
    """Open a Link while the peer answers the handshake (both in bounded loops)."""
    link = Link(port or peer.path, connect=False, **kw)  # type: ignore[arg-type]
    link._open()
    import threading

    link._thread = threading.Thread(target=link._run, daemon=True)
    link._thread.start()
    deadline = time.monotonic() + 3.0
    while not link.connected and time.monotonic() < deadline:
        peer.serve(0.01)
    link.wait_connected(0.5)
    return link


def serve_until(peer: Peer, cond: object, timeout_s: float = 3.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not cond() and time.monotonic() < deadline:  # type: ignore[operator]
        peer.serve(0.005)


@pytest.fixture
def peer() -> Iterator[Peer]:
    p = Peer()
    yield p
    p.close()


def call(peer: Peer, fn: object, *args: object) -> object:
    """Run a blocking link request on a thread while the peer answers it."""
    import threading

    box: list[object] = []

    def target() -> None:
        try:
            box.append(fn(*args))  # type: ignore[operator]
        except Exception as exc:
            box.append(exc)

    th = threading.Thread(target=target)
    th.start()
    serve_until(peer, lambda: bool(box), 3.0)
    th.join(1.0)
    assert box, "request did not finish in 3 s"
    if isinstance(box[0], Exception):
        raise box[0]
    return box[0]


def test_handshake_params_and_refusals(peer: Peer) -> None:
    link = connect(peer)
    try:
        assert link.caps is not None and link.caps.board == "peer"
        assert call(peer, link.get_param, "telemetry_hz") == 100.0
        assert call(peer, link.set_param, "telemetry_hz", 250) == 250.0
        assert call(peer, link.set_param, "safe_pose", "limp") == 2.0

        def requests() -> int:
            return sum(1 for f in peer.received if f[0] != c.HEARTBEAT)

        sent = requests()
        with pytest.raises(ParamError, match=r"telemetry_hz = 1001 Hz is out of range \[0, 1000\]"):
            link.set_param("telemetry_hz", 1001)
        with pytest.raises(ParamError, match="unknown parameter 'nope'"):
            link.set_param("nope", 1)
        with pytest.raises(ParamError, match="whole number"):
            link.set_param("telemetry_hz", 1.5)
        with pytest.raises(ParamError, match="finite"):
            link.set_param("hip_amp_deg", float("nan"))
        with pytest.raises(ParamError, match="must be one of hold, neutral, limp"):
            link.set_param("safe_pose", "floppy")
        peer.serve(0.05)
        assert requests() == sent  # refused on the host: nothing was sent
        # the board's own check: a joint limit above the other one
        with pytest.raises(CommandRefused, match="param_set hip_min_deg: value inconsistent"):
            call(peer, link.set_param, "hip_min_deg", 40.0)
        call(peer, link.set_mode, "cpg")
        assert peer.received[-1][0] == c.MODE
    finally:
        link.close()


def test_check_param_without_a_board() -> None:
    assert check_param("mode", "host") == 2.0
    assert check_param("adc_vref_v", 3.3) == pytest.approx(3.3)
    with pytest.raises(ParamError, match=r"out of range \[1, 5\] V"):
        check_param("adc_vref_v", 0.5)


def test_protocol_version_mismatch_names_both_versions() -> None:
    peer = Peer(version=c.PROTOCOL_VERSION + 1)
    try:
        with pytest.raises(ProtocolVersionError, match=r"version 2, this host speaks 1"):
            connect(peer)
    finally:
        peer.close()


def test_no_board_on_port_times_out_clearly(peer: Peer) -> None:
    with pytest.raises(LinkTimeout, match="no CAPS answer to HELLO within 0.3 s"):
        Link(peer.path, hello_timeout_s=0.3)


def test_garbage_resyncs_on_the_next_frame(peer: Peer) -> None:
    link = connect(peer)
    sub = link.subscribe(("telemetry",))
    try:
        peer.send_telemetry(1, 1000)
        peer.write(b"\x13\x37garbage without delimiter\xff\xfe")
        peer.send_telemetry(2, 1000)  # glued to the garbage: recovered from the block
        peer.write(b"\x00\x05\x00noise\x00\x01\x02\x03")  # garbage with delimiters
        peer.send_telemetry(3, 1000)  # the next frame after garbage
        peer.send_telemetry(4, 1000)
        got: list[int] = []
        deadline = time.monotonic() + 3.0
        while len(got) < 4 and time.monotonic() < deadline:
            msg = sub.get(0.05)
            if isinstance(msg, Telemetry):
                got.append(msg.fields["ticks"])
        assert got == [1, 2, 3, 4]
        assert link.stats.resyncs == 2
        assert link.stats.frames_lost == 0
        assert link.stats.bad_frames + link.stats.crc_errors >= 1
    finally:
        link.close()


def test_1khz_telemetry_for_60s_virtual_loses_nothing(peer: Peer, tmp_path: Path) -> None:
    rec = tmp_path / "session.mnsurec"
    link = connect(peer, record=rec)
    sub = link.subscribe(("telemetry",))
    n = 60_000
    try:
        for k in range(n):  # 60 s of board time at 1 kHz
            peer.send_telemetry(k, 1000)
            if k % 2000 == 0:
                peer.serve(0)  # answer heartbeats now and then
        deadline = time.monotonic() + 30.0
        while link.stats.frames_received < n + 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        tel = [m for m in sub.drain() if isinstance(m, Telemetry)]
        assert [m.fields["ticks"] for m in tel] == list(range(n))
        assert tel[-1].board_time_s == pytest.approx(60.0)
        assert link.stats.frames_lost == 0
        assert link.stats.crc_errors == 0
        assert link.stats.heartbeats_sent >= 60 / 0.05 * 0.9  # clocked by board time too
    finally:
        link.close()
    replayed = [m for m in replay(rec) if isinstance(m, Telemetry)]
    assert len(replayed) == n
    assert replayed[-1].fields["ticks"] == n - 1


def test_reconnect_after_pty_replaced_keeps_received_frames() -> None:
    d = Path(tempfile.mkdtemp())
    port = d / "tty"
    first = Peer()
    os.symlink(first.path, port)
    link = connect(first, str(port))
    sub = link.subscribe(("telemetry", "connection"))
    second: Peer | None = None
    try:
        for k in range(100):
            first.send_telemetry(k, 1000)
        serve_until(first, lambda: link.stats.frames_received >= 101)
        first.close()  # unplug: the pty disappears
        port.unlink()
        second = Peer()
        second.seq = first.seq + 7  # the board kept running: 7 frames sent while unplugged
        second.t_us = first.t_us + 7000
        os.symlink(second.path, port)
        t_plug = time.monotonic()
        serve_until(second, lambda: link.connected and link.stats.connects == 2, 3.0)
        recovered = time.monotonic() - t_plug
        assert link.stats.connects == 2, "no reconnect within 3 s"
        assert recovered < 1.0
        second.send_telemetry(100, 1000)
        serve_until(second, lambda: link.stats.frames_received >= 103, 2.0)
        msgs = sub.drain()
        ticks = [m.fields["ticks"] for m in msgs if isinstance(m, Telemetry)]
        assert ticks == list(range(101))  # nothing received before the cut was lost
        states = [m.state for m in msgs if isinstance(m, Connection)]
        assert states == ["disconnected", "connected"]
        assert link.stats.frames_lost == 0
        assert link.stats.frames_missed_offline == 7
        print(f"reconnected {recovered * 1000:.0f} ms after the pty came back")
    finally:
        link.close()
        if second is not None:
            second.close()


def test_decoder_counts_crc_and_sequence_gaps() -> None:
    dec = Decoder()
    good = [c.encode_frame(c.LOG, s, 0, c.pack_log(20, "x")) for s in (0, 1, 5)]
    bad = bytearray(good[1])
    bad[3] ^= 0x40  # corrupt a payload byte: CRC fails, no suffix passes
    frames = dec.feed(good[0] + bytes(bad) + good[2], 0.0)
    for f in frames:
        dec.messages(f, 0.0)
    assert [f[1] for f in frames] == [0, 5]
    assert dec.stats.crc_errors + dec.stats.bad_frames == 1
    assert dec.stats.frames_lost == 4
    # board clock unwraps past 2**32 us (a fresh decoder: steps are taken modulo 2**32)
    dec = Decoder()
    assert dec.board_time(0xFFFFFF00) == pytest.approx(4294.967040)
    assert dec.board_time(0x100) == pytest.approx(4294.967552)

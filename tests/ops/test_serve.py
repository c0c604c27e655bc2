"""`mnsu serve`: several tools on one board at 1 kHz telemetry, and the port lock.

The real firmware runs on the virtual board (fast mode); `mnsu serve` runs as its own process
on the board's pty; the clients are Links on its loopback socket.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mnsu.cosim.virtual_board import VirtualBoard
from mnsu.link import Link, LinkError, Telemetry
from mnsu.link.port_lock import PortBusy
from mnsu.link.served import spawn_serve, stop_process

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Served:
    vb: VirtualBoard
    proc: subprocess.Popen[str]
    url: str
    stderr: list[str] = field(default_factory=list)


@pytest.fixture
def served() -> Iterator[Served]:
    vb = VirtualBoard(ROOT / "examples" / "leg.yaml", realtime=False)
    vb.start()
    proc, url = spawn_serve(vb.path, args=("--json",))
    s = Served(vb, proc, url)
    try:
        yield s
    finally:
        print(stop_process(proc, timeout_s=10.0))
        vb.stop()


# each client sets its own parameter: an answer routed to the wrong client shows another value
REQUESTS = {0: ("hip_amp_deg", 10.0), 1: ("knee_amp_deg", 20.0), 2: ("slew_dps", 300.0)}


@pytest.mark.parametrize("n_clients", [2, 3])
def test_clients_through_serve_at_1khz_lose_nothing_and_get_their_answers(
    served: Served, n_clients: int
) -> None:
    board_seconds = 4.0
    links = [Link(served.url) for _ in range(n_clients)]
    try:
        subs = [ln.subscribe(("telemetry",)) for ln in links]
        assert links[0].set_param("telemetry_hz", 1000) == 1000.0
        links[0].set_mode("hold")  # servos powered, no watchdog needed
        answers: dict[int, list[tuple[float, float]]] = {i: [] for i in range(n_clients)}
        errors: list[BaseException] = []

        def requests(i: int) -> None:
            name, base = REQUESTS[i]
            try:
                for k in range(40):
                    want = base + 0.5 * k
                    answers[i].append((want, links[i].set_param(name, want, timeout_s=5.0)))
                    assert links[i].get_param("telemetry_hz", timeout_s=5.0) == 1000.0
            except BaseException as exc:  # reported below
                errors.append(exc)

        workers = [threading.Thread(target=requests, args=(i,)) for i in range(n_clients)]
        for w in workers:
            w.start()
        frames: list[list[Telemetry]] = [[] for _ in links]
        start: float | None = None
        deadline = time.monotonic() + 150.0  # wall bound; the board runs as fast as it can
        while time.monotonic() < deadline:
            for i, sub in enumerate(subs):
                frames[i] += [m for m in sub.drain() if isinstance(m, Telemetry)]
            if start is None and len(frames[0]) > 2000:
                start = frames[0][-1].board_time_s
            done = all(not w.is_alive() for w in workers)
            if (
                done
                and start is not None
                and all(fr and fr[-1].board_time_s - start >= board_seconds for fr in frames)
            ):
                break
            time.sleep(0.02)
        for w in workers:
            w.join(10.0)
        assert not errors, errors
        assert start is not None, "telemetry too slow"
        for i, ln in enumerate(links):
            st = ln.stats
            print(f"client {i}: {len(frames[i])} telemetry frames; {st}")
            assert st.frames_lost == 0 and st.frames_missed_offline == 0
            assert st.crc_errors == 0 and st.bad_frames == 0 and st.decode_errors == 0
            assert [w for w, _ in answers[i]] == [pytest.approx(a) for _, a in answers[i]]
            assert len(answers[i]) == 40
        # every client saw the same 1 kHz telemetry, frame for frame, over the common window
        lo = max(fr[0].board_time_s for fr in frames) + 0.5
        hi = min(fr[-1].board_time_s for fr in frames)
        assert hi - lo >= board_seconds - 1.0
        seen = [[f.fields["ticks"] for f in fr if lo <= f.board_time_s <= hi] for fr in frames]
        window = [t for t in seen[0] if t >= seen[0][0]]
        steps = {b - a for a, b in zip(window, window[1:], strict=False)}
        assert steps == {2}, steps  # 2 kHz ticks, one telemetry frame every 2: none missing
        assert all(s == seen[0] for s in seen[1:])
        print(f"{len(seen[0])} frames over {hi - lo:.2f} s of board time in every client")
        last = frames[0][-1].fields
        assert last["seq_gaps"] == 0 and last["bad_crc"] == 0 and last["bad_frames"] == 0
    finally:
        for ln in links:
            ln.close()


def test_a_port_held_by_serve_or_a_link_says_who_holds_it(served: Served) -> None:
    with pytest.raises(PortBusy) as busy:
        Link(served.vb.path)
    msg = str(busy.value)
    assert msg.startswith(f"port busy: {served.vb.path} held by PID {served.proc.pid} (mnsu")
    assert msg.endswith(f"attach with `--port {served.url}`")
    proc = subprocess.run(
        [sys.executable, "-m", "mnsu.cli", "param", "get", "mode", "--port", served.vb.path],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"mnsu param get: {msg}"]
    # through the server it works, and a second server on the same port is refused
    with Link(served.url) as link:
        assert link.get_param("telemetry_hz") == 100.0
    err = subprocess.run(
        [
            sys.executable,
            "-m",
            "mnsu.cli",
            "serve",
            "--port",
            served.vb.path,
            "--listen",
            "127.0.0.1:0",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert err.returncode == 2 and "port busy" in err.stderr and served.url in err.stderr

    stop_process(served.proc, timeout_s=10.0)
    with Link(served.vb.path) as first:  # the lock went with the process
        with pytest.raises(PortBusy) as busy:
            Link(served.vb.path)
        assert f"held by PID {os.getpid()}" in str(busy.value)
        assert f"share the port: `mnsu serve --port {served.vb.path}`" in str(busy.value)
        assert first.get_param("telemetry_hz") == 100.0
    with Link(served.vb.path) as again:  # released by close()
        assert again.connected


def test_a_port_that_cannot_be_opened_keeps_no_lock(tmp_path: Path) -> None:
    """A failed open releases the port's lock: the next try in the same process is not told
    the port is busy (held by itself), but why it cannot be opened."""
    missing = str(tmp_path / "ttyNONE")
    for _ in range(2):
        with pytest.raises(LinkError) as failed:
            Link(missing, reconnect=False)
        assert not isinstance(failed.value, PortBusy), failed.value
        assert missing in str(failed.value)


def test_a_link_whose_open_failed_connects_on_retry_and_delivers() -> None:
    """The ROS session's pattern: one Link, connect() retried until the board appears. The
    failed open must leave that Link usable: its subscriptions open, its reader startable."""
    vb = VirtualBoard()
    vb.start()
    try:
        vb.unplug()
        deadline = time.monotonic() + 5.0
        while os.path.lexists(vb.path) and time.monotonic() < deadline:
            time.sleep(0.01)  # the board thread closes the pty at its next step
        link = Link(vb.path, connect=False, hello_timeout_s=5.0)
        try:
            sub = link.subscribe(("telemetry",))
            with pytest.raises(LinkError):
                link.connect()
            vb.replug()
            deadline = time.monotonic() + 5.0
            while not os.path.lexists(vb.path) and time.monotonic() < deadline:
                time.sleep(0.01)
            link.connect(timeout_s=10.0)
            assert link.connected
            msg = sub.get(timeout_s=5.0)
            assert isinstance(msg, Telemetry)
        finally:
            link.close()
    finally:
        vb.stop()


def _tool(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )


def test_the_tools_attach_through_serve_while_another_watches(
    served: Served, tmp_path: Path
) -> None:
    # issue 19: the demo, the monitor, conformance and the HIL suite attach through `mnsu
    # serve` one after the other while a first client watches; nobody loses a frame
    mnsu = [sys.executable, "-m", "mnsu.cli"]
    url = served.url
    with Link(url) as watcher:
        sub = watcher.subscribe(("telemetry",))
        got = 0
        runs = {
            "demo": [*mnsu, "demo", "--port", url, "--duration", "4", "--json",
                     "--plot", str(tmp_path / "demo.png")],
            "monitor": [*mnsu, "monitor", "--port", url, "--duration", "1", "--plain"],
            "conformance": [*mnsu, "conformance", "--port", url, "--board",
                            str(ROOT / "examples" / "leg.yaml"), "--duration", "4", "--json"],
            "param": [*mnsu, "param", "get", "telemetry_hz", "--port", url, "--json"],
            "hil": [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "hil_tests",
                    "-k", "handshake or joint_command or estop or garbage"],
        }  # fmt: skip
        for name, argv in runs.items():
            proc = _tool(*argv, env={"MNSU_PORT": url})
            got += sum(isinstance(m, Telemetry) for m in sub.drain())
            ok_codes = (0, 1) if name == "conformance" else (0,)  # FAIL is a verdict, not a break
            assert proc.returncode in ok_codes, (
                f"{name}: {proc.stdout[-1500:]} {proc.stderr[-1500:]}"
            )
            if name == "demo":
                assert json.loads(proc.stdout)["frames_lost"] == 0
            if name == "conformance":
                assert json.loads(proc.stdout)["duration_s"] >= 4.0  # it recorded through serve
        got += sum(isinstance(m, Telemetry) for m in sub.drain())
        st = watcher.stats
        print(f"watcher: {got} telemetry frames while the tools ran; {st}")
        assert got > 1000
        assert st.frames_lost == 0 and st.crc_errors == 0 and st.decode_errors == 0


def test_the_ros_bridges_session_attaches_through_serve(served: Served) -> None:
    # the ROS bridge's board side (mnsu_ros.session, plain Python: no ROS install needed) on
    # the served socket, beside another client: telemetry, parameters and the e-stop
    sys.path.insert(0, str(ROOT / "ros2_ws" / "src" / "mnsu_ros"))
    from mnsu_ros.session import BoardSession
    from mnsu_ros.session_config import SessionConfig

    frames: list[int] = []
    session = BoardSession(
        SessionConfig(port=served.url),
        on_telemetry=lambda msg, _ns: frames.append(msg.fields["ticks"]),
        on_event=lambda _msg, _ns: None,
        on_connection=lambda _up, _why: None,
    )
    with Link(served.url) as other:
        session.start()
        try:
            assert session.wait_ready(30.0), session.last_error
            deadline = time.monotonic() + 30.0
            while len(frames) < 200 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert len(frames) >= 200
            watch = other.subscribe(("telemetry",))
            session.estop()
            t: object = None
            deadline = time.monotonic() + 10.0
            while not (isinstance(t, Telemetry) and t.estop) and time.monotonic() < deadline:
                t = watch.get(1.0)
            assert isinstance(t, Telemetry) and t.estop  # the other client sees the latch
            session.reset_estop()
            assert session.link is not None and session.link.stats.frames_lost == 0
            assert other.stats.frames_lost == 0
        finally:
            session.close()

"""Hardware-in-the-loop target: a real board when MNSU_PORT is set, else the virtual board.

    MNSU_PORT=/dev/ttyACM0 .venv/bin/python -m pytest hil_tests     # a board, after mnsu deploy
    .venv/bin/python -m pytest hil_tests                            # the virtual board (CI)

MNSU_BOARD: the board file the board was built from (default examples/leg.yaml).
MNSU_RESET_CMD: a shell command that resets the real board (needed by the persistence test:
protocol v1 has no reset message; e.g. a script pulsing the RP2040's RUN pin).
MNSU_HIL_SPEED: pace of the virtual board, x real time (default 2).
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mnsu.cosim.virtual_board import VirtualBoard
from mnsu.link import Link, Telemetry

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BOARD = ROOT / "examples" / "leg.yaml"


@dataclass
class Target:
    kind: str  # "real board" or "virtual board"
    port: str
    board_file: Path
    vb: VirtualBoard | None = None
    reset_cmd: str | None = None

    def describe(self) -> str:
        if self.vb is not None:
            return (
                f"virtual board on {self.port} (board file {self.board_file}, "
                f"paced at {self.vb.speed:g}x real time)"
            )
        return f"real board on {self.port} (board file {self.board_file})"

    def soft_reset(self) -> None:
        """Restart the board's firmware (the flash stays); waits until its port exists."""
        if self.vb is not None:
            self.vb.soft_reset()
            return
        if not self.reset_cmd:
            pytest.skip(
                "real board: set MNSU_RESET_CMD to a shell command that resets the board "
                "(protocol v1 has no reset message)"
            )
        proc = subprocess.run(
            self.reset_cmd, shell=True, capture_output=True, text=True, timeout=60, check=False
        )
        assert proc.returncode == 0, f"MNSU_RESET_CMD failed: {proc.stderr.strip()}"
        wait_for(lambda: os.path.exists(self.port), 20.0, f"{self.port} to come back")


def wait_for(pred: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Poll `pred` every 10 ms for at most timeout_s (wall); fail naming `what`."""
    deadline = time.monotonic() + timeout_s
    while not pred():
        assert time.monotonic() < deadline, f"timed out after {timeout_s:g} s waiting for {what}"
        time.sleep(0.01)


def next_telemetry(
    link: Link, pred: Callable[[Telemetry], bool], timeout_s: float, what: str
) -> Telemetry:
    """The first telemetry frame (from now) that satisfies `pred`, within timeout_s wall."""
    sub = link.subscribe(("telemetry",))
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            msg = sub.get(timeout_s=max(0.0, min(0.2, deadline - time.monotonic())))
            if isinstance(msg, Telemetry) and pred(msg):
                return msg
        raise AssertionError(f"timed out after {timeout_s:g} s waiting for telemetry: {what}")
    finally:
        link.unsubscribe(sub)


def telemetry_window(link: Link, board_s: float, wall_limit_s: float) -> list[Telemetry]:
    """Telemetry frames covering `board_s` seconds of board time (bounded in wall time)."""
    sub = link.subscribe(("telemetry",))
    frames: list[Telemetry] = []
    try:
        deadline = time.monotonic() + wall_limit_s
        while not frames or frames[-1].board_time_s - frames[0].board_time_s < board_s:
            assert time.monotonic() < deadline, (
                f"only {len(frames)} telemetry frames in {wall_limit_s:g} s of wall time"
            )
            msg = sub.get(timeout_s=0.2)
            if isinstance(msg, Telemetry):
                frames.append(msg)
    finally:
        link.unsubscribe(sub)
    return frames


def pytest_report_header() -> str:
    port = os.environ.get("MNSU_PORT")
    return f"mnsu HIL target: {'real board on ' + port if port else 'virtual board'}"


@pytest.fixture(scope="session")
def target() -> Iterator[Target]:
    board_file = Path(os.environ.get("MNSU_BOARD", str(DEFAULT_BOARD)))
    port = os.environ.get("MNSU_PORT")
    if port:
        t = Target("real board", port, board_file, reset_cmd=os.environ.get("MNSU_RESET_CMD"))
        print(f"\nHIL target: {t.describe()}", flush=True)
        yield t
        return
    speed = float(os.environ.get("MNSU_HIL_SPEED", "2"))
    vb = VirtualBoard(board_file, realtime=True, speed=speed)
    vb.start()
    t = Target("virtual board", vb.path, board_file, vb=vb)
    print(f"\nHIL target: {t.describe()}", flush=True)
    try:
        yield t
    finally:
        vb.stop()


@pytest.fixture
def link(target: Target) -> Iterator[Link]:
    """A link to the target in a known state: e-stop clear, mode idle, telemetry at 200 Hz."""
    with Link(target.port) as ln:
        first = next_telemetry(ln, lambda t: True, 5.0, "any telemetry")
        if first.estop:
            ln.reset_estop()
        ln.set_mode("idle")
        old_hz = ln.get_param("telemetry_hz")
        ln.set_param("telemetry_hz", 200)
        try:
            yield ln
        finally:
            if ln.connected:
                ln.set_param("telemetry_hz", old_hz)

"""The trajectory runner without ROS or a board: what it sends, at what rate, and how it
stops (end, replacement, cancel, a link error). `send` records the poses it is given."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from harness import wait_for
from mnsu_ros.motion import TrajectoryRunner
from mnsu_ros.trajectory import Trajectory, check_trajectory

from mnsu import link as mlink

NAMES = ("hip", "knee")
LIMITS = {"hip": (-60.0, 60.0), "knee": (0.0, 90.0)}


class Sink:
    def __init__(self) -> None:
        self.poses: list[tuple[float, float, float]] = []  # (monotonic t, hip, knee)
        self.fail: Exception | None = None

    def __call__(self, hip: float, knee: float) -> None:
        if self.fail is not None:
            raise self.fail
        self.poses.append((time.monotonic(), hip, knee))


@pytest.fixture
def runner() -> Iterator[tuple[TrajectoryRunner, Sink]]:
    sink = Sink()
    stop = threading.Event()
    r = TrajectoryRunner(50.0, sink, stop)
    r.start_thread()
    try:
        yield r, sink
    finally:
        stop.set()
        r.join(2.0)


def traj(hip_rad: float, knee_rad: float, t: float) -> Trajectory:
    return check_trajectory(NAMES, [([hip_rad, knee_rad], t)], NAMES, LIMITS, (0.0, 0.0))


def test_runs_to_the_end_at_the_rate_and_stops(runner: tuple[TrajectoryRunner, Sink]) -> None:
    r, sink = runner
    r.start(traj(0.5, 1.0, 0.4), time.monotonic(), (0.0, 0.0))
    assert r.active
    wait_for(lambda: not r.active, 5.0, "the trajectory's end")
    t = [p[0] for p in sink.poses]
    assert 0.38 <= t[-1] - t[0] <= 1.0  # 0.4 s of trajectory (bounded above for a loaded host)
    assert 15 <= len(t) <= 25  # 50 Hz for 0.4 s, + the final pose
    last = sink.poses[-1]
    assert last[1:] == pytest.approx((28.6478898, 57.2957795))  # the end point, in degrees
    hips = [p[1] for p in sink.poses]
    assert hips == sorted(hips)  # monotonic towards the end point


def test_cancel_and_link_error_stop_it(runner: tuple[TrajectoryRunner, Sink]) -> None:
    r, sink = runner
    r.start(traj(0.5, 1.0, 10.0), time.monotonic(), (0.0, 0.0))
    wait_for(lambda: len(sink.poses) >= 3, 5.0, "poses sent")
    r.cancel()
    assert not r.active
    n = len(sink.poses)
    time.sleep(0.1)
    assert len(sink.poses) <= n + 1  # at most the pose already being sent
    sink.fail = mlink.Disconnected("unplugged")
    r.start(traj(0.5, 1.0, 10.0), time.monotonic(), (0.0, 0.0))
    wait_for(lambda: not r.active, 5.0, "the trajectory stopped by the link error")


def test_a_later_start_holds_until_then(runner: tuple[TrajectoryRunner, Sink]) -> None:
    r, sink = runner
    t0 = time.monotonic() + 0.3
    r.start(traj(0.5, 1.0, 0.1), t0, (0.0, 0.0))
    wait_for(lambda: not r.active, 5.0, "the trajectory's end")
    assert sink.poses[0][0] >= t0

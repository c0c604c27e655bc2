"""Running an accepted joint trajectory: one thread sends the sampled pose at a fixed rate
until the trajectory ends, is replaced or cancelled (no rclpy).

The checks before a trajectory is accepted (mode, e-stop, names, limits) are the session's;
the sampling (linear or cubic Hermite) is `trajectory.Trajectory`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from mnsu import link as mlink
from mnsu_ros.trajectory import Trajectory

log = logging.getLogger("mnsu_ros")


class TrajectoryRunner:
    """Sends `send(hip_deg, knee_deg)` at `rate_hz` along the running trajectory.

    start() replaces the running trajectory; cancel() drops it. `send` raises the link's
    errors: a timeout sends the next pose anyway, any other LinkError ends the trajectory.
    """

    def __init__(
        self, rate_hz: float, send: Callable[[float, float], None], stop: threading.Event
    ) -> None:
        self.period_s = 1.0 / rate_hz
        self._send = send
        self._stop = stop
        self._lock = threading.Lock()
        self._job: tuple[Trajectory, float, tuple[float, ...], int] | None = None
        self._gen = 0
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start_thread(self) -> None:
        self._thread = threading.Thread(target=self._run, name="mnsu-bridge-traj")
        self._thread.daemon = True
        self._thread.start()

    def join(self, timeout_s: float) -> None:
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=timeout_s)

    def start(self, traj: Trajectory, t0_monotonic: float, start: tuple[float, ...]) -> None:
        """Run `traj` from pose `start` (deg), its time 0 at `t0_monotonic`."""
        with self._lock:
            self._gen += 1
            self._job = (traj, t0_monotonic, start, self._gen)
        self._wake.set()

    def cancel(self) -> None:
        with self._lock:
            self._job = None
            self._gen += 1

    @property
    def active(self) -> bool:
        return self._job is not None

    def _finish(self, gen: int) -> None:
        with self._lock:
            if self._gen == gen:
                self._job = None

    def _run(self) -> None:
        period = self.period_s
        while not self._stop.is_set():
            with self._lock:
                job = self._job
            if job is None:
                self._wake.wait(0.5)
                self._wake.clear()
                continue
            traj, t0, start, gen = job
            elapsed = time.monotonic() - t0
            if elapsed < 0:  # header.stamp in the future: hold the start pose until then
                self._wake.wait(min(period, -elapsed))
                self._wake.clear()
                continue
            hip, knee = traj.sample(elapsed, start)
            try:
                self._send(hip, knee)
            except mlink.LinkTimeout as exc:
                log.warning("joint command unanswered, sending the next one: %s", exc)
            except mlink.LinkError as exc:
                log.warning("trajectory stopped: %s", exc)
                self._finish(gen)
                continue
            if elapsed >= traj.duration_s:
                self._finish(gen)
                continue
            self._wake.wait(period)
            self._wake.clear()

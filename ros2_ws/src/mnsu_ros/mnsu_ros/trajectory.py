"""Joint trajectories from ROS checked and sampled for the board (pure logic, no rclpy).

`check_trajectory` takes the plain content of a trajectory_msgs/JointTrajectory (joint names,
and per point the positions in radians and time_from_start in seconds) and refuses it whole,
with a reason, when a name is unknown or repeated, a point has the wrong number of positions,
a position is NaN or infinite, a position lies outside the board's joint limits, or the times
go backwards. An accepted trajectory is linear interpolation in degrees from the pose the leg
had when it was accepted; joints the message does not name keep their position.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

LIMIT_TOLERANCE_DEG = 1e-6


class TrajectoryError(ValueError):
    """A trajectory refused before anything reached the board; str() is the reason."""


@dataclass(frozen=True)
class Trajectory:
    """Accepted points: times (s from start, non-decreasing) and full poses (deg per joint)."""

    times_s: tuple[float, ...]
    poses_deg: tuple[tuple[float, ...], ...]

    @property
    def duration_s(self) -> float:
        return self.times_s[-1]

    def sample(self, elapsed_s: float, start_deg: Sequence[float]) -> tuple[float, ...]:
        """The pose (deg) `elapsed_s` after the start, starting from `start_deg` at time 0."""
        prev_t = 0.0
        prev = tuple(float(x) for x in start_deg)
        for t, pose in zip(self.times_s, self.poses_deg, strict=True):
            if elapsed_s < t:
                span = t - prev_t
                f = 0.0 if span <= 0 else (elapsed_s - prev_t) / span
                f = min(1.0, max(0.0, f))
                return tuple(a + (b - a) * f for a, b in zip(prev, pose, strict=True))
            prev_t, prev = t, pose
        return prev


def check_trajectory(
    names: Sequence[str],
    points: Sequence[tuple[Sequence[float], float]],
    joint_names: Sequence[str],
    limits_deg: Mapping[str, tuple[float, float]],
    current_deg: Sequence[float],
) -> Trajectory:
    """Validate a trajectory; return it in board joint order (deg) or raise TrajectoryError.

    names: the message's joint names; points: (positions in rad, time_from_start in s) each;
    joint_names: the node's joint names in board order; limits_deg: {joint name: (min, max)}
    from the board's current parameters; current_deg: the pose to hold for joints not named.
    """
    if not names:
        raise TrajectoryError("joint_names is empty")
    if not points:
        raise TrajectoryError("the trajectory has no points")
    unknown = [n for n in names if n not in joint_names]
    if unknown:
        raise TrajectoryError(
            f"unknown joint name(s) {', '.join(map(repr, unknown))}; "
            f"this board's joints are {', '.join(joint_names)}"
        )
    if len(set(names)) != len(names):
        raise TrajectoryError(f"joint names repeated in {list(names)}")
    index = [list(joint_names).index(n) for n in names]
    times: list[float] = []
    poses: list[tuple[float, ...]] = []
    last_t = 0.0
    for k, (positions, t) in enumerate(points):
        if len(positions) != len(names):
            raise TrajectoryError(
                f"point {k} has {len(positions)} positions for {len(names)} joint names"
            )
        if not math.isfinite(t) or t < 0:
            raise TrajectoryError(f"point {k}: time_from_start {t} s must be finite and >= 0")
        if t < last_t:
            raise TrajectoryError(
                f"point {k}: time_from_start {t} s is before the previous point's {last_t} s"
            )
        last_t = t
        pose = [float(x) for x in current_deg]
        for name, j, rad in zip(names, index, positions, strict=True):
            if not math.isfinite(rad):
                raise TrajectoryError(f"point {k}: {name} position is {rad} (not finite)")
            deg = math.degrees(rad)
            lo, hi = limits_deg[name]
            if not lo - LIMIT_TOLERANCE_DEG <= deg <= hi + LIMIT_TOLERANCE_DEG:
                raise TrajectoryError(
                    f"point {k}: {name} = {rad:.4f} rad ({deg:.2f} deg) is outside the "
                    f"joint limits [{lo:g}, {hi:g}] deg"
                )
            pose[j] = min(hi, max(lo, deg))
        times.append(float(t))
        poses.append(tuple(pose))
    return Trajectory(tuple(times), tuple(poses))

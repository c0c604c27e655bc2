"""Joint trajectories from ROS checked and sampled for the board (pure logic, no rclpy).

`check_trajectory` takes the plain content of a trajectory_msgs/JointTrajectory (joint names,
and per point the positions in radians and time_from_start in seconds) and refuses it whole,
with a reason, when a name is unknown or repeated, a point has the wrong number of positions,
a position is NaN or infinite, a position lies outside the board's joint limits, or the times
go backwards. An accepted trajectory starts from the pose the leg had when it was accepted
(at rest) and runs through the points in degrees: by cubic Hermite interpolation when every
point gives a velocity per named joint (positions and velocities are met at each point's
time, as joint_trajectory_controller does), else linearly. Joints the message does not name
keep their position (velocity 0).
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
    velocities_deg_s: tuple[tuple[float, ...], ...] | None = None  # None: linear

    @property
    def duration_s(self) -> float:
        return self.times_s[-1]

    def sample(self, elapsed_s: float, start_deg: Sequence[float]) -> tuple[float, ...]:
        """The pose (deg) `elapsed_s` after the start, starting from `start_deg` at time 0."""
        prev_t = 0.0
        prev = tuple(float(x) for x in start_deg)
        prev_v = tuple(0.0 for _ in prev)
        vels = self.velocities_deg_s
        for k, (t, pose) in enumerate(zip(self.times_s, self.poses_deg, strict=True)):
            v = vels[k] if vels is not None else prev_v
            if elapsed_s < t:
                span = t - prev_t
                f = 0.0 if span <= 0 else (elapsed_s - prev_t) / span
                f = min(1.0, max(0.0, f))
                if vels is None:
                    return tuple(a + (b - a) * f for a, b in zip(prev, pose, strict=True))
                return tuple(
                    _hermite(a, va, b, vb, span, f)
                    for a, va, b, vb in zip(prev, prev_v, pose, v, strict=True)
                )
            prev_t, prev, prev_v = t, pose, v
        return prev


def _hermite(p0: float, v0: float, p1: float, v1: float, span: float, f: float) -> float:
    """Cubic Hermite between (p0, v0) and (p1, v1) over `span` s, at fraction f of it."""
    f2, f3 = f * f, f * f * f
    return (
        (2 * f3 - 3 * f2 + 1) * p0
        + (f3 - 2 * f2 + f) * span * v0
        + (-2 * f3 + 3 * f2) * p1
        + (f3 - f2) * span * v1
    )


def check_trajectory(
    names: Sequence[str],
    points: Sequence[tuple[Sequence[float], float]],
    joint_names: Sequence[str],
    limits_deg: Mapping[str, tuple[float, float]],
    current_deg: Sequence[float],
    velocities: Sequence[Sequence[float]] | None = None,
) -> Trajectory:
    """Validate a trajectory; return it in board joint order (deg) or raise TrajectoryError.

    names: the message's joint names; points: (positions in rad, time_from_start in s) each;
    joint_names: the node's joint names in board order; limits_deg: {joint name: (min, max)}
    from the board's current parameters; current_deg: the pose to hold for joints not named;
    velocities: per point the velocities (rad/s) of the named joints, or empty; cubic
    interpolation when every point has them.
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
    vels = _velocities(names, index, len(current_deg), velocities, len(points))
    return Trajectory(tuple(times), tuple(poses), vels)


def _velocities(
    names: Sequence[str],
    index: Sequence[int],
    n_joints: int,
    velocities: Sequence[Sequence[float]] | None,
    n_points: int,
) -> tuple[tuple[float, ...], ...] | None:
    """Per point the velocities of every joint (deg/s), or None when not all points give them."""
    if velocities is None or len(velocities) != n_points or not all(velocities):
        return None
    out = []
    for k, given in enumerate(velocities):
        if len(given) != len(names):
            raise TrajectoryError(
                f"point {k} has {len(given)} velocities for {len(names)} joint names"
            )
        v = [0.0] * n_joints
        for name, j, rad_s in zip(names, index, given, strict=True):
            if not math.isfinite(rad_s):
                raise TrajectoryError(f"point {k}: {name} velocity is {rad_s} (not finite)")
            v[j] = math.degrees(rad_s)
        out.append(tuple(v))
    return tuple(out)

"""Joint trajectories: refused whole with a reason, or sampled by linear interpolation."""

from __future__ import annotations

import math

import pytest
from mnsu_ros.trajectory import TrajectoryError, check_trajectory

NAMES = ("hip", "knee")
LIMITS = {"hip": (-35.0, 35.0), "knee": (0.0, 70.0)}
R = math.radians


def test_interpolates_from_the_current_pose_and_holds_unnamed_joints() -> None:
    traj = check_trajectory(
        ["hip"], [([R(20.0)], 1.0), ([R(-10.0)], 2.0)], NAMES, LIMITS, (0.0, 30.0)
    )
    assert traj.sample(0.0, (0.0, 30.0)) == pytest.approx((0.0, 30.0))
    assert traj.sample(0.5, (0.0, 30.0)) == pytest.approx((10.0, 30.0))
    assert traj.sample(1.5, (0.0, 30.0)) == pytest.approx((5.0, 30.0))
    assert traj.sample(9.0, (0.0, 30.0)) == pytest.approx((-10.0, 30.0))
    assert traj.duration_s == 2.0


def test_joint_order_follows_the_node_not_the_message() -> None:
    traj = check_trajectory(["knee", "hip"], [([R(40.0), R(5.0)], 0.0)], NAMES, LIMITS, (0.0, 0.0))
    assert traj.poses_deg[0] == pytest.approx((5.0, 40.0))


@pytest.mark.parametrize(
    ("names", "points", "reason"),
    [
        (["ankle"], [([0.0], 1.0)], "unknown joint name(s) 'ankle'"),
        (["hip", "hip"], [([0.0, 0.0], 1.0)], "repeated"),
        (["hip"], [], "no points"),
        ([], [([], 1.0)], "joint_names is empty"),
        (["hip", "knee"], [([0.0], 1.0)], "point 0 has 1 positions for 2 joint names"),
        (["hip"], [([math.nan], 1.0)], "point 0: hip position is nan (not finite)"),
        (["knee"], [([R(10.0)], 1.0), ([R(80.0)], 2.0)], "point 1: knee = 1.3963 rad (80.00 deg)"),
        (["hip"], [([0.0], 2.0), ([0.0], 1.0)], "before the previous point"),
        (["hip"], [([0.0], -1.0)], "must be finite and >= 0"),
    ],
)
def test_bad_trajectories_are_refused(
    names: list[str], points: list[tuple[list[float], float]], reason: str
) -> None:
    with pytest.raises(TrajectoryError) as err:
        check_trajectory(names, points, NAMES, LIMITS, (0.0, 10.0))
    assert reason in str(err.value)


def test_velocities_give_cubic_interpolation_through_positions_and_velocities() -> None:
    """Hermite segments: each point's position and velocity are met at its time; from rest at
    the start pose. Checked against the closed form of the first segment."""
    traj = check_trajectory(
        ["hip"],
        [([R(20.0)], 1.0), ([R(20.0)], 2.0)],
        NAMES,
        LIMITS,
        (0.0, 30.0),
        [[R(30.0)], [0.0]],
    )
    assert traj.velocities_deg_s is not None
    assert [list(v) for v in traj.velocities_deg_s] == [pytest.approx([30.0, 0.0]), [0.0, 0.0]]
    assert traj.sample(1.0, (0.0, 30.0)) == pytest.approx((20.0, 30.0))
    # p(f) = (-2f^3 + 3f^2) * 20 + (f^3 - f^2) * 1 s * 30 deg/s; at f = 0.5: 10 - 3.75
    assert traj.sample(0.5, (0.0, 30.0)) == pytest.approx((6.25, 30.0))
    h = 1e-6  # the velocity at the point: the slope there
    slope = (traj.sample(1.0, (0.0, 30.0))[0] - traj.sample(1.0 - h, (0.0, 30.0))[0]) / h
    assert slope == pytest.approx(30.0, rel=1e-4)
    # without velocities on every point: linear
    lin = check_trajectory(["hip"], [([R(20.0)], 1.0)], NAMES, LIMITS, (0.0, 30.0), [[]])
    assert lin.velocities_deg_s is None and lin.sample(0.5, (0.0, 30.0)) == pytest.approx(
        (10.0, 30.0)
    )
    with pytest.raises(TrajectoryError, match="point 0 has 2 velocities for 1 joint names"):
        check_trajectory(["hip"], [([0.0], 1.0)], NAMES, LIMITS, (0.0, 30.0), [[0.0, 0.0]])

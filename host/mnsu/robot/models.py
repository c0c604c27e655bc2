"""The leg models a virtual board can run and the joint state a measuring one reports, apart
from the models themselves: a caller that only names them (the ROS node on a real board)
imports no MuJoCo."""

from __future__ import annotations

from dataclasses import dataclass

LEG_MODELS = ("physics", "kinematic")  # MuJoCo (mnsu.robot.physics), kinematic (mnsu.robot.leg)


@dataclass(frozen=True)
class JointState:
    """Measured joint state of the physics leg (SI: rad, rad/s, N m), hip then knee (the
    quadruped's: every leg's hip and knee in servo order)."""

    names: tuple[str, ...]
    position_rad: tuple[float, ...]
    velocity_rad_s: tuple[float, ...]
    effort_nm: tuple[float, ...]

"""The leg models a virtual board can run and the joint state a measuring one reports, apart
from the models themselves: a caller that only names them (the ROS node on a real board)
imports no MuJoCo."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LEG_MODELS = ("physics", "kinematic")  # MuJoCo (mnsu.robot.physics), kinematic (mnsu.robot.leg)


@dataclass(frozen=True)
class JointState:
    """Measured joint state of the physics leg (SI: rad, rad/s, N m), hip then knee (the
    quadruped's: every leg's hip and knee in servo order)."""

    names: tuple[str, ...]
    position_rad: tuple[float, ...]
    velocity_rad_s: tuple[float, ...]
    effort_nm: tuple[float, ...]


def measured_joints(
    names: tuple[str, ...], data: Any, qpos: Any, qvel: Any, actuators: Any
) -> JointState:
    """The JointState of a simulation's state `data` (MuJoCo's MjData: qpos, qvel,
    actuator_force), each joint's entries picked by the numpy index arrays `qpos`, `qvel`,
    `actuators`, in `names` order. Called every control tick: numpy arrays built once (a
    list index is converted on every call, 3.5x slower) and `tolist` for the floats."""
    return JointState(
        names=names,
        position_rad=tuple(data.qpos[qpos].tolist()),
        velocity_rad_s=tuple(data.qvel[qvel].tolist()),
        effort_nm=tuple(data.actuator_force[actuators].tolist()),
    )

"""The physics quadruped: the board file's `legs` (and `body`) as a free-floating robot in MuJoCo
(mnsu.robot.description.quadruped_mjcf).

Every servo is the single leg's (mnsu.robot.physics): the firmware's pulse sets its target
angle through the leg's servo spec, the servo's set point moves towards it at no more than the
speed limit, and a MuJoCo position actuator (gain, damping, torque limit) drives the joint. Leg
k's foot switch closes when the floor pushes on its foot with more than its
`contact_threshold`. Servo channel 2k is leg k's hip, 2k + 1 its knee (the firmware's order).

Measured values: `joint_state()` (all joints), `trunk_state()`, `trace` (samples every
`trace_dt_s`: trunk pose, contacts, joint angles, the whole qpos for rendering) and `falls`
(times the trunk or a thigh or shank touched the floor, or the trunk tilted more than
FALL_TILT_DEG).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mujoco
import numpy as np

from mnsu.circuit.board import Board
from mnsu.robot.description import (
    TIMESTEP_S,
    quadruped_joint_names,
    quadruped_mass,
    quadruped_mjcf,
)
from mnsu.robot.leg import LegState
from mnsu.robot.models import JointState, measured_joints

FALL_TILT_DEG = 45.0  # trunk roll or pitch beyond this counts as a fall


@dataclass(frozen=True)
class TrunkState:
    """The trunk: position (m), roll/pitch/yaw (rad, ZYX), forward and lateral velocity."""

    x: float
    y: float
    z: float
    roll: float
    pitch: float
    yaw: float
    vx: float
    vy: float


@dataclass(frozen=True)
class QuadSample:
    """One trace sample: time, trunk pose, per-leg contact and load, joint angles (deg, servo
    order), servo power (W, sum of |torque x speed|) and MuJoCo's qpos (for rendering)."""

    t: float
    x: float
    y: float
    z: float
    roll_deg: float
    pitch_deg: float
    yaw_deg: float
    contacts: tuple[bool, ...]
    loads_n: tuple[float, ...]
    joints_deg: tuple[float, ...]
    power_w: float
    qpos: tuple[float, ...]


def euler_zyx(quat: np.ndarray) -> tuple[float, float, float]:
    """Roll, pitch, yaw (rad) of a unit quaternion (w, x, y, z)."""
    w, x, y, z = (float(v) for v in quat)
    roll = math.atan2(2.0 * (w * x + y * z), 1.0 - 2.0 * (x * x + y * y))
    pitch = math.asin(max(-1.0, min(1.0, 2.0 * (w * y - z * x))))
    yaw = math.atan2(2.0 * (w * z + x * y), 1.0 - 2.0 * (y * y + z * z))
    return roll, pitch, yaw


class PhysicsQuadruped:
    """The MuJoCo quadruped, advanced in fixed steps of TIMESTEP_S (see the module docstring)."""

    def __init__(self, board: Board, trace_dt_s: float = 0.005) -> None:
        self.xml = quadruped_mjcf(board)
        self.model = mujoco.MjModel.from_xml_string(self.xml)
        self.data = mujoco.MjData(self.model)
        m, d = self.model, self.data
        self.legs = board.legs
        self.leg_names = tuple(leg.name for leg in board.legs)
        self.n_legs = len(board.legs)
        self.joint_names: tuple[str, ...] = tuple(quadruped_joint_names(board))
        self.mass = quadruped_mass(board)
        jid = [mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_JOINT, n) for n in self.joint_names]
        self._qpos = np.array([m.jnt_qposadr[j] for j in jid], dtype=int)
        self._qvel = np.array([m.jnt_dofadr[j] for j in jid], dtype=int)
        self._act = np.array(
            [mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_ACTUATOR, n) for n in self.joint_names],
            dtype=int,
        )
        self._gain = m.actuator_gainprm[self._act, 0].copy()
        self._bias = m.actuator_biasprm[self._act, :3].copy()
        self._servos = [leg.servo for leg in board.legs for _ in range(2)]
        self._max_move = np.array([math.radians(s.speed_dps) * TIMESTEP_S for s in self._servos])
        self._threshold = [leg.contact_threshold for leg in board.legs]
        self._floor = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_GEOM, "floor")
        self._foot_leg = {
            mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_GEOM, f"{n}_foot"): k
            for k, n in enumerate(self.leg_names)
        }
        self._trunk = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_BODY, "trunk")
        neutral = np.array([math.radians(j.neutral_deg) for leg in board.legs for j in leg.joints])
        self._target = neutral.copy()
        self._setpoint = neutral.copy()
        self._limp = [False] * len(self.joint_names)
        d.qpos[self._qpos] = neutral
        d.ctrl[self._act] = neutral
        mujoco.mj_forward(m, d)
        self.t = 0.0
        self.trace_dt = trace_dt_s
        self._next_trace = 0.0
        self.trace: list[QuadSample] = []
        self.falls: list[float] = []
        self._fallen = False
        self._energy_j = 0.0
        self._loads = [0.0] * self.n_legs
        self._wrench = np.zeros(6)

    # ------------------------------------------------------------ driving
    def command_servo(self, channel: int, pulse_us: float) -> None:
        """Servo `channel` (2k: leg k's hip, 2k + 1: its knee) gets a pulse (us; 0: limp)."""
        if not math.isfinite(pulse_us):
            raise ValueError(f"servo pulse must be finite, got {pulse_us!r}")
        limp = pulse_us <= 0.0
        a = int(self._act[channel])
        if limp != self._limp[channel]:
            self._limp[channel] = limp
            self.model.actuator_gainprm[a, 0] = 0.0 if limp else self._gain[channel]
            self.model.actuator_biasprm[a, :3] = 0.0 if limp else self._bias[channel]
            if not limp:
                self._setpoint[channel] = float(self.data.qpos[self._qpos[channel]])
        if not limp:
            deg = self._servos[channel].pulse_to_deg(pulse_us * 1e-6)
            self._target[channel] = math.radians(deg)

    def command_pulse(self, joint: str, pulse_us: float) -> None:
        """Command a servo by joint name (LF_hip, ...) with a pulse width (us; 0: limp)."""
        try:
            channel = self.joint_names.index(joint)
        except ValueError:
            raise KeyError(
                f"unknown joint {joint!r}; the robot has {list(self.joint_names)}"
            ) from None
        self.command_servo(channel, pulse_us)

    def advance(self, dt: float) -> LegState:
        """Advance by dt seconds (whole physics steps); returns the first leg's state."""
        if not dt >= 0.0:
            raise ValueError(f"quadruped advance: dt must be >= 0 s, got {dt!r}")
        for _ in range(round(dt / TIMESTEP_S)):
            self._step()
        return self.state()

    def _step(self) -> None:
        m, d = self.model, self.data
        err = self._target - self._setpoint
        self._setpoint += np.clip(err, -self._max_move, self._max_move)
        d.ctrl[self._act] = self._setpoint
        mujoco.mj_step(m, d)
        self.t += TIMESTEP_S
        power = float(np.sum(np.abs(d.actuator_force[self._act] * d.qvel[self._qvel])))
        self._energy_j += power * TIMESTEP_S
        other = self._floor_contacts()
        roll, pitch, _ = euler_zyx(d.qpos[3:7])
        tilt = math.radians(FALL_TILT_DEG)
        fallen = other or abs(roll) > tilt or abs(pitch) > tilt
        if fallen and not self._fallen:
            self.falls.append(self.t)
        self._fallen = fallen
        if self.t + 1e-12 >= self._next_trace:
            self._next_trace += self.trace_dt
            self.trace.append(self._sample(power))

    def _floor_contacts(self) -> bool:
        """Per-leg floor force on the foot (into _loads); whether anything else touches it."""
        m, d = self.model, self.data
        loads = self._loads
        for k in range(self.n_legs):
            loads[k] = 0.0
        other = False
        for i in range(d.ncon):
            c = d.contact[i]
            g1, g2 = int(c.geom1), int(c.geom2)
            if g1 != self._floor and g2 != self._floor:
                continue
            leg = self._foot_leg.get(g2 if g1 == self._floor else g1)
            if leg is None:
                other = True
                continue
            mujoco.mj_contactForce(m, d, i, self._wrench)
            loads[leg] += float(self._wrench[0])
        return other

    # ------------------------------------------------------------ reading
    def contact(self, leg: int) -> bool:
        """Leg `leg`'s foot switch: floor force on its foot above its contact_threshold."""
        return self._loads[leg] > self._threshold[leg]

    @property
    def contacts(self) -> tuple[bool, ...]:
        return tuple(self.contact(k) for k in range(self.n_legs))

    @property
    def energy_j(self) -> float:
        return self._energy_j

    def joint_state(self) -> JointState:
        """Every joint in servo order: position (rad), velocity (rad/s), torque (N m)."""
        return measured_joints(self.joint_names, self.data, self._qpos, self._qvel, self._act)

    def trunk_state(self) -> TrunkState:
        d = self.data
        roll, pitch, yaw = euler_zyx(d.qpos[3:7])
        return TrunkState(
            x=float(d.qpos[0]),
            y=float(d.qpos[1]),
            z=float(d.qpos[2]),
            roll=roll,
            pitch=pitch,
            yaw=yaw,
            vx=float(d.qvel[0]),
            vy=float(d.qvel[1]),
        )

    def _sample(self, power: float) -> QuadSample:
        s = self.trunk_state()
        d = self.data
        return QuadSample(
            t=self.t,
            x=s.x,
            y=s.y,
            z=s.z,
            roll_deg=math.degrees(s.roll),
            pitch_deg=math.degrees(s.pitch),
            yaw_deg=math.degrees(s.yaw),
            contacts=self.contacts,
            loads_n=tuple(self._loads),
            joints_deg=tuple(math.degrees(float(v)) for v in d.qpos[self._qpos]),
            power_w=power,
            qpos=tuple(float(v) for v in d.qpos),
        )

    def state(self) -> LegState:
        """The first leg as the single-leg models report it (angles, contact, load)."""
        d = self.data
        return LegState(
            t=self.t,
            hip_deg=math.degrees(float(d.qpos[self._qpos[0]])),
            knee_deg=math.degrees(float(d.qpos[self._qpos[1]])),
            foot_x=0.0,
            foot_y=0.0,
            contact=self.contact(0),
            load_n=self._loads[0],
        )

    def mass_kg(self) -> float:
        return self.mass

"""The physics leg: the board file's leg on its test rig in MuJoCo (mnsu.robot.description).

The firmware's servo pulses set each servo's target angle (the board file's servo spec maps
pulse width to angle); the servo's own loop moves its set point towards the target at no more
than its speed limit and drives the joint as a MuJoCo position actuator (gain, damping, torque
limit). The foot switch closes when the floor pushes on the foot with more than the leg's
`contact_threshold` (N), as a real switch under the foot does. A pulse of 0 leaves the servo
limp (no torque), as when the firmware switches its output off.

Same driving interface as the kinematic mnsu.robot.leg.Leg (command_pulse, advance, state), so
the virtual board runs either. Measured values: `joint_state()` (positions, velocities and
efforts of the hip and knee), `rig_state()` (the carriage), `trace` (samples every
`trace_dt_s` for gait analysis and animation), `falls` (times a part other than the foot hit
the floor or the hip dropped below FALL_HIP_FRACTION of the leg length).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mujoco
import numpy as np

from mnsu.circuit.board import Board
from mnsu.robot.description import TIMESTEP_S, mjcf, rig_height, robot_mass
from mnsu.robot.leg import LegState
from mnsu.robot.models import JointState, measured_joints

FALL_HIP_FRACTION = 0.5  # a hip lower than this x leg length counts as a fall


@dataclass(frozen=True)
class RigState:
    """The carriage: forward position x (m), hip height z above z = 0 (m), their velocities."""

    x: float
    z: float
    vx: float
    vz: float


@dataclass(frozen=True)
class Sample:
    """One trace sample: time, carriage, joints (deg), foot position, contact, actuator power."""

    t: float
    x: float
    z: float
    hip_deg: float
    knee_deg: float
    foot_x: float  # world frame (m)
    foot_z: float
    contact: bool
    load_n: float
    power_w: float  # mechanical power the two servos put in (sum of |torque x speed|)


class PhysicsLeg:
    """The MuJoCo leg on its rig, advanced in fixed steps of TIMESTEP_S (see module docstring).

    terrain_m / seed: uneven floor (a height field, mnsu.robot.description.mjcf).
    """

    def __init__(
        self,
        board: Board,
        terrain_m: float = 0.0,
        seed: int = 1,
        trace_dt_s: float = 0.005,
    ) -> None:
        self.model = mujoco.MjModel.from_xml_string(mjcf(board, terrain_m=terrain_m, seed=seed))
        self.data = mujoco.MjData(self.model)
        leg = board.leg
        assert leg is not None  # mjcf() refused a board without one
        self.spec = leg
        self.servo = leg.servo
        self.joint_names: tuple[str, str] = (leg.joints[0].name, leg.joints[1].name)
        self.mass = robot_mass(leg)
        m = self.model
        jid = [mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_JOINT, n) for n in self.joint_names]
        self._qpos = [int(m.jnt_qposadr[j]) for j in jid]
        self._qvel = [int(m.jnt_dofadr[j]) for j in jid]
        self._act = [
            mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_ACTUATOR, n) for n in self.joint_names
        ]
        rx = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_JOINT, "rig_x")
        rz = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_JOINT, "rig_z")
        # lists for the per-joint loops, arrays for the JointState (models.measured_joints)
        self._joint_index = (np.array(self._qpos), np.array(self._qvel), np.array(self._act))
        self._rx, self._rz = int(m.jnt_qposadr[rx]), int(m.jnt_qposadr[rz])
        self._vx, self._vz = int(m.jnt_dofadr[rx]), int(m.jnt_dofadr[rz])
        self._foot_geom = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_GEOM, "foot")
        self._floor_geom = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_GEOM, "floor")
        self._foot_body = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_BODY, "foot")
        self._carriage = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_BODY, "carriage")
        self._gain = [float(m.actuator_gainprm[a, 0]) for a in self._act]
        self._bias = [m.actuator_biasprm[a, :3].copy() for a in self._act]
        self.hip_height0 = rig_height(leg)
        # Servo state: commanded target and the servo's slew-limited set point (rad).
        neutral = [math.radians(j.neutral_deg) for j in leg.joints]
        self._target = list(neutral)
        self._setpoint = list(neutral)
        self._limp = [False, False]
        for i in range(2):
            self.data.qpos[self._qpos[i]] = neutral[i]
            self.data.ctrl[self._act[i]] = neutral[i]
        self._settle()
        self.t = 0.0
        self._force = np.zeros(6)
        self._push_until = -1.0
        self.trace_dt = trace_dt_s
        self._next_trace = 0.0
        self.trace: list[Sample] = []
        self.falls: list[float] = []
        self._fallen = False
        self._energy_j = 0.0
        self._contact_n = 0.0

    def _settle(self) -> None:
        """Place the leg so the foot rests on the floor (static start on the rig)."""
        d = self.data
        mujoco.mj_kinematics(self.model, d)
        foot_z = float(d.xpos[self._foot_body][2]) - self.spec.foot_radius
        d.qpos[self._rz] = -foot_z
        mujoco.mj_forward(self.model, d)

    # ------------------------------------------------------------ driving
    def command_pulse(self, joint: str, pulse_us: float) -> None:
        """Command a servo with a PWM pulse width in microseconds (0: limp)."""
        i = self._index(joint)
        if not math.isfinite(pulse_us):
            raise ValueError(f"servo pulse must be finite, got {pulse_us!r}")
        limp = pulse_us <= 0.0
        if limp != self._limp[i]:
            self._limp[i] = limp
            a = self._act[i]
            self.model.actuator_gainprm[a, 0] = 0.0 if limp else self._gain[i]
            self.model.actuator_biasprm[a, :3] = 0.0 if limp else self._bias[i]
            if not limp:
                self._setpoint[i] = float(self.data.qpos[self._qpos[i]])
        if not limp:
            self._target[i] = math.radians(self.servo.pulse_to_deg(pulse_us * 1e-6))

    def command_deg(self, joint: str, deg: float) -> None:
        """Command a joint angle (deg) directly (the servo's pulse for it)."""
        s = self.servo
        centre = 0.5 * (s.min_pulse + s.max_pulse)
        span = s.max_pulse - s.min_pulse
        self.command_pulse(joint, (centre + deg / s.range_deg * span) * 1e6)

    def _index(self, joint: str) -> int:
        try:
            return self.joint_names.index(joint)
        except ValueError:
            raise KeyError(f"unknown joint {joint!r}; leg has {list(self.joint_names)}") from None

    def push(self, impulse_ns: float, duration_s: float = 0.05) -> None:
        """Push the carriage forward (negative: back) with `impulse_ns` N s over duration_s."""
        if not duration_s > 0.0:
            raise ValueError(f"push duration must be > 0 s, got {duration_s!r}")
        self._force[:] = 0.0
        self._force[0] = impulse_ns / duration_s
        self._push_until = self.t + duration_s

    def advance(self, dt: float) -> LegState:
        """Advance by dt seconds (whole physics steps of TIMESTEP_S); returns the state."""
        if not dt >= 0.0:
            raise ValueError(f"leg advance: dt must be >= 0 s, got {dt!r}")
        n = round(dt / TIMESTEP_S)
        for _ in range(n):
            self._step()
        return self.state()

    def _step(self) -> None:
        m, d = self.model, self.data
        max_move = math.radians(self.servo.speed_dps) * TIMESTEP_S
        for i in range(2):
            err = self._target[i] - self._setpoint[i]
            self._setpoint[i] += min(max(err, -max_move), max_move)
            d.ctrl[self._act[i]] = self._setpoint[i]
        if self.t < self._push_until:
            d.xfrc_applied[self._carriage] = self._force
        elif self._push_until >= 0.0:
            d.xfrc_applied[self._carriage] = 0.0
            self._push_until = -1.0
        mujoco.mj_step(m, d)
        self.t += TIMESTEP_S
        power = 0.0
        for i in range(2):
            power += abs(float(d.actuator_force[self._act[i]]) * float(d.qvel[self._qvel[i]]))
        self._energy_j += power * TIMESTEP_S
        self._contact_n, other = self._floor_contacts()
        fallen = other or d.qpos[self._rz] + self.hip_height0 < FALL_HIP_FRACTION * (
            self.spec.length
        )
        if fallen and not self._fallen:
            self.falls.append(self.t)
        self._fallen = bool(fallen)
        if self.t + 1e-12 >= self._next_trace:
            self._next_trace += self.trace_dt
            self.trace.append(self._sample(power))

    def _floor_contacts(self) -> tuple[float, bool]:
        """Normal force (N) of the floor on the foot; whether anything else touches the floor."""
        m, d = self.model, self.data
        force = 0.0
        other = False
        wrench = np.zeros(6)
        for k in range(d.ncon):
            c = d.contact[k]
            pair = (int(c.geom1), int(c.geom2))
            if self._floor_geom not in pair:
                continue
            if self._foot_geom in pair:
                mujoco.mj_contactForce(m, d, k, wrench)
                force += float(wrench[0])
            else:
                other = True
        return force, other

    # ------------------------------------------------------------ reading
    @property
    def contact(self) -> bool:
        """The foot switch: floor force on the foot above the leg's contact_threshold."""
        return self._contact_n > self.spec.contact_threshold

    @property
    def energy_j(self) -> float:
        """Mechanical work the servos have put in so far (J, sum of |torque x speed| dt)."""
        return self._energy_j

    def joint_state(self) -> JointState:
        """Measured hip and knee: position (rad), velocity (rad/s), actuator torque (N m)."""
        return measured_joints(self.joint_names, self.data, *self._joint_index)

    def rig_state(self) -> RigState:
        d = self.data
        return RigState(
            x=float(d.qpos[self._rx]),
            z=float(d.qpos[self._rz]) + self.hip_height0,
            vx=float(d.qvel[self._vx]),
            vz=float(d.qvel[self._vz]),
        )

    def foot_position(self) -> tuple[float, float]:
        """Foot centre (x, z) in the world frame (m)."""
        p = self.data.xpos[self._foot_body]
        return float(p[0]), float(p[2])

    def _sample(self, power: float) -> Sample:
        rig = self.rig_state()
        js = self.joint_state()
        fx, fz = self.foot_position()
        return Sample(
            t=self.t,
            x=rig.x,
            z=rig.z,
            hip_deg=math.degrees(js.position_rad[0]),
            knee_deg=math.degrees(js.position_rad[1]),
            foot_x=fx,
            foot_z=fz,
            contact=self.contact,
            load_n=self._contact_n,
            power_w=power,
        )

    def state(self) -> LegState:
        """The leg as the kinematic model reports it: foot x relative to the hip, y above z=0."""
        js = self.joint_state()
        rig = self.rig_state()
        fx, fz = self.foot_position()
        return LegState(
            t=self.t,
            hip_deg=math.degrees(js.position_rad[0]),
            knee_deg=math.degrees(js.position_rad[1]),
            foot_x=fx - rig.x,
            foot_y=fz - self.spec.foot_radius,
            contact=self.contact,
            load_n=self._contact_n,
        )

    def mass_kg(self) -> float:
        return self.mass

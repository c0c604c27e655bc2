"""A planar two-joint robot leg (hip, knee) driven by hobby servos, and gait metrics.

Pure model: values in, values out, no I/O. Conventions (SI units, angles in degrees at the API):

- The hip pivot sits at (0, hip_height) above flat ground (y = 0); x points forward.
- Hip angle: thigh from the downward vertical, positive = extension (the foot moves back, as in
  stance). This is the firmware's sign: hip = offset + A * (y_E - y_F).
- Knee angle: flexion of the shank relative to the thigh, 0 = straight, positive swings the
  foot forward and up (the firmware's knee = offset + A_k * y_F lifts the foot in swing).
- Contact is kinematic: the foot switch closes when the foot tip is at or below the ground; the
  load is a ground spring (N) on the penetration. The hip is held by a stand, so the ground
  reaction does not act back on the joints (the leg "air-steps" through a compliant floor).

Servo: each joint follows its commanded angle with a first-order lag (time constant `tau_s`) and
a slew limit (`slew_deg_s`); both are integrated exactly between commands.

Optional pendular hip: the hip servo drives the thigh through a torsion spring (stiffness
`spring_nm_rad`), and the leg swings as a damped compound pendulum of two uniform rods. With the
leg straight its small-angle natural frequency is

    f_n = sqrt((m g L/2 + k) / (m L^2 / 3)) / (2 pi),   L = thigh + shank,

so a 0.2 m leg with a weak spring sits near 1.4 Hz, close to the CPG's 1.2 Hz stepping.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from mnsu.circuit.board import LegSpec

G = 9.80665  # standard gravity, m/s^2


@dataclass(frozen=True)
class ServoSpec:
    """A hobby position servo (defaults: an SG90-class micro servo).

    tau_s: first-order lag time constant (s); 0 = no lag.
    slew_deg_s: slew-rate limit (deg/s); math.inf = none. SG90: 0.1 s per 60 deg.
    center_us: pulse width at 0 deg of the joint (us).
    us_per_deg: pulse width change per degree (us/deg); 1000..2000 us for 90 deg -> 11.1.
    min_deg, max_deg: mechanical end stops of the servo (deg).
    """

    tau_s: float = 0.02
    slew_deg_s: float = 600.0
    center_us: float = 1500.0
    us_per_deg: float = 1000.0 / 90.0
    min_deg: float = -90.0
    max_deg: float = 90.0

    def __post_init__(self) -> None:
        if not self.tau_s >= 0.0:
            raise ValueError(f"servo tau_s must be >= 0 s, got {self.tau_s!r}")
        if not self.slew_deg_s > 0.0:
            raise ValueError(f"servo slew_deg_s must be > 0 deg/s, got {self.slew_deg_s!r}")
        if not self.us_per_deg != 0.0 or not math.isfinite(self.us_per_deg):
            raise ValueError(f"servo us_per_deg must be finite, non-zero, got {self.us_per_deg!r}")
        if not self.min_deg < self.max_deg:
            raise ValueError(
                f"servo min_deg must be < max_deg, got {self.min_deg!r} >= {self.max_deg!r}"
            )

    def pulse_to_deg(self, pulse_us: float) -> float:
        """Commanded angle (deg) for a pulse width (us), clamped to the end stops."""
        deg = (pulse_us - self.center_us) / self.us_per_deg
        return min(max(deg, self.min_deg), self.max_deg)

    def deg_to_pulse(self, deg: float) -> float:
        """Pulse width (us) that commands `deg`."""
        return self.center_us + deg * self.us_per_deg


class Servo:
    """One servo's output angle: first-order lag plus slew limit, integrated exactly."""

    def __init__(self, spec: ServoSpec, angle_deg: float = 0.0) -> None:
        self.spec = spec
        self.angle_deg = float(angle_deg)
        self.target_deg = float(angle_deg)

    def command_deg(self, deg: float) -> None:
        """Set the commanded angle (deg); clamped to the servo's end stops."""
        if not math.isfinite(deg):
            raise ValueError(f"servo command must be finite, got {deg!r}")
        self.target_deg = min(max(float(deg), self.spec.min_deg), self.spec.max_deg)

    def command_pulse(self, pulse_us: float) -> None:
        """Set the command as a PWM pulse width (us)."""
        if not math.isfinite(pulse_us):
            raise ValueError(f"servo pulse must be finite, got {pulse_us!r}")
        self.target_deg = self.spec.pulse_to_deg(pulse_us)

    def advance(self, dt: float) -> float:
        """Advance dt seconds with the current command; returns the new angle (deg).

        Rate = clamp(error / tau, +-slew). While |error| > slew * tau the servo moves at the
        slew rate; below that it decays exponentially with tau.
        """
        if not dt >= 0.0:
            raise ValueError(f"servo advance: dt must be >= 0 s, got {dt!r}")
        err = self.target_deg - self.angle_deg
        if err == 0.0 or dt == 0.0:
            return self.angle_deg
        sign = 1.0 if err > 0.0 else -1.0
        tau = self.spec.tau_s
        slew = self.spec.slew_deg_s
        knee_err = slew * tau  # |error| below which the lag, not the slew, limits the rate
        mag = abs(err)
        if mag > knee_err:
            t_slew = (mag - knee_err) / slew
            if dt <= t_slew:
                self.angle_deg += sign * slew * dt
                return self.angle_deg
            dt -= t_slew
            mag = knee_err
        if tau == 0.0:
            self.angle_deg = self.target_deg
        else:
            self.angle_deg = self.target_deg - sign * mag * math.exp(-dt / tau)
        return self.angle_deg


@dataclass(frozen=True)
class PendulumSpec:
    """Pendular hip: the leg as a damped compound pendulum driven by the hip servo via a spring.

    mass_kg: leg mass (thigh + shank as one uniform rod).
    spring_nm_rad: torsion spring between servo horn and thigh (N m/rad).
    damping_ratio: viscous damping relative to critical at the small-angle natural frequency.
    """

    mass_kg: float = 0.1
    spring_nm_rad: float = 0.05
    damping_ratio: float = 0.1

    def __post_init__(self) -> None:
        if not self.mass_kg > 0.0:
            raise ValueError(f"pendulum mass_kg must be > 0 kg, got {self.mass_kg!r}")
        if not self.spring_nm_rad >= 0.0:
            raise ValueError(
                f"pendulum spring_nm_rad must be >= 0 N m/rad, got {self.spring_nm_rad!r}"
            )
        if not self.damping_ratio >= 0.0:
            raise ValueError(f"pendulum damping_ratio must be >= 0, got {self.damping_ratio!r}")


def pendulum_natural_frequency_hz(length_m: float, pendulum: PendulumSpec) -> float:
    """Small-angle undamped natural frequency (Hz) of the straight leg of `length_m` metres."""
    inertia = pendulum.mass_kg * length_m**2 / 3.0
    stiffness = pendulum.mass_kg * G * length_m / 2.0 + pendulum.spring_nm_rad
    return math.sqrt(stiffness / inertia) / (2.0 * math.pi)


@dataclass(frozen=True)
class LegState:
    """Snapshot of the leg. Angles in degrees, positions in metres, load in newtons."""

    t: float
    hip_deg: float
    knee_deg: float
    foot_x: float
    foot_y: float
    contact: bool
    load_n: float


def forward_kinematics(
    hip_deg: float, knee_deg: float, thigh: float, shank: float, hip_height: float
) -> tuple[float, float]:
    """Foot tip (x, y) in metres for the given joint angles (see the module conventions)."""
    h = math.radians(hip_deg)
    s = math.radians(hip_deg - knee_deg)  # shank from the downward vertical, positive = back
    x = -thigh * math.sin(h) - shank * math.sin(s)
    y = hip_height - thigh * math.cos(h) - shank * math.cos(s)
    return x, y


class Leg:
    """The leg: two servos, kinematics, foot contact and (optionally) a pendular hip.

    Drive it with `command_pulse`/`command_deg` and `advance(dt)`; read `state()`.
    """

    def __init__(
        self,
        spec: LegSpec,
        servo: ServoSpec | None = None,
        pendulum: PendulumSpec | None = None,
        ground_stiffness_n_m: float = 2000.0,
        max_substep_s: float = 0.0005,
    ) -> None:
        names = [j.name for j in spec.joints]
        if len(names) != 2:
            raise ValueError(f"leg model needs exactly 2 joints (hip, knee), got {names}")
        if not ground_stiffness_n_m >= 0.0:
            raise ValueError(f"ground stiffness must be >= 0 N/m, got {ground_stiffness_n_m!r}")
        if not max_substep_s > 0.0:
            raise ValueError(f"max_substep_s must be > 0 s, got {max_substep_s!r}")
        self.spec = spec
        self.servo_spec = servo or ServoSpec()
        self.pendulum = pendulum
        self.ground_stiffness = ground_stiffness_n_m
        self.max_substep = max_substep_s
        self.joint_names: tuple[str, str] = (names[0], names[1])
        self.servos = {j.name: Servo(self.servo_spec, j.neutral_deg) for j in spec.joints}
        self.t = 0.0
        self.ground_y = 0.0  # ground height under the foot (m); uneven terrain moves it
        # Pendulum state (rad, rad/s); follows the hip servo when pendulum is None.
        hip0 = self.servos[names[0]].angle_deg
        self._theta = math.radians(hip0)
        self._omega = 0.0

    @property
    def length(self) -> float:
        """Thigh plus shank (m)."""
        return self.spec.thigh_length + self.spec.shank_length

    def natural_frequency_hz(self) -> float:
        """Small-angle natural frequency (Hz) of the pendular hip (the default spec if none)."""
        return pendulum_natural_frequency_hz(self.length, self.pendulum or PendulumSpec())

    def command_deg(self, joint: str, deg: float) -> None:
        """Command joint `joint` (by name) to `deg` degrees."""
        self._servo(joint).command_deg(deg)

    def command_pulse(self, joint: str, pulse_us: float) -> None:
        """Command joint `joint` with a servo pulse width in microseconds."""
        self._servo(joint).command_pulse(pulse_us)

    def _servo(self, joint: str) -> Servo:
        try:
            return self.servos[joint]
        except KeyError:
            raise KeyError(f"unknown joint {joint!r}; leg has {list(self.servos)}") from None

    def advance(self, dt: float) -> LegState:
        """Advance dt seconds; returns the state at the end."""
        if not dt >= 0.0:
            raise ValueError(f"leg advance: dt must be >= 0 s, got {dt!r}")
        hip_servo = self.servos[self.joint_names[0]]
        knee_servo = self.servos[self.joint_names[1]]
        if self.pendulum is None:
            hip_servo.advance(dt)
            knee_servo.advance(dt)
        else:
            n = max(1, math.ceil(dt / self.max_substep - 1e-9))
            h = dt / n
            for _ in range(n):
                hip_servo.advance(h)
                knee_servo.advance(h)
                self._pendulum_step(h, math.radians(hip_servo.angle_deg))
        self.t += dt
        return self.state()

    def _pendulum_step(self, h: float, drive_rad: float) -> None:
        p = self.pendulum
        assert p is not None
        length = self.length
        inertia = p.mass_kg * length**2 / 3.0
        grav = p.mass_kg * G * length / 2.0
        k = p.spring_nm_rad
        c = 2.0 * p.damping_ratio * math.sqrt(inertia * (grav + k))

        def accel(theta: float, omega: float) -> float:
            return (-grav * math.sin(theta) - c * omega + k * (drive_rad - theta)) / inertia

        th, om = self._theta, self._omega
        k1t, k1o = om, accel(th, om)
        k2t, k2o = om + 0.5 * h * k1o, accel(th + 0.5 * h * k1t, om + 0.5 * h * k1o)
        k3t, k3o = om + 0.5 * h * k2o, accel(th + 0.5 * h * k2t, om + 0.5 * h * k2o)
        k4t, k4o = om + h * k3o, accel(th + h * k3t, om + h * k3o)
        self._theta = th + h / 6.0 * (k1t + 2 * k2t + 2 * k3t + k4t)
        self._omega = om + h / 6.0 * (k1o + 2 * k2o + 2 * k3o + k4o)

    def set_pendulum_state(self, hip_deg: float, hip_rate_deg_s: float = 0.0) -> None:
        """Place the pendular hip (deg, deg/s), e.g. to release it from an angle."""
        self._theta = math.radians(hip_deg)
        self._omega = math.radians(hip_rate_deg_s)

    def hip_deg(self) -> float:
        """Actual hip angle (deg): the pendulum's if pendular, else the servo's."""
        if self.pendulum is not None:
            return math.degrees(self._theta)
        return self.servos[self.joint_names[0]].angle_deg

    def state(self) -> LegState:
        hip = self.hip_deg()
        knee = self.servos[self.joint_names[1]].angle_deg
        x, y = forward_kinematics(
            hip, knee, self.spec.thigh_length, self.spec.shank_length, self.spec.hip_height
        )
        depth = max(0.0, self.ground_y - y)
        return LegState(
            t=self.t,
            hip_deg=hip,
            knee_deg=knee,
            foot_x=x,
            foot_y=y,
            contact=y <= self.ground_y,
            load_n=self.ground_stiffness * depth,
        )


# --------------------------------------------------------------------------- gait metrics
@dataclass(frozen=True)
class GaitMetrics:
    """Gait figures from a recorded run (None where a figure needs more steps than recorded).

    step_frequency_hz: steps per second from touch-down to touch-down.
    step_period_cv: coefficient of variation of the step periods (0 = perfectly regular).
    duty_factor: stance time over cycle time, averaged over complete cycles.
    stride_length_m: foot sweep in x during stance (largest minus smallest x), mean over
        complete stances: the distance a body on this leg would travel per step.
    step_height_m: highest foot y during swing, mean over complete swings.
    touchdowns / liftoffs: times (s) of the accepted contact edges.
    """

    steps: int
    step_frequency_hz: float | None
    step_period_cv: float | None
    duty_factor: float | None
    stride_length_m: float | None
    step_height_m: float | None
    touchdowns: tuple[float, ...]
    liftoffs: tuple[float, ...]


def contact_edges(
    t: Sequence[float], contact: Sequence[bool], min_phase_s: float = 0.02
) -> tuple[list[int], list[int]]:
    """Indices of touch-downs and lift-offs, ignoring stance/swing phases shorter than min_phase_s.

    A phase shorter than `min_phase_s` (chatter at the switch threshold) is merged into the
    phases around it.
    """
    if len(t) != len(contact):
        raise ValueError(f"t and contact differ in length: {len(t)} != {len(contact)}")
    # Runs of equal contact value: (start index, value)
    runs: list[tuple[int, bool]] = []
    for i, c in enumerate(contact):
        if not runs or runs[-1][1] != bool(c):
            runs.append((i, bool(c)))
    # Merge short interior runs into their neighbours.
    merged: list[tuple[int, bool]] = []
    for k, (start, value) in enumerate(runs):
        end = runs[k + 1][0] if k + 1 < len(runs) else len(t) - 1
        short = 0 < k < len(runs) - 1 and (t[end] - t[start]) < min_phase_s
        if short:
            continue
        if merged and merged[-1][1] == value:
            continue
        merged.append((start, value))
    touchdowns = [s for k, (s, v) in enumerate(merged) if v and k > 0]
    liftoffs = [s for k, (s, v) in enumerate(merged) if not v and k > 0]
    return touchdowns, liftoffs


def gait_metrics(
    t: Sequence[float],
    contact: Sequence[bool],
    foot_x: Sequence[float] | None = None,
    foot_y: Sequence[float] | None = None,
    min_phase_s: float = 0.02,
) -> GaitMetrics:
    """Step frequency, duty factor, stride length and step height from sampled signals.

    t (s, increasing), contact (foot switch), foot_x / foot_y (m, optional) share one index.
    """
    td, lo = contact_edges(t, contact, min_phase_s)
    td_t = [t[i] for i in td]
    lo_t = [t[i] for i in lo]
    freq = cv = duty = stride = height = None
    if len(td_t) >= 2:
        periods = [b - a for a, b in zip(td_t, td_t[1:], strict=False)]
        mean = (td_t[-1] - td_t[0]) / len(periods)
        freq = 1.0 / mean
        var = sum((p - mean) ** 2 for p in periods) / len(periods)
        cv = math.sqrt(var) / mean
        duties = []
        for a, b in zip(td_t, td_t[1:], strict=False):
            lifts = [x for x in lo_t if a < x < b]
            if len(lifts) == 1:
                duties.append((lifts[0] - a) / (b - a))
        duty = sum(duties) / len(duties) if duties else None
    if foot_x is not None:
        strides = []
        for i in td:
            later = [j for j in lo if j > i]
            if later:
                stance = foot_x[i : later[0] + 1]
                strides.append(max(stance) - min(stance))
        stride = sum(strides) / len(strides) if strides else None
    if foot_y is not None:
        heights = []
        for j in lo:
            later = [i for i in td if i > j]
            if later:
                heights.append(max(foot_y[j : later[0] + 1]))
        height = sum(heights) / len(heights) if heights else None
    return GaitMetrics(
        steps=len(td_t),
        step_frequency_hz=freq,
        step_period_cv=cv,
        duty_factor=duty,
        stride_length_m=stride,
        step_height_m=height,
        touchdowns=tuple(td_t),
        liftoffs=tuple(lo_t),
    )


def event_phases(events: Sequence[float], onsets: Sequence[float]) -> list[float]:
    """Phase (cycles, 0..1) of each event within the reference cycle that contains it.

    The cycle runs from one onset to the next; events outside [first, last onset) are skipped.
    """
    out: list[float] = []
    k = 0
    for e in events:
        while k + 1 < len(onsets) and onsets[k + 1] <= e:
            k += 1
        if k + 1 >= len(onsets) or e < onsets[k]:
            continue
        out.append((e - onsets[k]) / (onsets[k + 1] - onsets[k]))
    return out


def circular_spread(phases: Sequence[float]) -> float:
    """Circular standard deviation (cycles) of phases in cycles: sqrt(-2 ln R) / (2 pi).

    0 for identical phases; grows without bound as the phases spread uniformly (R -> 0).
    """
    if not phases:
        raise ValueError("circular_spread needs at least one phase")
    c = sum(math.cos(2 * math.pi * p) for p in phases) / len(phases)
    s = sum(math.sin(2 * math.pi * p) for p in phases) / len(phases)
    r = min(1.0, math.hypot(c, s))
    if r < 1e-12:  # uniform within rounding
        return math.inf
    return math.sqrt(-2.0 * math.log(r)) / (2.0 * math.pi)

"""Leg model: servo lag and slew against closed forms, kinematics, contact, pendulum, gait."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from mnsu.circuit.board import JointSpec, LegSpec, load_board
from mnsu.robot.leg import (
    Leg,
    PendulumSpec,
    Servo,
    ServoSpec,
    circular_spread,
    contact_edges,
    event_phases,
    forward_kinematics,
    gait_metrics,
    pendulum_natural_frequency_hz,
)

ROOT = Path(__file__).resolve().parents[2]


def leg_spec() -> LegSpec:
    return LegSpec(
        flexor="F",
        extensor="E",
        joints=(JointSpec("hip", -35, 35, 0), JointSpec("knee", 0, 70, 10)),
        thigh_length=0.10,
        shank_length=0.10,
        hip_height=0.17,
    )


def test_example_board_leg_builds() -> None:
    board = load_board(ROOT / "examples" / "leg.yaml")
    assert board.leg is not None
    leg = Leg(board.leg)
    assert leg.joint_names == ("hip", "knee")
    assert leg.state().knee_deg == pytest.approx(10.0)


def test_servo_lag_step_response_matches_exponential() -> None:
    servo = Servo(ServoSpec(tau_s=0.05, slew_deg_s=math.inf))
    servo.command_deg(30.0)
    for k in range(1, 11):
        servo.advance(0.01)
        assert servo.angle_deg == pytest.approx(30.0 * (1 - math.exp(-0.01 * k / 0.05)), 1e-12)


def test_servo_lag_exact_whatever_the_step() -> None:
    a = Servo(ServoSpec(tau_s=0.02, slew_deg_s=600.0))
    b = Servo(ServoSpec(tau_s=0.02, slew_deg_s=600.0))
    a.command_deg(60.0)
    b.command_deg(60.0)
    a.advance(0.1)
    for _ in range(1000):
        b.advance(0.0001)
    assert a.angle_deg == pytest.approx(b.angle_deg, abs=1e-9)


def test_servo_slew_then_lag_closed_form() -> None:
    # 60 deg at 600 deg/s with tau 20 ms: slews until the error is 12 deg (t = 0.08 s),
    # then decays exponentially from 12 deg.
    servo = Servo(ServoSpec(tau_s=0.02, slew_deg_s=600.0))
    servo.command_deg(60.0)
    servo.advance(0.05)
    assert servo.angle_deg == pytest.approx(30.0, abs=1e-12)
    servo.advance(0.03)
    assert servo.angle_deg == pytest.approx(48.0, abs=1e-12)
    servo.advance(0.02)
    assert servo.angle_deg == pytest.approx(60.0 - 12.0 * math.exp(-1.0), abs=1e-12)


def test_servo_pure_slew_time() -> None:
    servo = Servo(ServoSpec(tau_s=0.0, slew_deg_s=600.0))
    servo.command_deg(-60.0)
    servo.advance(0.099)
    assert servo.angle_deg == pytest.approx(-59.4, abs=1e-12)
    servo.advance(0.002)
    assert servo.angle_deg == -60.0


def test_servo_pulse_mapping_and_end_stops() -> None:
    spec = ServoSpec()
    assert spec.pulse_to_deg(1500.0) == 0.0
    assert spec.pulse_to_deg(2000.0) == pytest.approx(45.0)
    assert spec.pulse_to_deg(3000.0) == 90.0  # clamped
    assert spec.deg_to_pulse(-45.0) == pytest.approx(1000.0)
    servo = Servo(spec)
    with pytest.raises(ValueError, match="finite"):
        servo.command_pulse(math.nan)
    with pytest.raises(ValueError, match="tau_s"):
        ServoSpec(tau_s=-1.0)


def test_forward_kinematics_closed_forms() -> None:
    assert forward_kinematics(0, 0, 0.1, 0.1, 0.17) == pytest.approx((0.0, -0.03))
    # fully extended backwards: leg horizontal behind the hip
    x, y = forward_kinematics(90, 0, 0.1, 0.1, 0.17)
    assert (x, y) == pytest.approx((-0.2, 0.17))
    # thigh vertical, knee flexed 90 deg: shank horizontal, pointing forward
    x, y = forward_kinematics(0, 90, 0.1, 0.1, 0.17)
    assert (x, y) == pytest.approx((0.1, 0.07))
    x, y = forward_kinematics(30, 60, 0.1, 0.12, 0.17)
    assert x == pytest.approx(-0.1 * 0.5 + 0.12 * 0.5)
    assert y == pytest.approx(
        0.17 - 0.1 * math.cos(math.radians(30)) - 0.12 * math.cos(-math.pi / 6)
    )


def test_contact_and_load() -> None:
    leg = Leg(leg_spec(), ServoSpec(tau_s=0.0, slew_deg_s=1e9), ground_stiffness_n_m=1000.0)
    leg.command_deg("hip", 0.0)
    leg.command_deg("knee", 0.0)
    s = leg.advance(0.01)
    assert s.contact
    assert s.foot_y == pytest.approx(-0.03)
    assert s.load_n == pytest.approx(30.0)
    leg.command_deg("knee", 70.0)
    s = leg.advance(0.01)
    assert not s.contact
    assert s.load_n == 0.0
    leg.ground_y = s.foot_y + 0.001  # a 1 mm higher step under the lifted foot
    s = leg.state()
    assert s.contact and s.load_n == pytest.approx(1.0)
    with pytest.raises(KeyError, match="unknown joint 'ankle'"):
        leg.command_deg("ankle", 1.0)


def test_pendulum_natural_frequency_closed_form() -> None:
    p = PendulumSpec(mass_kg=0.2, spring_nm_rad=0.0, damping_ratio=0.0)
    # uniform rod about its end: omega^2 = 3 g / (2 L)
    assert pendulum_natural_frequency_hz(0.2, p) == pytest.approx(
        math.sqrt(3 * 9.80665 / 0.4) / (2 * math.pi)
    )


def test_pendulum_free_oscillation_period() -> None:
    p = PendulumSpec(mass_kg=0.1, spring_nm_rad=0.05, damping_ratio=0.05)
    leg = Leg(leg_spec(), pendulum=p)
    leg.command_deg("hip", 0.0)
    leg.set_pendulum_state(3.0)  # small angle
    crossings: list[float] = []
    prev = leg.hip_deg()
    for _ in range(4000):  # 4 s in 1 ms steps
        leg.advance(0.001)
        now = leg.hip_deg()
        if prev > 0.0 >= now:
            crossings.append(leg.t - 0.001 * now / (now - prev))
        prev = now
    assert len(crossings) >= 4
    periods = [b - a for a, b in zip(crossings, crossings[1:], strict=False)]
    fd = 1.0 / (sum(periods) / len(periods))
    fn = leg.natural_frequency_hz()
    assert fd == pytest.approx(fn * math.sqrt(1 - 0.05**2), rel=0.01)
    # damped: the amplitude decays
    assert abs(leg.hip_deg()) < 3.0


def test_pendulum_follows_slow_servo() -> None:
    p = PendulumSpec(mass_kg=0.1, spring_nm_rad=0.05, damping_ratio=0.7)
    leg = Leg(leg_spec(), pendulum=p)
    leg.command_deg("hip", 20.0)
    leg.advance(3.0)
    # static equilibrium: k (20 deg - theta) = m g L/2 sin(theta)
    theta = math.radians(leg.hip_deg())
    assert 0.05 * (math.radians(20) - theta) == pytest.approx(
        0.1 * 9.80665 * 0.1 * math.sin(theta), abs=1e-4
    )


def synthetic_gait(
    freq: float, duty: float, cycles: int, dt: float = 0.001
) -> tuple[list[float], list[bool], list[float], list[float]]:
    t, c, x, y = [], [], [], []
    n = int(cycles / freq / dt)
    for i in range(n):
        ti = i * dt
        ph = (ti * freq) % 1.0
        stance = ph < duty
        t.append(ti)
        c.append(stance)
        # stance: foot moves back 0.06 m; swing: forward, lifted 0.02 m at mid-swing
        if stance:
            x.append(0.03 - 0.06 * ph / duty)
            y.append(0.0)
        else:
            s = (ph - duty) / (1 - duty)
            x.append(-0.03 + 0.06 * s)
            y.append(0.02 * math.sin(math.pi * s))
    return t, c, x, y


def test_gait_metrics_on_synthetic_gait() -> None:
    t, c, x, y = synthetic_gait(1.25, 0.6, 10)
    m = gait_metrics(t, c, x, y)
    assert m.steps == 9  # touch-down at t=0 is the start of the record, not an edge
    assert m.step_frequency_hz == pytest.approx(1.25, rel=1e-3)
    assert m.step_period_cv is not None and m.step_period_cv < 0.01
    assert m.duty_factor == pytest.approx(0.6, abs=0.002)
    assert m.stride_length_m == pytest.approx(0.06, abs=0.001)
    assert m.step_height_m == pytest.approx(0.02, abs=0.0005)


def test_gait_metrics_ignores_chatter_and_short_records() -> None:
    t, c, _, _ = synthetic_gait(1.0, 0.5, 6)
    c = list(c)
    for i in range(2100, 2105):  # a 5 ms blip of contact inside a swing
        c[i] = not c[i]
    m = gait_metrics(t, c)
    assert m.step_frequency_hz == pytest.approx(1.0, rel=1e-3)
    edges = contact_edges(t, c)
    assert len(edges[0]) == 5
    empty = gait_metrics([0.0, 0.1], [False, False])
    assert empty.steps == 0 and empty.step_frequency_hz is None and empty.duty_factor is None
    with pytest.raises(ValueError, match="differ in length"):
        gait_metrics([0.0], [True, False])


def test_event_phases_and_spread() -> None:
    onsets = [0.0, 1.0, 2.0, 3.0]
    assert event_phases([0.25, 1.5, 2.75, 3.5, -1.0], onsets) == pytest.approx([0.25, 0.5, 0.75])
    assert circular_spread([0.3, 0.3, 0.3]) == pytest.approx(0.0, abs=1e-6)
    # wrap-around: 0.95 and 0.05 are close
    assert circular_spread([0.95, 0.05]) < circular_spread([0.4, 0.6])
    assert circular_spread([0.0, 0.5]) == math.inf

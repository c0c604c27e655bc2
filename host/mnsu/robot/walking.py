"""Walking figures of the physics leg, measured in the physics world (pure: samples in, numbers
out).

From a PhysicsLeg trace (mnsu.robot.physics.Sample) over a window [t0, t1]:

- forward_speed_m_s: carriage displacement over the window's duration.
- step_frequency_hz, duty_factor: from the foot switch (mnsu.robot.leg.gait_metrics), with
  contact or no-contact phases shorter than BOUNCE_S merged into their neighbours (the foot
  bounces a few times in the first ~0.1 s after it lands; a step is a swing longer than that).
- stride_length_m: carriage displacement per step (speed / step frequency).
- foot_slip_m: mean over stances of how far the foot's contact point slid along the floor
  (largest minus smallest x while the switch was closed, the round foot's rolling taken out):
  0 for a foot that grips.
- hip_height_min_m / hip_height_max_m: range of the hip's height over the floor.
- cost_of_transport: servo work / (weight x distance), dimensionless (the work is the sum of
  |torque x joint speed| dt, so braking counts as cost too).
- falls: falls inside the window (PhysicsLeg.falls).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from mnsu.robot.description import GRAVITY_M_S2
from mnsu.robot.leg import contact_edges, gait_metrics
from mnsu.robot.physics import Sample

BOUNCE_S = 0.06  # contact/no-contact phases shorter than this are touch-down bounce


@dataclass(frozen=True)
class WalkingMetrics:
    duration_s: float
    distance_m: float
    forward_speed_m_s: float
    body_lengths_per_10s: float
    steps: int
    step_frequency_hz: float | None
    duty_factor: float | None
    stride_length_m: float | None
    foot_slip_m: float | None
    hip_height_min_m: float
    hip_height_max_m: float
    work_j: float
    cost_of_transport: float | None
    falls: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def walking_metrics(
    trace: Sequence[Sample],
    t0: float,
    t1: float,
    mass_kg: float,
    leg_length_m: float,
    foot_radius_m: float,
    falls: Sequence[float] = (),
) -> WalkingMetrics:
    """The figures above over samples with t0 <= t <= t1 (see the module docstring)."""
    window = [s for s in trace if t0 <= s.t <= t1]
    if len(window) < 2:
        raise ValueError(f"walking_metrics: fewer than 2 samples in {t0:g}..{t1:g} s")
    first, last = window[0], window[-1]
    duration = last.t - first.t
    distance = last.x - first.x
    speed = distance / duration
    t = [s.t for s in window]
    contact = [s.contact for s in window]
    gait = gait_metrics(t, contact, min_phase_s=BOUNCE_S)
    touchdowns, liftoffs = contact_edges(t, contact, BOUNCE_S)
    slips = []
    for i in touchdowns:
        later = [j for j in liftoffs if j > i]
        if later:
            # contact point of the rolling foot: centre x - r * shank pitch (rad)
            xs = [
                s.foot_x - foot_radius_m * math.radians(s.hip_deg - s.knee_deg)
                for s in window[i : later[0]]
            ]
            slips.append(max(xs) - min(xs))
    work = 0.0
    for a, b in zip(window, window[1:], strict=False):
        work += b.power_w * (b.t - a.t)
    cot = work / (mass_kg * GRAVITY_M_S2 * distance) if distance > 0.0 else None
    freq = gait.step_frequency_hz
    return WalkingMetrics(
        duration_s=duration,
        distance_m=distance,
        forward_speed_m_s=speed,
        body_lengths_per_10s=speed * 10.0 / leg_length_m,
        steps=gait.steps,
        step_frequency_hz=freq,
        duty_factor=gait.duty_factor,
        stride_length_m=speed / freq if freq else None,
        foot_slip_m=sum(slips) / len(slips) if slips else None,
        hip_height_min_m=min(s.z for s in window),
        hip_height_max_m=max(s.z for s in window),
        work_j=work,
        cost_of_transport=cot,
        falls=sum(1 for f in falls if t0 <= f <= t1),
    )

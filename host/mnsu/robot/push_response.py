"""How the physics leg recovers from a push on its carriage (pure: samples in, numbers out).

A push is an impulse on the carriage at board time `t_push` (PhysicsLeg.push). Measured from
the physics trace (mnsu.robot.physics.Sample, board time) and the extensor's burst onsets:

- speed_before_m_s / speed_after_m_s: carriage displacement over WINDOW_S before the push and
  over WINDOW_S after it, divided by the window.
- speed_loss_fraction: 1 - after / before (negative: the push sped the leg up).
- distance_lost_m: (before - after) * WINDOW_S, how far behind the unpushed pace the leg is.
- touchdown_phase_before_cycles: circular mean of the touch-down phases within the extensor
  cycle (0..1) over WINDOW_S before the push, the gait's own phase.
- relock_s: time from the push to the first touch-down from which every later touch-down in
  the window (at least RELOCK_STEPS of them) is within RELOCK_TOL_CYCLES of that phase; None
  when the gait has not re-locked by the end of the trace.
- max_phase_error_cycles: the largest circular phase error of a touch-down after the push.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from mnsu.robot.leg import contact_edges, event_phases
from mnsu.robot.physics import Sample
from mnsu.robot.walking import BOUNCE_S

WINDOW_S = 3.0  # speed and phase windows either side of the push
RELOCK_TOL_CYCLES = 0.05
RELOCK_STEPS = 3


@dataclass(frozen=True)
class PushResponse:
    t_push_s: float
    impulse_ns: float
    speed_before_m_s: float
    speed_after_m_s: float
    speed_loss_fraction: float | None
    distance_lost_m: float
    touchdown_phase_before_cycles: float | None
    relock_s: float | None
    max_phase_error_cycles: float | None
    touchdowns_after: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def circular_mean(phases: Sequence[float]) -> float:
    """Circular mean of phases in cycles, in [0, 1)."""
    if not phases:
        raise ValueError("circular_mean needs at least one phase")
    c = sum(math.cos(2 * math.pi * p) for p in phases)
    s = sum(math.sin(2 * math.pi * p) for p in phases)
    return (math.atan2(s, c) / (2 * math.pi)) % 1.0


def phase_error(a: float, b: float) -> float:
    """Circular distance between two phases in cycles, in [0, 0.5]."""
    d = (a - b) % 1.0
    return min(d, 1.0 - d)


def _displacement(trace: Sequence[Sample], t0: float, t1: float) -> float:
    window = [s for s in trace if t0 <= s.t <= t1]
    if len(window) < 2:
        raise ValueError(f"push response: fewer than 2 samples in {t0:g}..{t1:g} s")
    return window[-1].x - window[0].x


def push_response(
    trace: Sequence[Sample],
    extensor_onsets: Sequence[float],
    t_push: float,
    impulse_ns: float,
) -> PushResponse:
    """The figures of the module docstring for one push (times in board seconds)."""
    if not trace or trace[0].t > t_push - WINDOW_S or trace[-1].t < t_push + WINDOW_S:
        raise ValueError(
            f"push at {t_push:g} s needs the trace to cover {WINDOW_S:g} s before and after it"
        )
    before = _displacement(trace, t_push - WINDOW_S, t_push) / WINDOW_S
    after = _displacement(trace, t_push, t_push + WINDOW_S) / WINDOW_S
    t = [s.t for s in trace]
    touchdowns = [t[i] for i in contact_edges(t, [s.contact for s in trace], BOUNCE_S)[0]]
    pre = [x for x in touchdowns if t_push - WINDOW_S <= x < t_push]
    post = [x for x in touchdowns if x >= t_push]
    pre_phases = event_phases(pre, extensor_onsets)
    reference = circular_mean(pre_phases) if pre_phases else None
    relock: float | None = None
    worst: float | None = None
    post_phases = [(x, p) for x in post for p in event_phases([x], extensor_onsets)]
    if reference is not None and post_phases:
        errors = [(x, phase_error(p, reference)) for x, p in post_phases]
        worst = max(e for _, e in errors)
        for k, (x, _) in enumerate(errors):
            rest = errors[k:]
            if len(rest) >= RELOCK_STEPS and all(e <= RELOCK_TOL_CYCLES for _, e in rest):
                relock = x - t_push
                break
    return PushResponse(
        t_push_s=t_push,
        impulse_ns=impulse_ns,
        speed_before_m_s=before,
        speed_after_m_s=after,
        speed_loss_fraction=1.0 - after / before if before > 0.0 else None,
        distance_lost_m=(before - after) * WINDOW_S,
        touchdown_phase_before_cycles=reference,
        relock_s=relock,
        max_phase_error_cycles=worst,
        touchdowns_after=len(post_phases),
    )

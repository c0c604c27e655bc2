"""Self-consistent firing rates of a unit with excitatory self-synapses and adaptation.

A unit firing periodically at rate f feeds itself, through each self-synapse k, the mean current
W_k * s_k(f), and its adaptation takes away the mean current <w>(f). The rate it then fires at is

    G(f) = F(I_bias + sum_k W_k * s_k(f) - <w>(f))

with F the unit's f-I curve (no adaptation). Self-consistent rates are the fixed points
G(f) = f; one is stable when G'(f) < 1 (a small rate excess feeds back less than itself).

Pieces, all for a periodic spike train at rate f (period T = 1/f):

* mean synaptic activation. s jumps by alpha*(1 - s) at each spike and decays with tau between
  spikes, so just after a spike s+ = alpha / (1 - (1 - alpha)*q), q = exp(-T/tau), and the
  mean over a period is s(f) = s+ * (1 - q) * f * tau (-> alpha*f*tau at low rates, -> 1 at
  high rates). A synaptic delay does not change the mean.
* mean adaptation. Averaging tau_w dw/dt = a*V - w + tau_w*b*sum(delta(t - t_spike)) over a
  period gives <w> = a*<V> + b*f*tau_w exactly. The approximation is to feed the unit the
  constant current -<w> instead of the fluctuating w(t) (good when tau_w >> 1/f), and to take
  <V> as the cycle mean of the non-adapting unit driven by the resulting effective current
  I_eff (solved together: I_eff = I_bias + W*s - a*<V>(I_eff) - b*f*tau_w, by bisection). In
  the silent state <V> is the resting voltage, I_bias / (1/R + a).
* F. Either the closed form of the piecewise-linear LIF unit (the README's unit equations:
  t_off = R*C*ln[(I*R - V_off)/(I*R - V_th)], t_on = C*R_p*ln[(V_th - V_inf)/(V_off - V_inf)],
  f = 1/(t_off + t_on), 0 below rheobase and at latch-up), or measured by short emulator runs
  of the isolated unit with its adaptation removed (`measure_fi`), interpolated linearly.

Two maps G are offered:

* `mean-field`: the formula above (constant synaptic current W*s(f)). Its error grows when
  the synaptic current fluctuates a lot within a period (tau not >> 1/f): on the autapse
  memory board it is +1.5 % at 146 Hz, +3 % at 80 Hz and +10 % at 46 Hz.
* `periodic` (LIF closed form only): the exact periodic orbit. The unit is integrated in closed
  form through one period with the actual synaptic current W*s+*exp(-t/tau) after each spike
  (spike phase, then charging from V_off to V_th); G(f) = 1/(time to the next spike). Its fixed
  points are the periodic orbits of the emulator itself (adaptation still enters as its mean).

Fixed points are found on a grid of f (sign changes of G(f) - f, refined by bisection);
f = 0 is a fixed point when the resting unit stays below threshold (G(0) = 0), stable when
G is flat there. The silent state is judged on the resting unit (no spikes, no synaptic
current); the maps for f > 0 describe sustained periodic firing.

One concern, this analysis: its pieces (activation means, f-I curves, the periodic orbit, the
fixed-point search) serve only it.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mnsu.circuit.board import Board, NeuronSpec, parse_board

# Keys of the isolated unit's board that belong to its adaptation (removed to measure F).
_ADAPT_KEYS = ("adapt_a", "adapt_b", "adapt_tau", "adapt_q")
# NeuronSpec fields that, when non-zero, take a unit outside the LIF closed form.
_NON_CLOSED_FIELDS = ("turn_on_delay", "min_off_time", "C_d", "I_noise", "adapt_q")


class SelfConsistencyError(ValueError):
    """A unit or board the self-consistency analysis cannot handle (message says why)."""


@dataclass(frozen=True)
class SelfSynapse:
    W: float  # A
    tau: float  # s
    alpha: float


@dataclass(frozen=True)
class Problem:
    """One unit, its bias, its self-synapses and its adaptation constants."""

    spec: NeuronSpec
    I_bias: float
    synapses: tuple[SelfSynapse, ...]
    adapt_a: float
    adapt_b: float
    adapt_tau: float

    @property
    def adaptive(self) -> bool:
        return self.adapt_a != 0.0 or self.adapt_b != 0.0


@dataclass(frozen=True)
class FixedPoint:
    rate_hz: float
    slope: float  # G'(f) at the fixed point
    stable: bool
    current: float  # effective input current I_eff (A) at the fixed point

    def as_dict(self) -> dict[str, float | bool]:
        return {
            "rate_hz": self.rate_hz,
            "slope": self.slope,
            "stable": self.stable,
            "current_A": self.current,
        }


def problem_from_board(board: Board, neuron: str) -> Problem:
    """The self-consistency problem of `neuron`: its self-synapses (pre = post = neuron)."""
    try:
        spec = board.neurons[board.neuron_index(neuron)]
    except KeyError:
        raise SelfConsistencyError(
            f"no neuron {neuron!r}; the board has {', '.join(board.neuron_names)}"
        ) from None
    own = [s for s in board.synapses if s.pre == neuron and s.post == neuron]
    if any(s.model == "rall" for s in own):
        raise SelfConsistencyError(
            f"neuron {neuron!r} has a two-stage (rall) self-synapse: the self-consistency map "
            "covers saturating synapses only"
        )
    syns = tuple(SelfSynapse(s.W, s.tau, s.alpha) for s in own)
    return Problem(spec, spec.I_bias, syns, spec.adapt_a, spec.adapt_b, spec.adapt_tau)


# ------------------------------------------------------------------ synaptic activation
def peak_activation(f: float, tau: float, alpha: float) -> float:
    """Activation just after each spike of a periodic train at rate f (Hz)."""
    if f <= 0:
        return alpha
    q = math.exp(-1.0 / (f * tau))
    return alpha / (1.0 - (1.0 - alpha) * q)


def mean_activation(f: float, tau: float, alpha: float) -> float:
    """Time-averaged activation s(f) of a synapse driven by a periodic train at rate f (Hz)."""
    if f <= 0:
        return 0.0
    q = math.exp(-1.0 / (f * tau))
    return peak_activation(f, tau, alpha) * (1.0 - q) * f * tau


# ------------------------------------------------------------------ f-I curves
class FICurve:
    """Rate F(I) (Hz) and cycle-mean membrane voltage <V>(I) (V) of the non-adapting unit."""

    def rate(self, current: float) -> float:
        raise NotImplementedError

    def mean_v(self, current: float) -> float:
        raise NotImplementedError


def closed_form_applies(spec: NeuronSpec) -> bool:
    """True when the unit is the plain piecewise-linear LIF unit (device options off)."""
    if spec.model != "lif":
        return False
    return all(float(getattr(spec, name, 0.0) or 0.0) == 0.0 for name in _NON_CLOSED_FIELDS)


class ClosedFormFI(FICurve):
    """The exact f-I curve of the piecewise-linear LIF unit (closed form between switchings)."""

    def __init__(self, spec: NeuronSpec) -> None:
        if not closed_form_applies(spec):
            raise SelfConsistencyError(
                f"unit {spec.name!r} is not a plain LIF unit (device options, dendrite or noise "
                "set): use the measured f-I curve"
            )
        self.C = spec.C
        self.R = 1.0 / (1.0 / spec.R_leak + 1.0 / spec.R_off)  # OFF: leak and device
        self.R_p = 1.0 / (1.0 / spec.R_leak + 1.0 / spec.R_on)  # ON
        self.V_th = spec.V_th
        self.V_off = spec.V_off
        self.V_on = spec.V_on
        self.R_on = spec.R_on

    @property
    def rheobase(self) -> float:
        return self.V_th / self.R

    def _times(self, current: float) -> tuple[float, float, float] | None:
        """(t_off, t_on, V_inf during the spike), or None when silent or latched."""
        if current * self.R <= self.V_th:
            return None
        v_inf = (current + self.V_on / self.R_on) * self.R_p
        if v_inf >= self.V_off:
            return None  # latch-up: M stays ON
        ir = current * self.R
        t_off = self.R * self.C * math.log((ir - self.V_off) / (ir - self.V_th))
        t_on = self.C * self.R_p * math.log((self.V_th - v_inf) / (self.V_off - v_inf))
        return t_off, t_on, v_inf

    def rate(self, current: float) -> float:
        times = self._times(current)
        return 0.0 if times is None else 1.0 / (times[0] + times[1])

    def mean_v(self, current: float) -> float:
        times = self._times(current)
        if times is None:
            if current * self.R <= self.V_th:
                return current * self.R
            return (current + self.V_on / self.R_on) * self.R_p  # latched
        t_off, t_on, v_inf = times
        swing = self.V_th - self.V_off
        mean_off = current * self.R - self.R * self.C * swing / t_off
        mean_on = v_inf + self.R_p * self.C * swing / t_on
        return (mean_off * t_off + mean_on * t_on) / (t_off + t_on)


class TableFI(FICurve):
    """An f-I curve tabulated at increasing currents, interpolated linearly."""

    def __init__(self, currents: Sequence[float], rates: Sequence[float], vmeans: Sequence[float]):
        if len(currents) < 2 or any(b <= a for a, b in zip(currents, currents[1:], strict=False)):
            raise ValueError("TableFI: need >= 2 strictly increasing currents")
        self.currents = list(currents)
        self.rates = list(rates)
        self.vmeans = list(vmeans)

    def _interp(self, values: Sequence[float], current: float) -> float:
        xs = self.currents
        if current <= xs[0]:
            return values[0]
        if current >= xs[-1]:
            return values[-1]
        k = bisect_left(xs, current)
        x0, x1 = xs[k - 1], xs[k]
        u = (current - x0) / (x1 - x0)
        return values[k - 1] + u * (values[k] - values[k - 1])

    def rate(self, current: float) -> float:
        # A silent point next to a firing one: the curve is 0 up to the silent current.
        return self._interp(self.rates, current)

    def mean_v(self, current: float) -> float:
        return self._interp(self.vmeans, current)


def isolated_board(board: Board, neuron: str, current: float) -> Board:
    """The unit alone (no synapses, inputs or probes), adaptation removed, biased at `current`."""
    raw = board.raw
    defaults = dict(raw.get("defaults") or {})
    values = {**defaults, **dict((raw.get("neurons") or {}).get(neuron) or {})}
    for key in _ADAPT_KEYS:
        values.pop(key, None)
    values["I_bias"] = repr(float(current))
    return parse_board({"name": f"{neuron}-isolated", "neurons": {neuron: values}}, board.source)


def measure_point(
    board: Board, neuron: str, current: float, duration: float = 1.0
) -> tuple[float, float]:
    """(rate Hz, cycle-mean V) of the isolated unit at one current, from an emulator run.

    The rate counts spikes after the first one (the first ISI starts from V0); fewer than 3
    spikes in `duration` count as silent (rate 0, <V> = the final voltage).
    """
    from mnsu.circuit.emulator import Emulator
    from mnsu.circuit.traces import membrane_and_on

    emu = Emulator(isolated_board(board, neuron, current), record=True)
    emu.advance_to(duration)
    spikes = emu.spikes[0]
    if len(spikes) < 3:
        return 0.0, emu.voltage(0)
    first, last = spikes[1], spikes[-1]
    rate = (len(spikes) - 2) / (last - first)
    times = np.linspace(first, last, 4001)
    volts, _ = membrane_and_on(emu, 0, times)
    return rate, float(np.trapezoid(volts, times) / (last - first))


def measure_fi(
    board: Board, neuron: str, i_max: float, points: int = 48, duration: float = 1.0
) -> TableFI:
    """The isolated unit's f-I curve measured by emulator runs on [0, i_max] (adaptation off).

    The rheobase (first firing current of the grid) is refined by bisection, so the sharp rise
    of F just above it is resolved.
    """
    if points < 4:
        raise ValueError(f"measure_fi: need >= 4 points, got {points}")
    currents = [i_max * k / (points - 1) for k in range(points)]
    table = {c: measure_point(board, neuron, c, duration) for c in currents}
    firing = [c for c in currents if table[c][0] > 0]
    if firing:
        hi = firing[0]
        lo = max((c for c in currents if c < hi), default=0.0)
        for _ in range(12):  # bounded bisection of the rheobase
            mid = 0.5 * (lo + hi)
            point = measure_point(board, neuron, mid, duration)
            if point[0] > 0:
                hi = mid
                table[mid] = point
            else:
                lo = mid
        table[lo] = measure_point(board, neuron, lo, duration)
        # points just above the rheobase, where F rises steeply
        for frac in (0.002, 0.01, 0.03, 0.07):
            c = hi + frac * (i_max - hi)
            table[c] = measure_point(board, neuron, c, duration)
    xs = sorted(table)
    return TableFI(xs, [table[c][0] for c in xs], [table[c][1] for c in xs])


# ------------------------------------------------------------------ the maps G(f)
def _solve_current(target: Callable[[float], float], lo: float, hi: float) -> float:
    """Root of I - target(I) on [lo, hi] by bounded bisection (target decreasing in I)."""
    f_lo = lo - target(lo)
    if f_lo >= 0:
        return lo
    for _ in range(60):
        if hi - lo <= 1e-9:  # 1 nA
            break
        mid = 0.5 * (lo + hi)
        if mid - target(mid) >= 0:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


def _current_span(problem: Problem) -> tuple[float, float]:
    drive = problem.I_bias + sum(max(s.W, 0.0) for s in problem.synapses)
    low = problem.I_bias + sum(min(s.W, 0.0) for s in problem.synapses)
    span = abs(drive) + abs(low) + 1e-3
    return low - span, drive + span


def effective_current(problem: Problem, fi: FICurve, f: float) -> float:
    """I_eff(f) = I_bias + sum W*s(f) - <w>(f), with <w> = a*<V>(I_eff) + b*f*tau_w."""
    syn = problem.I_bias + sum(s.W * mean_activation(f, s.tau, s.alpha) for s in problem.synapses)
    if not problem.adaptive:
        return syn
    spike_part = problem.adapt_b * f * problem.adapt_tau

    def target(current: float) -> float:
        return syn - problem.adapt_a * fi.mean_v(current) - spike_part

    lo, hi = _current_span(problem)
    return _solve_current(target, lo - spike_part, hi)


def mean_field_map(problem: Problem, fi: FICurve) -> Callable[[float], float]:
    """G(f) = F(I_eff(f)) with the mean synaptic current (see the module docstring)."""

    def g(f: float) -> float:
        return fi.rate(effective_current(problem, fi, f))

    return g


def resting_state(problem: Problem, fi: FICurve) -> tuple[float, float]:
    """(G(0), I_eff) of the silent unit: no spikes, no synaptic current, w = a*V_rest."""
    current = effective_current(problem, fi, 0.0)
    return fi.rate(current), current


class PeriodicOrbit:
    """The exact one-period map of a LIF unit with self-synapses (closed form, no adaptation
    dynamics: the adaptation enters as a constant current)."""

    def __init__(self, problem: Problem) -> None:
        self.p = problem
        self.fi = ClosedFormFI(problem.spec)
        spec = problem.spec
        self.C = spec.C
        self.g_off = 1.0 / spec.R_leak + 1.0 / spec.R_off
        self.g_on = 1.0 / spec.R_leak + 1.0 / spec.R_on
        self.e_on = spec.V_on / spec.R_on
        self.V_th = spec.V_th
        self.V_off = spec.V_off

    def _segment(
        self, t0: float, v0: float, g: float, source: float, amps: Sequence[tuple[float, float]]
    ) -> Callable[[np.ndarray], np.ndarray]:
        """V(t) for t >= t0 of C dV/dt = source - g*V + sum A*exp(-t/tau), V(t0) = v0."""
        v_inf = source / g
        terms = []
        for amp, tau in amps:
            denom = g - self.C / tau
            if abs(denom) < 1e-9 * g:
                denom = 1e-9 * g  # resonance: nudge (relative error ~1e-9)
            terms.append((amp / denom, tau))
        homog = v0 - v_inf - sum(k * math.exp(-t0 / tau) for k, tau in terms)
        rate = g / self.C

        def volts(t: np.ndarray) -> np.ndarray:
            out = v_inf + homog * np.exp(-rate * (t - t0))
            for k, tau in terms:
                out = out + k * np.exp(-t / tau)
            return out

        return volts

    @staticmethod
    def _first_crossing(
        volts: Callable[[np.ndarray], np.ndarray], t0: float, level: float, up: bool, t_max: float
    ) -> float | None:
        """First time after t0 at which V crosses `level` (upward or downward), or None."""
        step = 2e-5
        t = t0
        while t < t_max:
            span = min(4000 * step, t_max - t)
            grid = t + np.linspace(0.0, span, 4001)
            v = volts(grid) - level
            hits = np.flatnonzero(v[1:] >= 0) if up else np.flatnonzero(v[1:] <= 0)
            if hits.size:
                k = int(hits[0])
                lo, hi = float(grid[k]), float(grid[k + 1])
                for _ in range(60):
                    mid = 0.5 * (lo + hi)
                    val = float(volts(np.array([mid]))[0]) - level
                    if (val >= 0) == up:
                        hi = mid
                    else:
                        lo = mid
                return 0.5 * (lo + hi)
            t += span
            step *= 2
        return None

    def next_period(self, f: float, constant: float) -> tuple[float | None, float]:
        """(time from a spike to the next, cycle-mean V) for a train at rate f and a constant
        input current `constant`; None when no next spike comes within 10 s."""
        amps = [(s.W * peak_activation(f, s.tau, s.alpha), s.tau) for s in self.p.synapses]
        on = self._segment(0.0, self.V_th, self.g_on, constant + self.e_on, amps)
        t_on = self._first_crossing(on, 0.0, self.V_off, up=False, t_max=1.0)
        if t_on is None:
            return None, self.V_off  # latched
        off = self._segment(t_on, self.V_off, self.g_off, constant, amps)
        t_next = self._first_crossing(off, t_on, self.V_th, up=True, t_max=10.0)
        if t_next is None:
            return None, float(off(np.array([10.0]))[0])
        grid_on = np.linspace(0.0, t_on, 201)
        grid_off = np.linspace(t_on, t_next, 2001)
        area = np.trapezoid(on(grid_on), grid_on) + np.trapezoid(off(grid_off), grid_off)
        return t_next, float(area / t_next)

    def g(self, f: float) -> float:
        if f <= 0:
            return self.fi.rate(effective_current(self.p, self.fi, 0.0))
        p = self.p
        if not p.adaptive:
            period, _ = self.next_period(f, p.I_bias)
            return 0.0 if period is None else 1.0 / period
        spike_part = p.adapt_b * f * p.adapt_tau

        def target(current: float) -> float:
            _, vmean = self.next_period(f, current)
            return p.I_bias - p.adapt_a * vmean - spike_part

        lo, hi = _current_span(p)
        constant = _solve_current(target, lo - spike_part, hi)
        period, _ = self.next_period(f, constant)
        return 0.0 if period is None else 1.0 / period


# ------------------------------------------------------------------ fixed points
def fixed_points(
    g: Callable[[float], float],
    f_max: float,
    points: int = 400,
    current: Callable[[float], float] | None = None,
    g_rest: Callable[[float], float] | None = None,
) -> list[FixedPoint]:
    """All fixed points G(f) = f on [0, f_max]: f = 0 when G(0) = 0, and every sign change of
    G(f) - f on a grid of `points`, refined by bisection. Stable when G'(f) < 1.

    The silent state's stability is judged with `g_rest` (default `g`): a map that is
    continuous at 0 (the mean-field map), since the periodic map may jump at 0+ when a single
    spike re-excites the unit, a finite perturbation rather than a small one.
    """
    if f_max <= 0 or points < 3:
        raise ValueError("fixed_points: need f_max > 0 and points >= 3")
    cur = current if current is not None else (lambda f: math.nan)
    fs = [f_max * k / (points - 1) for k in range(points)]
    vals = [g(f) - f for f in fs]
    found: list[FixedPoint] = []
    h = f_max * 1e-4
    if vals[0] == 0.0:
        rest = g_rest if g_rest is not None else g
        slope = (rest(h) - rest(0.0)) / h
        found.append(FixedPoint(0.0, slope, slope < 1.0, cur(0.0)))
    for k in range(1, points):
        a, b = vals[k - 1], vals[k]
        if k == 1 and a == 0.0:
            a = -h  # leaving the silent fixed point: G(f) - f starts negative
        if (a < 0) == (b < 0):
            continue
        lo, hi = fs[k - 1], fs[k]
        neg_lo = a < 0
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            if (g(mid) - mid < 0) == neg_lo:
                lo = mid
            else:
                hi = mid
        f_star = 0.5 * (lo + hi)
        if found and found[0].rate_hz == 0.0 and f_star < 1e-6 * f_max:
            continue  # G jumps at 0+ (a single spike re-excites): no orbit there
        dh = min(h, 0.25 * f_star)
        slope = (g(f_star + dh) - g(f_star - dh)) / (2 * dh)
        found.append(FixedPoint(f_star, slope, slope < 1.0, cur(f_star)))
    return found


@dataclass(frozen=True)
class MapResult:
    """Fixed points of one map G and its curve (f, G(f)) for plotting."""

    method: str  # "mean-field" or "periodic"
    fixed: tuple[FixedPoint, ...]
    curve: tuple[tuple[float, float], ...]
    # G just above f = 0: the rate a single isolated spike re-excites the unit at (periodic
    # map); > 0 means one spike is enough to set persistent firing from the silent state.
    g0_plus: float

    def stable_rates(self) -> list[float]:
        return [fp.rate_hz for fp in self.fixed if fp.stable]

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "fixed_points": [fp.as_dict() for fp in self.fixed],
            "g0_plus_hz": self.g0_plus,
        }


@dataclass(frozen=True)
class Analysis:
    neuron: str
    fi: str  # "closed-form" or "measured"
    problem: Problem
    f_max: float
    maps: tuple[MapResult, ...]  # mean-field first, then periodic when it applies
    fi_check: Mapping[str, Any]

    def as_dict(self) -> dict[str, Any]:
        p = self.problem
        return {
            "neuron": self.neuron,
            "fi": self.fi,
            "f_max_hz": self.f_max,
            "I_bias_A": p.I_bias,
            "self_synapses": [{"W": s.W, "tau": s.tau, "alpha": s.alpha} for s in p.synapses],
            "adaptation": {"a": p.adapt_a, "b": p.adapt_b, "tau_w": p.adapt_tau},
            "maps": {m.method: m.as_dict() for m in self.maps},
            "fi_check": dict(self.fi_check),
        }

    def map(self, method: str) -> MapResult:
        for m in self.maps:
            if m.method == method:
                return m
        raise KeyError(method)


def fi_agreement(
    board: Board, neuron: str, closed: ClosedFormFI, currents: Sequence[float]
) -> dict[str, Any]:
    """Closed-form vs emulator-measured F at a few currents (max relative difference)."""
    rows = []
    worst = 0.0
    for c in currents:
        measured, _ = measure_point(board, neuron, c)
        exact = closed.rate(c)
        if exact > 0:
            worst = max(worst, abs(measured - exact) / exact)
        rows.append({"current_A": c, "closed_form_hz": exact, "measured_hz": measured})
    return {"points": rows, "max_rel_diff": worst}


def solve_map(
    method: str,
    g: Callable[[float], float],
    f_max: float,
    current: Callable[[float], float],
    points: int,
    g_rest: Callable[[float], float] | None = None,
) -> MapResult:
    fixed = fixed_points(g, f_max, points, current, g_rest)
    g0_plus = g(f_max * 1e-7)
    curve = tuple((f, g(f)) for f in np.linspace(0.0, f_max, 241).tolist())
    return MapResult(method, tuple(fixed), curve, g0_plus)


def analyse(
    board: Board,
    neuron: str,
    fi_kind: str = "auto",
    f_max: float | None = None,
    points: int = 400,
    periodic: bool = True,
) -> Analysis:
    """Self-consistent rates of `neuron` by the mean-field map and (for a plain LIF unit, when
    `periodic`) the exact periodic-orbit map.

    fi_kind: "closed-form", "measured" or "auto" (closed form when it applies). With the closed
    form, F is also measured by the emulator at three currents (`fi_check`).
    """
    problem = problem_from_board(board, neuron)
    closed_ok = closed_form_applies(problem.spec)
    if fi_kind == "auto":
        fi_kind = "closed-form" if closed_ok else "measured"
    if fi_kind not in ("closed-form", "measured"):
        raise SelfConsistencyError(f"unknown f-I curve {fi_kind!r}: closed-form or measured")
    if fi_kind == "closed-form" and not closed_ok:
        raise SelfConsistencyError(
            f"unit {neuron!r} is not a plain LIF unit (device options, dendrite or noise): "
            "its f-I curve must be measured"
        )
    i_top = problem.I_bias + sum(max(s.W, 0.0) for s in problem.synapses)
    fi: FICurve
    check: dict[str, Any] = {}
    if fi_kind == "closed-form":
        closed = ClosedFormFI(problem.spec)
        fi = closed
        top_i = max(i_top, closed.rheobase * 1.2)
        probe = [closed.rheobase * 1.05, 0.5 * (closed.rheobase + top_i), top_i]
        check = fi_agreement(board, neuron, closed, probe)
    else:
        fi = measure_fi(board, neuron, max(i_top, 1e-6) * 1.2)
    if f_max is None:
        # G(f) <= F at the largest input (every self-synapse saturated, no adaptation)
        top = max(fi.rate(i_top * k / 200) for k in range(1, 201)) if i_top > 0 else 0.0
        f_max = 1.5 * top if top > 0 else 10.0

    def current(f: float) -> float:
        return effective_current(problem, fi, f)

    g_mean = mean_field_map(problem, fi)
    maps = [solve_map("mean-field", g_mean, f_max, current, points)]
    if periodic and closed_ok:
        # the exact map costs ~1 ms per evaluation (more with adaptation): a coarser grid
        orbit = PeriodicOrbit(problem).g
        maps.append(solve_map("periodic", orbit, f_max, current, max(points // 3, 3), g_mean))
    return Analysis(neuron, fi_kind, problem, f_max, tuple(maps), check)

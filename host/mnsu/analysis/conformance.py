"""Conformance of a board with its board file: recorded figures vs the emulator, and a fit.

Pure (no I/O but the emulator): `mnsu conformance` records a board through the link into a
`Recording`, and this module turns recordings and emulator runs into the same `Figures`,
compares them (`compare`) and adjusts free values of the board file to a recording (`fit`).

Figures, per bursting neuron N (the neurons the ADC probes read):
  N.period_s          mean interval between burst onsets
  N.duty              mean burst length (first to last spike onset) / period
  N.spikes_per_burst  mean spikes in complete bursts
  N.intra_rate_hz     (spikes per burst - 1) / burst length: the firing rate inside a burst
  N.amplitude_v       largest readout sample (V at the probed node, before the front end)
and for each ordered pair of probed neurons A, B: `A->B.phase_lag` (cycles, circular mean).

Both sides are measured the same way: bursts from spike onset times split at each train's own
ISI valley, or at a fixed `burst_gap` when one is given (mnsu.analysis.rhythm), the amplitude
from readout samples taken at the telemetry rate.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from mnsu.analysis.rhythm import neuron_stats, phase_lag
from mnsu.circuit.board import Board, BoardError, NeuronSpec, parse_board
from mnsu.circuit.emulator import Emulator

Figures = dict[str, float | None]

# figure suffix -> (tolerance, relative?): relative tolerances are fractions of the prediction
DEFAULT_TOLERANCES: dict[str, tuple[float, bool]] = {
    "period_s": (0.05, True),
    "duty": (0.05, False),
    "spikes_per_burst": (0.10, True),
    "intra_rate_hz": (0.10, True),
    "amplitude_v": (0.10, True),
    "phase_lag": (0.05, False),
}
# the neuron values `fit` may adjust (a common factor on every neuron's value)
FIT_KEYS = ("I_bias", "C", "V_th", "R_leak", "I_hold", "adapt_b", "adapt_tau", "adapt_a")
DEFAULT_FREE = ("I_bias", "C")
DEFAULT_TRANSIENT_S = 1.5  # emulator start-up ignored by the analysis
RECORD_LEAD_S = 0.5  # recorded spikes before the analysis window (mark bursts begun earlier)


class ConformanceError(ValueError):
    """A recording or board that cannot be compared; the message says why."""


@dataclass
class Recording:
    """What the board did, in board seconds from the start of the recording."""

    duration_s: float
    spikes: dict[str, list[float]]  # neuron -> spike onsets
    burst_on: dict[str, list[float]] = field(default_factory=dict)  # from the board's events
    burst_off: dict[str, list[float]] = field(default_factory=dict)
    readout: dict[str, list[float]] = field(default_factory=dict)  # V at the probed node
    telemetry_hz: float = 0.0
    drive_level: float | None = None
    board: str = ""
    info: dict[str, Any] = field(default_factory=dict)  # link counters, firmware, ...

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str, source: str = "<recording>") -> Recording:
        try:
            data = json.loads(text)
            rec = cls(**data)
        except (ValueError, TypeError) as exc:
            raise ConformanceError(f"{source}: not an mnsu conformance recording: {exc}") from None
        if not rec.duration_s > 0 or not rec.spikes:
            raise ConformanceError(f"{source}: recording has no duration or no spike trains")
        return rec

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json())

    @classmethod
    def load(cls, path: str | Path) -> Recording:
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise ConformanceError(f"{path}: cannot read the recording: {exc.strerror}") from None
        return cls.from_json(text, str(path))


# ---------------------------------------------------------------- figures
def probed_neurons(board: Board) -> dict[int, str]:
    """ADC channel -> neuron name, for the probes that read a neuron's readout node."""
    out = {p.adc: p.neuron for p in board.probes if p.node == "readout" and p.adc < 4}
    if not out:
        raise ConformanceError(
            f"{board.source}: no `readout` probe on ADC 0..3: nothing to compare with a board"
        )
    return dict(sorted(out.items()))


def figures_from_spikes(
    spikes: Mapping[str, Sequence[float]],
    window: tuple[float, float],
    burst_gap: float | None = None,
    readout: Mapping[str, Sequence[float]] | None = None,
) -> Figures:
    """The figures of spike trains (onset times) analysed over `window` (s)."""
    start, stop = window
    figs: Figures = {}
    onsets: dict[str, tuple[float, ...]] = {}
    for name, times in spikes.items():
        ts = sorted(times)
        st = neuron_stats(ts, ts, stop, start, burst_gap)  # ends = onsets: length by onsets
        period, spb = st.burst_period_s, st.spikes_per_burst
        figs[f"{name}.period_s"] = period
        figs[f"{name}.duty"] = st.duty
        figs[f"{name}.spikes_per_burst"] = spb
        rate = None
        if st.duty and period and spb and spb > 1:
            rate = (spb - 1) / (st.duty * period)
        figs[f"{name}.intra_rate_hz"] = rate
        samples = (readout or {}).get(name)
        figs[f"{name}.amplitude_v"] = max(samples) if samples else None
        onsets[name] = st.onsets
    names = list(spikes)
    for a in names:
        for b in names:
            if a != b and names.index(a) < names.index(b):
                lag = None
                if len(onsets[a]) > 1 and onsets[b]:
                    lag = phase_lag(onsets[a], onsets[b])
                figs[f"{a}->{b}.phase_lag"] = lag
    return figs


def recorded_figures(rec: Recording, burst_gap: float | None = None) -> Figures:
    lead = min(RECORD_LEAD_S, rec.duration_s / 4)
    return figures_from_spikes(rec.spikes, (lead, rec.duration_s), burst_gap, rec.readout)


def emulate(
    board: Board,
    duration_s: float,
    *,
    drive_level: float | None = None,
    sample_hz: float = 0.0,
    seed: int = 0,
    transient_s: float = DEFAULT_TRANSIENT_S,
    burst_gap: float | None = None,
) -> Figures:
    """The figures of the emulator on `board` over `duration_s` after `transient_s`.

    drive_level: the descending drive the board runs at (None: the board file's level);
    sample_hz: sample the readout of the probed neurons at this rate for the amplitude
    (0: no amplitude figures).
    """
    names = probed_neurons(board)
    emu = Emulator(board, seed=seed)
    if drive_level is not None and any(s.kind == "drive" for s in board.inputs):
        emu.set_drive(drive_level)
    end = transient_s + duration_s
    index = {n: emu.names.index(n) for n in names.values()}
    readout: dict[str, list[float]] = {n: [] for n in index}
    if sample_hz > 0:
        emu.advance_to(transient_s)
        n_samples = int(duration_s * sample_hz)
        for k in range(1, n_samples + 1):
            emu.advance_to(transient_s + k / sample_hz)
            for n, i in index.items():
                readout[n].append(emu.readout(i))
    emu.advance_to(end)
    spikes = {n: [t for t in emu.spikes[i] if t <= end] for n, i in index.items()}
    lead = min(RECORD_LEAD_S, duration_s / 4)
    return figures_from_spikes(
        spikes, (transient_s + lead, end), burst_gap, readout if sample_hz > 0 else None
    )


# ---------------------------------------------------------------- comparison
@dataclass(frozen=True)
class Row:
    figure: str
    recorded: float | None
    predicted: float | None
    tolerance: float
    relative: bool
    ok: bool

    @property
    def deviation(self) -> float | None:
        """Recorded - predicted (relative to the prediction for relative tolerances)."""
        if self.recorded is None or self.predicted is None:
            return None
        if self.figure.endswith("phase_lag"):
            d = (self.recorded - self.predicted + 0.5) % 1.0 - 0.5  # circular
            return d
        diff = self.recorded - self.predicted
        if self.relative:
            return diff / self.predicted if self.predicted else math.inf
        return diff


def tolerance_for(figure: str, tolerances: Mapping[str, tuple[float, bool]]) -> tuple[float, bool]:
    suffix = figure.rsplit(".", 1)[-1]
    return tolerances[suffix]


def compare(
    recorded: Figures,
    predicted: Figures,
    tolerances: Mapping[str, tuple[float, bool]] = DEFAULT_TOLERANCES,
) -> list[Row]:
    """One row per predicted figure; a figure missing on one side fails unless both lack it."""
    rows = []
    for name, pred in predicted.items():
        rec = recorded.get(name)
        tol, rel = tolerance_for(name, tolerances)
        row = Row(name, rec, pred, tol, rel, ok=False)
        dev = row.deviation
        ok = (rec is None and pred is None) or (dev is not None and abs(dev) <= tol)
        rows.append(dataclasses.replace(row, ok=ok))
    return rows


def format_table(rows: Sequence[Row]) -> str:
    lines = [f"{'figure':28s} {'board':>10s} {'emulator':>10s} {'deviation':>10s} "
             f"{'tolerance':>10s}  result"]  # fmt: skip
    for r in rows:
        rec = "-" if r.recorded is None else f"{r.recorded:.4g}"
        pred = "-" if r.predicted is None else f"{r.predicted:.4g}"
        dev = r.deviation
        if dev is None:
            d = "-"
        elif r.relative:
            d = f"{dev * 100:+.2f} %"
        else:
            d = f"{dev:+.4f}"
        tol = f"+-{r.tolerance * 100:.0f} %" if r.relative else f"+-{r.tolerance:g}"
        lines.append(
            f"{r.figure:28s} {rec:>10s} {pred:>10s} {d:>10s} {tol:>10s}  "
            f"{'PASS' if r.ok else 'FAIL'}"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------- fit
def scaled_board(board: Board, factors: Mapping[str, float]) -> Board:
    """`board` with each named neuron value multiplied by its factor on every neuron."""
    for key in factors:
        if key not in FIT_KEYS:
            raise ConformanceError(f"cannot fit {key!r}: free values are one of {FIT_KEYS}")
    neurons: list[NeuronSpec] = []
    for n in board.neurons:
        changes = {k: getattr(n, k) * f for k, f in factors.items()}
        neurons.append(dataclasses.replace(n, **changes))
    return dataclasses.replace(board, neurons=tuple(neurons))


@dataclass(frozen=True)
class FitResult:
    factors: dict[str, float]  # fitted value / board file value, per free key
    values: dict[str, dict[str, float]]  # neuron -> key -> fitted value (SI)
    cost: float  # sum of squared normalised residuals at the optimum
    cost_start: float
    iterations: int
    evaluations: int
    wall_s: float
    residuals: dict[str, float]


def fit_targets(recorded: Figures, free: Sequence[str]) -> list[str]:
    """Which figures the fit matches: periods, spikes per burst, intra-burst rates, duties
    (and amplitudes when V_th is free: the readout peak is V_th - V_on)."""
    keep: tuple[str, ...] = ("period_s", "spikes_per_burst", "intra_rate_hz", "duty")
    if "V_th" in free:
        keep += ("amplitude_v",)
    return [k for k, v in recorded.items() if v is not None and k.rsplit(".", 1)[-1] in keep]


def _weight(figure: str) -> float:
    # relative residuals, scaled by how precisely a recording of a few tens of cycles pins
    # the figure down (spike counts per burst jump by whole spikes; duties are noisier)
    suffix = figure.rsplit(".", 1)[-1]
    return {"period_s": 0.003, "spikes_per_burst": 0.02, "intra_rate_hz": 0.01}.get(suffix, 0.03)


def fit(
    board: Board,
    recorded: Figures,
    duration_s: float,
    *,
    free: Sequence[str] = DEFAULT_FREE,
    drive_level: float | None = None,
    sample_hz: float = 0.0,
    seed: int = 0,
    max_iterations: int = 12,
    bounds: tuple[float, float] = (0.7, 1.3),
    progress: Callable[[int, float, dict[str, float]], None] | None = None,
) -> FitResult:
    """Levenberg-Marquardt over emulator runs on log-factors of the free values.

    The residual of each matched figure is (emulated - recorded) / recorded / weight; every
    evaluation is an emulator run of `duration_s` (same seed: a deterministic cost).
    """
    wall0 = time.perf_counter()
    free = list(dict.fromkeys(free))
    if not free:
        raise ConformanceError("nothing to fit: give at least one free value")
    scaled_board(board, {k: 1.0 for k in free})  # validates the keys
    targets = fit_targets(recorded, free)
    if len(targets) < len(free):
        raise ConformanceError(
            f"the recording has {len(targets)} usable figures for {len(free)} free values "
            "(no bursts recorded?)"
        )
    y = np.array([recorded[k] for k in targets], dtype=float)
    w = np.array([_weight(k) for k in targets])
    evaluations = 0
    lo, hi = math.log(bounds[0]), math.log(bounds[1])

    def residuals(x: np.ndarray) -> np.ndarray:
        nonlocal evaluations
        evaluations += 1
        factors = {k: math.exp(v) for k, v in zip(free, x, strict=True)}
        try:
            figs = emulate(
                scaled_board(board, factors),
                duration_s,
                drive_level=drive_level,
                sample_hz=sample_hz if "V_th" in free else 0.0,
                seed=seed,
            )
        except BoardError:
            return np.full(len(targets), 1e3)
        m = np.array([np.nan if figs.get(k) is None else figs[k] for k in targets], dtype=float)
        r = (m - y) / np.abs(y) / w
        return np.where(np.isfinite(r), r, 1e3)

    x = np.zeros(len(free))
    r = residuals(x)
    cost = float(r @ r)
    cost_start = cost
    lam = 1e-2
    h = 0.005  # finite-difference step in log-factor (0.5 %)
    it = 0
    for it in range(1, max_iterations + 1):
        jac = np.empty((len(r), len(free)))
        for j in range(len(free)):
            dx = np.zeros(len(free))
            dx[j] = h
            jac[:, j] = (residuals(x + dx) - residuals(x - dx)) / (2 * h)
        g = jac.T @ r
        a = jac.T @ jac
        improved = False
        for _ in range(6):
            step = np.linalg.solve(a + lam * np.diag(np.diag(a) + 1e-12), -g)
            x_new = np.clip(x + step, lo, hi)
            r_new = residuals(x_new)
            c_new = float(r_new @ r_new)
            if c_new < cost:
                x, r, cost = x_new, r_new, c_new
                lam = max(lam / 10, 1e-6)
                improved = True
                break
            lam *= 10
        if progress is not None:
            progress(it, cost, {k: math.exp(v) for k, v in zip(free, x, strict=True)})
        if not improved or float(np.max(np.abs(step))) < 2e-4:
            break
    factors = {k: math.exp(v) for k, v in zip(free, x, strict=True)}
    fitted = scaled_board(board, factors)
    values = {n.name: {k: float(getattr(n, k)) for k in free} for n in fitted.neurons}
    return FitResult(
        factors=factors,
        values=values,
        cost=cost,
        cost_start=cost_start,
        iterations=it,
        evaluations=evaluations,
        wall_s=time.perf_counter() - wall0,
        residuals={k: float(v * wk) for k, v, wk in zip(targets, r, w, strict=True)},
    )


def fitted_board_yaml(board: Board, factors: Mapping[str, float], note: str) -> str:
    """The board file's content with the free values scaled (numbers in SI units)."""
    raw: Any = json.loads(json.dumps(board.raw, default=str))
    if not isinstance(raw, dict):
        raise ConformanceError(f"{board.source}: the board has no raw mapping to write")
    by_name = {n.name: n for n in board.neurons}
    defaults = raw.get("defaults") or {}
    neurons = raw.get("neurons") or {}
    for key, f in factors.items():
        takers = [n for name, n in by_name.items() if key not in (neurons.get(name) or {})]
        if key in defaults and takers:
            # the neurons that take the default share one value
            defaults[key] = float(f"{getattr(takers[0], key) * f:.6g}")
        for name, values in neurons.items():
            if values and key in values:
                values[key] = float(f"{getattr(by_name[name], key) * f:.6g}")
        if key not in defaults and not any(v and key in v for v in neurons.values()):
            for name in neurons:
                neurons[name] = {**(neurons[name] or {}), key: getattr(by_name[name], key) * f}
    parse_board(raw, board.source)  # the result must be a valid board
    header = "".join(f"# {line}\n" for line in note.splitlines())
    body: str = yaml.safe_dump(raw, sort_keys=False, default_flow_style=False, width=100)
    return header + body

"""Mismatch Monte Carlo: a board run many times with its component values drawn within
tolerances, and the spread of its rhythm figures.

A tolerance is "KEY=5%" (relative: value x (1 + 0.05 u)) or "KEY=50mV" (absolute: value +
0.05 u in the key's unit), with u drawn per run, per unit (or per synapse) and per key,
independently: `uniform` on [-1, 1], or `gauss` normal with sigma 1/3 truncated to [-1, 1]
(the tolerance is 3 sigma, as component tolerances are usually stated). A bare KEY is a
neuron key (C, R_leak, V_th, I_hold, adapt_tau, ...; on a published `alif` unit C, I_bias and
V_on mean its Cm, I0 and V_T), then a synapse key (W, tau, alpha, delay; R_W, V_plus, ... of
a two-stage synapse); `neurons.KEY` and `synapses.KEY` say which. A value that is 0 or
infinite is kept by a relative tolerance.

Run r draws from numpy's PCG64 seeded with (seed, r) only, so every run is reproducible on its
own whatever the worker, batch or order (mnsu.scaleout runs them over cores or a cluster). A
drawn board is validated as a board file is; one the reader refuses (e.g. V_th drawn below the
turn-off voltage) counts as a refused run. The figures of each run are those `mnsu simulate`
reports (mnsu.analysis.simulation: each neuron's burst period, duty, spikes per burst, rate
and regime, and the phase lags), so the nominal run's figures are `mnsu simulate`'s. A run
keeps the nominal rhythm when every neuron has its nominal regime and every nominal phase lag
is matched within `lag_tol` cycles.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mnsu.analysis.regimes import REGIMES
from mnsu.analysis.simulation import add_regimes, window_figures
from mnsu.circuit.board import (
    ALIF_KEYS,
    ALIF_SHARED,
    NEURON_KEYS,
    RALL_KEYS,
    SYNAPSE_KEYS,
    Board,
    BoardError,
    parse_board,
)
from mnsu.circuit.emulator import Emulator
from mnsu.circuit.units import UnitError, parse_quantity

DISTRIBUTIONS = ("uniform", "gauss")
MAX_RUNS = 1_000_000
DEFAULT_LAG_TOL = 0.1  # cycles
NEURON_FIGURES = ("burst_period_s", "duty", "spikes_per_burst", "rate_hz")
# the names a published aLIF unit gives the lif keys (mnsu.circuit.board.alif_to_lif)
ALIF_ALIASES = {"C": "Cm", "I_bias": "I0", "V_on": "V_T"}
_NEURON_UNITS = {k: u for k, (u, _) in NEURON_KEYS.items() if k != "model"}
_NEURON_UNITS.update({k: u for k, (u, _) in ALIF_KEYS.items()})
_SYNAPSE_UNITS = {k: u for k, (u, _) in {**SYNAPSE_KEYS, **RALL_KEYS}.items()}


class MismatchError(ValueError):
    """Bad input to `mnsu mismatch` (exit code 2); the message names the item."""


@dataclass(frozen=True)
class Tolerance:
    """One toleranced key: relative (`value` a fraction) or absolute (`value` in `unit`)."""

    key: str
    scope: str  # "neurons" or "synapses"
    relative: bool
    value: float
    unit: str
    text: str  # as given, e.g. "5%"

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "scope": self.scope,
            "relative": self.relative,
            "value": self.value,
            "unit": "" if self.relative else self.unit,
            "text": self.text,
        }


def parse_tolerances(spec: str) -> tuple[Tolerance, ...]:
    """Parse "C=5%,R_leak=1%,V_th=50mV" (comma-separated KEY=TOL items)."""
    items = [item.strip() for item in spec.split(",")]
    if not spec.strip() or any(not item for item in items):
        raise MismatchError(
            f"--tolerance {spec!r}: expected KEY=TOL items separated by commas, e.g. C=5%,V_th=2%"
        )
    out: list[Tolerance] = []
    for item in items:
        tol = _tolerance(item)
        if any(t.key == tol.key and t.scope == tol.scope for t in out):
            raise MismatchError(f"--tolerance item {item!r}: {tol.key} given twice")
        out.append(tol)
    return tuple(out)


def _tolerance(item: str) -> Tolerance:
    key, sep, text = item.partition("=")
    key, text = key.strip(), text.strip()
    if not sep or not key or not text:
        raise MismatchError(f"--tolerance item {item!r}: expected KEY=TOL, e.g. C=5%")
    scope, _, name = key.rpartition(".")
    if scope not in ("", "neurons", "synapses"):
        raise MismatchError(
            f"--tolerance item {item!r}: {key!r}: a key is NAME, neurons.NAME or synapses.NAME"
        )
    if scope in ("", "neurons") and name in _NEURON_UNITS:
        scope, unit = "neurons", _NEURON_UNITS[name]
    elif scope in ("", "synapses") and name in _SYNAPSE_UNITS:
        scope, unit = "synapses", _SYNAPSE_UNITS[name]
    else:
        known = sorted(_SYNAPSE_UNITS if scope == "synapses" else _NEURON_UNITS)
        raise MismatchError(
            f"--tolerance item {item!r}: {name!r} is not a "
            f"{'synapse' if scope == 'synapses' else 'neuron'} key; expected one of: "
            f"{', '.join(known)}"
        )
    if text.endswith("%"):
        try:
            percent = float(text[:-1])
        except ValueError:
            raise MismatchError(
                f"--tolerance item {item!r}: {text!r} is not a percentage"
            ) from None
        if not (math.isfinite(percent) and 0 <= percent < 100):
            raise MismatchError(
                f"--tolerance item {item!r}: a relative tolerance must be in [0%, 100%), got {text}"
            )
        return Tolerance(name, scope, True, percent / 100.0, unit, text)
    if not any(c.isalpha() for c in text):
        raise MismatchError(
            f"--tolerance item {item!r}: give a percentage (5%) or a value with its unit "
            f"(e.g. 1 {unit or 'percent'})"
        )
    try:
        amount = parse_quantity(text, unit)
    except UnitError as exc:
        raise MismatchError(f"--tolerance item {item!r}: {exc}") from None
    if not amount >= 0:
        raise MismatchError(f"--tolerance item {item!r}: must be >= 0, got {text}")
    return Tolerance(name, scope, False, amount, unit, text)


@dataclass(frozen=True)
class Plan:
    """A Monte Carlo request: the validated nominal board and how to draw and run it."""

    raw: Mapping[str, Any]  # the board mapping (after --set)
    source: str
    tolerances: tuple[Tolerance, ...]
    dist: str
    seed: int
    duration: float
    transient: float
    burst_gap: float | None


def applicable(raw: Mapping[str, Any], tol: Tolerance) -> list[tuple[str | int, str]]:
    """(neuron name or synapse index, the board key) of every slot `tol` applies to."""
    slots: list[tuple[str | int, str]] = []
    if tol.scope == "neurons":
        defaults = raw.get("defaults") or {}
        for name, values in (raw.get("neurons") or {}).items():
            merged = {**defaults, **(values or {})}
            if merged.get("model", "lif") == "alif":
                key = ALIF_ALIASES.get(tol.key, tol.key)
                if key in ALIF_KEYS or key in ALIF_SHARED:
                    slots.append((str(name), key))
            elif tol.key in NEURON_KEYS:
                slots.append((str(name), tol.key))
    else:
        for k, values in enumerate(raw.get("synapses") or []):
            keys = RALL_KEYS if values.get("model", "saturating") == "rall" else SYNAPSE_KEYS
            if tol.key in keys:
                slots.append((k, tol.key))
    return slots


def check_plan(
    board: Board,
    tolerances: Sequence[Tolerance],
    runs: int,
    dist: str,
    seed: int,
    duration: float,
    transient: float,
    burst_gap: float | None,
) -> Plan:
    """Check a request against the board; MismatchError names what is wrong."""
    if not 1 <= runs <= MAX_RUNS:
        raise MismatchError(f"--runs must be 1..{MAX_RUNS}, got {runs}")
    if dist not in DISTRIBUTIONS:
        raise MismatchError(f"--dist must be one of {', '.join(DISTRIBUTIONS)}, got {dist!r}")
    if seed < 0:
        raise MismatchError(f"--seed must be >= 0, got {seed}")
    if not duration > 0:
        raise MismatchError(f"--duration must be > 0 s, got {duration}")
    if not 0 <= transient < duration:
        raise MismatchError(f"--transient must be in [0, duration), got {transient}")
    if burst_gap is not None and not burst_gap > 0:
        raise MismatchError(f"--burst-gap must be > 0 s, got {burst_gap}")
    for tol in tolerances:
        if not applicable(board.raw, tol):
            what = "neuron" if tol.scope == "neurons" else "synapse"
            raise MismatchError(
                f"--tolerance item {tol.key}={tol.text}: no {what} of {board.source} has {tol.key}"
            )
    return Plan(
        board.raw, board.source, tuple(tolerances), dist, seed, duration, transient, burst_gap
    )


def draws(plan: Plan, run: int) -> tuple[int, dict[str, float]]:
    """(emulator seed, deviation of every slot) of run `run`: relative for a relative
    tolerance (0.03 = +3 %), in the key's SI unit for an absolute one. Slot names:
    "A.C" (neuron A's C), "synapses.0.W"."""
    rng = np.random.default_rng([plan.seed, run])
    emulator_seed = int(rng.integers(0, 2**62))
    out: dict[str, float] = {}
    for tol in plan.tolerances:
        slots = applicable(plan.raw, tol)
        if plan.dist == "uniform":
            u = 2.0 * rng.random(len(slots)) - 1.0
        else:
            u = rng.standard_normal(len(slots)) / 3.0
            outside = np.abs(u) > 1.0
            while outside.any():  # truncated at 3 sigma: redraw the few outside
                u[outside] = rng.standard_normal(int(outside.sum())) / 3.0
                outside = np.abs(u) > 1.0
        for (where, key), x in zip(slots, u, strict=True):
            name = f"{where}.{key}" if tol.scope == "neurons" else f"synapses.{where}.{key}"
            out[name] = float(tol.value * x)
    return emulator_seed, out


def mismatched(plan: Plan, deviations: Mapping[str, float]) -> dict[str, Any]:
    """The board mapping with the drawn values written in (SI numbers)."""
    raw: dict[str, Any] = copy.deepcopy(dict(plan.raw))
    defaults = raw.get("defaults") or {}
    for tol in plan.tolerances:
        for where, key in applicable(plan.raw, tol):
            if tol.scope == "neurons":
                name = str(where)
                node = raw["neurons"].get(name) or {}
                raw["neurons"][name] = node
                value = node.get(key, defaults.get(key))
                table = ALIF_KEYS if key in ALIF_KEYS else NEURON_KEYS
                deviation = deviations[f"{name}.{key}"]
            else:
                node = raw["synapses"][int(where)]
                value = node.get(key)
                table = RALL_KEYS if key in RALL_KEYS else SYNAPSE_KEYS
                deviation = deviations[f"synapses.{where}.{key}"]
            if value is None:
                value = table[key][1]
                if value is None:  # a required key the board lacks: the reader says so
                    continue
            nominal = parse_quantity(value, tol.unit)
            if tol.relative:
                if nominal == 0 or not math.isfinite(nominal):
                    continue
                node[key] = nominal * (1.0 + deviation)
            else:
                node[key] = nominal + deviation
    return raw


def run_board(
    raw: Mapping[str, Any],
    source: str,
    seed: int,
    duration: float,
    transient: float,
    burst_gap: float | None,
) -> dict[str, Any]:
    """Figures of one board mapping: per neuron (NEURON_FIGURES and regime) and phase lags."""
    board = parse_board(raw, source)
    emu = Emulator(board, seed=seed)
    emu.advance_to(duration)
    figures = window_figures(emu, transient, duration, burst_gap)
    add_regimes(figures, emu, transient, duration, burst_gap, at_end=True)
    return {
        "neurons": {
            name: {key: stats[key] for key in (*NEURON_FIGURES, "regime")}
            for name, stats in figures["neurons"].items()
        },
        "phase_lag": figures["phase_lag"],
    }


def run_one(task: tuple[Plan, int]) -> dict[str, Any]:
    """Run number `run` of a plan (module level: the scale-out workers call it by name)."""
    plan, run = task
    emulator_seed, deviations = draws(plan, run)
    result: dict[str, Any] = {"run": run, "deviations": deviations}
    try:
        raw = mismatched(plan, deviations)
        result.update(
            run_board(
                raw, plan.source, emulator_seed, plan.duration, plan.transient, plan.burst_gap
            )
        )
    except BoardError as exc:
        result["refused"] = str(exc)
    return result


def nominal(plan: Plan) -> dict[str, Any]:
    """The figures of the nominal board (the emulator seeded with the plan's seed)."""
    return run_board(
        plan.raw, plan.source, plan.seed, plan.duration, plan.transient, plan.burst_gap
    )


def circular_distance(a: float, b: float) -> float:
    """Distance of two phases in cycles, in [0, 0.5]."""
    d = abs(a - b) % 1.0
    return min(d, 1.0 - d)


def keeps_rhythm(run: Mapping[str, Any], ref: Mapping[str, Any], lag_tol: float) -> bool:
    """Every neuron in its nominal regime and every nominal phase lag within lag_tol."""
    if "refused" in run:
        return False
    for name, figures in ref["neurons"].items():
        if run["neurons"][name]["regime"] != figures["regime"]:
            return False
    for pair, lag in ref["phase_lag"].items():
        if lag is None:
            continue
        got = run["phase_lag"].get(pair)
        if got is None or circular_distance(got, lag) > lag_tol:
            return False
    return True


def distribution(values: Sequence[float | None], ref: float | None) -> dict[str, Any]:
    """Statistics of one figure over the runs (None: the figure did not exist in that run)."""
    present = np.array([v for v in values if v is not None], dtype=float)
    out: dict[str, Any] = {"nominal": ref, "n": int(present.size)}
    out["missing"] = len(values) - int(present.size)
    if present.size == 0:
        out.update(dict.fromkeys(("mean", "std", "min", "p5", "median", "p95", "max")))
        out["rel_std"] = None
        return out
    p5, median, p95 = np.percentile(present, [5, 50, 95])
    # equal values have no spread (numpy's mean of them may differ from them in the last bit)
    same = bool(present.min() == present.max())
    std = float(present.std(ddof=1)) if present.size > 1 and not same else 0.0
    out.update(
        mean=float(present.mean()),
        std=std,
        min=float(present.min()),
        p5=float(p5),
        median=float(median),
        p95=float(p95),
        max=float(present.max()),
        rel_std=std / abs(ref) if ref else None,
    )
    return out


def lag_distribution(values: Sequence[float | None], ref: float | None) -> dict[str, Any]:
    """A phase lag's statistics, each run unwrapped to the cycle nearest the nominal."""
    if ref is None:
        return distribution(values, ref)
    unwrapped = [None if v is None else ref + _signed(v - ref) for v in values]
    return distribution(unwrapped, ref)


def _signed(d: float) -> float:
    return (d + 0.5) % 1.0 - 0.5


def report(
    plan: Plan,
    board: Board,
    ref: Mapping[str, Any],
    results: Sequence[Mapping[str, Any]],
    lag_tol: float,
) -> dict[str, Any]:
    """The JSON object of a Monte Carlo: the request, the nominal figures, each figure's
    distribution, regime counts and the fraction of runs keeping the nominal rhythm."""
    ran = [r for r in results if "refused" not in r]
    refused = [r for r in results if "refused" in r]
    neurons: dict[str, Any] = {}
    regimes: dict[str, dict[str, int]] = {}
    for name in board.neuron_names:
        neurons[name] = {
            key: distribution([r["neurons"][name][key] for r in ran], ref["neurons"][name][key])
            for key in NEURON_FIGURES
        }
        counts = {k: 0 for k in REGIMES}
        for r in ran:
            counts[r["neurons"][name]["regime"]] += 1
        regimes[name] = {k: v for k, v in counts.items() if v}
    lags = {
        pair: lag_distribution([r["phase_lag"].get(pair) for r in ran], lag)
        for pair, lag in ref["phase_lag"].items()
    }
    kept = sum(1 for r in results if keeps_rhythm(r, ref, lag_tol))
    return {
        "board": board.name,
        "runs": len(results),
        "seed": plan.seed,
        "dist": plan.dist,
        "tolerances": [t.as_dict() for t in plan.tolerances],
        "duration_s": plan.duration,
        "transient_s": plan.transient,
        "burst_gap_source": "isi" if plan.burst_gap is None else "--burst-gap",
        "nominal": ref,
        "neurons": neurons,
        "phase_lag": lags,
        "regimes": regimes,
        "keeps_rhythm": {
            "fraction": kept / len(results) if results else None,
            "count": kept,
            "lag_tol_cycles": lag_tol,
            "rule": "every neuron in its nominal regime and every nominal phase lag within "
            "lag_tol_cycles",
        },
        "refused": len(refused),
        "refusals": [r["refused"] for r in refused[:5]],
    }


def _fmt(value: float | None, scale: float = 1.0, digits: int = 4) -> str:
    return "-" if value is None else f"{value * scale:.{digits}g}"


def format_report(out: Mapping[str, Any]) -> str:
    """The report as text: one line per figure (nominal, mean, std, 5-95 % range)."""
    tols = ", ".join(f"{t['key']}={t['text']}" for t in out["tolerances"])
    lines = [
        f"{out['board']}: {out['runs']} runs x {out['duration_s']:g} s ({out['dist']}, {tols}, "
        f"seed {out['seed']}) in {out['wall_s']:.1f} s on {out['where']}",
        f"{'figure':<26}{'nominal':>10}{'mean':>10}{'std':>10}{'rel std':>9}"
        f"{'p5':>10}{'p95':>10}{'missing':>8}",
    ]
    units = {"burst_period_s": ("ms", 1e3), "rate_hz": ("Hz", 1.0)}

    def row(label: str, d: Mapping[str, Any], scale: float) -> str:
        rel = "-" if d["rel_std"] is None else f"{100 * d['rel_std']:.2f}%"
        return (
            f"{label:<26}{_fmt(d['nominal'], scale):>10}{_fmt(d['mean'], scale):>10}"
            f"{_fmt(d['std'], scale, 3):>10}{rel:>9}{_fmt(d['p5'], scale):>10}"
            f"{_fmt(d['p95'], scale):>10}{d['missing']:>8}"
        )

    for name, figures in out["neurons"].items():
        for key, d in figures.items():
            unit, scale = units.get(key, ("", 1.0))
            short = key.removesuffix("_s").removesuffix("_hz")
            lines.append(row(f"{name} {short}{f' ({unit})' if unit else ''}", d, scale))
    for pair, d in out["phase_lag"].items():
        lines.append(row(f"phase lag {pair} (cycles)", d, 1.0))
    for name, counts in out["regimes"].items():
        nominal_regime = out["nominal"]["neurons"][name]["regime"]
        text = ", ".join(f"{k} {v}" for k, v in counts.items())
        lines.append(f"regime of {name} (nominal {nominal_regime}): {text}")
    keep = out["keeps_rhythm"]
    fraction = "-" if keep["fraction"] is None else f"{100 * keep['fraction']:.1f}%"
    lines.append(
        f"keep the nominal rhythm: {keep['count']}/{out['runs']} ({fraction}; regimes, phase "
        f"lags within {keep['lag_tol_cycles']:g} cycles)"
    )
    if out["refused"]:
        lines.append(f"refused boards: {out['refused']} (first: {out['refusals'][0]})")
    if "plot" in out:
        lines.append(f"plot: {out['plot']}")
    return "\n".join(lines)

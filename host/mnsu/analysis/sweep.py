"""Regime maps: a board run at every point of a 1- or 2-parameter grid, each neuron classified.

`parse_param` reads an axis "KEY.PATH=START:STOP:N" (SI or with a unit), `check_sweep` checks
a whole request against the board file, `sweep` runs the grid (in parallel over cores) and
`report` turns the results into one JSON-ready object with the map of one neuron. The
classification is mnsu.analysis.regimes; docs/motifs.md describes the regimes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mnsu.analysis.regimes import REGIMES, RegimeRules, classify
from mnsu.circuit.board import (
    NEURON_KEYS,
    SYNAPSE_KEYS,
    Board,
    BoardError,
    apply_overrides,
    load_board,
    parse_board,
)
from mnsu.circuit.emulator import Emulator
from mnsu.circuit.units import UnitError, parse_quantity, split_quantity
from mnsu.scaleout import Where, run_tasks

DEFAULT_DURATION = 3.0  # s
DEFAULT_TRANSIENT = 1.0  # s
MAX_POINTS = 10000

# Unit of the value at the end of a key path, by the last key (inputs: amplitude A, times s).
_INPUT_UNITS = {"amplitude": "A", "start": "s", "duration": "s", "period": "s", "level": ""}


class SweepError(ValueError):
    """Bad command-line input to `mnsu sweep` (exit code 2)."""


@dataclass(frozen=True)
class Axis:
    """One swept parameter: board key path, the grid values (SI) and their unit."""

    key: str
    values: tuple[float, ...]
    unit: str  # canonical unit symbol ("A", "s", "ohm", ...) or "" (plain number)

    def override(self, value: float) -> str:
        text = repr(value)
        return f"{self.key}={text} {self.unit}" if self.unit else f"{self.key}={text}"

    def label(self) -> str:
        """Axis label with a readable prefix, e.g. "neurons.U.I_bias (uA)"."""
        scale, prefix = display_scale(self.values)
        return f"{self.key} ({prefix}{self.unit})" if self.unit else self.key

    def scaled(self) -> list[float]:
        scale, _ = display_scale(self.values)
        return [v / scale for v in self.values]


def display_scale(values: Sequence[float]) -> tuple[float, str]:
    """(scale, prefix) such that the largest |value| / scale lies in [1, 1000)."""
    biggest = max((abs(v) for v in values), default=0.0)
    for prefix, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3), ("", 1.0), ("m", 1e-3)):
        if biggest >= scale:
            return scale, prefix
    for prefix, scale in (("u", 1e-6), ("n", 1e-9), ("p", 1e-12)):
        if biggest >= scale:
            return scale, prefix
    return 1.0, ""


def key_unit(key: str) -> str | None:
    """The canonical unit of a board key path, or None when not known from the key."""
    keys = key.split(".")
    last = keys[-1]
    if keys[0] in ("neurons", "defaults") and last in NEURON_KEYS:
        unit = NEURON_KEYS[last][0]
        return None if unit == "model" else unit
    if keys[0] == "synapses" and last in SYNAPSE_KEYS:
        return SYNAPSE_KEYS[last][0]
    if keys[0] == "inputs" and last in _INPUT_UNITS:
        return _INPUT_UNITS[last]
    return None


def _quantity(text: str, what: str, unit: str | None) -> tuple[float, str | None]:
    """A number with an optional unit ("120uA", "1.2 mA", "20k", "3e-4") -> (SI, unit).

    Read as a board file reads it (mnsu.circuit.units), against the key's unit when known.
    """
    try:
        if unit is not None:
            return parse_quantity(text, unit), unit
        return split_quantity(text)
    except UnitError as exc:
        raise SweepError(f"{what}: {exc}") from None


def parse_param(spec: str) -> Axis:
    """Parse "KEY.PATH=START:STOP:N" (START, STOP in SI or with a unit; N >= 1 points).

    The grid runs from START to STOP in N equal steps, descending when START > STOP; N = 1
    needs START == STOP.
    """
    key, sep, rest = spec.partition("=")
    key = key.strip()
    if not sep or not key:
        raise SweepError(f"--param {spec!r}: expected KEY.PATH=START:STOP:N")
    parts = rest.split(":")
    if len(parts) != 3:
        raise SweepError(f"--param {spec!r}: expected KEY.PATH=START:STOP:N, e.g. x=1:2:5")
    expected = key_unit(key)
    start, u1 = _quantity(parts[0], f"--param {key} START", expected)
    stop, u2 = _quantity(parts[1], f"--param {key} STOP", expected)
    try:
        n = int(parts[2].strip())
    except ValueError:
        raise SweepError(f"--param {key}: N must be a whole number, got {parts[2]!r}") from None
    if n < 1:
        raise SweepError(f"--param {key}: N must be >= 1, got {n}")
    if n == 1 and start != stop:
        raise SweepError(f"--param {key}: N = 1 needs START == STOP, got {start:g} and {stop:g}")
    if n > MAX_POINTS:
        raise SweepError(f"--param {key}: N must be <= {MAX_POINTS}, got {n}")
    if u1 is not None and u2 is not None and u1 != u2:
        raise SweepError(f"--param {key}: START and STOP in different units ({u1}, {u2})")
    unit = expected if expected is not None else (u1 or u2 or "")
    values = tuple(start + (stop - start) * k / (n - 1) for k in range(n)) if n > 1 else (start,)
    return Axis(key, values, unit)


def grid(axes: Sequence[Axis]) -> list[tuple[int, ...]]:
    """Index tuples of every grid point, first axis fastest."""
    if len(axes) == 1:
        return [(i,) for i in range(len(axes[0].values))]
    return [(i, j) for j in range(len(axes[1].values)) for i in range(len(axes[0].values))]


@dataclass(frozen=True)
class Point:
    """One grid point as a self-contained task: the board mapping and the point's values."""

    raw: Mapping[str, Any]  # the board mapping after the fixed --set overrides
    source: str
    overrides: tuple[str, ...]  # the point's swept values as "KEY.PATH=VALUE"
    duration: float
    transient: float
    rules: RegimeRules


def run_point(point: Point) -> dict[str, dict[str, Any]]:
    """Run one grid point; regime figures of every neuron (runs on a worker)."""
    board = parse_board(apply_overrides(point.raw, point.overrides, point.source), point.source)
    emu = Emulator(board)
    emu.advance_to(point.duration)
    return {
        name: classify(
            emu.spikes[i],
            emu.spike_ends[i],
            point.duration,
            point.transient,
            emu.device_on(i),
            point.rules,
        ).as_dict()
        for i, name in enumerate(emu.names)
    }


def check_sweep(
    board_path: str,
    overrides: Sequence[str],
    axes: Sequence[Axis],
    duration: float,
    transient: float,
    jobs: int,
    neuron: str | None,
) -> tuple[Board, list[tuple[int, ...]], str]:
    """Check a sweep request; returns the board, the grid points and the mapped neuron.

    Raises SweepError (bad arguments) or BoardError (a swept key or value the board refuses).
    """
    if not 1 <= len(axes) <= 2:
        raise SweepError(f"give one or two --param KEY.PATH=START:STOP:N, got {len(axes)}")
    if len(axes) == 2 and axes[0].key == axes[1].key:
        raise SweepError(f"--param {axes[0].key} given twice")
    if not duration > 0:
        raise SweepError(f"--duration must be > 0 s, got {duration}")
    if not 0 <= transient < duration:
        raise SweepError(f"--transient must be in [0, duration), got {transient}")
    if jobs < 1:
        raise SweepError(f"--jobs must be >= 1, got {jobs}")
    points = grid(axes)
    if len(points) > MAX_POINTS:
        raise SweepError(f"{len(points)} grid points; at most {MAX_POINTS}")
    board = load_board(board_path, overrides)
    # every swept key must exist and take every value: check both ends of each axis
    for axis in axes:
        for value in {axis.values[0], axis.values[-1]}:
            try:
                load_board(board_path, [*overrides, axis.override(value)])
            except BoardError as exc:  # the swept key came from --param, not from --set
                raise BoardError(str(exc).replace(": --set ", ": --param ", 1)) from None
    name = neuron if neuron is not None else board.neuron_names[0]
    if name not in board.neuron_names:
        raise SweepError(
            f"--neuron {name!r}: no such neuron; the board has {', '.join(board.neuron_names)}"
        )
    return board, points, name


def sweep(
    board: Board,
    axes: Sequence[Axis],
    points: Sequence[tuple[int, ...]],
    duration: float,
    transient: float,
    rules: RegimeRules,
    jobs: int,
    scheduler: str | None = None,
) -> tuple[list[dict[str, dict[str, Any]]], Where]:
    """Regimes of every neuron at every point (same order as `points`), with a progress bar,
    over `jobs` local processes or the Dask cluster at `scheduler` (mnsu.scaleout)."""
    tasks = [
        Point(
            board.raw,
            board.source,
            tuple(a.override(a.values[k]) for a, k in zip(axes, index, strict=True)),
            duration,
            transient,
            rules,
        )
        for index in points
    ]
    return run_tasks(run_point, tasks, jobs, scheduler, f"sweep {board.name}", "points")


def report(
    board: Board,
    axes: Sequence[Axis],
    points: Sequence[tuple[int, ...]],
    results: Sequence[dict[str, dict[str, Any]]],
    neuron: str,
    duration: float,
    transient: float,
    rules: RegimeRules,
    jobs: int,
    wall: float,
    where: Where,
) -> dict[str, Any]:
    """The JSON object of a sweep: axes, every point with every neuron, the map of `neuron`."""
    shape = [len(a.values) for a in axes]
    regime_map: list[Any]
    if len(axes) == 1:
        regime_map = [results[i][neuron]["regime"] for i in range(shape[0])]
    else:
        regime_map = [
            [results[j * shape[0] + i][neuron]["regime"] for i in range(shape[0])]
            for j in range(shape[1])
        ]
    counts: dict[str, int] = {}
    for r in results:
        name = r[neuron]["regime"]
        counts[name] = counts.get(name, 0) + 1
    return {
        "board": board.name,
        "params": [{"key": a.key, "unit": a.unit, "values": list(a.values)} for a in axes],
        "neuron": neuron,
        "duration_s": duration,
        "transient_s": transient,
        "rules": rules.as_dict(),
        "jobs": jobs,
        "where": where.describe(),
        "executor": where.as_dict(),
        "wall_s": wall,
        "points": [
            {
                "index": list(index),
                "values": [a.values[k] for a, k in zip(axes, index, strict=True)],
                "neurons": result,
            }
            for index, result in zip(points, results, strict=True)
        ],
        "map": regime_map,
        "counts": {k: counts[k] for k in REGIMES if k in counts},
    }


def _fmt_value(value: float, unit: str) -> str:
    if value == 0 or not math.isfinite(value):
        return f"{value:g} {unit}".strip()
    scale, prefix = display_scale([value])
    return f"{value / scale:.4g} {prefix}{unit}".strip()


def format_table(out: dict[str, Any], axes: Sequence[Axis]) -> str:
    """The sweep as a text table: one row per point, a column per neuron, the map's counts."""
    lines: list[str] = []
    add = lines.append
    names = list(out["points"][0]["neurons"]) if out["points"] else []
    add(
        f"{out['board']}: {len(out['points'])} points x {out['duration_s']:g} s in "
        f"{out['wall_s']:.1f} s on {out['where']}; regimes after {out['transient_s']:g} s"
    )
    header = "".join(f"{a.key:>24}" for a in axes) + "".join(f"{n:>22}" for n in names)
    add(header)
    for point in out["points"]:
        row = "".join(
            f"{_fmt_value(v, a.unit):>24}" for a, v in zip(axes, point["values"], strict=True)
        )
        for n in names:
            r = point["neurons"][n]
            row += f"{r['regime'] + ' ' + format(r['rate_hz'], '.1f') + ' Hz':>22}"
        add(row)
    counts = ", ".join(f"{k} {v}" for k, v in out["counts"].items())
    add(f"map of {out['neuron']}: {counts}")
    if "plot" in out:
        add(f"plot: {out['plot']}")
    return "\n".join(lines)

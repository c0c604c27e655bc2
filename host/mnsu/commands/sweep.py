"""`mnsu sweep BOARD.yaml --param KEY.PATH=START:STOP:N [--param ...]`: a regime map.

Runs the emulator at every point of a 1- or 2-parameter grid (in parallel over cores), classifies
every neuron's firing regime (mnsu.analysis.regimes) and prints a table, one JSON object, or a map.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mnsu.analysis.regimes import REGIMES, RegimeRules, classify
from mnsu.circuit.board import NEURON_KEYS, SYNAPSE_KEYS, Board, BoardError, load_board
from mnsu.circuit.emulator import Emulator
from mnsu.circuit.units import PREFIXES, UNIT_ALIASES
from mnsu.commands import add_set_option
from mnsu.progress import Progress

DEFAULT_DURATION = 3.0  # s
DEFAULT_TRANSIENT = 1.0  # s
MAX_POINTS = 10000

# Unit of the value at the end of a key path, by the last key (inputs: amplitude A, times s).
_INPUT_UNITS = {"amplitude": "A", "start": "s", "duration": "s", "period": "s", "level": ""}
_VALUE = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\s\d.+-]*)\s*$")


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


def _quantity(text: str, what: str) -> tuple[float, str | None]:
    """A number with an optional prefixed unit ("120uA", "1.2 mA", "3e-4") -> (SI, unit)."""
    match = _VALUE.match(text)
    if match is None:
        raise SweepError(f"{what}: {text!r} is not a number (with an optional unit: 120uA)")
    number = float(match.group(1))
    suffix = match.group(2)
    if not suffix:
        return number, None
    if suffix in UNIT_ALIASES:
        return number, UNIT_ALIASES[suffix]
    if suffix[0] in PREFIXES and suffix[1:] in UNIT_ALIASES:
        return number * PREFIXES[suffix[0]], UNIT_ALIASES[suffix[1:]]
    raise SweepError(f"{what}: unknown unit {suffix!r} in {text!r}")


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
    start, u1 = _quantity(parts[0], f"--param {key} START")
    stop, u2 = _quantity(parts[1], f"--param {key} STOP")
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
    expected = key_unit(key)
    for given in (u1, u2):
        if given is not None and expected is not None and given != expected:
            raise SweepError(
                f"--param {key}: expected a value in {expected or 'a plain number'}, "
                f"got one in {given}"
            )
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


def run_point(
    board_path: str,
    overrides: Sequence[str],
    duration: float,
    transient: float,
    rules: RegimeRules,
) -> dict[str, dict[str, Any]]:
    """Run one grid point; regime figures of every neuron (runs in a worker process)."""
    board = load_board(board_path, overrides)
    emu = Emulator(board)
    emu.advance_to(duration)
    return {
        name: classify(
            emu.spikes[i], emu.spike_ends[i], duration, transient, emu.segments[i].on, rules
        ).as_dict()
        for i, name in enumerate(emu.names)
    }


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "sweep",
        help="map the firing regime of a board over one or two parameters",
        description="Run BOARD.yaml at every point of a 1- or 2-parameter grid and classify "
        "each neuron's regime (silent, latched, stopped, tonic, fast, burst-short, burst-long, "
        "irregular; see docs/motifs.md). START:STOP:N runs N equal steps from START to STOP "
        "(descending when START > STOP).",
    )
    p.add_argument("board", help="board file (YAML, SI units)")
    p.add_argument(
        "--param",
        dest="params",
        action="append",
        default=[],
        metavar="KEY.PATH=START:STOP:N",
        help="swept board value, e.g. neurons.U.I_bias=100uA:1.2mA:23 (once or twice)",
    )
    add_set_option(p, "defaults.adapt_tau=0.3 (fixed at every point)")
    p.add_argument(
        "--duration", type=float, default=DEFAULT_DURATION, help=f"s per point ({DEFAULT_DURATION})"
    )
    p.add_argument(
        "--transient",
        type=float,
        default=DEFAULT_TRANSIENT,
        help=f"s ignored at the start of each run ({DEFAULT_TRANSIENT})",
    )
    rules = RegimeRules()
    p.add_argument(
        "--fast-hz",
        type=float,
        default=rules.fast_hz,
        help=f"regular firing at or above this rate is 'fast' ({rules.fast_hz:g})",
    )
    p.add_argument(
        "--burst-gap",
        type=float,
        default=rules.min_gap,
        help=f"shortest inter-spike gap in s that can split bursts ({rules.min_gap:g})",
    )
    p.add_argument("--neuron", help="neuron whose regime the map shows (default: the first)")
    p.add_argument(
        "--jobs", type=int, default=None, help="worker processes (default: the number of cores)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--plot", metavar="MAP.png", help="draw the regime map")
    p.set_defaults(func=run)


def _fail(message: str) -> int:
    print(f"mnsu sweep: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    try:
        axes = [parse_param(p) for p in args.params]
        rules = RegimeRules(fast_hz=args.fast_hz, min_gap=args.burst_gap)
    except (SweepError, ValueError) as exc:
        return _fail(str(exc))
    if not 1 <= len(axes) <= 2:
        return _fail(f"give one or two --param KEY.PATH=START:STOP:N, got {len(axes)}")
    if len(axes) == 2 and axes[0].key == axes[1].key:
        return _fail(f"--param {axes[0].key} given twice")
    if not args.duration > 0:
        return _fail(f"--duration must be > 0 s, got {args.duration}")
    if not 0 <= args.transient < args.duration:
        return _fail(f"--transient must be in [0, duration), got {args.transient}")
    jobs = args.jobs if args.jobs is not None else (os.cpu_count() or 1)
    if jobs < 1:
        return _fail(f"--jobs must be >= 1, got {jobs}")
    points = grid(axes)
    if len(points) > MAX_POINTS:
        return _fail(f"{len(points)} grid points; at most {MAX_POINTS}")
    try:
        board = load_board(args.board, args.overrides)
        # every swept key must exist and take every value: check both ends of each axis
        for axis in axes:
            for value in {axis.values[0], axis.values[-1]}:
                load_board(args.board, [*args.overrides, axis.override(value)])
    except BoardError as exc:
        return _fail(str(exc))
    neuron = args.neuron if args.neuron is not None else board.neuron_names[0]
    if neuron not in board.neuron_names:
        return _fail(
            f"--neuron {neuron!r}: no such neuron; the board has {', '.join(board.neuron_names)}"
        )
    start = time.perf_counter()
    results = sweep(board, args.board, args.overrides, axes, points, args, rules, jobs)
    wall = time.perf_counter() - start
    out = report(board, axes, points, results, neuron, args, rules, jobs, wall)
    if args.plot:
        plot_regime_map(axes, out["map"], f"{board.name}: regime of {neuron}", args.plot)
        out["plot"] = args.plot
    if args.json:
        print(json.dumps(out))
    else:
        print_table(out, axes)
    return 0


def sweep(
    board: Board,
    path: str,
    overrides: Sequence[str],
    axes: Sequence[Axis],
    points: Sequence[tuple[int, ...]],
    args: argparse.Namespace,
    rules: RegimeRules,
    jobs: int,
) -> list[dict[str, dict[str, Any]]]:
    """Regimes of every neuron at every point (same order as `points`), with a progress bar."""

    def point_overrides(index: tuple[int, ...]) -> list[str]:
        return [*overrides, *(a.override(a.values[k]) for a, k in zip(axes, index, strict=True))]

    progress = Progress(f"sweep {board.name}", len(points), unit="points")
    results: list[dict[str, dict[str, Any]] | None] = [None] * len(points)
    if jobs == 1 or len(points) == 1:
        for n, index in enumerate(points):
            results[n] = run_point(
                path, point_overrides(index), args.duration, args.transient, rules
            )
            progress.update(n + 1)
    else:
        with ProcessPoolExecutor(max_workers=min(jobs, len(points))) as pool:
            futures: dict[Future[dict[str, dict[str, Any]]], int] = {
                pool.submit(
                    run_point, path, point_overrides(index), args.duration, args.transient, rules
                ): n
                for n, index in enumerate(points)
            }
            for done, future in enumerate(as_completed(futures), start=1):
                results[futures[future]] = future.result()
                progress.update(done)
    progress.close()
    return [r for r in results if r is not None]


def report(
    board: Board,
    axes: Sequence[Axis],
    points: Sequence[tuple[int, ...]],
    results: Sequence[dict[str, dict[str, Any]]],
    neuron: str,
    args: argparse.Namespace,
    rules: RegimeRules,
    jobs: int,
    wall: float,
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
        "duration_s": args.duration,
        "transient_s": args.transient,
        "rules": rules.as_dict(),
        "jobs": jobs,
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


def print_table(out: dict[str, Any], axes: Sequence[Axis]) -> None:
    names = list(out["points"][0]["neurons"]) if out["points"] else []
    print(
        f"{out['board']}: {len(out['points'])} points x {out['duration_s']:g} s in "
        f"{out['wall_s']:.1f} s on {out['jobs']} jobs; regimes after {out['transient_s']:g} s"
    )
    header = "".join(f"{a.key:>24}" for a in axes) + "".join(f"{n:>22}" for n in names)
    print(header)
    for point in out["points"]:
        row = "".join(
            f"{_fmt_value(v, a.unit):>24}" for a, v in zip(axes, point["values"], strict=True)
        )
        for n in names:
            r = point["neurons"][n]
            row += f"{r['regime'] + ' ' + format(r['rate_hz'], '.1f') + ' Hz':>22}"
        print(row)
    counts = ", ".join(f"{k} {v}" for k, v in out["counts"].items())
    print(f"map of {out['neuron']}: {counts}")
    if "plot" in out:
        print(f"plot: {out['plot']}")


# Fixed colours per regime so that maps of different sweeps compare at a glance.
REGIME_COLOURS = {
    "silent": "#d9d9d9",
    "latched": "#404040",
    "stopped": "#a6a6a6",
    "tonic": "#4e9ad1",
    "fast": "#1b3f8b",
    "burst-short": "#f2a541",
    "burst-long": "#d1495b",
    "irregular": "#8fbc5a",
}


def _edges(values: Sequence[float]) -> list[float]:
    """Cell edges around grid values (midpoints; a single value gets a cell of +-5 %)."""
    if len(values) == 1:
        half = abs(values[0]) * 0.05 or 0.5
        return [values[0] - half, values[0] + half]
    mids = [(a + b) / 2 for a, b in zip(values, values[1:], strict=False)]
    return [2 * values[0] - mids[0], *mids, 2 * values[-1] - mids[-1]]


def plot_regime_map(axes: Sequence[Axis], regime_map: list[Any], title: str, path: str) -> None:
    """Write the regime map: categorical colours, a legend, axis labels with units."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    from mnsu.plot import plt

    rows = [regime_map] if len(axes) == 1 else regime_map
    codes = [[REGIMES.index(r) for r in row] for row in rows]
    cmap = ListedColormap([REGIME_COLOURS[r] for r in REGIMES])
    x = axes[0].scaled()
    if len(axes) == 1:
        y_edges = [0.0, 1.0]
        figsize = (8, 2.6)
    else:
        y_edges = _edges(axes[1].scaled())
        figsize = (8, 6)
    fig, ax = plt.subplots(figsize=figsize)
    ax.pcolormesh(
        _edges(x), y_edges, codes, cmap=cmap, vmin=-0.5, vmax=len(REGIMES) - 0.5, shading="flat"
    )
    ax.set_xlabel(axes[0].label())
    if len(axes) == 2:
        ax.set_ylabel(axes[1].label())
    else:
        ax.set_yticks([])
    present = [r for r in REGIMES if any(r in row for row in rows)]
    ax.legend(
        handles=[Patch(color=REGIME_COLOURS[r], label=r) for r in present],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
    )
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)

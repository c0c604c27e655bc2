"""`mnsu sweep BOARD.yaml --param KEY.PATH=START:STOP:N [--param ...]`: a regime map.

Runs the emulator at every point of a 1- or 2-parameter grid (in parallel over the
local cores, or on a Dask cluster with --scheduler tcp://HOST:PORT), classifies
every neuron's firing regime and prints a table, one JSON object, or a map. The sweep itself is
mnsu.analysis.sweep, the map mnsu.plot.plot_regime_map.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

from mnsu.analysis.regimes import RegimeRules
from mnsu.analysis.sweep import (
    DEFAULT_DURATION,
    DEFAULT_TRANSIENT,
    check_sweep,
    format_table,
    parse_param,
    report,
    sweep,
)
from mnsu.commands import add_scale_options, add_set_option, warn_implausible
from mnsu.scaleout import ScaleOutError, check_scheduler


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
        default=None,
        help="inter-spike gap in s that splits bursts (default: each train's log-ISI valley, "
        f"at least {rules.min_gap:g})",
    )
    p.add_argument("--neuron", help="neuron whose regime the map shows (default: the first)")
    add_scale_options(p)
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--plot", metavar="MAP.png", help="draw the regime map")
    p.set_defaults(func=run)


def _fail(message: str) -> int:
    print(f"mnsu sweep: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    try:
        axes = [parse_param(p) for p in args.params]
        rules = RegimeRules(fast_hz=args.fast_hz, burst_gap=args.burst_gap)
        jobs = args.jobs if args.jobs is not None else (os.cpu_count() or 1)
        board, points, neuron = check_sweep(
            args.board, args.overrides, axes, args.duration, args.transient, jobs, args.neuron
        )
        if args.scheduler is not None:
            check_scheduler(args.scheduler)
    except (ValueError, ScaleOutError) as exc:  # SweepError, BoardError, a bad rule
        return _fail(str(exc))
    start = time.perf_counter()
    try:
        results, where = sweep(
            board, axes, points, args.duration, args.transient, rules, jobs, args.scheduler
        )
    except ScaleOutError as exc:
        return _fail(str(exc))
    wall = time.perf_counter() - start
    out = report(
        board,
        axes,
        points,
        results,
        neuron,
        args.duration,
        args.transient,
        rules,
        jobs,
        wall,
        where,
    )
    out["warnings"] = warn_implausible("sweep", board)
    if args.plot:
        from mnsu.plot import plot_regime_map

        plot_regime_map(axes, out["map"], f"{board.name}: regime of {neuron}", args.plot)
        out["plot"] = args.plot
    if args.json:
        print(json.dumps(out))
    else:
        print(format_table(out, axes))
    return 0

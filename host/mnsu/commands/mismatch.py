"""`mnsu mismatch BOARD.yaml --tolerance C=5%,V_th=2% --runs 1000`: mismatch Monte Carlo.

Draws every unit's component values within the tolerances, runs every board in the emulator
over the local cores (or a Dask cluster with --scheduler) and reports the spread of each
rhythm figure and the fraction of boards keeping the nominal rhythm. The draws, runs and
statistics are mnsu.analysis.mismatch, the executor mnsu.scaleout, the figure
mnsu.plot.plot_mismatch.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

from mnsu.analysis.mismatch import (
    DEFAULT_LAG_TOL,
    DISTRIBUTIONS,
    check_plan,
    format_report,
    nominal,
    parse_tolerances,
    report,
    run_one,
)
from mnsu.analysis.rhythm import default_transient
from mnsu.circuit.board import load_board
from mnsu.commands import add_scale_options, add_set_option, warn_implausible
from mnsu.scaleout import ScaleOutError, check_scheduler, run_tasks

DEFAULT_RUNS = 1000
DEFAULT_DURATION = 10.0  # s


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "mismatch",
        help="Monte Carlo of component tolerances: the spread of the board's rhythm",
        description="Draw every unit's component values within --tolerance (independently per "
        "unit and per key), run each drawn board in the emulator and report the distribution "
        "of every neuron's burst period, duty, spikes per burst, rate and regime, of the phase "
        "lags, and the fraction of boards keeping the nominal rhythm (same regimes, phase lags "
        "within --lag-tol). Runs are reproducible from --seed alone, wherever they run.",
    )
    p.add_argument("board", help="board file (YAML, SI units)")
    p.add_argument(
        "--tolerance",
        required=True,
        metavar="KEY=TOL,...",
        help="toleranced keys: relative (C=5%%) or absolute in the key's unit (V_th=50mV); "
        "neuron keys, synapse keys (W=5%%), or neurons.KEY / synapses.KEY",
    )
    p.add_argument("--runs", type=int, default=DEFAULT_RUNS, help=f"boards drawn ({DEFAULT_RUNS})")
    p.add_argument("--seed", type=int, default=0, help="seed of the draws (0)")
    p.add_argument(
        "--dist",
        choices=DISTRIBUTIONS,
        default="uniform",
        help="uniform within the tolerance, or gauss: normal with sigma = tolerance/3 "
        "truncated at the tolerance (uniform)",
    )
    add_set_option(p, "defaults.adapt_tau=0.4 (the nominal board)")
    p.add_argument(
        "--duration",
        type=float,
        default=DEFAULT_DURATION,
        help=f"s per board ({DEFAULT_DURATION:g})",
    )
    p.add_argument(
        "--transient",
        type=float,
        default=None,
        help="s ignored at the start of each run (default: min(1.5, duration/4))",
    )
    p.add_argument(
        "--burst-gap",
        type=float,
        default=None,
        help="inter-spike gap in s that splits bursts (default: each train's log-ISI valley)",
    )
    p.add_argument(
        "--lag-tol",
        type=float,
        default=DEFAULT_LAG_TOL,
        help=f"cycles a phase lag may move and keep the rhythm ({DEFAULT_LAG_TOL:g})",
    )
    add_scale_options(p)
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--plot", metavar="FIG.png", help="draw the histograms of the figures")
    p.set_defaults(func=run)


def _fail(message: str) -> int:
    print(f"mnsu mismatch: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    try:
        tolerances = parse_tolerances(args.tolerance)
        board = load_board(args.board, args.overrides)
        transient = (
            args.transient if args.transient is not None else default_transient(args.duration)
        )
        plan = check_plan(
            board,
            tolerances,
            args.runs,
            args.dist,
            args.seed,
            args.duration,
            transient,
            args.burst_gap,
        )
        if not 0 < args.lag_tol <= 0.5:
            raise ValueError(f"--lag-tol must be in (0, 0.5] cycles, got {args.lag_tol}")
        jobs = args.jobs if args.jobs is not None else (os.cpu_count() or 1)
        if jobs < 1:
            raise ValueError(f"--jobs must be >= 1, got {jobs}")
        if args.scheduler is not None:
            check_scheduler(args.scheduler)
    except (ValueError, ScaleOutError) as exc:  # MismatchError, BoardError
        return _fail(str(exc))
    warnings = warn_implausible("mismatch", board)
    start = time.perf_counter()
    ref = nominal(plan)
    try:
        results, where = run_tasks(
            run_one,
            [(plan, k) for k in range(args.runs)],
            jobs,
            args.scheduler,
            label=f"mismatch {board.name}",
        )
    except ScaleOutError as exc:
        return _fail(str(exc))
    wall = time.perf_counter() - start
    out = report(plan, board, ref, results, args.lag_tol)
    out.update(
        where=where.describe(),
        executor=where.as_dict(),
        wall_s=wall,
        runs_per_s=len(results) / wall if wall > 0 else None,
        warnings=warnings,
    )
    if args.plot:
        from mnsu.plot import plot_mismatch

        plot_mismatch(out, results, args.plot)
        out["plot"] = args.plot
    if args.json:
        print(json.dumps(out))
    else:
        print(format_report(out))
    return 0

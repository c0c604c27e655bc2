"""Mismatch Monte Carlo speed, side by side in one run: 1000 drawn boards of HCO-P0 for 10 s
each (the issue's goal: under a minute on this machine) in one process, over the local cores,
and on a Dask cluster of as many single-threaded worker processes on loopback.

    .venv/bin/python bench/mismatch_speed.py [--runs 1000] [--duration 10] [--serial 100]

One process runs the first --serial runs (its time per run is scaled to --runs); the pool and
the cluster run all of them. Every executor's results are checked identical on the runs they
share. Prints wall time, runs per second, board seconds per wall second and the ratios.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from mnsu.analysis.mismatch import check_plan, parse_tolerances, run_one
from mnsu.circuit.board import load_board
from mnsu.scaleout import run_tasks

ROOT = Path(__file__).resolve().parent.parent
TOLERANCE = "C=5%,R_leak=1%,V_th=2%,I_hold=10%"
GOAL_S = 60.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--serial", type=int, default=100, help="runs timed in one process")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask cluster")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    board = load_board(ROOT / "examples" / "hco.yaml")
    plan = check_plan(
        board, parse_tolerances(TOLERANCE), args.runs, "uniform", 0, args.duration, 1.5, None
    )
    tasks = [(plan, k) for k in range(args.runs)]
    board_s = args.runs * args.duration
    print(
        f"HCO-P0 mismatch Monte Carlo: {args.runs} runs x {args.duration:g} s, --tolerance "
        f"{TOLERANCE}, {cores} cores (load average {os.getloadavg()[0]:.2f} before)"
    )

    start = time.perf_counter()
    serial, _ = run_tasks(run_one, tasks[: args.serial], 1)
    one = (time.perf_counter() - start) / len(serial) * args.runs
    print(
        f"  1 process:       {one:7.1f} s for {args.runs} (timed on {len(serial)}), "
        f"{args.runs / one:7.1f} runs/s, {board_s / one:7.0f}x real time"
    )

    start = time.perf_counter()
    pooled, where = run_tasks(run_one, tasks, cores)
    pool = time.perf_counter() - start
    assert pooled[: len(serial)] == serial, "the pool's runs differ from one process's"
    print(
        f"  {where.describe():<17}{pool:7.1f} s, {args.runs / pool:7.1f} runs/s, "
        f"{board_s / pool:7.0f}x real time, {one / pool:.2f}x one process"
    )
    if not args.no_dask:
        from distributed import LocalCluster

        with LocalCluster(
            n_workers=cores,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster:
            start = time.perf_counter()
            remote, where = run_tasks(run_one, tasks, 1, str(cluster.scheduler_address))
            dask = time.perf_counter() - start
        assert remote == pooled, "the cluster's runs differ from the pool's"
        print(
            f"  Dask {where.workers} workers:  {dask:7.1f} s, {args.runs / dask:7.1f} runs/s, "
            f"{board_s / dask:7.0f}x real time, {one / dask:.2f}x one process, "
            f"{pool / dask:.2f}x the local pool"
        )
    kept = sum(1 for r in pooled if "refused" not in r)
    print(f"  results identical across executors; {kept}/{args.runs} boards ran")
    verdict = "met" if pool < GOAL_S else "NOT met"
    print(f"goal: {args.runs} runs in < {GOAL_S:g} s on the local cores: {verdict} ({pool:.1f} s)")
    return 0 if pool < GOAL_S else 1


if __name__ == "__main__":
    sys.exit(main())

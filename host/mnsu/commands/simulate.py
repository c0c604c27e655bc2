"""`mnsu simulate BOARD.yaml --duration S`: run the emulator and analyse the rhythm.

The run, its summary and the saved traces are mnsu.analysis.simulation; the figure is
mnsu.plot.plot_run.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from mnsu.analysis.rhythm import DEFAULT_BURST_GAP, DEFAULT_TRANSIENT
from mnsu.analysis.simulation import run_emulator, save_traces, summarise
from mnsu.circuit.board import BoardError, load_board
from mnsu.circuit.emulator import Emulator
from mnsu.commands import add_set_option


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "simulate",
        help="run a board file in the circuit emulator and analyse its rhythm",
        description="Run BOARD.yaml in the event-exact circuit emulator; print rate, bursts, "
        "burst period, duty, spikes per burst and phase lags (all after --transient).",
    )
    p.add_argument("board", help="board file (YAML, SI units)")
    p.add_argument("--duration", type=float, default=10.0, help="simulated time in s (10)")
    add_set_option(p, "neurons.F.I_bias=300e-6 or synapses.0.W='-400 uA'")
    p.add_argument(
        "--transient",
        type=float,
        default=DEFAULT_TRANSIENT,
        help=f"s ignored at the start by the analysis ({DEFAULT_TRANSIENT})",
    )
    p.add_argument(
        "--burst-gap",
        type=float,
        default=DEFAULT_BURST_GAP,
        help=f"inter-spike gap in s that splits bursts ({DEFAULT_BURST_GAP})",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the ADC noise (0)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--out", metavar="TRACE.npz", help="save spikes and node/ADC traces")
    p.add_argument(
        "--trace-rate", type=float, default=2000.0, help="sample rate of --out traces in Hz (2000)"
    )
    p.add_argument("--plot", metavar="FIG.png", help="write a figure of the run")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.duration > 0:
        print(f"mnsu simulate: --duration must be > 0 s, got {args.duration}", file=sys.stderr)
        return 2
    if not 0 <= args.transient < args.duration:
        print(
            f"mnsu simulate: --transient must be in [0, duration), got {args.transient}",
            file=sys.stderr,
        )
        return 2
    if not args.burst_gap > 0:
        print(f"mnsu simulate: --burst-gap must be > 0 s, got {args.burst_gap}", file=sys.stderr)
        return 2
    try:
        board = load_board(args.board, args.overrides)
        emu = Emulator(board, seed=args.seed, record=bool(args.out or args.plot))
    except (BoardError, ValueError) as exc:
        print(f"mnsu simulate: {exc}", file=sys.stderr)
        return 2
    wall = run_emulator(emu, args.duration, label=board.name)
    result = summarise(board, emu, args.duration, wall, args.transient, args.burst_gap)
    if args.out:
        save_traces(emu, args.out, args.trace_rate, args.seed)
        result["out"] = args.out
    if args.plot:
        from mnsu.plot import plot_run

        plot_run(emu, args.plot, f"{board.name}: {args.duration:g} s", args.burst_gap)
        result["plot"] = args.plot
    if args.json:
        print(json.dumps(result))
    else:
        print_table(result)
    return 0


def _fmt(value: object, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_table(result: dict[str, Any]) -> None:
    print(
        f"{result['board']}: {result['duration_s']:g} s simulated in {result['wall_s']:.3f} s "
        f"({result['realtime_factor']:.0f}x real time); analysis after "
        f"{result['transient_s']:g} s, bursts split at {result['burst_gap_s']:g} s"
    )
    print(
        f"{'neuron':<10}{'spikes':>8}{'rate Hz':>9}{'bursts':>8}{'period s':>10}"
        f"{'CV':>7}{'spk/burst':>11}{'duty':>7}"
    )
    for name, s in result["neurons"].items():
        print(
            f"{name:<10}{s['spike_count']:>8}{s['rate_hz']:>9.2f}{s['bursts']:>8}"
            f"{_fmt(s['burst_period_s'], '.4f'):>10}{_fmt(result['period_cv'][name], '.3f'):>7}"
            f"{_fmt(s['spikes_per_burst'], '.2f'):>11}{_fmt(s['duty'], '.3f'):>7}"
        )
    for pair, lag in result["phase_lag"].items():
        print(f"phase lag {pair}: {_fmt(lag, '.3f')} cycles")
    for key in ("out", "plot"):
        if key in result:
            print(f"{key}: {result[key]}")

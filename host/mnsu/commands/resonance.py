"""`mnsu resonance BOARD.yaml --neuron N --input DRIVE --freqs START:STOP:N`: bursting as a
driven damped oscillator, and (with --pendulum) bursts entraining a pendular leg.

The study is mnsu.analysis.resonance.study, the figure mnsu.plot.plot_resonance.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from mnsu.analysis.resonance import Study, frequency_range, study
from mnsu.circuit.board import BoardError
from mnsu.commands import add_set_option, warn_implausible
from mnsu.paths import DEFAULT_BOARD


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "resonance",
        help="drive a bursting neuron at a range of frequencies; bursts swinging a pendular leg",
        description="Drive NEURON with the pulse input DRIVE at each frequency of --freqs and "
        "print the response at that frequency (rate modulation, Hz) beside the neuron's own "
        "burst frequency; with --pendulum, let the undriven bursts swing a pendular leg whose "
        "natural frequency runs over the given range and print the swing amplitude (deg).",
    )
    p.add_argument("board", help="board file (YAML, SI units)")
    p.add_argument("--neuron", required=True, help="the bursting neuron")
    p.add_argument("--input", dest="drive", default="drive", help="pulse input that drives it")
    p.add_argument("--freqs", default="2:7:11", help="drive frequencies START:STOP:N in Hz")
    p.add_argument("--amplitude", type=float, help="drive pulse amplitude in A (board's)")
    p.add_argument("--duration", type=float, default=16.0, help="s per run (16)")
    p.add_argument("--transient", type=float, default=4.0, help="s ignored per run (4)")
    p.add_argument(
        "--burst-gap",
        type=float,
        default=None,
        help="s gap splitting bursts (default: the neuron's ISI valley)",
    )
    p.add_argument("--pendulum", metavar="START:STOP:N", help="pendulum natural frequencies in Hz")
    p.add_argument("--leg", default=str(DEFAULT_BOARD), help="board file with the leg section")
    add_set_option(p, "neurons.R.adapt_q=3")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--plot", metavar="FIG.png", help="write the response curves")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        freqs = frequency_range(args.freqs, "--freqs")
        naturals = frequency_range(args.pendulum, "--pendulum") if args.pendulum else []
        st = Study(
            args.board,
            args.neuron,
            args.drive,
            args.duration,
            args.transient,
            args.burst_gap,
            args.overrides,
            args.amplitude,
        )
        result: dict[str, Any] = study(st, freqs, naturals, args.leg)
        result["warnings"] = warn_implausible("resonance", st.check())
    except (BoardError, ValueError) as exc:
        print(f"mnsu resonance: {exc}", file=sys.stderr)
        return 2
    if args.plot:
        from mnsu.plot import plot_resonance

        plot_resonance(result, args.plot)
        result["plot"] = args.plot
    if args.json:
        print(json.dumps(result))
        return 0
    own = result["burst_frequency_hz"]
    own_text = f"{own:.3f} Hz" if own else "none (it does not burst undriven)"
    print(f"{result['board']}: {args.neuron} bursts on its own at {own_text}")
    print(f"{'drive Hz':>9} {'response Hz':>12}")
    for r in result["drive"]:
        print(f"{r['freq_hz']:9.3f} {r['response_hz']:12.2f}")
    print(f"drive response peaks at {result['drive_peak_hz']:.3f} Hz")
    if "pendulum" in result:
        print(f"{'pendulum Hz':>12} {'swing deg':>10}")
        for r in result["pendulum"]:
            print(f"{r['natural_hz']:12.3f} {r['swing_deg']:10.2f}")
        print(f"pendulum swing peaks at natural frequency {result['pendulum_peak_hz']:.3f} Hz")
    if args.plot:
        print(f"plot: {args.plot}")
    return 0

"""`mnsu spice BOARD.yaml --duration S`: run the board in ngspice and beside the emulator."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from mnsu.circuit.board import BoardError, load_board
from mnsu.commands import add_set_option
from mnsu.commands.netlist import add_device_options
from mnsu.spice import netlist
from mnsu.spice.compare import run_both
from mnsu.spice.ngspice import NgspiceError
from mnsu.spice.scr import ScrModelError

ROWS = (
    ("spike_count", "spikes", "d"),
    ("isi_rate_hz", "1/ISI Hz", ".4f"),
    ("spike_width_s", "width ms", ".5f"),
    ("peak_readout_v", "peak V", ".4f"),
    ("burst_period_s", "period s", ".4f"),
    ("spikes_per_burst", "spk/burst", ".3f"),
)


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "spice",
        help="run a board file in ngspice and compare it with the emulator",
        description="Write BOARD.yaml as a netlist, run it in ngspice (batch mode), detect "
        "spikes as the device current crossing I_hold, and print the emulator beside ngspice.",
    )
    p.add_argument("board", help="board file (YAML, SI units)")
    p.add_argument("--duration", type=float, default=2.0, help="simulated time in s (2)")
    p.add_argument("--transient", type=float, default=0.5, help="s ignored by the analysis")
    p.add_argument(
        "--burst-gap",
        type=float,
        default=None,
        help="inter-spike gap that splits bursts (s); default: from each train's own ISIs",
    )
    add_device_options(p)
    add_set_option(p, "neurons.U.I_bias=200e-6")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--plot", metavar="FIG.png", help="draw both readouts (and a zoom)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.duration > 0 or not 0 <= args.transient < args.duration:
        print("mnsu spice: need --duration > 0 and 0 <= --transient < duration", file=sys.stderr)
        return 2
    if args.scr_model and args.device != "scr":  # as mnsu netlist: not silently ignored
        print("mnsu spice: --scr-model needs --device scr", file=sys.stderr)
        return 2
    try:
        board = load_board(args.board, args.overrides)
        both = run_both(
            board,
            args.duration,
            args.device,
            args.max_step,
            args.transient,
            args.burst_gap,
            args.scr_model,
            record=bool(args.plot),
        )
    except (BoardError, netlist.NetlistError, ScrModelError, NgspiceError) as exc:
        print(f"mnsu spice: {exc}", file=sys.stderr)
        return 2
    result = both.result
    if args.plot:
        from mnsu.plot import plot_spice

        plot_spice(both, args.plot)
        result["plot"] = args.plot
    if args.json:
        print(json.dumps(result))
    else:
        print_table(result)
    return 0


def _fmt(value: object, spec: str) -> str:
    if value is None:
        return "-"
    if spec == ".5f" and isinstance(value, float):
        return format(value * 1e3, ".4f")
    return format(value, spec)


def print_table(result: dict[str, Any]) -> None:
    print(
        f"{result['board']}: {result['duration_s']:g} s, device {result['device']}, ngspice "
        f"{result['ngspice_wall_s']:.1f} s wall (max step {result['max_step_s']:g} s); "
        f"figures after {result['transient_s']:g} s"
    )
    emu, spice = result["emulator"]["neurons"], result["ngspice"]["neurons"]
    for name in emu:
        print(f"{name:<10}{'emulator':>14}{'ngspice':>14}{'rel. diff':>12}")
        for key, label, spec in ROWS:
            a, b = emu[name][key], spice[name][key]
            rel = f"{(b - a) / a:+.2e}" if a and b is not None else "-"
            print(f"  {label:<10}{_fmt(a, spec):>12}{_fmt(b, spec):>14}{rel:>12}")
        diffs = result["first_spike_diff_s"][name]
        if diffs:
            shown = " ".join(f"{d * 1e6:+.2f}" for d in diffs)
            print(f"  first {len(diffs)} spike times, ngspice - emulator (us): {shown}")
    for engine in ("emulator", "ngspice"):
        for pair, lag in result[engine]["phase_lag"].items():
            print(f"phase lag {pair} ({engine}): {_fmt(lag, '.3f')} cycles")

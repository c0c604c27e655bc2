"""`mnsu simulate BOARD.yaml --duration S`: run the emulator and analyse the rhythm.

The run and its summary are mnsu.analysis.simulation; the saved data mnsu.export; the figure
mnsu.plot.plot_run.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from mnsu.analysis.rhythm import default_transient
from mnsu.analysis.simulation import run_emulator, summarise
from mnsu.circuit.board import BoardError, load_board
from mnsu.circuit.emulator import Emulator
from mnsu.circuit.traces import NODES
from mnsu.circuit.units import UnitError, parse_quantity
from mnsu.commands import add_set_option, warn_implausible
from mnsu.export import ExportError, format_of, record_run, write_run


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "simulate",
        help="run a board file in the circuit emulator and analyse its rhythm",
        description="Run BOARD.yaml in the event-exact circuit emulator; print rate, bursts, "
        "burst period, duty, spikes per burst, phase lags and the firing regime of every "
        "neuron (all after --transient); with scheduled inputs, the same per epoch between "
        "input changes.",
    )
    p.add_argument("board", help="board file (YAML, SI units)")
    p.add_argument("--duration", type=float, default=10.0, help="simulated time in s (10)")
    add_set_option(p, "neurons.F.I_bias=300e-6 or synapses.0.W='-400 uA'")
    p.add_argument(
        "--transient",
        type=float,
        default=None,
        help="s ignored at the start by the analysis (default: min(1.5, duration/4))",
    )
    p.add_argument(
        "--burst-gap",
        type=float,
        default=None,
        help="inter-spike gap in s that splits bursts (default: each neuron's own, from the "
        "valley of its log-ISI histogram)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the membrane noise (I_noise) and the ADC noise (0)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument(
        "--out",
        metavar="PATH",
        help="save spikes and node/ADC traces to exactly PATH; the extension picks the format: "
        ".npz, .csv (tidy, SI units in the column names), .h5 (HDF5), .nwb (Neurodata Without "
        "Borders)",
    )
    p.add_argument(
        "--trace-rate", type=float, default=2000.0, help="sample rate of --out traces in Hz (2000)"
    )
    p.add_argument("--plot", metavar="FIG.png", help="write a figure of the run")
    p.add_argument(
        "--window",
        metavar="T0:T1",
        help="time span of the figure in s, e.g. 2:2.5 or 500ms:1s (default: the whole run)",
    )
    p.add_argument(
        "--traces",
        default="membrane",
        metavar="NODE,...",
        help=f"nodes the figure shows, comma-separated: {', '.join(NODES)} (membrane)",
    )
    p.add_argument(
        "--backend",
        choices=("auto", "compiled", "python"),
        default="auto",
        help="event loop: compiled (numba) where the board allows, else the Python reference "
        "(auto); compiled (an error if it cannot); python (the reference)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.duration > 0:
        print(f"mnsu simulate: --duration must be > 0 s, got {args.duration}", file=sys.stderr)
        return 2
    transient = default_transient(args.duration) if args.transient is None else args.transient
    if not 0 <= transient < args.duration:
        print(
            f"mnsu simulate: --transient must be in [0, duration), got {args.transient}",
            file=sys.stderr,
        )
        return 2
    if args.burst_gap is not None and not args.burst_gap > 0:
        print(f"mnsu simulate: --burst-gap must be > 0 s, got {args.burst_gap}", file=sys.stderr)
        return 2
    try:
        window = parse_window(args.window, args.duration) if args.window else None
        nodes = parse_nodes(args.traces)
        if args.out:
            format_of(args.out)
        board = load_board(args.board, args.overrides)
        emu = Emulator(
            board, seed=args.seed, record=bool(args.out or args.plot), backend=args.backend
        )
    except (BoardError, ExportError, ValueError) as exc:
        print(f"mnsu simulate: {exc}", file=sys.stderr)
        return 2
    wall = run_emulator(emu, args.duration, label=board.name)
    result = summarise(board, emu, args.duration, wall, transient, args.burst_gap)
    result["warnings"] = warn_implausible("simulate", board)
    result["transient_source"] = "default" if args.transient is None else "--transient"
    if args.out:
        try:
            run_record = record_run(emu, board, args.trace_rate, args.seed, args.argv)
            result["out"] = write_run(run_record, args.out)
        except (ExportError, OSError) as exc:
            print(f"mnsu simulate: cannot write {args.out}: {exc}", file=sys.stderr)
            return 2
    if args.plot:
        from mnsu.plot import plot_run

        title = f"{board.name}: {args.duration:g} s"
        plot_run(emu, args.plot, title, args.burst_gap, transient, window, nodes=nodes)
        result["plot"] = args.plot
    if args.json:
        print(json.dumps(result))
    else:
        print_table(result)
    return 0


def parse_window(text: str, duration: float) -> tuple[float, float]:
    """ "T0:T1" (s, or with a unit: 500ms:1s) inside [0, duration] -> (T0, T1)."""
    parts = text.split(":")
    if len(parts) != 2:
        raise ValueError(f"--window {text!r}: expected T0:T1 in s, e.g. 2:2.5")
    try:
        t0, t1 = (parse_quantity(part.strip(), "s") for part in parts)
    except UnitError as exc:
        raise ValueError(f"--window {text!r}: {exc}") from None
    if not 0 <= t0 < t1 <= duration:
        raise ValueError(f"--window {text!r}: need 0 <= T0 < T1 <= duration {duration:g} s")
    return t0, t1


def parse_nodes(text: str) -> list[str]:
    """ "membrane,readout" -> the node names, each one of traces.NODES."""
    nodes = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [node for node in nodes if node not in NODES]
    if unknown or not nodes:
        raise ValueError(f"--traces {text!r}: expected nodes from {', '.join(NODES)}")
    return nodes


def _fmt(value: object, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_table(result: dict[str, Any]) -> None:
    split = "each neuron's ISI valley" if result["burst_gap_source"] == "isi" else "--burst-gap"
    print(
        f"{result['board']}: {result['duration_s']:g} s simulated in {result['wall_s']:.3f} s "
        f"({result['realtime_factor']:.0f}x real time); analysis after "
        f"{result['transient_s']:g} s, bursts split at {split}"
    )
    _print_neurons(result)
    for epoch in result["epochs"]:
        print(
            f"epoch {epoch['start_s']:g}-{epoch['stop_s']:g} s ({epoch['cause']}; "
            f"analysed from {epoch['transient_s']:g} s):"
        )
        _print_neurons(epoch)
    for key in ("out", "plot"):
        if key in result:
            print(f"{key}: {result[key]}")


def _print_neurons(figures: dict[str, Any]) -> None:
    print(
        f"{'neuron':<10}{'regime':>12}{'spikes':>8}{'rate Hz':>9}{'bursts':>8}{'gap s':>8}"
        f"{'period s':>10}{'CV':>7}{'spk/burst':>11}{'duty':>7}"
    )
    for name, s in figures["neurons"].items():
        print(
            f"{name:<10}{s.get('regime', ''):>12}{s['spike_count']:>8}{s['rate_hz']:>9.2f}"
            f"{s['bursts']:>8}{_fmt(s['burst_gap_s'], '.4f'):>8}"
            f"{_fmt(s['burst_period_s'], '.4f'):>10}{_fmt(figures['period_cv'][name], '.3f'):>7}"
            f"{_fmt(s['spikes_per_burst'], '.2f'):>11}{_fmt(s['duty'], '.3f'):>7}"
        )
    for pair, lag in figures["phase_lag"].items():
        print(f"phase lag {pair}: {_fmt(lag, '.3f')} cycles")

"""`mnsu spice-device BOARD.yaml --neuron N`: the ideal device beside the transistor-level one."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from mnsu.circuit.board import BoardError, load_board
from mnsu.commands import add_set_option
from mnsu.spice import device_table, netlist
from mnsu.spice.ngspice import NgspiceError


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "spice-device",
        help="ideal device vs two-transistor thyristor for one unit (ngspice)",
        description="Measure the two-transistor thyristor designed for one unit's V_th and "
        "I_hold (quasi-static sweep, then the unit at five bias currents) and print it beside "
        "the ideal device as a Markdown table (docs/spice.md).",
    )
    p.add_argument("board", help="board file (YAML, SI units)")
    p.add_argument("--neuron", help="which unit (default: the first)")
    p.add_argument("--duration", type=float, default=0.3, help="s per bias current (0.3)")
    add_set_option(p, "neurons.U.R_leak=50e3")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        board = load_board(args.board, args.overrides)
        neuron = args.neuron or board.neuron_names[0]
        if neuron not in board.neuron_names:
            raise BoardError(
                f"{args.board}: --neuron {neuron!r}: the board has {', '.join(board.neuron_names)}"
            )
        if not args.duration > 0.1:
            raise BoardError(f"--duration must be > 0.1 s, got {args.duration}")
        result = device_table.table(board, neuron, args.duration, transient=0.1)
    except (BoardError, netlist.NetlistError, NgspiceError) as exc:
        print(f"mnsu spice-device: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result))
    else:
        sys.stdout.write(device_table.markdown(result))
    return 0

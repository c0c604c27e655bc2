"""`mnsu netlist BOARD.yaml`: write the board as a self-contained ngspice netlist."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from mnsu.circuit.board import BoardError, load_board
from mnsu.commands import add_set_option
from mnsu.spice import netlist
from mnsu.spice.scr import ScrModelError


def add_device_options(p: argparse.ArgumentParser) -> None:
    """--device, --scr-model and --max-step, shared by `mnsu netlist` and `mnsu spice`."""
    p.add_argument(
        "--device",
        choices=netlist.DEVICES,
        default="ideal",
        help="ideal: the emulator's switch law; scr: a two-transistor thyristor (ideal)",
    )
    p.add_argument(
        "--scr-model",
        metavar="FILE",
        help="with --device scr: a file with '.subckt NAME anode cathode' to use as M",
    )
    p.add_argument(
        "--max-step", type=float, default=2e-6, help="ngspice's largest time step in s (2e-6)"
    )


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "netlist",
        help="write a board file as an ngspice netlist",
        description="Write BOARD.yaml as a self-contained ngspice netlist (run it with "
        "`ngspice -b -r out.raw board.cir`).",
    )
    p.add_argument("board", help="board file (YAML, SI units)")
    p.add_argument("--out", metavar="BOARD.cir", help="write here instead of stdout")
    p.add_argument("--duration", type=float, default=1.0, help="transient length in s (1)")
    add_device_options(p)
    add_set_option(p, "neurons.U.I_bias=200e-6")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.scr_model and args.device != "scr":
        print("mnsu netlist: --scr-model needs --device scr", file=sys.stderr)
        return 2
    try:
        board = load_board(args.board, args.overrides)
        net = netlist.build(board, args.duration, args.device, args.max_step, args.scr_model)
    except (BoardError, netlist.NetlistError, ScrModelError) as exc:
        print(f"mnsu netlist: {exc}", file=sys.stderr)
        return 2
    if args.out:
        try:
            with open(args.out, "w", encoding="utf-8") as handle:
                handle.write(net.text)
        except OSError as exc:
            print(f"mnsu netlist: cannot write {args.out}: {exc.strerror}", file=sys.stderr)
            return 2
        print(f"{args.out}: {len(board.neurons)} units, device {args.device}")
    else:
        sys.stdout.write(net.text)
    return 0

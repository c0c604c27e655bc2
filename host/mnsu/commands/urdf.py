"""`mnsu urdf BOARD.yaml [--out FILE] [--mjcf]`: the robot description of a board's leg."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from mnsu.circuit.board import BoardError, load_board
from mnsu.commands import add_set_option
from mnsu.robot.description import DescriptionError, mjcf, urdf


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "urdf",
        help="print the leg's robot description (URDF, or MuJoCo MJCF with the rig)",
        description="Write the robot description generated from the board file's `leg` "
        "section: URDF (links, masses, inertias, joint limits) or, with --mjcf, the MuJoCo "
        "model of the leg on its test rig with servos, floor and contacts.",
    )
    p.add_argument("board", help="board file with a `leg` section (examples/leg.yaml)")
    p.add_argument("--out", help="write to this file instead of stdout")
    p.add_argument("--mjcf", action="store_true", help="MuJoCo MJCF of the leg on its rig")
    p.add_argument("--terrain", type=float, default=0.0, help="MJCF: uneven floor, bumps m (0)")
    add_set_option(p, "leg.thigh_mass=0.08")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        board = load_board(args.board, args.overrides)
        text = mjcf(board, terrain_m=args.terrain) if args.mjcf else urdf(board)
        if args.out:
            out = Path(args.out)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text)
        else:
            sys.stdout.write(text)
    except (BoardError, DescriptionError, OSError) as exc:
        print(f"mnsu urdf: {exc}", file=sys.stderr)
        return 2
    return 0

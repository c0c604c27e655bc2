"""`mnsu virtual-board [BOARD.yaml]`: the emulated board + firmware + leg behind a pty."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from mnsu.circuit.board import BoardError, load_board
from mnsu.paths import DEFAULT_BOARD


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "virtual-board",
        help="run the virtual board (emulator + firmware under MicroPython + leg) on a pty",
        description="Start the virtual board and print the path of its serial port (a stable "
        "symlink to a pseudo-terminal); runs until interrupted (Ctrl-C) or for --duration. "
        "Its firmware boots with the board file's gait calibration (leg.gait) as its saved "
        "parameters, as a board after `mnsu deploy --calibration`.",
    )
    p.add_argument("board", nargs="?", default=str(DEFAULT_BOARD), help="board file (leg.yaml)")
    p.add_argument("--fast", action="store_true", help="as fast as possible, not real time")
    p.add_argument("--speed", type=float, default=1.0, help="real-time factor when paced (1)")
    p.add_argument("--seed", type=int, default=1, help="emulator noise seed (1)")
    p.add_argument("--terrain", type=float, default=0.0, help="uneven ground: +- height, m (0)")
    p.add_argument("--duration", type=float, help="stop after this much board time, s")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="mnsu-flash-") as flash:
        return _run(args, Path(flash))


def _run(args: argparse.Namespace, flash: Path) -> int:
    from mnsu.cosim.errors import VirtualBoardError
    from mnsu.cosim.virtual_board import VirtualBoard

    try:
        board = load_board(args.board)
        if board.leg is not None and board.leg.gait:
            (flash / "params.json").write_text(json.dumps(dict(board.leg.gait)) + "\n")
        vb = VirtualBoard(
            board,
            seed=args.seed,
            realtime=not args.fast,
            speed=args.speed,
            terrain_m=args.terrain,
            flash_dir=flash,
        )
    except (BoardError, VirtualBoardError, OSError, RuntimeError) as exc:
        print(f"mnsu virtual-board: {exc}", file=sys.stderr)
        return 2
    print(vb.path, flush=True)
    print(f"virtual board on {vb.path} -> {vb.pty_path}; Ctrl-C stops it", file=sys.stderr)
    vb.start(args.duration)
    code = 0
    try:
        while not vb.join(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        try:
            vb.stop()
        except VirtualBoardError as exc:
            print(f"mnsu virtual-board: {exc}", file=sys.stderr)
            code = 1
    print(f"stopped at board time {vb.t:.3f} s", file=sys.stderr)
    time.sleep(0)
    return code

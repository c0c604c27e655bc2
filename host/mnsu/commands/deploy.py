"""`mnsu deploy --port DEV`: copy the firmware to a MicroPython board (mnsu.deploy)."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any

from mnsu.deploy import ARCHES, MPREMOTE_TIMEOUT_S, DeployError, deploy, plan
from mnsu.paths import DEFAULT_BOARD
from mnsu.robot.hard_limits import FILE as LIMITS_FILE


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "deploy",
        help="copy the firmware (device/) to a MicroPython board with mpremote",
        description="Compile device/mnsu_fw with mpy-cross, copy it and device/main.py to the "
        "board with mpremote, soft-reset, import every module on the board, then reset it so "
        "main.py starts the firmware. A running mnsu firmware is first asked to return to the "
        "REPL (refused while its servos are powered). The board's params.json is kept.",
    )
    p.add_argument("--port", required=True, help="serial port of the board (/dev/ttyACM0)")
    p.add_argument(
        "--march",
        choices=ARCHES,
        default="armv6m",
        help="mpy-cross target: armv6m (RP2040, default), xtensawin (ESP32), none (portable)",
    )
    p.add_argument(
        "--board",
        default=str(DEFAULT_BOARD),
        help="board file whose leg.joints become the firmware's hard limits (limits.json; "
        "default examples/leg.yaml)",
    )
    p.add_argument(
        "--calibration",
        action="store_true",
        help="also write the board file's gait calibration (leg.gait) as the board's "
        "params.json, replacing the saved parameters (keep them with --backup)",
    )
    p.add_argument("--no-start", action="store_true", help="leave the board at the REPL")
    p.add_argument(
        "--backup",
        type=Path,
        metavar="FILE",
        help="first save the running board's parameters to FILE (`mnsu param load FILE`)",
    )
    p.add_argument(
        "--dry-run", action="store_true", help="compile and print the plan; do not touch the port"
    )
    p.add_argument(
        "--timeout", type=float, default=MPREMOTE_TIMEOUT_S, help="mpremote time limit, s (120)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    start = not args.no_start
    try:
        if args.dry_run:
            with tempfile.TemporaryDirectory(prefix="mnsu-deploy-") as tmp:
                p = plan(args.port, Path(tmp), args.march, start, args.board, args.calibration)
                print(f"would copy to {args.port} ({args.march}):")
                for f in p.files:
                    size = (p.stage / f).stat().st_size
                    print(f"  :{f}  {size} bytes")
                print("with: " + shlex.join(p.argv[2:]))
            if "://" not in args.port and not os.path.exists(args.port):
                print(f"note: port {args.port} does not exist now", file=sys.stderr)
            return 0
        p, check = deploy(
            args.port,
            march=args.march,
            start=start,
            board=args.board,
            timeout_s=args.timeout,
            backup=args.backup,
            calibration=args.calibration,
        )
    except DeployError as exc:
        print(f"mnsu deploy: {exc}", file=sys.stderr)
        return 2
    _, proto, fw = check.split()
    if args.backup is not None:
        print(f"parameters saved to {args.backup} (restore: mnsu param load {args.backup})")
    print(f"deployed {len(p.files)} files to {args.port}: firmware {fw}, protocol {proto}")
    print(f"hard limits ({LIMITS_FILE}) from {args.board}")
    if args.calibration:
        print(f"gait calibration (params.json) from {args.board}'s leg.gait")
    print("board restarted: main.py runs the firmware" if start else "board left at the REPL")
    return 0

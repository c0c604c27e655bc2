"""`mnsu record`: a board's link session as MCAP with ROS 2 encodings (mnsu.export.ros_mcap).

    mnsu record --port P --out session.mcap [--duration S] [--board BOARD.yaml]
    mnsu record --convert IN.mnsurec --out OUT.mcap [--board BOARD.yaml]

Live, the link writes its own recording (every byte with its time, flushed as it goes,
docs/link.md) beside the output as `<out>.mnsurec`; when the recording ends (--duration, Ctrl-C)
it is converted to MCAP, so a host killed mid-session still leaves the .mnsurec to convert.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from mnsu.link import Link, LinkError


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "record",
        help="record a board's link session as MCAP (ROS 2 messages), or convert a .mnsurec",
        description="Write the bridge's topics (joint_states, cpg/neurons, foot_contact, "
        "cpg/events, rosout, diagnostics) and the raw link bytes to an MCAP file that ros2 bag, "
        "Foxglove and PlotJuggler open.",
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--port", help="serial port or pyserial URL of the board to record")
    src.add_argument("--convert", metavar="IN.mnsurec", help="convert this link recording")
    p.add_argument("--out", required=True, help="the MCAP file to write (.mcap)")
    p.add_argument("--duration", type=float, help="stop after this many seconds (live)")
    p.add_argument("--board", default="", help="board file for joint and neuron names")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mnsu.export.ros_mcap import McapError, convert

    out = Path(args.out)
    if out.suffix != ".mcap":
        print(f"mnsu record: --out {out}: the output must end in .mcap", file=sys.stderr)
        return 2
    if args.duration is not None and args.duration <= 0:
        print(f"mnsu record: --duration must be > 0, got {args.duration}", file=sys.stderr)
        return 2
    if args.board and not Path(args.board).is_file():
        print(f"mnsu record: --board {args.board}: no such file", file=sys.stderr)
        return 2
    source = Path(args.convert) if args.convert else out.with_suffix(".mnsurec")
    if args.port:
        existed = source.exists()
        try:
            link = Link(args.port, record=source)
        except (LinkError, OSError) as exc:
            if not existed:  # nothing was recorded: leave no empty recording behind
                source.unlink(missing_ok=True)
            print(f"mnsu record: {args.port}: {exc}", file=sys.stderr)
            return 2
        print(f"recording {args.port} to {source} (Ctrl-C ends)", file=sys.stderr)
        try:
            end = None if args.duration is None else time.monotonic() + args.duration
            while end is None or time.monotonic() < end:
                time.sleep(0.05)
        except KeyboardInterrupt:
            pass
        finally:
            link.close()
    try:
        summary = convert(source, out, args.board)
    except McapError as exc:
        print(f"mnsu record: {exc}", file=sys.stderr)
        return 2
    print(summary.line())
    return 0

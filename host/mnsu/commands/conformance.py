"""`mnsu conformance --port DEV --board BOARD.yaml --duration S`: a board against its board file.

Records the board's spikes, bursts and readout samples through the link for S seconds of board
time, runs the emulator on the same board file (at the drive level the board runs at), and
prints a table of burst period, duty, spikes per burst, intra-burst rate, spike amplitude and
phase lag with tolerances and PASS/FAIL (exit 1 when any figure fails). `--fit OUT.yaml` also
adjusts free values of the board file to the recording (mnsu.analysis.conformance.fit) and
writes the fitted board file. `--save REC.json` keeps the recording; `--recording REC.json`
compares or fits a saved recording instead of a live board. The run is
mnsu.analysis.conformance_run; this shell parses and prints.

"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from mnsu.analysis.conformance import (
    DEFAULT_FREE,
    FIT_KEYS,
    ConformanceError,
    Recording,
    format_table,
    probed_neurons,
)
from mnsu.analysis.conformance_run import (
    check_request,
    compare_recording,
    fit_board,
    fit_dict,
    record,
)
from mnsu.circuit.board import BoardError, load_board
from mnsu.link import LinkError


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "conformance",
        help="record a board and compare it with the emulator on its board file (and fit it)",
        description="Record a board's bursts, spikes and readout amplitude through the link, "
        "run the emulator on the same board file, print the figures with tolerances and "
        "PASS/FAIL (exit 1 on a failure). --fit writes a board file fitted to the recording.",
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--port", help="serial port of the board (or the virtual board's pty)")
    src.add_argument("--recording", help="a recording saved with --save, instead of a board")
    p.add_argument("--board", required=True, help="the board file the board was built from")
    p.add_argument("--duration", type=float, default=60.0, help="board time to record, s (60)")
    p.add_argument("--telemetry-hz", type=int, default=500, help="telemetry while recording (500)")
    p.add_argument(
        "--burst-gap",
        type=float,
        default=None,
        help="inter-spike gap in s that splits bursts (default: each train's ISI valley)",
    )
    p.add_argument("--seed", type=int, default=0, help="emulator noise seed (0)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--save", help="write the recording to this JSON file")
    p.add_argument("--fit", metavar="OUT.yaml", help="fit the free values; write the board here")
    p.add_argument(
        "--free",
        default=",".join(DEFAULT_FREE),
        help=f"comma-separated values to fit, of {', '.join(FIT_KEYS)} (default I_bias,C)",
    )
    p.add_argument("--set", action="append", default=[], metavar="KEY.PATH=VALUE",
                   help="override a board file value (as in mnsu simulate)")  # fmt: skip
    # its own checks of these (exit 1 as its other refusals), not mnsu.cli's
    p.set_defaults(func=run, own_checks=("duration", "telemetry_hz"))


def _say(args: argparse.Namespace, text: str) -> None:
    print(text, file=sys.stderr if args.json else sys.stdout, flush=True)


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except (BoardError, ConformanceError, LinkError) as exc:
        print(f"mnsu conformance: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    free = check_request(args.duration, args.telemetry_hz, args.free)
    board = load_board(args.board, args.set)
    probed_neurons(board)
    if args.recording:
        rec = Recording.load(args.recording)
        source = args.recording
    else:
        _say(args, f"recording {args.duration:g} s of board time from {args.port} ...")
        rec = record(args.port, board, args.duration, telemetry_hz=args.telemetry_hz)
        source = args.port
        if args.save:
            rec.save(args.save)
    cmp = compare_recording(board, args.board, rec, source, args.seed, args.burst_gap)
    result: dict[str, Any] = cmp.as_dict()
    if not args.json:
        print(f"{board.name}: {source} vs the emulator on {args.board}, "
              f"{rec.duration_s:.1f} s of board time")  # fmt: skip
        print(format_table(cmp.rows))
        print("conformance: " + ("PASS" if cmp.passed else "FAIL"))
    if args.fit:
        _say(args, f"fitting {', '.join(free)} over emulator runs ...")
        res, refit = fit_board(cmp, free, args.fit)
        result["fit"] = fit_dict(res, free, args.fit, refit)
        if not args.json:
            for key, f in res.factors.items():
                print(f"fit: {key} x {f:.5f} ({(f - 1) * 100:+.2f} %)")
            print(f"fit: cost {res.cost_start:.3g} -> {res.cost:.3g}, {res.evaluations} emulator"
                  f" runs, {res.wall_s:.1f} s; wrote {args.fit}")  # fmt: skip
            print(format_table(refit))
    if args.json:
        print(json.dumps(result))
    return 0 if cmp.passed else 1

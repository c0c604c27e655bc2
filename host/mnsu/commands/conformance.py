"""`mnsu conformance --port DEV --board BOARD.yaml --duration S`: a board against its board file.

Records the board's spikes, bursts and readout samples through the link for S seconds of board
time, runs the emulator on the same board file (at the drive level the board runs at), and
prints a table of burst period, duty, spikes per burst, intra-burst rate, spike amplitude and
phase lag with tolerances and PASS/FAIL (exit 1 when any figure fails). `--fit OUT.yaml` also
adjusts free values of the board file to the recording (mnsu.analysis.conformance.fit) and
writes the fitted board file. `--save REC.json` keeps the recording; `--recording REC.json`
compares or fits a saved recording instead of a live board.

While recording, the touch-down feedback is switched off (the emulator has no leg), telemetry
runs at --telemetry-hz and per-spike events are on; the previous values are restored after
(nothing is saved to the board's flash).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from mnsu.analysis.conformance import (
    DEFAULT_FREE,
    FIT_KEYS,
    ConformanceError,
    Recording,
    compare,
    emulate,
    fit,
    fitted_board_yaml,
    format_table,
    probed_neurons,
    recorded_figures,
)
from mnsu.analysis.rhythm import DEFAULT_BURST_GAP
from mnsu.circuit.board import Board, BoardError, load_board
from mnsu.link import Event, Link, LinkError, Telemetry

RECORD_SETTINGS = ("touchdown_enable", "telemetry_hz", "spike_events")
CMD_TIMEOUT_S = 5.0  # a loaded host or a busy board may answer late; the default is 1 s


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
    p.add_argument("--burst-gap", type=float, default=DEFAULT_BURST_GAP, help="burst gap, s")
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
    p.set_defaults(func=run)


def _say(args: argparse.Namespace, text: str) -> None:
    print(text, file=sys.stderr if args.json else sys.stdout, flush=True)


def record(
    port: str,
    board: Board,
    duration_s: float,
    *,
    telemetry_hz: int = 500,
    wall_limit_s: float | None = None,
) -> Recording:
    """Record `duration_s` of board time from the board on `port` (see the module docstring)."""
    channels = probed_neurons(board)
    probes = {p.adc: p for p in board.probes if p.adc in channels}
    wall0 = time.monotonic()
    limit = wall_limit_s if wall_limit_s is not None else 2.0 * duration_s + 30.0
    with Link(port) as link:
        caps = link.caps
        assert caps is not None
        missing = [ch for ch in channels if ch >= caps.n_adc]
        if missing:
            raise ConformanceError(
                f"{port}: the board samples {caps.n_adc} ADC channels; the board file probes "
                f"channel(s) {missing} (set n_channels)"
            )
        saved = {name: link.get_param(name, timeout_s=CMD_TIMEOUT_S) for name in RECORD_SETTINGS}
        vref = link.get_param("adc_vref_v", timeout_s=CMD_TIMEOUT_S)
        drive = link.get_param("drive_level", timeout_s=CMD_TIMEOUT_S)
        try:
            link.set_param("touchdown_enable", 0, timeout_s=CMD_TIMEOUT_S)
            link.set_param("spike_events", 1, timeout_s=CMD_TIMEOUT_S)
            link.set_param("telemetry_hz", telemetry_hz, timeout_s=CMD_TIMEOUT_S)
            sub = link.subscribe(("telemetry", "event"))
            spikes: dict[str, list[float]] = {n: [] for n in channels.values()}
            on: dict[str, list[float]] = {n: [] for n in channels.values()}
            off: dict[str, list[float]] = {n: [] for n in channels.values()}
            readout: dict[str, list[float]] = {n: [] for n in channels.values()}
            t0: float | None = None
            t_last = 0.0
            lost0 = link.stats.frames_lost
            while t0 is None or t_last - t0 < duration_s:
                if time.monotonic() - wall0 > limit:
                    got = 0.0 if t0 is None else t_last - t0
                    raise ConformanceError(
                        f"{port}: recorded only {got:.1f} s of board time in {limit:.0f} s"
                    )
                msg = sub.get(timeout_s=0.5)
                if isinstance(msg, Telemetry):
                    if t0 is None:
                        t0 = msg.board_time_s
                    t_last = msg.board_time_s
                    for ch, name in channels.items():
                        pr = probes[ch]
                        volts = msg.adc_volts(ch, vref)
                        readout[name].append((volts - pr.offset) / pr.gain)
                elif isinstance(msg, Event) and t0 is not None and msg.channel in channels:
                    name = channels[msg.channel]
                    t = msg.board_time_s - t0
                    if t < 0:
                        continue
                    if msg.kind == "spike":
                        spikes[name].append(t)
                    elif msg.kind == "burst_on":
                        on[name].append(t)
                    elif msg.kind == "burst_off":
                        off[name].append(t)
            link.unsubscribe(sub)
            stats = link.stats
            info = {
                "firmware": ".".join(map(str, caps.fw_version)),
                "protocol": caps.protocol,
                "board_name": caps.board,
                "frames_received": stats.frames_received,
                "frames_lost": stats.frames_lost - lost0,
                "crc_errors": stats.crc_errors,
                "wall_s": time.monotonic() - wall0,
            }
        finally:
            for name, value in saved.items():
                link.set_param(name, value, timeout_s=CMD_TIMEOUT_S)
    assert t0 is not None
    return Recording(
        duration_s=t_last - t0,
        spikes=spikes,
        burst_on=on,
        burst_off=off,
        readout=readout,
        telemetry_hz=float(telemetry_hz),
        drive_level=drive if any(s.kind == "drive" for s in board.inputs) else None,
        board=caps.board,
        info=info,
    )


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except (BoardError, ConformanceError, LinkError) as exc:
        print(f"mnsu conformance: {exc}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    if not args.duration > 0:
        raise ConformanceError(f"--duration must be > 0 s, got {args.duration}")
    if not 0 < args.telemetry_hz <= 500:
        raise ConformanceError(f"--telemetry-hz must be 1..500, got {args.telemetry_hz}")
    free = [k.strip() for k in args.free.split(",") if k.strip()]
    bad = [k for k in free if k not in FIT_KEYS]
    if bad:
        raise ConformanceError(f"--free: cannot fit {bad}; choose from {', '.join(FIT_KEYS)}")
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
    names = sorted(probed_neurons(board).values())
    if sorted(rec.spikes) != names:
        raise ConformanceError(
            f"{source} recorded neurons {sorted(rec.spikes)}, but {args.board} probes {names}"
        )
    recorded = recorded_figures(rec, args.burst_gap)
    t = time.perf_counter()
    predicted = emulate(
        board,
        rec.duration_s,
        drive_level=rec.drive_level,
        sample_hz=rec.telemetry_hz,
        seed=args.seed,
        burst_gap=args.burst_gap,
    )
    emulate_wall = time.perf_counter() - t
    rows = compare(recorded, predicted)
    passed = all(r.ok for r in rows)
    result: dict[str, Any] = {
        "board": board.name,
        "board_file": args.board,
        "source": source,
        "duration_s": rec.duration_s,
        "drive_level": rec.drive_level,
        "recording": rec.info,
        "emulate_wall_s": emulate_wall,
        "rows": [
            {
                "figure": r.figure,
                "board": r.recorded,
                "emulator": r.predicted,
                "deviation": r.deviation,
                "tolerance": r.tolerance,
                "relative": r.relative,
                "pass": r.ok,
            }
            for r in rows
        ],
        "pass": passed,
        "fit": None,
    }
    if not args.json:
        print(f"{board.name}: {source} vs the emulator on {args.board}, "
              f"{rec.duration_s:.1f} s of board time")  # fmt: skip
        print(format_table(rows))
        print("conformance: " + ("PASS" if passed else "FAIL"))
    if args.fit:
        _say(args, f"fitting {', '.join(free)} over emulator runs ...")
        res = fit(
            board,
            recorded,
            rec.duration_s,
            free=free,
            drive_level=rec.drive_level,
            sample_hz=rec.telemetry_hz,
            seed=args.seed,
        )
        note = (
            f"{board.name}: fitted by `mnsu conformance --fit` to {source} "
            f"({rec.duration_s:.1f} s); factors "
            + ", ".join(f"{k} x{f:.5f}" for k, f in res.factors.items())
            + f"\nfrom {args.board}"
        )
        Path(args.fit).write_text(fitted_board_yaml(board, res.factors, note))
        refit = compare(
            recorded,
            emulate(
                load_board(args.fit),
                rec.duration_s,
                drive_level=rec.drive_level,
                sample_hz=rec.telemetry_hz,
                seed=args.seed,
                burst_gap=args.burst_gap,
            ),
        )
        result["fit"] = {
            "out": args.fit,
            "free": free,
            "factors": res.factors,
            "values": res.values,
            "cost_start": res.cost_start,
            "cost": res.cost,
            "iterations": res.iterations,
            "evaluations": res.evaluations,
            "wall_s": res.wall_s,
            "pass_after_fit": all(r.ok for r in refit),
        }
        if not args.json:
            for key, f in res.factors.items():
                print(f"fit: {key} x {f:.5f} ({(f - 1) * 100:+.2f} %)")
            print(f"fit: cost {res.cost_start:.3g} -> {res.cost:.3g}, {res.evaluations} emulator"
                  f" runs, {res.wall_s:.1f} s; wrote {args.fit}")  # fmt: skip
            print(format_table(refit))
    if args.json:
        print(json.dumps(result))
    return 0 if passed else 1

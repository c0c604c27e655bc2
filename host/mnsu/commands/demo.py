"""`mnsu demo`: the main job. The CPG walks the leg; the host watches over the serial link.

Without --port it starts the virtual board (emulated leg board + the firmware under MicroPython
+ the leg model) behind a pty; with --port it talks to a real board. The walk and its analysis
are `mnsu.robot.walk`, the figure `mnsu.plot.plot_walk`; this shell parses and prints.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from mnsu.link import LinkError, LinkStats, ParamError, Telemetry, check_param
from mnsu.link.param_values import ParamValueError, parse_value
from mnsu.paths import DEFAULT_BOARD
from mnsu.robot.walk import Progress, VirtualSettings, WalkSettings, walk


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help="walk the leg with the CPG (virtual board, or a real one with --port)",
        description="Run the CPG leg for --duration seconds of board time: the firmware maps "
        "flexor/extensor bursts to hip/knee servos; the host prints live progress, a summary "
        "and writes a plot. Without --port the virtual board runs behind a pseudo-terminal.",
    )
    p.add_argument("--duration", type=float, default=20.0, help="board time to run, s (20)")
    p.add_argument("--port", help="serial port of a real board (default: the virtual board)")
    p.add_argument("--board", default=str(DEFAULT_BOARD), help="board file (leg, probes)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--plot", default="out/demo.png", help="PNG path (out/demo.png)")
    p.add_argument(
        "--touchdown",
        choices=("on", "off"),
        default="off",
        help="touch-down feedback pulse into the extensor (phase reset); off: free CPG (off)",
    )
    p.add_argument("--telemetry-hz", type=int, default=200, help="telemetry rate, Hz (200)")
    p.add_argument(
        "--set",
        dest="board_params",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a board parameter for the walk, with units (repeatable): hip_amp_deg=25deg",
    )
    p.add_argument("--drive", help="drive level for the walk: 0..1 or a percentage (60%%)")
    p.add_argument("--realtime", action="store_true", help="pace the virtual board at 1x")
    p.add_argument(
        "--terrain", type=float, default=0.0, help="virtual uneven ground: +- height, m (0)"
    )
    p.add_argument("--seed", type=int, default=1, help="virtual board noise seed (1)")
    p.add_argument("--record", help="record the link session to this file")
    p.add_argument(
        "--wall-timeout", type=float, default=120.0, help="give up after this wall time, s"
    )
    p.set_defaults(func=run)


def board_params(items: list[str], drive: str | None) -> dict[str, float]:
    """--set NAME=VALUE and --drive LEVEL -> {name: value}, each checked against the table."""
    pairs = [item.split("=", 1) if "=" in item else [item, ""] for item in items]
    if drive is not None:
        pairs.append(["drive_level", drive])
    out: dict[str, float] = {}
    for name, text in pairs:
        if not text:
            raise ParamValueError(f"--set {name}: no value (write {name}=VALUE)")
        out[name] = check_param(name, parse_value(name, text))
    return out


def run(args: argparse.Namespace) -> int:
    try:
        extra = board_params(args.board_params, args.drive)
    except (ParamValueError, ParamError) as exc:
        print(f"mnsu demo: {exc}", file=sys.stderr)
        return 1
    settings = WalkSettings(
        args.duration, args.telemetry_hz, args.touchdown == "on", args.wall_timeout, extra
    )
    virtual = VirtualSettings(args.seed, args.realtime, args.terrain)
    quiet = not sys.stderr.isatty() and args.json
    try:
        data, result = walk(
            args.board, settings, args.port, virtual, args.record, None if quiet else _progress()
        )
        from mnsu.plot import plot_walk

        result["plot"] = str(plot_walk(data, result, Path(args.plot)))
    except (LinkError, ValueError, OSError, RuntimeError) as exc:
        print(f"mnsu demo: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result))
    else:
        print_summary(result)
    return 0


def _progress() -> Progress:
    last = [-1.0]

    def show(msg: Telemetry, t: float, st: LinkStats) -> None:
        if t - last[0] < 1.0:
            return
        last[0] = t
        print(
            f"t={t:5.1f} s  rhythm {msg.freq_hz:4.2f} Hz  phase {msg.phase:4.2f}  "
            f"hip {msg.hip_deg:+6.1f} deg  knee {msg.knee_deg:5.1f} deg  "
            f"contact {'yes' if msg.contact else 'no '}  frames {st.frames_received} "
            f"lost {st.frames_lost} crc {st.crc_errors}",
            file=sys.stderr,
            flush=True,
        )

    return show


def print_summary(r: dict[str, Any]) -> None:
    def num(key: str, fmt: str) -> str:
        v = r.get(key)
        return "n/a" if v is None else format(v, fmt)

    feedback = "on" if r["touchdown_feedback"] else "off"
    print(
        f"board {r['board']} on {r['port']}: {num('duration_s', '.1f')} s of board time in "
        f"{num('wall_s', '.1f')} s wall ({num('realtime_factor', '.1f')}x real time)\n"
        f"  CPG (flexor bursts)   {num('cpg_frequency_hz', '.3f')} Hz, "
        f"{r['flexor_bursts']} flexor / {r['extensor_bursts']} extensor bursts\n"
        f"  stepping              {num('step_frequency_hz', '.3f')} Hz "
        f"(x{num('step_to_cpg_ratio', '.3f')} of the CPG), {r['steps']} steps\n"
        f"  duty factor (stance)  {num('duty_factor', '.3f')}\n"
        f"  stride / step height  {num('stride_length_m', '.3f')} m / "
        f"{num('step_height_m', '.3f')} m\n"
        f"  touch-down phase      spread {num('touchdown_phase_spread_cycles', '.4f')} cycles "
        f"(feedback {feedback})\n"
        f"  link                  {r['frames_received']} frames, {r['frames_lost']} lost, "
        f"{r['crc_errors']} CRC errors, {r['reconnects']} reconnects\n"
        f"  plot                  {r['plot']}"
    )

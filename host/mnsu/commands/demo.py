"""`mnsu demo`: the main job. The CPG walks the leg; the host watches over the serial link.

Without --port it starts the virtual board (emulated leg board + the firmware under MicroPython
+ the leg model) behind a pty; with --port it talks to a real board. The walk and its analysis
are `mnsu.robot.walk`, the figure `mnsu.plot.plot_walk`; this shell parses and prints.
"""

from __future__ import annotations

import argparse
import json
import math
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
        "--video", help="write an animation of the physics leg with the neuron readouts (.gif)"
    )
    p.add_argument(
        "--touchdown",
        choices=("on", "off"),
        default="off",
        help="touch-down feedback pulse into the extensor (phase reset); off: free CPG (off)",
    )
    p.add_argument(
        "--telemetry-hz",
        type=int,
        default=None,
        help="telemetry rate, Hz (200; a board of several legs: 100)",
    )
    p.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="repeatable: a firmware parameter with units (hip_amp_deg=25deg), or a board-file "
        "value by its dotted path (leg.gait.knee_amp_deg=45)",
    )
    p.add_argument(
        "--drive",
        help="descending drive level 0..1 or a percentage (60%%); default: the firmware's",
    )
    p.add_argument("--realtime", action="store_true", help="pace the virtual board at 1x")
    p.add_argument(
        "--terrain", type=float, default=0.0, help="virtual uneven ground: +- height, m (0)"
    )
    p.add_argument("--seed", type=int, default=1, help="virtual board noise seed (1)")
    p.add_argument(
        "--leg",
        choices=("physics", "kinematic"),
        default="physics",
        help="virtual leg: MuJoCo on the test rig, or the kinematic leg on a stand (physics)",
    )
    p.add_argument(
        "--push",
        action="append",
        default=[],
        metavar="T:IMPULSE",
        help="physics leg: push the carriage IMPULSE N s (negative: back) T s into the walk, "
        "and report the recovery (repeatable), e.g. 8:-0.05",
    )
    p.add_argument("--record", help="record the link session to this file")
    p.add_argument(
        "--wall-timeout",
        type=float,
        default=None,
        help="give up after this wall time, s (120, or 10 x --duration when longer)",
    )
    p.set_defaults(func=run)


def split_settings(items: list[str]) -> tuple[list[str], list[str]]:
    """--set items -> (firmware parameters, board-file overrides): a dotted name is a board path."""
    params = [item for item in items if "." not in item.split("=", 1)[0]]
    overrides = [item for item in items if "." in item.split("=", 1)[0]]
    return params, overrides


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


def parse_pushes(items: list[str]) -> tuple[tuple[float, float], ...]:
    """--push T:IMPULSE items -> ((s, N s), ...); ValueError naming the item."""
    out = []
    for item in items:
        at, sep, impulse = item.partition(":")
        try:
            if not sep:
                raise ValueError
            pair = (float(at), float(impulse))
        except ValueError:
            raise ValueError(
                f"--push {item!r}: expected T:IMPULSE (seconds:N s), e.g. 8:-0.05"
            ) from None
        if not all(math.isfinite(v) for v in pair):
            raise ValueError(f"--push {item!r}: time and impulse must be finite")
        out.append(pair)
    return tuple(out)


def run(args: argparse.Namespace) -> int:
    params, overrides = split_settings(args.settings)
    try:
        extra = board_params(params, args.drive)
        pushes = parse_pushes(args.push)
    except (ParamValueError, ParamError, ValueError) as exc:
        print(f"mnsu demo: {exc}", file=sys.stderr)
        return 2
    try:
        from mnsu.circuit.board import load_board

        n_legs = len(load_board(args.board, overrides).legs)
    except (ValueError, OSError) as exc:
        print(f"mnsu demo: {exc}", file=sys.stderr)
        return 2
    hz = args.telemetry_hz or (100 if n_legs > 1 else 200)
    settings = WalkSettings(
        args.duration,
        hz,
        args.touchdown == "on",
        args.wall_timeout if args.wall_timeout is not None else max(120.0, 10.0 * args.duration),
        None,
        extra,
        pushes,
    )
    virtual = VirtualSettings(args.seed, args.realtime, args.terrain, args.leg)
    quiet = not sys.stderr.isatty() and args.json
    walker = walk
    draw, summary = draw_leg, print_summary
    if n_legs > 1:  # the physics quadruped (mnsu.robot.quadruped)
        from mnsu.robot.quadruped_walk import quad_walk

        walker, draw, summary = quad_walk, draw_quad, print_quad_summary  # type: ignore[assignment]
    try:
        data, result = walker(
            args.board,
            settings,
            args.port,
            virtual,
            args.record,
            None if quiet else _progress(),
            overrides,
        )
        draw(data, result, args, overrides)
    except (LinkError, ValueError, OSError, RuntimeError) as exc:
        print(f"mnsu demo: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result))
    else:
        summary(result)
    return 0


def draw_leg(
    data: Any, result: dict[str, Any], args: argparse.Namespace, overrides: list[str]
) -> None:
    """The single leg's figure (and video): their paths go into `result`."""
    from mnsu.plot import plot_walk

    result["plot"] = str(plot_walk(data, result, Path(args.plot)))
    if args.video:
        from mnsu.animate import animate_walk
        from mnsu.circuit.board import load_board

        leg = load_board(args.board, overrides).leg
        assert leg is not None  # walk() needed it
        result["video"] = str(animate_walk(data, leg, args.video))


def draw_quad(
    data: Any, result: dict[str, Any], args: argparse.Namespace, overrides: list[str]
) -> None:
    """The quadruped's figure (and video): their paths go into `result`."""
    from mnsu.animate_quad import animate_quad, plot_quad

    result["plot"] = str(plot_quad(data, result, Path(args.plot)))
    if args.video:
        from mnsu.circuit.board import load_board
        from mnsu.robot.description import mjcf

        xml = mjcf(load_board(args.board, overrides))
        result["video"] = str(animate_quad(data, xml, args.video))


def print_quad_summary(r: dict[str, Any]) -> None:
    """The quadruped's figures: rhythm, gait lags per leg, the trunk in the physics world."""

    def num(values: dict[str, Any], key: str, fmt: str) -> str:
        return _fmt(values, key, fmt)

    feedback = "on" if r["touchdown_feedback"] else "off"
    lines = [
        f"board {r['board']} on {r['port']}, {r['legs_count']} legs: "
        f"{num(r, 'duration_s', '.1f')} s of board time in {num(r, 'wall_s', '.1f')} s wall "
        f"({num(r, 'realtime_factor', '.2f')}x real time)",
        f"  CPG ({r['reference_leg']} flexor)   {num(r, 'cpg_frequency_hz', '.4f')} Hz; "
        f"stepping {num(r, 'step_frequency_hz', '.4f')} Hz (x{num(r, 'step_to_cpg_ratio', '.4f')})"
        f", touch-down feedback {feedback}",
        f"  leg  duty   gait lag  CPG lag  error (cycles, behind {r['reference_leg']})",
    ]
    for name, leg in r["legs"].items():
        lines.append(
            f"  {name:<4} {num(leg, 'duty_factor', '.2f'):>5}  "
            f"{num(leg, 'gait_lag_cycles', '.3f'):>8}  {num(leg, 'cpg_lag_cycles', '.3f'):>7}  "
            f"{num(leg, 'lag_error_cycles', '+.3f'):>6}"
        )
    lines.append(f"  worst lag error       {num(r, 'max_lag_error_cycles', '.3f')} cycles")
    w = r.get("walking")
    if w is not None:
        lines += [
            f"  physics (MuJoCo)      {num(w, 'forward_speed_m_s', '.3f')} m/s forward, "
            f"{num(w, 'distance_m', '.2f')} m in {num(w, 'duration_s', '.1f')} s, "
            f"fall {'yes' if w['fell'] else 'no'}",
            f"    heading drift       {num(w, 'heading_drift_deg', '+.1f')} deg, lateral "
            f"{num(w, 'lateral_drift_m', '+.3f')} m",
            f"    trunk roll / pitch  {num(w, 'roll_min_deg', '+.1f')}.."
            f"{num(w, 'roll_max_deg', '+.1f')}"
            f" / {num(w, 'pitch_min_deg', '+.1f')}..{num(w, 'pitch_max_deg', '+.1f')} deg, "
            f"height {num(w, 'height_min_m', '.3f')}..{num(w, 'height_max_m', '.3f')} m",
            f"    servo work          {num(w, 'work_j', '.1f')} J, cost of transport "
            f"{num(w, 'cost_of_transport', '.2f')}",
        ]
    lines.append(
        f"  link                  {r['frames_received']} frames, {r['frames_lost']} lost, "
        f"{r['crc_errors']} CRC errors"
    )
    lines.append(f"  plot                  {r['plot']}")
    if r.get("video"):
        lines.append(f"  video                 {r['video']}")
    print("\n".join(lines))


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
        return _fmt(r, key, fmt)

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
        + (f"\n  video                 {r['video']}" if r.get("video") else "")
    )
    w = r.get("walking")
    if w is not None:
        print_walking(w)
    for push in r.get("pushes", []):
        print_push(push)


def _fmt(values: dict[str, Any], key: str, fmt: str) -> str:
    v = values.get(key)
    return "n/a" if v is None else format(v, fmt)


def print_walking(w: dict[str, Any]) -> None:
    """The physics world's figures (mnsu.robot.walking)."""

    def num(key: str, fmt: str) -> str:
        return _fmt(w, key, fmt)

    print(
        f"  physics (MuJoCo rig)  {num('forward_speed_m_s', '.3f')} m/s forward "
        f"({num('body_lengths_per_10s', '.1f')} leg lengths per 10 s), "
        f"{num('distance_m', '.2f')} m in {num('duration_s', '.1f')} s, falls {w['falls']}\n"
        f"    steps               {w['steps']} at {num('step_frequency_hz', '.3f')} Hz "
        f"(x{num('step_to_cpg_ratio', '.3f')} of the CPG), duty {num('duty_factor', '.2f')}, "
        f"stride {num('stride_length_m', '.3f')} m, foot slip {num('foot_slip_m', '.4f')} m\n"
        f"    hip height          {num('hip_height_min_m', '.3f')}.."
        f"{num('hip_height_max_m', '.3f')} m, servo work {num('work_j', '.2f')} J, "
        f"cost of transport {num('cost_of_transport', '.2f')}"
    )


def print_push(p: dict[str, Any]) -> None:
    """One push's recovery (mnsu.robot.push_response)."""

    def num(key: str, fmt: str) -> str:
        return _fmt(p, key, fmt)

    print(
        f"  push {num('impulse_ns', '+.3f')} N s at {num('t_push_s', '.2f')} s: speed "
        f"{num('speed_before_m_s', '.3f')} -> {num('speed_after_m_s', '.3f')} m/s "
        f"(loss {num('speed_loss_fraction', '.2f')}, {num('distance_lost_m', '.3f')} m), "
        f"re-locked after {num('relock_s', '.2f')} s, worst touch-down phase error "
        f"{num('max_phase_error_cycles', '.3f')} cycles"
    )

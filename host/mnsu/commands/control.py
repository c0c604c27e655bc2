"""`mnsu mode`, `mnsu estop [--reset]`, `mnsu joints HIP KNEE`, `mnsu drive LEVEL`: operate a
board. The board's link watchdog moves the leg to its safe pose when no host frame arrives for
`watchdog_s`: in cpg and host mode keep a tool attached (`mnsu monitor`, `mnsu serve` with a
client) or pass `--stay S` to keep this command's link open S seconds."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from mnsu import wire as codec
from mnsu.commands.board_session import board_options, emit, fail, on_board
from mnsu.link import MODES, Link, Telemetry
from mnsu.link.operations import HOSTED_MODES, set_text
from mnsu.link.param_values import ParamValueError, format_value, parse_value

STAY_MAX_S = 24 * 3600.0


def _stay_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--stay",
        type=float,
        default=0.0,
        metavar="S",
        help="keep the link open S seconds after the command (feeds the board's watchdog)",
    )


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "mode",
        help="show or set the board's mode (idle, cpg, host, hold)",
        description="Without MODE: print the board's mode. idle: servos limp; cpg: the board's "
        "rhythm walks the leg; host: joint commands (`mnsu joints`) move it; hold: servos hold "
        "their pose.",
    )
    p.add_argument("mode", nargs="?", choices=list(MODES), help="mode to enter")
    _stay_option(p)
    board_options(p, run_mode)

    p = sub.add_parser(
        "estop",
        help="latch the board's e-stop (or clear it with --reset)",
        description="Latch the e-stop: the board enters its e-stop pose and refuses modes and "
        "joint commands until `mnsu estop --reset` (which leaves it idle).",
    )
    p.add_argument("--reset", action="store_true", help="clear the latch; the board enters idle")
    board_options(p, run_estop)

    p = sub.add_parser(
        "joints",
        help="command hip and knee angles (host mode)",
        description="Command the joints in host mode (`mnsu mode host` first); the board "
        "applies its joint limits and slew rate. Angles in degrees (20, 20deg).",
    )
    p.add_argument("hip", help="hip angle (deg)")
    p.add_argument("knee", help="knee angle (deg)")
    p.add_argument(
        "--host-mode", action="store_true", help="enter host mode first, on this command's link"
    )
    _stay_option(p)
    board_options(p, run_joints)

    p = sub.add_parser(
        "drive",
        help="set the descending drive level 0..1 (or a percentage)",
        description="Set the drive level into the CPG (the drive_level parameter: 0..1 or 0%.."
        "100%) that sets the CPG's rhythm (examples/leg.yaml: period 0.49..1.4 s over "
        "0.2..0.8). Not saved (`mnsu param save`).",
    )
    p.add_argument("level", help="drive level: 0..1 or a percentage (60%%)")
    board_options(p, run_drive)


def latest_telemetry(link: Link, timeout_s: float = 1.0) -> Telemetry | None:
    sub = link.subscribe(("telemetry",))
    try:
        msg = sub.get(timeout_s)
        return msg if isinstance(msg, Telemetry) else None
    finally:
        link.unsubscribe(sub)


def _stay(link: Link, seconds: float) -> None:
    end = time.monotonic() + min(max(seconds, 0.0), STAY_MAX_S)
    while time.monotonic() < end:
        time.sleep(min(0.1, max(0.0, end - time.monotonic())))


def _watchdog_note(mode: str, stay: float) -> None:
    if mode in HOSTED_MODES and stay <= 0:
        print(
            f"note: {mode} mode needs a host: the board goes to its safe pose one watchdog "
            "period after this command exits unless another tool stays attached",
            file=sys.stderr,
        )


def run_mode(args: argparse.Namespace) -> int:
    def body(link: Link) -> int:
        if args.mode is None:
            tel = latest_telemetry(link)
            if tel is not None:
                mode, estop, servos = tel.mode, tel.estop, tel.servos_on
                extra = f" (e-stop latched: {estop}, servos on: {servos})"
                emit(args.json, {"mode": mode, "estop": estop, "servos_on": servos}, [mode + extra])
            else:  # telemetry off: the requested mode parameter
                mode = format_value("mode", link.get_param("mode"))
                emit(args.json, {"mode": mode}, [mode])
            return 0
        link.set_mode(args.mode)
        _watchdog_note(args.mode, args.stay)
        emit(args.json, {"mode": args.mode}, [f"mode {args.mode}"])
        _stay(link, args.stay)
        return 0

    return on_board("mode", args.port, body, codec.MODE)


def run_estop(args: argparse.Namespace) -> int:
    def body(link: Link) -> int:
        if args.reset:
            link.reset_estop()
            emit(args.json, {"estop": False, "mode": "idle"}, ["e-stop cleared: idle"])
        else:
            link.estop()
            emit(args.json, {"estop": True}, ["e-stop latched (clear: mnsu estop --reset)"])
        return 0

    return on_board("estop", args.port, body, codec.ESTOP_RESET if args.reset else codec.ESTOP)


def _angle(what: str, text: str) -> float:
    try:
        return parse_value("hip_neutral_deg", text)  # a joint angle, in degrees
    except ParamValueError:
        raise ParamValueError(f"{what}: {text!r} is not an angle in degrees (20, 20deg)") from None


def run_joints(args: argparse.Namespace) -> int:
    try:
        hip, knee = _angle("hip", args.hip), _angle("knee", args.knee)
    except ParamValueError as exc:
        return fail("joints", str(exc))

    def body(link: Link) -> int:
        if args.host_mode:
            link.set_mode("host")
        link.joint_command(hip, knee)
        _watchdog_note("host", args.stay)
        emit(
            args.json,
            {"hip_deg": hip, "knee_deg": knee},
            [f"joints: hip {hip:g} deg, knee {knee:g} deg"],
        )
        _stay(link, args.stay)
        return 0

    return on_board("joints", args.port, body, codec.JOINT_CMD)


def run_drive(args: argparse.Namespace) -> int:
    try:
        parse_value("drive_level", args.level)
    except ParamValueError as exc:
        return fail("drive", str(exc))

    def body(link: Link) -> int:
        level = set_text(link, "drive_level", args.level)
        emit(args.json, {"drive_level": level}, [f"drive {level:.3g}"])
        return 0

    return on_board("drive", args.port, body, codec.PARAM_SET)

"""`mnsu monitor --port DEV`: a live view of a board's telemetry and link health.

In a terminal it also takes keys (mnsu.link.keys: modes, e-stop, drive up/down, a parameter
prompt, save); piped, or with --plain, it only prints lines.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import select
import sys
import termios
import time
import tty
from collections.abc import Iterator
from typing import Any

from mnsu.link import Connection, Event, Link, LinkError, LogLine, Telemetry
from mnsu.link.keys import HELP, press


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "monitor",
        help="live view of a board's telemetry and link health",
        description="Connect to a board (or the virtual board's pty) and print one status line "
        "per --interval seconds: mode, rhythm, joints, contact, frames, losses, errors.",
    )
    p.add_argument("--port", required=True, help="serial port or pyserial URL")
    p.add_argument("--interval", type=float, default=0.5, help="seconds between lines (0.5)")
    p.add_argument("--duration", type=float, help="stop after this many seconds of wall time")
    p.add_argument("--plain", action="store_true", help="no keys even in a terminal")
    p.set_defaults(func=run)


@contextlib.contextmanager
def keys_mode(fd: int) -> Iterator[None]:
    """The terminal in cbreak mode (keys without Enter, no echo), restored afterwards."""
    old = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)


def read_key(fd: int) -> str | None:
    """One key if one was pressed, without waiting."""
    if not select.select([fd], [], [], 0)[0]:
        return None
    data = os.read(fd, 1)
    return data.decode(errors="replace") if data else "q"


def prompt_line(fd: int, question: str) -> str:
    """A line typed with echo (the terminal back in its normal mode meanwhile)."""
    old = termios.tcgetattr(fd)
    cooked = termios.tcgetattr(fd)
    cooked[3] |= termios.ICANON | termios.ECHO
    termios.tcsetattr(fd, termios.TCSADRAIN, cooked)
    try:
        print(question, end="", flush=True)
        return sys.stdin.readline()
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)


def status_line(tel: Telemetry, link: Link, events: int) -> str:
    st = link.stats
    f = tel.fields
    return (
        f"t={tel.board_time_s:8.2f} s {tel.mode:5s} rhythm {tel.freq_hz:4.2f} Hz "
        f"phase {tel.phase:4.2f} hip {tel.hip_deg:+6.1f} knee {tel.knee_deg:+6.1f} deg "
        f"contact {'Y' if tel.contact else 'n'} estop {'Y' if tel.estop else 'n'} | "
        f"rx {st.frames_received} lost {st.frames_lost} offline {st.frames_missed_offline} "
        f"crc {st.crc_errors} bad {st.bad_frames} reconn {max(0, st.connects - 1)} | "
        f"board: overruns {f['overruns']} max_loop {f['max_loop_us']} us rx_crc {f['bad_crc']} "
        f"| events {events}"
    )


def run(args: argparse.Namespace) -> int:
    interactive = not args.plain and sys.stdin.isatty() and sys.stdout.isatty()
    if not interactive:
        return watch(args, None)
    fd = sys.stdin.fileno()
    with keys_mode(fd):
        return watch(args, fd)


def watch(args: argparse.Namespace, keys_fd: int | None) -> int:
    end = None if args.duration is None else time.monotonic() + args.duration
    try:
        with Link(args.port) as link:
            caps = link.caps
            assert caps is not None
            print(
                f"{args.port}: board {caps.board}, firmware {'.'.join(map(str, caps.fw_version))},"
                f" protocol {caps.protocol}, {caps.sample_rate_hz} Hz sampling",
                flush=True,
            )
            if keys_fd is not None:
                print(HELP, flush=True)
            sub = link.subscribe(("telemetry", "event", "log", "connection"), maxsize=10000)
            last: Telemetry | None = None
            events = 0
            next_line = time.monotonic()
            while end is None or time.monotonic() < end:
                key = read_key(keys_fd) if keys_fd is not None else None
                if key == "q":
                    break
                if key is not None and keys_fd is not None:
                    line = press(link, key, functools.partial(prompt_line, keys_fd))
                    if line is not None:
                        print(line, flush=True)
                msg = sub.get(timeout_s=0.05)
                if isinstance(msg, Telemetry):
                    last = msg
                elif isinstance(msg, Event):
                    events += 1
                elif isinstance(msg, LogLine):
                    print(f"board log [{msg.level}]: {msg.text}", flush=True)
                elif isinstance(msg, Connection):
                    print(f"link {msg.state}: {msg.detail}", flush=True)
                if last is not None and time.monotonic() >= next_line:
                    next_line = time.monotonic() + args.interval
                    print(status_line(last, link, events), flush=True)
    except LinkError as exc:
        print(f"mnsu monitor: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0

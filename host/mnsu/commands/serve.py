"""`mnsu serve --port DEV`: own a board's port and share it with several tools at once."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from typing import Any

from mnsu.link import LinkError
from mnsu.link.serve import DEFAULT_LISTEN, Server


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "serve",
        help="own a board's serial port and share it with several tools (socket://)",
        description="Open the board's port (locked against other mnsu processes) and offer it "
        "on a loopback socket: every attached tool (monitor, demo, conformance, param, the ROS "
        "bridge, the HIL suite) gets all telemetry and events, and the answers to its own "
        "requests. Prints the URL to pass as --port, then runs until Ctrl-C.",
    )
    p.add_argument("--port", required=True, help="the board's serial port (or the virtual one)")
    p.add_argument(
        "--listen",
        default=f"{DEFAULT_LISTEN[0]}:{DEFAULT_LISTEN[1]}",
        metavar="HOST:PORT",
        help="address to offer the board on (default %(default)s; port 0 picks a free one)",
    )
    p.add_argument("--duration", type=float, help="stop after this many seconds (wall time)")
    p.add_argument("--json", action="store_true", help="print routing counters as JSON at exit")
    p.set_defaults(func=run)


def parse_listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"--listen {text!r}: expected HOST:PORT, e.g. 127.0.0.1:5790")
    return host or "127.0.0.1", int(port)


def run(args: argparse.Namespace) -> int:
    try:
        listen = parse_listen(args.listen)
        server = Server(args.port, listen=listen)
    except (ValueError, OSError) as exc:
        print(f"mnsu serve: {exc}", file=sys.stderr)
        return 2
    try:
        server.open()
    except LinkError as exc:
        print(f"mnsu serve: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(server.url, flush=True)
    print(f"mnsu serve: {args.port} offered at {server.url}; Ctrl-C stops", file=sys.stderr)
    try:
        server.run(stop, args.duration)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    if args.json:
        print(json.dumps(server.summary()), flush=True)
    return 0

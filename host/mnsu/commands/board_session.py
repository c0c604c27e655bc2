"""What every board-operating command shares: the --port and --json options, one Link for
the command's work, and one-line errors (a refusal with what to do about it)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from typing import Any

from mnsu.link import CommandRefused, Link, LinkError
from mnsu.link.operations import explain
from mnsu.link.param_values import ParamValueError

PORT_ENV = "MNSU_PORT"


def add_port_option(p: argparse.ArgumentParser, required: bool = True) -> None:
    env = os.environ.get(PORT_ENV)
    p.add_argument(
        "--port",
        default=env,
        required=required and env is None,
        help=f"serial port, pty or pyserial URL (socket://... from `mnsu serve`); ${PORT_ENV}",
    )


def add_json_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def board_options(p: argparse.ArgumentParser, func: Callable[[argparse.Namespace], int]) -> None:
    """--port, --json and the function that runs the command."""
    add_port_option(p)
    add_json_option(p)
    p.set_defaults(func=func)


def fail(prog: str, message: str) -> int:
    print(f"mnsu {prog}: {message}", file=sys.stderr)
    return 2


def on_board(prog: str, port: str, body: Callable[[Link], int], ref_type: int | None = None) -> int:
    """Run `body(link)` on a Link to `port`; errors become one line on stderr and exit 1."""
    try:
        with Link(port) as link:
            return body(link)
    except CommandRefused as exc:
        return fail(prog, explain(exc, ref_type))
    except (LinkError, ParamValueError) as exc:
        return fail(prog, str(exc))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # stdout closed early (`| head`): not an error of the board
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def emit(as_json: bool, data: Any, lines: list[str]) -> None:
    """The command's result: JSON (one object) or lines for people."""
    if as_json:
        print(json.dumps(data))
    else:
        for line in lines:
            print(line)

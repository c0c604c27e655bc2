"""The `mnsu` command line: one subcommand module per job under mnsu.commands."""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from mnsu import __version__
from mnsu.commands import (
    conformance,
    control,
    demo,
    deploy,
    mismatch,
    monitor,
    netlist,
    param,
    record,
    resonance,
    selfconsistent,
    serve,
    simulate,
    spice,
    spice_device,
    sweep,
    urdf,
    virtual_board,
)

# Each command module provides `add_parser(subparsers)`, which registers its subcommand and
# sets `func` (args -> exit code) on it.
COMMANDS: list[ModuleType] = [
    simulate,
    demo,
    virtual_board,
    monitor,
    sweep,
    mismatch,
    selfconsistent,
    resonance,
    deploy,
    conformance,
    netlist,
    spice,
    spice_device,
    urdf,
    param,
    record,
    control,
    serve,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mnsu",
        description="Memristive CPG boards that walk a leg: emulator, firmware link, tools.",
    )
    parser.add_argument("--version", action="version", version=f"mnsu {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an unexpected error"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand. Bad usage exits 2 (argparse); an error no subcommand handled is
    one line on stderr and exit 2 (`mnsu --debug COMMAND ...` shows its traceback)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except BrokenPipeError:  # `mnsu --help | head -1`
        quiet_stdout()
        return 0
    args.argv = list(argv) if argv is not None else sys.argv[1:]  # for exports' provenance
    for key, value in sorted(vars(args).items()):
        # no option of any subcommand means anything at NaN or infinity (--duration inf ran
        # forever): refused here once for all of them
        if isinstance(value, float) and not math.isfinite(value):
            option = "--" + key.replace("_", "-")
            print(
                f"mnsu {args.command}: {option} must be a finite number, got {value}",
                file=sys.stderr,
            )
            return 2
    try:
        code: int = args.func(args)
        sys.stdout.flush()  # a pipe's buffered output meets a closed reader here, not at exit
    except BrokenPipeError:
        # the reader of stdout went away (`mnsu spice ... | head -1`): what it read is the
        # answer; no traceback, and nothing more for Python to flush into the closed pipe
        quiet_stdout()
        return 0
    except KeyboardInterrupt:
        print(f"mnsu {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the one place that turns any error into a line
        if args.debug:
            raise
        print(f"mnsu {args.command}: {one_line(exc)}", file=sys.stderr)
        return 2
    return code


def quiet_stdout() -> None:
    """Point stdout at the null device so that no later write or flush meets the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout with no file descriptor (captured): nothing to do
        pass


def one_line(exc: BaseException) -> str:
    """An exception as one line: its type (unless the message says enough) and message."""
    text = " / ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    if isinstance(exc, (OSError, ValueError, RuntimeError)) and text:
        if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
            return f"{exc.filename}: {exc.strerror}"
        return text if type(exc).__module__ != "builtins" else f"{type(exc).__name__}: {text}"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())

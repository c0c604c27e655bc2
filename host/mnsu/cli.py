"""The `mnsu` command line: one subcommand module per job under mnsu.commands."""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import NoReturn

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


class Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors: `mnsu CMD: error: WHAT (mnsu CMD --help)`, exit 2.
    Subcommand parsers are of this class too (add_subparsers uses the parent's class)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


# Numeric options by destination: (lowest, lower end open, highest, unit). Refused outside, in
# one line naming the option, before any command runs: no value makes a command run for ever
# (a board time above 1e6 s is refused as in board files) or ask for absurd resources.
NUMBER_BOUNDS: dict[str, tuple[float, bool, float, str]] = {
    "duration": (0.0, True, 1e6, " s"),
    "transient": (0.0, False, 1e6, " s"),
    "burst_gap": (0.0, True, 1e3, " s"),
    "seed": (0, False, 2**32 - 1, ""),
    "trace_rate": (0.0, True, 1e7, " Hz"),
    "telemetry_hz": (1, False, 1000, " Hz"),
    "terrain": (0.0, False, 1.0, " m"),
    "speed": (0.0, True, 1e3, ""),
    "interval": (0.0, True, 3600.0, " s"),
    "jobs": (1, False, 4096, ""),
    "fast_hz": (0.0, True, 1e6, " Hz"),
    "f_max": (0.0, True, 1e6, " Hz"),
    "amplitude": (-10.0, False, 10.0, " A"),
    "max_step": (0.0, True, 1.0, " s"),
    "timeout": (0.0, True, 1e6, " s"),
    "wall_timeout": (0.0, True, 1e6, " s"),
    "stay": (0.0, False, 24 * 3600.0, " s"),
}


# Options that name a file a command writes at the end of its work: checked before the work
# (`mnsu simulate --out` says "cannot write" itself, as it always did, after its run).
OUTPUTS = ("plot", "video", "record", "save", "fit", "backup")


def unwritable(path: str) -> str | None:
    """Why `path` cannot be written (its nearest existing ancestor is not a writable
    directory, or it is a directory), or None. Nothing is created."""
    if os.path.isdir(path):
        return "it is a directory"
    parent = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        return f"{parent} is not a directory"
    if not os.access(parent, os.W_OK):
        return f"{parent} is not writable"
    return None


def check_numbers(args: argparse.Namespace) -> str | None:
    """The first numeric option outside its range (or not finite), or output that cannot be
    written, as a message; else None. A command that checks some options itself names them
    in its `own_checks` default."""
    for key, value in sorted(vars(args).items()):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        option = "--" + key.replace("_", "-")
        if not math.isfinite(value):
            # no option of any subcommand means anything at NaN or infinity (--duration inf
            # ran forever)
            return f"{option} must be a finite number, got {value}"
        if key in NUMBER_BOUNDS and key not in getattr(args, "own_checks", ()):
            lo, lo_open, hi, unit = NUMBER_BOUNDS[key]
            if (value <= lo if lo_open else value < lo) or value > hi:
                low = f"> {lo:g}" if lo_open else f">= {lo:g}"
                return f"{option} must be {low}{unit} and <= {hi:g}{unit}, got {value:g}"
    for key in OUTPUTS:
        path = getattr(args, key, None)
        if path is not None:
            problem = unwritable(str(path))
            if problem is not None:
                return f"--{key} {path}: cannot write: {problem}"
    video = getattr(args, "video", None)
    if isinstance(video, str) and os.path.splitext(video)[1].lower() not in (".gif", ".mp4"):
        return f"--video {video}: the animation is written as .gif or .mp4"
    plot = getattr(args, "plot", None)
    if isinstance(plot, str):
        from matplotlib.backend_bases import FigureCanvasBase

        kinds = FigureCanvasBase.get_supported_filetypes()
        ext = os.path.splitext(plot)[1].lstrip(".").lower()
        if ext not in kinds:
            return (
                f"--plot {plot}: Format '{ext}' is not supported "
                f"(supported formats: {', '.join(sorted(kinds))})"
            )
    return None


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
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
    problem = check_numbers(args)
    if problem is not None:
        if args.debug:  # --debug shows a traceback for every error, these included
            raise ValueError(problem)
        print(f"mnsu {args.command}: {problem}", file=sys.stderr)
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

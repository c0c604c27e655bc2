"""Subcommands of the `mnsu` CLI, one module each."""

from __future__ import annotations

import argparse
import sys

from mnsu.circuit.board import Board
from mnsu.circuit.plausibility import plausibility_warnings


def add_set_option(parser: argparse.ArgumentParser, example: str) -> None:
    """The `--set KEY.PATH=VALUE` board override every board-reading command takes."""
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY.PATH=VALUE",
        help=f"override a board value (repeatable), e.g. {example}",
    )


def warn_implausible(command: str, board: Board) -> list[str]:
    """Print the board's plausibility warnings on stderr; return them for the JSON."""
    warnings = plausibility_warnings(board)
    for line in warnings:
        print(f"mnsu {command}: warning: {line}", file=sys.stderr)
    return warnings


def add_scale_options(parser: argparse.ArgumentParser) -> None:
    """Where the independent runs of a command go (mnsu.scaleout): local cores or a cluster."""
    parser.add_argument(
        "--jobs", type=int, default=None, help="worker processes (default: the number of cores)"
    )
    parser.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        default=None,
        help="run on the Dask cluster behind this scheduler instead of the local cores "
        "(every worker needs the same mnsu installed; see docs/mismatch.md)",
    )

"""Subcommands of the `mnsu` CLI, one module each."""

from __future__ import annotations

import argparse


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

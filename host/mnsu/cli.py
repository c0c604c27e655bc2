"""The `mnsu` command line: one subcommand module per job under mnsu.commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from mnsu import __version__
from mnsu.commands import (
    conformance,
    control,
    demo,
    deploy,
    monitor,
    param,
    resonance,
    selfconsistent,
    serve,
    simulate,
    sweep,
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
    selfconsistent,
    resonance,
    deploy,
    conformance,
    param,
    control,
    serve,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mnsu",
        description="Memristive CPG boards that walk a leg: emulator, firmware link, tools.",
    )
    parser.add_argument("--version", action="version", version=f"mnsu {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())

"""`mnsu param list|get|set|save|defaults|diff|dump|load`: the board's parameters (the
firmware's table: device/mnsu_fw/params.py), with the table's units (`250ms`, `10deg`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from mnsu_fw import params

from mnsu import parameters
from mnsu.commands.board_session import (
    add_json_option,
    add_port_option,
    emit,
    fail,
    on_board,
)
from mnsu.link import Link, param_info
from mnsu.link.operations import load_values, read_all, set_text
from mnsu.link.param_values import (
    ParamValueError,
    defaults,
    diff,
    file_text,
    format_value,
    read_file,
    row,
)


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "param",
        help="list, get, set, save, reset, compare, dump and load the board's parameters",
        description="The board's parameters, as in the firmware's table (names, units, ranges: "
        "`mnsu param list`). Values take units: 250ms, 0.25s, 10deg, 2kHz, 60%, cpg, on.",
    )
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)

    def verb(name: str, text: str, func: Any, port: bool = True, json: bool = True) -> Any:
        v = verbs.add_parser(name, help=text)
        add_port_option(v, required=port)
        if json:
            add_json_option(v)
        v.set_defaults(func=func)
        return v

    verb("list", "every parameter: value (with --port), default, range", run_list, port=False)
    verb("get", "values of some parameters", run_get).add_argument(
        "names", nargs="+", metavar="NAME"
    )
    v = verb("set", "set parameters: NAME VALUE or NAME=VALUE, repeatable", run_set)
    v.add_argument("items", nargs="+", metavar="NAME=VALUE")
    v.add_argument("--save", action="store_true", help="then write them to the board's flash")
    verb("save", "write the board's parameters to its flash (params.json)", run_save)
    v = verb("defaults", "every parameter back to its default (not saved)", run_defaults)
    v.add_argument("--save", action="store_true", help="then write them to the board's flash")
    v = verb("diff", "the board's values that differ from the defaults or FILE", run_diff)
    v.add_argument("file", nargs="?", help="parameter file (JSON {name: value}) to compare with")
    v = verb("dump", "write the board's parameters to a file (- for stdout)", run_dump, json=False)
    v.add_argument("file", help="parameter file to write (the board's params.json format)")
    v = verb("load", "set every parameter a file holds (checked first)", run_load)
    v.add_argument("file", help="parameter file (JSON {name: value}; values may carry units)")
    v.add_argument("--save", action="store_true", help="then write them to the board's flash")


def run_list(args: argparse.Namespace) -> int:
    def body(link: Link | None) -> int:
        values = read_all(link) if link is not None else None
        rows = []
        lines = [f"{'name':20s} {'value':>12s} {'default':>12s}  range  description"]
        for p in parameters.PARAMS:
            entry = param_info(p.name)
            shown = "-"
            if values is not None:
                entry["value"] = values[p.name]
                shown = p.show(values[p.name])
            rows.append(entry)
            lines.append(
                f"{p.name:20s} {shown:>12s} {p.show(p.default):>12s}  {p.range_text()}  "
                f"{p.description}"
            )
        emit(args.json, {"params": rows}, lines)
        return 0

    if args.port is None:
        return body(None)
    return on_board("param list", args.port, body)


def run_get(args: argparse.Namespace) -> int:
    try:
        for name in args.names:
            row(name)
    except ParamValueError as exc:
        return fail("param get", str(exc))

    def body(link: Link) -> int:
        values = {name: link.get_param(name) for name in args.names}
        emit(args.json, values, [f"{n} = {format_value(n, v)}" for n, v in values.items()])
        return 0

    return on_board("param get", args.port, body)


def parse_assignments(items: list[str]) -> list[tuple[str, str]]:
    """NAME=VALUE or NAME VALUE items -> [(name, text)]; ParamValueError names the bad one."""
    out: list[tuple[str, str]] = []
    rest = list(items)
    while rest:
        item = rest.pop(0)
        if "=" in item:
            name, text = item.split("=", 1)
        elif rest:
            name, text = item, rest.pop(0)
        else:
            raise ParamValueError(f"parameter {item}: no value (write {item}=VALUE)")
        row(name)
        out.append((name, text))
    return out


def run_set(args: argparse.Namespace) -> int:
    try:
        pairs = parse_assignments(args.items)
    except ParamValueError as exc:
        return fail("param set", str(exc))

    def body(link: Link) -> int:
        applied = {name: set_text(link, name, text) for name, text in pairs}
        lines = [f"{n} = {format_value(n, v)}" for n, v in applied.items()]
        _then_save(link, args.save, lines)
        emit(args.json, {"applied": applied, "saved": args.save}, lines)
        return 0

    return on_board("param set", args.port, body)


def _then_save(link: Link, save: bool, lines: list[str]) -> None:
    if save:
        link.save_params()
        lines.append("saved to the board's flash")


def run_save(args: argparse.Namespace) -> int:
    def body(link: Link) -> int:
        link.save_params()
        emit(args.json, {"saved": True}, ["saved to the board's flash"])
        return 0

    return on_board("param save", args.port, body)


def run_defaults(args: argparse.Namespace) -> int:
    def body(link: Link) -> int:
        link.default_params()
        lines = ["every parameter back to its default"]
        _then_save(link, args.save, lines)
        emit(args.json, {"defaults": True, "saved": args.save}, lines)
        return 0

    return on_board("param defaults", args.port, body)


def run_diff(args: argparse.Namespace) -> int:
    try:
        reference = read_file(args.file) if args.file else defaults()
    except ParamValueError as exc:
        return fail("param diff", str(exc))
    against = args.file or "defaults"

    def body(link: Link) -> int:
        changes = diff(read_all(link), reference)
        rows = [
            {"name": n, "board": a, "reference": b, "unit": row(n)["unit"]} for n, a, b in changes
        ]
        lines = [
            f"{n:20s} board {format_value(n, a):>12s}  {against} {format_value(n, b)}"
            for n, a, b in changes
        ]
        lines.append(f"{len(changes)} parameter(s) differ from {against}")
        emit(args.json, {"against": against, "differ": rows}, lines)
        return 0

    return on_board("param diff", args.port, body)


def run_dump(args: argparse.Namespace) -> int:
    def body(link: Link) -> int:
        text = file_text(read_all(link))
        if args.file == "-":
            sys.stdout.write(text)
        else:
            try:
                Path(args.file).write_text(text)
            except OSError as exc:
                return fail("param dump", f"{args.file}: cannot write: {exc.strerror or exc}")
            print(f"wrote {args.file} ({params.COUNT - len(params.VOLATILE)} parameters)")
        return 0

    return on_board("param dump", args.port, body)


def run_load(args: argparse.Namespace) -> int:
    try:
        values = read_file(args.file)
    except ParamValueError as exc:
        return fail("param load", str(exc))

    def body(link: Link) -> int:
        applied = load_values(link, values)
        lines = [f"set {len(applied)} parameter(s) from {args.file}"]
        _then_save(link, args.save, lines)
        emit(args.json, {"applied": applied, "saved": args.save}, lines)
        return 0

    return on_board("param load", args.port, body)

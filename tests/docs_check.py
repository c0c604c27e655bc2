"""Docs that are checked: every figure registered in docs/figures.yaml against the command that
prints it, and every `mnsu` command shown in README.md and docs/*.md run as written.

    python tests/docs_check.py              # figures + every runnable shown command
    python tests/docs_check.py --figures    # the figures only
    python tests/docs_check.py --fast       # the figures not marked slow (what make test runs)

A figure is registered once, in docs/figures.yaml:

    - doc: README.md
      text: "HCO-P0: period <<0.826>> s"   # the doc's words; <<..>> marks each figure
      command: mnsu simulate examples/hco.yaml --duration 20 --json   # or one per figure
      json: neurons.A.burst_period_s       # one path per figure; numbers index lists
      tol: 0.01                            # relative; default 0.01
      scale: 1                             # doc = JSON x scale (1000: s -> ms); or a list
      circular: false                      # true for phases in cycles (0.99 is near 0.00)
      slow: false                          # true: only the full check runs it, not make test

The text must appear in the doc (any run of white space matches any other) with a number at
each <<..>>; the figure passes when
|doc - JSON x scale| <= max(tol x |JSON x scale|, half a unit of the doc's last printed digit).
Every tolerance is below 5 %, so a figure changed by 5 % fails (tests/test_docs.py proves it).
Commands run in-process through mnsu.cli.main from the repository root; --plot, --out, --fit
and --record paths go to a temporary directory.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import re
import shlex
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = ROOT / "docs" / "figures.yaml"
NUMBER = r"[-+]?\d+(?:\.\d+)?"
OUTPUT_FLAGS = ("--plot", "--out", "--fit", "--record")
MAX_TOL = 0.05


class DocsError(ValueError):
    """A registry entry that cannot be checked (bad entry, text not in the doc)."""


@dataclass(frozen=True)
class Figure:
    doc: str
    text: str
    commands: tuple[str, ...]  # one per figure in the text
    paths: tuple[str, ...]
    tol: float
    scales: tuple[float, ...]
    circular: bool
    slow: bool

    @property
    def label(self) -> str:
        return f"{self.doc}: {self.text!r}"


def load_registry(path: Path = REGISTRY) -> tuple[list[Figure], dict[str, str]]:
    """(figures, skipped command prefix -> reason) from docs/figures.yaml."""
    raw = yaml.safe_load(path.read_text())
    figures = []
    for k, entry in enumerate(raw.get("figures", [])):
        paths = entry["json"] if isinstance(entry["json"], list) else [entry["json"]]
        commands = entry["command"]
        if not isinstance(commands, list):
            commands = [commands] * len(paths)
        figure = Figure(
            doc=str(entry["doc"]),
            text=str(entry["text"]),
            commands=tuple(str(c) for c in commands),
            paths=tuple(str(p) for p in paths),
            tol=float(entry.get("tol", 0.01)),
            scales=_per_figure(entry.get("scale", 1.0), len(paths)),
            circular=bool(entry.get("circular", False)),
            slow=bool(entry.get("slow", False)),
        )
        if not 0 <= figure.tol < MAX_TOL:
            raise DocsError(
                f"{path}: figures[{k}]: tol must be in [0, {MAX_TOL}), got {figure.tol}"
            )
        n = figure.text.count("<<")
        if not n == len(figure.paths) == len(figure.commands) == len(figure.scales):
            raise DocsError(f"{path}: figures[{k}]: one json path (command, scale) per <<..>>")
        figures.append(figure)
    skip = {str(k): str(v) for k, v in (raw.get("skip") or {}).items()}
    return figures, skip


def _per_figure(value: object, n: int) -> tuple[float, ...]:
    values = value if isinstance(value, list) else [value] * n
    return tuple(float(v) for v in values)  # type: ignore[arg-type]  # YAML numbers


def pattern(text: str) -> re.Pattern[str]:
    """The regex of a registered text: literal words, a captured number at each <<..>>."""
    parts = re.split(r"<<[^>]*>>", text)
    literal = [r"\s+".join(re.escape(word) for word in re.split(r"\s+", p)) for p in parts]
    return re.compile(f"({NUMBER})".join(literal))


def doc_numbers(figure: Figure, docs: Mapping[str, str]) -> list[str]:
    """The figure's numbers as the doc prints them."""
    if figure.doc not in docs:
        raise DocsError(f"{figure.label}: no such doc")
    match = pattern(figure.text).search(docs[figure.doc])
    if match is None:
        raise DocsError(f"{figure.label}: text not found in {figure.doc} (was the doc edited?)")
    return list(match.groups())


def json_value(result: Any, path: str) -> float:
    value = result
    for key in path.split("."):
        value = value[int(key)] if isinstance(value, list) else value[key]
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise DocsError(f"JSON path {path}: not a number: {value!r}")
    return float(value)


def half_digit(printed: str) -> float:
    """Half a unit of the last printed digit: 0.826 -> 0.0005, 11 -> 0.5."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    return 0.5 * 10.0**-decimals


def compare(
    figure: Figure, printed: str, actual: float, command: str, scale: float = 1.0
) -> str | None:
    """None when the doc's figure matches the command's, else the failure line."""
    want = actual * scale
    doc = float(printed)
    if figure.circular and math.isfinite(want):
        # a phase in cycles: compare with the command's value on the doc's turn of the
        # circle (a doc's 0.997 is the printed 0.001 + 1), the tolerance relative to that
        want = doc - ((doc - want + 0.5) % 1.0 - 0.5)
    allowed = max(figure.tol * abs(want), half_digit(printed))
    diff = abs(doc - want)
    if math.isfinite(want) and diff <= allowed:
        return None
    return (
        f"{figure.label}: the doc says {printed}, `{command}` prints {want:.6g} "
        f"(allowed +-{allowed:.3g})"
    )


def run_command(command: str, workdir: Path) -> tuple[int, str, str]:
    """Run an `mnsu ...` command in-process; (exit code, stdout, stderr)."""
    from mnsu.cli import main

    argv = shlex.split(command)
    if not argv or argv[0] != "mnsu":
        raise DocsError(f"not an mnsu command: {command!r}")
    args = argv[1:]
    for k, arg in enumerate(args[:-1]):
        if arg in OUTPUT_FLAGS:
            args[k + 1] = str(workdir / Path(args[k + 1]).name)
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(ROOT)  # the docs' paths are relative to the repository root
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(args)
    except SystemExit as exc:  # argparse errors
        code = exc.code if isinstance(exc.code, int) else 2
    finally:
        os.chdir(cwd)
    return code, out.getvalue(), err.getvalue()


Runner = Callable[[str], Any]


def json_runner(workdir: Path) -> Runner:
    """Run each command once (cached) and parse its JSON output."""
    cache: dict[str, Any] = {}

    def run(command: str) -> Any:
        if command not in cache:
            code, out, err = run_command(command, workdir)
            if code != 0:
                raise DocsError(f"`{command}` exited {code}: {err.strip()[-300:]}")
            cache[command] = json.loads(out)
        return cache[command]

    return run


def check_figures(figures: Sequence[Figure], docs: Mapping[str, str], runner: Runner) -> list[str]:
    """Failure lines of every registered figure (empty: all match)."""
    failures = []
    for figure in figures:
        try:
            printed = doc_numbers(figure, docs)
            rows = zip(printed, figure.paths, figure.commands, figure.scales, strict=True)
            for number, path, command, scale in rows:
                value = json_value(runner(command), path)
                failure = compare(figure, number, value, command, scale)
                if failure:
                    failures.append(failure)
        except (DocsError, KeyError, IndexError, ValueError) as exc:
            failures.append(f"{figure.label}: {exc}")
    return failures


def read_docs(root: Path = ROOT) -> dict[str, str]:
    paths = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
    return {str(p.relative_to(root)): p.read_text() for p in paths}


def shown_commands(docs: Mapping[str, str]) -> list[tuple[str, str]]:
    """(doc, command) of every `mnsu SUBCOMMAND ...` shown: each such line of a code block, and
    each inline code span naming a board file (a bare `mnsu sweep` in prose is a name)."""
    from mnsu.cli import COMMANDS

    names = {module.__name__.rsplit(".", 1)[-1].replace("_", "-") for module in COMMANDS}
    found = []
    for doc, text in docs.items():
        blocks = re.findall(r"```[^\n]*\n(.*?)```", text, flags=re.S)
        for block in blocks:
            joined = block.replace("\\\n", " ")
            for line in joined.splitlines():
                found.append((doc, line.split("  #")[0].strip()))
        inline = re.sub(r"```.*?```", "", text, flags=re.S)
        for span in re.findall(r"`([^`]+)`", inline):
            if "examples/" in span:
                found.append((doc, " ".join(span.split())))
    shown = [
        (d, c)
        for d, c in found
        if c.split()[:1] == ["mnsu"] and c.split()[1:2] and c.split()[1] in names
    ]
    return list(dict.fromkeys(shown))


def check_commands(
    commands: Iterable[tuple[str, str]], skip: Mapping[str, str], workdir: Path
) -> tuple[list[str], list[str]]:
    """(failures, skipped lines) of running every shown command."""
    failures, skipped = [], []
    for doc, command in commands:
        reason = next((why for prefix, why in skip.items() if prefix in command), None)
        if reason is not None:
            skipped.append(f"{doc}: `{command}`: {reason}")
            continue
        code, _, err = run_command(command, workdir)
        if code != 0:
            failures.append(f"{doc}: `{command}` exited {code}: {err.strip()[-300:]}")
    return failures, skipped


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--figures", action="store_true", help="check the figures only")
    parser.add_argument("--fast", action="store_true", help="figures not marked slow only")
    args = parser.parse_args(argv)
    figures, skip = load_registry()
    if args.fast:
        figures = [f for f in figures if not f.slow]
    docs = read_docs()
    with tempfile.TemporaryDirectory(prefix="mnsu-docs-") as tmp:
        failures = check_figures(figures, docs, json_runner(Path(tmp)))
        skipped: list[str] = []
        if not (args.figures or args.fast):
            more, skipped = check_commands(shown_commands(docs), skip, Path(tmp))
            failures += more
    for line in skipped:
        print(f"skipped {line}")
    for line in failures:
        print(f"FAIL {line}")
    print(f"{len(figures)} figures checked, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "host"))
    sys.exit(main())

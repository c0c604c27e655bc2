"""The docs are checked: registered figures match their commands, and the check has teeth."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from docs_check import (
    DocsError,
    Figure,
    Runner,
    check_commands,
    check_figures,
    doc_numbers,
    json_runner,
    load_registry,
    pattern,
    read_docs,
    shown_commands,
)

FIGURES, SKIP = load_registry()
FAST = [f for f in FIGURES if not f.slow]
DOCS = read_docs()
# shown commands make test runs (fast ones); `python tests/docs_check.py` runs them all
FAST_SUBCOMMANDS = ("mnsu simulate ", "mnsu selfconsistent ")


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runner]:
    yield json_runner(tmp_path_factory.mktemp("docs"))


def test_every_documented_figure_matches_its_command(runner: Runner) -> None:
    assert len(FAST) >= 15
    assert check_figures(FAST, DOCS, runner) == []


def changed_by_5_percent(printed: str) -> str:
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    return f"{float(printed) * 1.05:.{decimals}f}"


@pytest.mark.parametrize("figure", FAST, ids=lambda f: f.text[:40])
def test_a_figure_changed_by_5_percent_fails(figure: Figure, runner: Runner) -> None:
    text = DOCS[figure.doc]
    match = pattern(figure.text).search(text)
    assert match is not None
    for k, printed in enumerate(match.groups()):
        if float(printed) == 0.0:
            continue  # 5 % of nothing: zero stays zero
        start, end = match.span(k + 1)
        edited = {**DOCS, figure.doc: text[:start] + changed_by_5_percent(printed) + text[end:]}
        failures = check_figures([figure], edited, runner)
        assert failures and "the doc says" in failures[0], (printed, failures)


def test_a_figure_whose_words_changed_is_reported() -> None:
    figure = FAST[0]
    edited = {**DOCS, figure.doc: DOCS[figure.doc].replace(figure.text.split("<<")[0], "")}
    with pytest.raises(DocsError, match="text not found"):
        doc_numbers(figure, edited)


def test_tolerances_stay_below_5_percent(tmp_path: Path) -> None:
    assert all(f.tol < 0.05 for f in FIGURES)
    bad = tmp_path / "figures.yaml"
    entry = "{doc: README.md, text: 'a <<1>>', command: mnsu x, json: a, tol: 0.05}"
    bad.write_text(f"figures:\n- {entry}\n")
    with pytest.raises(DocsError, match="tol must be in"):
        load_registry(bad)


def test_shown_simulate_commands_run(tmp_path: Path) -> None:
    commands = [(d, c) for d, c in shown_commands(DOCS) if c.startswith(FAST_SUBCOMMANDS)]
    assert len(commands) >= 10
    failures, _ = check_commands(commands, SKIP, tmp_path)
    assert failures == []

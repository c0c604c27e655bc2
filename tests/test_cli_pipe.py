"""Every command's stdout may be closed early by its reader (`mnsu ... | head -1`): the command
ends quietly, with no traceback and no 'Exception ignored' from Python's final flush."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def first_line_then_close(*args: str) -> tuple[str, str, int]:
    """Run `mnsu ARGS`, read one line of its stdout, close it, as `| head -1` does."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mnsu.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline().decode()
    proc.stdout.close()
    try:
        err = proc.stderr.read().decode()
        code = proc.wait(timeout=120)
    finally:
        proc.kill()
    return first, err, code


@pytest.mark.parametrize(
    "args",
    [
        # prints its first line, runs ngspice, then prints the table into the closed pipe
        ("spice", "lif.yaml", "--duration", "0.03", "--transient", "0.01"),
        ("simulate", "lif.yaml", "--duration", "1"),
        ("--help",),
    ],
)
def test_closed_stdout_ends_quietly(examples: Path, args: tuple[str, ...]) -> None:
    args = tuple(str(examples / a) if a.endswith(".yaml") else a for a in args)
    first, err, code = first_line_then_close(*args)
    assert first.strip()  # it did write
    assert "Traceback" not in err and "Exception ignored" not in err and "Broken pipe" not in err
    assert err == ""
    assert code == 0

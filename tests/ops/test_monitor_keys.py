"""`mnsu monitor` in a terminal (its own process on a real pty) takes keys; piped it only
prints lines. The board is the virtual board running the real firmware."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mnsu.cosim.virtual_board import VirtualBoard
from mnsu.link import Link

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def port() -> Iterator[str]:
    vb = VirtualBoard(ROOT / "examples" / "leg.yaml", realtime=True)
    vb.start()
    try:
        yield vb.path
    finally:
        vb.stop()


class Terminal:
    """The monitor with its stdin and stdout on a pty, as in a terminal."""

    def __init__(self, port: str) -> None:
        self.master, slave = os.openpty()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mnsu.cli", "monitor", "--port", port, "--interval", "0.2"],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        os.close(slave)
        self.seen = ""

    def expect(self, text: str, timeout_s: float = 30.0) -> str:
        """Read the screen until `text` appears after what earlier calls matched."""
        deadline = time.monotonic() + timeout_s
        while text not in self.seen and time.monotonic() < deadline:
            if select.select([self.master], [], [], 0.1)[0]:
                try:
                    self.seen += os.read(self.master, 65536).decode(errors="replace")
                except OSError:
                    break
        at = self.seen.find(text)
        assert at >= 0, f"{text!r} not shown; screen:\n{self.seen[-3000:]}"
        shown, self.seen = self.seen[: at + len(text)], self.seen[at + len(text) :]
        return shown

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def close(self) -> int:
        try:
            code = self.proc.wait(timeout=20)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=10)
            os.close(self.master)
        return code


def test_monitor_keys_in_a_terminal(port: str) -> None:
    term = Terminal(port)
    try:
        term.expect("keys: i idle, c cpg")
        term.expect(" idle ")  # a status line
        term.type("c")
        term.expect("mode cpg")
        term.expect(" cpg ")  # the board is in cpg: the monitor's heartbeats keep it there
        term.type("+")
        term.expect("drive 0.65")
        term.type("-")
        term.type("-")
        term.expect("drive 0.6")
        term.expect("drive 0.55")
        term.type("p")
        term.expect("set parameter (NAME=VALUE")
        term.type("hip_amp_deg=20deg\n")
        term.expect("hip_amp_deg = 20.0 deg")
        term.type("p")
        term.expect("set parameter")
        term.type("hip_amp_deg=200\n")
        term.expect("error: hip_amp_deg = 200.0 deg is out of range [0, 90] deg")
        term.type("e")
        term.expect("e-stop latched")
        term.expect(" estop ")
        term.type("c")
        term.expect("refused:")
        term.expect("e-stop latched; clear it")
        term.type("r")
        term.expect("e-stop reset: idle")
        term.type("x?")  # an unknown key does nothing; ? shows the keys
        term.expect("keys: i idle")
        term.type("q")
    finally:
        code = term.close()
    assert code == 0
    with Link(port) as link:  # what the keys did, read back
        assert link.get_param("hip_amp_deg") == 20.0
        assert link.get_param("drive_level") == pytest.approx(0.55)
        link.default_params()


def test_monitor_piped_prints_lines_and_ignores_input(port: str) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mnsu.cli",
            "monitor",
            "--port",
            port,
            "--duration",
            "1.5",
            "--interval",
            "0.3",
        ],  # fmt: skip
        input="c\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "keys:" not in proc.stdout and "mode cpg" not in proc.stdout
    assert sum(" idle " in ln and "lost 0" in ln for ln in lines) >= 2

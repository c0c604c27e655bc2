"""`mnsu serve` as a child process, for scripts and tests that need a served port: start it,
wait for the socket:// URL it prints, stop it and keep what it said."""

from __future__ import annotations

import os
import select
import subprocess
import sys
from collections.abc import Sequence


class ServeError(RuntimeError):
    """`mnsu serve` did not print its URL in time (its stderr says why)."""


def spawn_serve(
    port: str, listen: str = "127.0.0.1:0", args: Sequence[str] = (), timeout_s: float = 30.0
) -> tuple[subprocess.Popen[str], str]:
    """`mnsu serve --port PORT --listen LISTEN ARGS...` in a child process (this Python);
    returns the process and the socket:// URL it serves."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mnsu.cli", "serve", "--port", port, "--listen", listen, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout_s)
    line = proc.stdout.readline().strip() if ready else ""
    if not line.startswith("socket://"):
        proc.kill()
        _, err = proc.communicate(timeout=10)
        raise ServeError(f"mnsu serve did not start: {line!r} {err}")
    return proc, line


def stop_process(proc: subprocess.Popen[str], timeout_s: float = 20.0) -> str:
    """SIGTERM, then SIGKILL after `timeout_s`; returns what it still wrote (stdout, stderr)."""
    proc.terminate()
    try:
        out, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate(timeout=10)
    return (out or "") + (err or "")

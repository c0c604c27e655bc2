"""An advisory lock per serial port, so a second mnsu tool on a port says why it cannot work.

Two programs reading one serial port each get part of the bytes: both break, silently. Every
mnsu process that opens a port directly (the link, `mnsu serve`, `mnsu deploy`) first takes an
exclusive `flock` on a small file named after the port's real path (symlinks resolved) in
LOCK_DIR, and writes its PID, its command line and, for `mnsu serve`, the address clients
attach to. The kernel releases the lock when the process ends, however it ends. pyserial URLs
(socket://, loop://, rfc2217://) are not device files and are not locked.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sys
import tempfile
from pathlib import Path
from types import TracebackType

from mnsu.link.errors import LinkError

LOCK_DIR = Path(tempfile.gettempdir()) / "mnsu-port-locks"


class PortBusy(LinkError):
    """Another process holds the port; the message names it and how to share the port."""


def lock_file(port: str) -> Path | None:
    """The lock file of `port`, or None for a pyserial URL."""
    if "://" in port:
        return None
    real = os.path.realpath(port)
    return LOCK_DIR / (real.strip("/").replace("/", "%") + ".lock")


def busy_message(port: str, holder: dict[str, object]) -> str:
    pid = holder.get("pid", "?")
    command = holder.get("command") or "another process"
    served = holder.get("served")
    if served:
        return f"port busy: {port} held by PID {pid} ({command}), attach with `--port {served}`"
    return (
        f"port busy: {port} held by PID {pid} ({command}); stop it, or share the port: "
        f"`mnsu serve --port {port}` and attach every tool with the --port it prints"
    )


class PortLock:
    """The lock on one port; `acquire()` raises PortBusy, `release()` lets it go."""

    def __init__(self, port: str, served: str | None = None) -> None:
        self.port = port
        self.served = served
        self.path = lock_file(port)
        self._fd: int | None = None

    def acquire(self) -> PortLock:
        if self.path is None or self._fd is not None:
            return self
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError:
            return self  # no lock directory (read-only /tmp): run unlocked rather than refuse
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise PortBusy(busy_message(self.port, holder)) from None
        info = {"pid": os.getpid(), "command": _command_line(), "served": self.served}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            os.close(fd)  # closing the descriptor releases the flock

    def __enter__(self) -> PortLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _read_holder(fd: int) -> dict[str, object]:
    try:
        data = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _command_line() -> str:
    """This process's command line as people ran it (`python -m mnsu.cli` shows as mnsu)."""
    if not sys.argv or not sys.argv[0]:
        return "python"
    name = Path(sys.argv[0]).name
    if name == "cli.py" and Path(sys.argv[0]).parent.name == "mnsu":
        name = "mnsu"
    return " ".join([name, *sys.argv[1:]])[:200]

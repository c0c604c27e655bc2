"""A MicroPython "board" on a pseudo-terminal, for deploying to: the unix port's REPL.

The interpreter runs with its stdio on the slave side of one pty (raw mode) and a scratch
directory as its filesystem (its working directory); a bridge thread copies bytes between that
pty's master and the master of a second pty, whose slave path (`path`) is the board's serial
port (mpremote opens /dev/pts/* like any serial port). A soft reset (Ctrl-D in the raw REPL)
ends the unix port; the bridge then behaves as a board does: it prints "soft reboot", starts a
fresh interpreter on the same filesystem and puts it back into the raw REPL.

With boot_main=True the board also boots as a board with firmware does: it runs main.py (then
the REPL, `micropython -i main.py`, as a board's REPL starts when main.py ends) at power-up and
after a hard reset, which the filesystem's `machine` module (tests/deploy/machine_stub.py, the
hardware edge) signals by ending the interpreter with RESET_EXIT.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import threading
import time
import tty
from pathlib import Path

MICROPYTHON = Path(sys.executable).with_name("micropython")


def run_on_flash(fs: Path, script: str) -> subprocess.CompletedProcess[str]:
    """`script` under a fresh MicroPython whose only modules are the board's filesystem `fs`
    (its working directory, as on the board)."""
    return subprocess.run(
        [str(MICROPYTHON), "-c", script],
        cwd=fs,
        env={"MICROPYPATH": "."},
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )


MACHINE_STUB = Path(__file__).with_name("machine_stub.py")
RESET_EXIT = 77  # machine_stub.reset()


class MicroPythonBoard:
    def __init__(self, fs_dir: Path, *, answer: bool = True, boot_main: bool = False) -> None:
        """answer=False: nothing answers on the port (a board whose firmware ignores Ctrl-C).
        boot_main=True: run main.py at power-up and after machine.reset() (module docstring)."""
        self.fs_dir = fs_dir
        self.answer = answer
        self.boot_main = boot_main
        self.boots = 0
        self.soft_reboots = 0
        self.hard_resets = 0
        self.exit_codes: list[int] = []
        self._ma, self._sa = os.openpty()
        tty.setraw(self._sa)
        self._mb, sb = os.openpty()
        tty.setraw(sb)
        self.path = os.ttyname(sb)
        self._sb = sb  # kept open: the port exists while the board is "plugged in"
        self._proc: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()
        self._raw_after_boot = False
        if answer:
            self._spawn(main=boot_main)
        self._thread = threading.Thread(target=self._bridge, daemon=True)
        self._thread.start()

    def _spawn(self, main: bool = False) -> None:
        run_main = main and (self.fs_dir / "main.py").exists()
        self._proc = subprocess.Popen(
            [str(MICROPYTHON), *(["-i", "main.py"] if run_main else [])],
            stdin=self._sa,
            stdout=self._sa,
            stderr=self._sa,
            cwd=self.fs_dir,
            env={"MICROPYPATH": ".frozen:.", "PATH": os.environ.get("PATH", "")},
        )
        self.boots += 1

    def _bridge(self) -> None:
        ma, mb = self._ma, self._mb
        deadline = time.monotonic() + 300.0  # bounded: no test runs this long
        while not self._stop.is_set() and time.monotonic() < deadline:
            proc = self._proc
            if proc is not None and proc.poll() is not None:
                self.exit_codes.append(proc.returncode)
            if proc is not None and proc.poll() == RESET_EXIT and self.boot_main:
                self.hard_resets += 1  # machine.reset(): boot again, main.py first
                self._spawn(main=True)
            elif proc is not None and proc.poll() is not None:
                # Ctrl-D in the raw REPL ended the unix port: a board soft-reboots instead
                self.soft_reboots += 1
                os.write(mb, b"MPY: soft reboot\r\n")
                self._spawn()
                self._forward_banner()  # its banner first, then back into the raw REPL
                os.write(ma, b"\x01")
            ready, _, _ = select.select([ma, mb], [], [], 0.05)
            for fd in ready:
                try:
                    data = os.read(fd, 4096)
                except OSError:
                    continue
                if fd == mb and not self.answer:
                    continue  # swallowed, as by a running firmware
                os.write(mb if fd == ma else ma, data)

    def _forward_banner(self, timeout_s: float = 5.0) -> None:
        """Pass the fresh interpreter's output on until its prompt (bounded in time)."""
        seen = b""
        deadline = time.monotonic() + timeout_s
        while not seen.endswith(b">>> ") and time.monotonic() < deadline:
            ready, _, _ = select.select([self._ma], [], [], 0.05)
            if ready:
                data = os.read(self._ma, 4096)
                os.write(self._mb, data)
                seen = (seen + data)[-64:]

    def wait_hard_resets(self, n: int, timeout_s: float = 10.0) -> bool:
        """Until `n` hard resets happened (mpremote's reset returns before the board's)."""
        deadline = time.monotonic() + timeout_s
        while self.hard_resets < n and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.hard_resets >= n

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5.0)
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(timeout=5.0)
        for fd in (self._ma, self._sa, self._mb, self._sb):
            os.close(fd)

"""Run the firmware under CPython with the co-simulation's MicroPython doubles.

Usage (by CoSim(interpreter="cpython")): python cpython_boot.py DEVICE/main.py. Installs the
`time` and `machine` doubles, a `micropython` module and the gc calls CPython lacks, gives the
firmware unbuffered stdin/stdout like MicroPython's, then runs main.py.
"""

from __future__ import annotations

import gc
import importlib.util
import io
import runpy
import sys
import time as real_time
import types
from pathlib import Path

MPY_DIR = Path(__file__).resolve().parent / "mpy"


def _install(name: str) -> None:
    spec = importlib.util.spec_from_file_location(name, MPY_DIR / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)


class _Stream:
    """A text-stream stand-in whose .buffer is an unbuffered fd, as on MicroPython."""

    def __init__(self, fd: int, mode: str) -> None:
        self.buffer = io.FileIO(fd, mode, closefd=False)
        self._fd = fd

    def fileno(self) -> int:
        return self._fd

    def flush(self) -> None:
        pass

    def write(self, text: str) -> int:
        return self.buffer.write(text.encode())


def main() -> None:
    target = Path(sys.argv[1]).resolve()
    sys.modules["utime"] = real_time
    _install("time")
    micropython = types.ModuleType("micropython")
    micropython.kbd_intr = lambda chr_: None  # type: ignore[attr-defined]
    micropython.const = lambda x: x  # type: ignore[attr-defined]
    micropython.native = lambda f: f  # type: ignore[attr-defined]
    sys.modules["micropython"] = micropython
    _install("machine")  # its const() comes from the shim above
    fake_gc = types.ModuleType("gc")
    fake_gc.collect = gc.collect  # type: ignore[attr-defined]
    fake_gc.enable = gc.enable  # type: ignore[attr-defined]
    fake_gc.disable = gc.disable  # type: ignore[attr-defined]
    fake_gc.mem_free = lambda: 1 << 20  # type: ignore[attr-defined]
    fake_gc.mem_alloc = lambda: 0  # type: ignore[attr-defined]
    sys.modules["gc"] = fake_gc
    sys.stdin = _Stream(0, "rb")  # type: ignore[assignment,unused-ignore]
    sys.stdout = _Stream(1, "wb")  # type: ignore[assignment,unused-ignore]
    sys.path.insert(0, str(target.parent))
    runpy.run_path(str(target), run_name="__main__")


if __name__ == "__main__":
    main()

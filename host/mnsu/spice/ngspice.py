"""Running ngspice in batch mode and reading its binary raw file."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

INSTALL_HINT = "install ngspice (Debian/Ubuntu: apt-get install ngspice)"


class NgspiceError(RuntimeError):
    """ngspice is missing, rejected the netlist, or produced no usable output."""


@dataclass(frozen=True)
class Run:
    vectors: dict[str, np.ndarray]  # lower-case vector name -> values (time first)
    wall_s: float
    log: str

    @property
    def time(self) -> np.ndarray:
        return self.vectors["time"]


def executable() -> str:
    """Path of ngspice, or NgspiceError with the line saying what to install."""
    found = shutil.which(os.environ.get("MNSU_NGSPICE", "ngspice"))
    if found is None:
        raise NgspiceError(f"ngspice not found on PATH: {INSTALL_HINT}")
    return found


def run(netlist: str, timeout: float = 3600.0) -> Run:
    """Run one netlist (with its own .tran and .save lines) and return the saved vectors."""
    import time

    binary = executable()
    with tempfile.TemporaryDirectory(prefix="mnsu-spice-") as tmp:
        cir = Path(tmp) / "board.cir"
        raw = Path(tmp) / "board.raw"
        cir.write_text(netlist, encoding="utf-8")
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                [binary, "-b", "-r", str(raw), str(cir)],
                capture_output=True,
                text=True,
                timeout=timeout,
                cwd=tmp,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise NgspiceError(f"ngspice did not finish within {timeout:g} s") from None
        wall = time.perf_counter() - start
        log = proc.stdout + proc.stderr
        problems = [
            line.strip()
            for line in log.splitlines()
            if line.lower().lstrip().startswith(("error", "fatal"))
            or "timestep too small" in line.lower()
        ]
        if problems or proc.returncode != 0 or not raw.exists():
            detail = problems[0] if problems else f"exit status {proc.returncode}, no output"
            raise NgspiceError(f"ngspice failed: {detail}")
        vectors = read_raw(raw)
    return Run(vectors=vectors, wall_s=wall, log=log)


def read_raw(path: Path) -> dict[str, np.ndarray]:
    """Vectors of a binary ngspice raw file of a real (transient) analysis."""
    data = path.read_bytes()
    marker = b"Binary:\n"
    at = data.find(marker)
    if at < 0:
        raise NgspiceError(f"{path}: not a binary raw file (no 'Binary:' section)")
    lines = data[:at].decode("utf-8", "replace").splitlines()
    fields = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip()] = value.strip()
    if "complex" in fields.get("Flags", ""):
        raise NgspiceError(f"{path}: complex data; expected a transient analysis")
    try:
        count = int(fields["No. Variables"])
        points = int(fields["No. Points"])
        first = lines.index("Variables:")
        names = [lines[first + 1 + k].split("\t")[2].lower() for k in range(count)]
    except (KeyError, ValueError, IndexError):
        raise NgspiceError(f"{path}: unreadable raw-file header") from None
    body = np.frombuffer(data, dtype="<f8", offset=at + len(marker))
    points = min(points, body.size // count)
    table = body[: points * count].reshape(points, count)
    return {name: table[:, k].copy() for k, name in enumerate(names)}

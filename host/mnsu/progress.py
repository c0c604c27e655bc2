"""A progress bar on stderr that appears only when a job runs longer than a few seconds."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(
        self,
        label: str,
        total: float,
        unit: str = "",
        delay_s: float = 2.0,
        stream: TextIO | None = None,
    ) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.delay_s = delay_s
        self.stream = stream if stream is not None else sys.stderr
        self.start = time.perf_counter()
        self.last = 0.0
        self.shown = False

    def update(self, done: float) -> None:
        now = time.perf_counter()
        elapsed = now - self.start
        if elapsed < self.delay_s or now - self.last < 0.2:
            return
        self.last = now
        self.shown = True
        frac = min(done / self.total, 1.0) if self.total > 0 else 1.0
        bar = "#" * int(30 * frac)
        eta = elapsed * (1 - frac) / frac if frac > 0 else 0.0
        self.stream.write(
            f"\r{self.label} [{bar:<30}] {done:.1f}/{self.total:g} {self.unit}"
            f" {elapsed:.0f}s elapsed, ~{eta:.0f}s left"
        )
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()

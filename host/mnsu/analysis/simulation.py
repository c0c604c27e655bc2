"""An emulator run of a board file and its rhythm summary (what `mnsu simulate` reports).

The whole run after the transient, each neuron's regime (the classifier `mnsu sweep` uses) and,
for a board with scheduled inputs, the same figures per epoch between input changes
(mnsu.analysis.epochs). Traces are written by mnsu.export.
"""

from __future__ import annotations

import time
from typing import Any

from mnsu.analysis.epochs import epochs
from mnsu.analysis.regimes import RegimeRules, classify
from mnsu.analysis.rhythm import default_transient, neuron_stats, phase_lags
from mnsu.circuit.board import Board
from mnsu.circuit.emulator import Emulator
from mnsu.progress import Progress


def run_emulator(emu: Emulator, duration: float, label: str) -> float:
    """Advance the emulator to `duration`, with a progress bar on stderr for long runs."""
    chunk = min(0.5, duration)
    progress = Progress(f"simulate {label}", duration, unit="s")
    start = time.perf_counter()
    while emu.t < duration - 1e-12:
        emu.advance_to(min(emu.t + chunk, duration))
        progress.update(emu.t)
    progress.close()
    return time.perf_counter() - start


def summarise(
    board: Board,
    emu: Emulator,
    duration: float,
    wall: float,
    transient: float,
    burst_gap: float | None,
) -> dict[str, Any]:
    """The figures of a run: whole run after the transient, regimes, and per epoch."""
    result: dict[str, Any] = {
        "board": board.name,
        "duration_s": duration,
        "wall_s": wall,
        "realtime_factor": duration / wall if wall > 0 else None,
    }
    result.update(window_figures(emu, transient, duration, burst_gap))
    add_regimes(result, emu, transient, duration, burst_gap, at_end=True)
    result["epochs"] = []
    for epoch in epochs(board, duration):
        start = epoch.start + default_transient(epoch.stop - epoch.start)
        figures = window_figures(emu, start, epoch.stop, burst_gap)
        add_regimes(figures, emu, start, epoch.stop, burst_gap, at_end=epoch.stop >= duration)
        result["epochs"].append(
            {"start_s": epoch.start, "stop_s": epoch.stop, "cause": epoch.cause, **figures}
        )
    return result


def window_figures(
    emu: Emulator, start: float, stop: float, burst_gap: float | None
) -> dict[str, Any]:
    """Rate and burst figures of every neuron over [start, stop]."""
    stats = {
        name: neuron_stats(emu.spikes[i], emu.spike_ends[i], stop, start, burst_gap)
        for i, name in enumerate(emu.names)
    }
    return {
        "transient_s": start,
        "burst_gap_source": "isi" if burst_gap is None else "--burst-gap",
        "neurons": {name: s.summary() for name, s in stats.items()},
        "period_cv": {name: s.period_cv for name, s in stats.items()},
        "phase_lag": phase_lags(stats),
    }


def add_regimes(
    figures: dict[str, Any],
    emu: Emulator,
    start: float,
    stop: float,
    burst_gap: float | None,
    at_end: bool,
) -> None:
    """Each neuron's regime over [start, stop], by the classifier `mnsu sweep` uses.

    The device state is known at the end of the run only: an epoch that ends earlier is
    classified as if M were OFF at its end (latched is then reported as silent).
    """
    rules = RegimeRules(burst_gap=burst_gap)
    for i, name in enumerate(emu.names):
        on = at_end and emu.device_on(i)
        regime = classify(emu.spikes[i], emu.spike_ends[i], stop, start, on, rules)
        figures["neurons"][name]["regime"] = regime.regime

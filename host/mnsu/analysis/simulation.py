"""An emulator run of a board file and its rhythm summary (what `mnsu simulate` reports)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from mnsu.analysis.rhythm import neuron_stats, phase_lags
from mnsu.circuit.board import Board
from mnsu.circuit.emulator import Emulator
from mnsu.circuit.traces import adc_trace, membrane_and_on, readout, sample_times
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
    burst_gap: float,
) -> dict[str, Any]:
    """Rate, bursts, period, duty and spikes per burst of every neuron, and the phase lags."""
    stats = {
        name: neuron_stats(emu.spikes[i], emu.spike_ends[i], duration, transient, burst_gap)
        for i, name in enumerate(emu.names)
    }
    return {
        "board": board.name,
        "duration_s": duration,
        "wall_s": wall,
        "realtime_factor": duration / wall if wall > 0 else None,
        "transient_s": transient,
        "burst_gap_s": burst_gap,
        "neurons": {name: s.summary() for name, s in stats.items()},
        "period_cv": {name: s.period_cv for name, s in stats.items()},
        "phase_lag": phase_lags(stats),
    }


def save_traces(emu: Emulator, path: str, rate: float, seed: int) -> None:
    """Spikes and membrane, readout and ADC traces sampled at `rate` (Hz), as an .npz file."""
    times = sample_times(emu.t, rate)
    arrays: dict[str, Any] = {"t": times, "neurons": np.array(emu.names)}
    for i, name in enumerate(emu.names):
        arrays[f"spikes_{name}"] = np.array(emu.spikes[i])
        arrays[f"spike_ends_{name}"] = np.array(emu.spike_ends[i])
        arrays[f"membrane_{name}"] = membrane_and_on(emu, i, times)[0]
        arrays[f"readout_{name}"] = readout(emu, i, times)
    for channel in emu.adc_channels:
        arrays[f"adc{channel}"] = adc_trace(emu, channel, times, seed)
    np.savez_compressed(path, **arrays)

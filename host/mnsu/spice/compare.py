"""The emulator beside ngspice on one board: the same spike analysis on both.

A spike is an ON episode of the device: in ngspice, from the device current rising through the
holding current I_hold to its falling back through it (linear interpolation between time
points); in the emulator, the OFF->ON and ON->OFF events. The ideal device switches on at a
current above I_hold and off at exactly I_hold, so both definitions mark the same instants.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mnsu.analysis.rhythm import neuron_stats, phase_lags
from mnsu.circuit.board import Board
from mnsu.circuit.emulator import Emulator
from mnsu.spice import netlist, ngspice

FIRST_SPIKES = 10  # spike-time differences reported


@dataclass(frozen=True)
class Trains:
    onsets: list[list[float]]
    ends: list[list[float]]
    peak_readout: list[float | None]  # V (I_M*R_on at its maximum)


def crossings(t: np.ndarray, y: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Times where y rises through `level` and where it falls back below it."""
    above = y >= level
    up = np.nonzero(~above[:-1] & above[1:])[0]
    down = np.nonzero(above[:-1] & ~above[1:])[0]

    def at(k: np.ndarray) -> np.ndarray:
        out: np.ndarray = t[k] + (level - y[k]) * (t[k + 1] - t[k]) / (y[k + 1] - y[k])
        return out

    return at(up), at(down)


def spice_trains(board: Board, net: netlist.Netlist, run: ngspice.Run) -> Trains:
    onsets, ends, peaks = [], [], []
    for spec in board.neurons:
        current = run.vectors[net.device_current[spec.name]]
        up, down = crossings(run.time, current, spec.I_hold)
        down = down[down > up[0]] if len(up) else down[:0]
        onsets.append([float(x) for x in up])
        ends.append([float(x) for x in down])
        peaks.append(float(current.max()) * spec.R_read if len(up) else None)
    return Trains(onsets, ends, peaks)


def emulator_trains(board: Board, emu: Emulator) -> Trains:
    peaks: list[float | None] = []
    for i, spec in enumerate(board.neurons):
        # the readout I_M*R_read peaks at the turn-on of the ideal device
        peak = (spec.V_th - spec.V_on) * spec.R_read / spec.R_on
        peaks.append(peak if emu.spikes[i] else None)
    return Trains(emu.spikes, emu.spike_ends, peaks)


def figures(
    board: Board, trains: Trains, duration: float, transient: float, burst_gap: float | None
) -> dict[str, Any]:
    out: dict[str, Any] = {"neurons": {}}
    stats = {}
    for i, spec in enumerate(board.neurons):
        on, off = trains.onsets[i], trains.ends[i]
        s = neuron_stats(on, off, duration, transient, burst_gap)
        stats[spec.name] = s
        widths = [b - a for a, b in zip(on, off, strict=False) if a >= transient]
        entry: dict[str, Any] = dict(s.summary())
        entry["spike_width_s"] = float(np.mean(widths)) if widths else None
        counted = [t for t in on if t >= transient]
        # 1/mean inter-spike interval: the rate without the counting window's quantisation
        entry["isi_rate_hz"] = (
            (len(counted) - 1) / (counted[-1] - counted[0]) if len(counted) > 1 else None
        )
        entry["peak_readout_v"] = trains.peak_readout[i]
        entry["first_spike_s"] = on[0] if on else None
        entry["last_spike_s"] = on[-1] if on else None
        out["neurons"][spec.name] = entry
    out["phase_lag"] = phase_lags(stats)
    return out


@dataclass(frozen=True)
class Both:
    """One board run in ngspice and in the emulator, and the comparison."""

    result: dict[str, Any]
    emulator: Emulator
    net: netlist.Netlist
    run: ngspice.Run


def run_both(
    board: Board,
    duration: float,
    device: str = "ideal",
    max_step: float = 2e-6,
    transient: float = 0.5,
    burst_gap: float | None = None,
    scr_model: str | None = None,
    record: bool = False,
) -> Both:
    """Run both; `record` keeps the emulator's segments (for traces and figures)."""
    net = netlist.build(board, duration, device, max_step, scr_model)
    run = ngspice.run(net.text)
    spice = spice_trains(board, net, run)
    emulator = Emulator(board, record=record)
    emulator.advance_to(duration)
    emu = emulator_trains(board, emulator)
    diffs = {}
    for i, spec in enumerate(board.neurons):
        n = min(FIRST_SPIKES, len(spice.onsets[i]), len(emu.onsets[i]))
        diffs[spec.name] = [spice.onsets[i][k] - emu.onsets[i][k] for k in range(n)]
    result = {
        "board": board.name,
        "device": device,
        "duration_s": duration,
        "transient_s": transient,
        "max_step_s": max_step,
        "ngspice_wall_s": run.wall_s,
        "emulator": figures(board, emu, duration, transient, burst_gap),
        "ngspice": figures(board, spice, duration, transient, burst_gap),
        "first_spike_diff_s": diffs,
    }
    return Both(result, emulator, net, run)


def compare(
    board: Board,
    duration: float,
    device: str = "ideal",
    max_step: float = 2e-6,
    transient: float = 0.5,
    burst_gap: float | None = None,
    scr_model: str | None = None,
) -> dict[str, Any]:
    """Run both and return {"emulator": figures, "ngspice": figures, "first_spike_diff_s": ..}."""
    return run_both(board, duration, device, max_step, transient, burst_gap, scr_model).result

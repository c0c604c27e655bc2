"""Figures of an emulator run: membrane traces, spike rasters and detected bursts."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no screen
import matplotlib.pyplot as plt  # noqa: E402

from mnsu.analysis.rhythm import DEFAULT_BURST_GAP, find_bursts  # noqa: E402
from mnsu.circuit.emulator import Emulator  # noqa: E402
from mnsu.circuit.traces import membrane_and_on, sample_times  # noqa: E402


def plot_run(
    emu: Emulator,
    path: str | Path,
    title: str,
    burst_gap: float = DEFAULT_BURST_GAP,
    window: tuple[float, float] | None = None,
    annotations: Mapping[str, str] | None = None,
) -> Path:
    """Write a PNG: one membrane trace per neuron with its bursts shaded, and a raster."""
    start, stop = window if window is not None else (0.0, emu.t)
    rate = min(5000.0, max(500.0, 200000.0 / max(stop - start, 1e-3)))
    times = sample_times(stop - start, rate) + start
    n = len(emu.names)
    fig, axes = plt.subplots(n + 1, 1, figsize=(11, 1.8 * (n + 1) + 0.6), sharex=True)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, name in enumerate(emu.names):
        ax = axes[i]
        volts, _ = membrane_and_on(emu, i, times)
        colour = colours[i % len(colours)]
        ax.plot(times, volts, lw=0.6, color=colour)
        for burst in find_bursts(emu.spikes[i], emu.spike_ends[i], burst_gap, (start, stop)):
            ax.axvspan(burst.onset, burst.offset, color=colour, alpha=0.15, lw=0)
        ax.axhline(emu.models[i].V_th, color="grey", lw=0.5, ls=":")
        ax.set_ylabel(f"{name}\nV (V)")
    raster = axes[n]
    for i in range(n):
        spikes = [t for t in emu.spikes[i] if start <= t <= stop]
        raster.vlines(spikes, i + 0.6, i + 1.4, color=colours[i % len(colours)], lw=0.7)
    raster.set_yticks(range(1, n + 1), emu.names)
    raster.set_ylim(0.4, n + 0.6)
    raster.set_xlabel("time (s)")
    raster.set_ylabel("spikes")
    subtitle = ""
    if annotations:
        subtitle = "\n" + "   ".join(f"{k}: {v}" for k, v in annotations.items())
    fig.suptitle(f"{title}{subtitle}", fontsize=10)
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out

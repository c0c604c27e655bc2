"""Figures (PNG files): an emulator run, a walk of the leg, a regime map, a
resonance study, the self-consistent rates of a unit.

An emulator run: one panel per neuron and chosen node (`membrane`, `readout`, `dendrite`,
`adaptation`, `synapse`; a unit without the node is skipped), one quantity per axis labelled
with its SI unit, bursts shaded on the membrane and readout panels, and the spike raster.

The one place that chooses the matplotlib backend: every figure in mnsu draws with `plt` here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np

matplotlib.use("Agg")  # files only, no screen
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from mnsu.analysis.regimes import REGIMES  # noqa: E402
from mnsu.analysis.rhythm import burst_gap_of, find_bursts  # noqa: E402
from mnsu.circuit.emulator import Emulator  # noqa: E402
from mnsu.circuit.traces import (  # noqa: E402
    NODE_UNITS,
    has_node,
    node_trace,
    readout,
    sample_times,
)
from mnsu.spice.compare import crossings  # noqa: E402

if TYPE_CHECKING:
    from mnsu.analysis.selfconsistency import Analysis
    from mnsu.analysis.sweep import Axis
    from mnsu.robot.walk import Walk
    from mnsu.spice.compare import Both

__all__ = [
    "plt",
    "save",
    "plot_run",
    "plot_walk",
    "plot_regime_map",
    "plot_resonance",
    "plot_selfconsistency",
    "plot_spice",
    "plot_mismatch",
]


def save(fig: Figure, path: str | Path, dpi: int = 100) -> Path:
    """Lay out `fig`, write it as a PNG (creating the folder) and close it."""
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=dpi)
    plt.close(fig)
    return out


QUANTITY = {
    "membrane": "membrane V",
    "readout": "readout I_M*R_on",
    "dendrite": "dendrite V_d",
    "adaptation": "adaptation w",
    "synapse": "synapse activation s",
}
SCALE = {"V": (1.0, "V"), "A": (1e6, "\u00b5A"), "": (1.0, "1")}  # unit -> factor, axis label


def plot_run(
    emu: Emulator,
    path: str | Path,
    title: str,
    burst_gap: float | None = None,
    transient: float = 0.0,
    window: tuple[float, float] | None = None,
    annotations: Mapping[str, str] | None = None,
    nodes: Sequence[str] = ("membrane",),
) -> Path:
    """Write a PNG of the run over `window` (s; default the whole run).

    Bursts are split at `burst_gap`, or (None) at each neuron's ISI valley after `transient`.
    """
    start, stop = window if window is not None else (0.0, emu.t)
    rate = min(20000.0, max(500.0, 200000.0 / max(stop - start, 1e-3)))
    times = sample_times(stop - start, rate) + start
    panels = [(i, node) for i in range(len(emu.names)) for node in nodes if has_node(emu, i, node)]
    n = len(panels) + 1
    fig, axes = plt.subplots(n, 1, figsize=(11, 1.6 * n + 0.8), sharex=True, squeeze=False)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, (i, node) in zip(axes[:-1, 0], panels, strict=True):
        name = emu.names[i]
        colour = colours[i % len(colours)]
        factor, label = SCALE[NODE_UNITS[node]]
        ax.plot(times, factor * node_trace(emu, i, node, times), lw=0.6, color=colour)
        if node in ("membrane", "readout"):
            gap = burst_gap
            if gap is None:
                gap = burst_gap_of(emu.spikes[i], (transient, emu.t)) or math.inf
            for burst in find_bursts(emu.spikes[i], emu.spike_ends[i], gap, (start, stop)):
                ax.axvspan(burst.onset, burst.offset, color=colour, alpha=0.15, lw=0)
        if node == "membrane":
            ax.axhline(emu.models[i].V_th, color="grey", lw=0.5, ls=":")
        ax.set_ylabel(f"{name}: {QUANTITY[node]}\n({label})", fontsize=8)
    raster = axes[-1, 0]
    for i in range(len(emu.names)):
        spikes = [t for t in emu.spikes[i] if start <= t <= stop]
        raster.vlines(spikes, i + 0.6, i + 1.4, color=colours[i % len(colours)], lw=0.7)
    raster.set_yticks(range(1, len(emu.names) + 1), emu.names)
    raster.set_ylim(0.4, len(emu.names) + 0.6)
    raster.set_xlim(start, stop)
    raster.set_xlabel("time (s)")
    raster.set_ylabel("spikes (neuron)", fontsize=8)
    subtitle = ""
    if annotations:
        subtitle = "\n" + "   ".join(f"{k}: {v}" for k, v in annotations.items())
    fig.suptitle(f"{title}{subtitle}", fontsize=10)
    return save(fig, path, dpi=110)


def _runs(t: Sequence[float], flags: Sequence[bool]) -> list[tuple[float, float]]:
    """(start, length) of each run of True in flags sampled at times t."""
    out: list[tuple[float, float]] = []
    start: float | None = None
    for ti, f in zip(t, flags, strict=True):
        if f and start is None:
            start = ti
        elif not f and start is not None:
            out.append((start, ti - start))
            start = None
    if start is not None and t:
        out.append((start, t[-1] - start))
    return out


def plot_walk(data: Walk, summary: Mapping[str, Any], path: str | Path) -> Path:
    """Write a PNG of a walk: readouts and envelopes, bursts and spikes, joints, contact."""
    fig, axes = plt.subplots(4, 1, figsize=(11, 9), sharex=True)
    t = data.t
    flex, ext = data.channels.flexor.adc, data.channels.extensor.adc
    ax = axes[0]
    ax.plot(t, [v[0] for v in data.readout_v], lw=0.5, color="C0", label="flexor ADC (V)")
    ax.plot(t, [v[1] for v in data.readout_v], lw=0.5, color="C1", label="extensor ADC (V)")
    ax.plot(t, [e[0] for e in data.env], lw=1.2, color="C0", ls="--", label="flexor envelope")
    ax.plot(t, [e[1] for e in data.env], lw=1.2, color="C1", ls="--", label="extensor envelope")
    ax.set_ylabel("neurons")
    ax.legend(loc="upper right", fontsize=7, ncol=4)
    ax = axes[1]
    for row, (ch, colour, name) in enumerate(((flex, "C0", "flexor"), (ext, "C1", "extensor"))):
        on = None
        for kind, c, te in data.events:
            if c != ch:
                continue
            if kind == "burst_on":
                on = te
            elif kind == "burst_off" and on is not None:
                ax.axvspan(
                    on, te, ymin=0.5 * row, ymax=0.5 * row + 0.5, color=colour, alpha=0.25, lw=0
                )
                on = None
        spikes = [te for kind, c, te in data.events if kind == "spike" and c == ch]
        ax.plot(spikes, [0.25 + 0.5 * row] * len(spikes), "|", color=colour, ms=8, label=name)
    ax.set_yticks([0.25, 0.75], ["flexor", "extensor"])
    ax.set_ylim(0, 1)
    ax.set_ylabel("bursts")
    ax = axes[2]
    ax.plot(t, data.hip, color="C2", label="hip (deg)")
    ax.plot(t, data.knee, color="C3", label="knee (deg)")
    ax.set_ylabel("joints (deg)")
    ax.legend(loc="upper right", fontsize=7)
    ax = axes[3]
    # gait diagram: stance (foot switch closed) as bars, swing as the gaps between them
    ax.broken_barh(_runs(t, data.contact), (0.1, 0.8), color="C4", alpha=0.7)
    ax.set_yticks([0.5], ["stance"])
    ax.set_ylim(0, 1)
    ax.set_ylabel("gait")
    if data.physics_trace:
        ax2 = ax.twinx()
        trace = data.physics_trace
        ax2.plot([p.t - data.t_start for p in trace], [p.x for p in trace], color="k", lw=1)
        ax2.set_ylabel("carriage x (m)")
    ax.set_xlabel("board time (s)")
    sf = summary.get("step_frequency_hz")
    cf = summary.get("cpg_frequency_hz")
    df = summary.get("duty_factor")
    fig.suptitle(
        f"mnsu demo: stepping {sf or 0:.3f} Hz, CPG {cf or 0:.3f} Hz, duty {df or 0:.2f}, "
        f"{summary['frames_lost']} frames lost"
    )
    return save(fig, path, dpi=100)


# Fixed colours per regime so that maps of different sweeps compare at a glance.
REGIME_COLOURS = {
    "silent": "#d9d9d9",
    "latched": "#404040",
    "stopped": "#a6a6a6",
    "tonic": "#4e9ad1",
    "fast": "#1b3f8b",
    "burst-short": "#f2a541",
    "burst-long": "#d1495b",
    "irregular": "#8fbc5a",
}


def _edges(values: Sequence[float]) -> list[float]:
    """Cell edges around grid values (midpoints; a single value gets a cell of +-5 %)."""
    if len(values) == 1:
        half = abs(values[0]) * 0.05 or 0.5
        return [values[0] - half, values[0] + half]
    mids = [(a + b) / 2 for a, b in zip(values, values[1:], strict=False)]
    return [2 * values[0] - mids[0], *mids, 2 * values[-1] - mids[-1]]


def plot_regime_map(
    axes: Sequence[Axis], regime_map: list[Any], title: str, path: str | Path
) -> Path:
    """Write the regime map: categorical colours, a legend, axis labels with units."""
    rows = [regime_map] if len(axes) == 1 else regime_map
    codes = [[REGIMES.index(r) for r in row] for row in rows]
    cmap = ListedColormap([REGIME_COLOURS[r] for r in REGIMES])
    x = axes[0].scaled()
    if len(axes) == 1:
        y_edges = [0.0, 1.0]
        figsize = (8, 2.6)
    else:
        y_edges = _edges(axes[1].scaled())
        figsize = (8, 6)
    fig, ax = plt.subplots(figsize=figsize)
    ax.pcolormesh(
        _edges(x), y_edges, codes, cmap=cmap, vmin=-0.5, vmax=len(REGIMES) - 0.5, shading="flat"
    )
    ax.set_xlabel(axes[0].label())
    if len(axes) == 2:
        ax.set_ylabel(axes[1].label())
    else:
        ax.set_yticks([])
    present = [r for r in REGIMES if any(r in row for row in rows)]
    ax.legend(
        handles=[Patch(color=REGIME_COLOURS[r], label=r) for r in present],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
    )
    ax.set_title(title, fontsize=10)
    return save(fig, path, dpi=110)


def plot_resonance(result: Mapping[str, Any], path: str | Path) -> Path:
    """Write the drive response (and the pendulum swing) against frequency."""
    panels = 2 if "pendulum" in result else 1
    fig, axes = plt.subplots(1, panels, figsize=(5.5 * panels, 4), squeeze=False)
    ax = axes[0][0]
    ax.plot(
        [d["freq_hz"] for d in result["drive"]], [d["response_hz"] for d in result["drive"]], "o-"
    )
    ax.set_xlabel("drive frequency (Hz)")
    ax.set_ylabel("response at the drive frequency (Hz)")
    ax.set_title("driven burster")
    if result["burst_frequency_hz"]:
        for axis in axes[0]:
            axis.axvline(result["burst_frequency_hz"], color="grey", ls=":", label="own bursts")
    if panels == 2:
        ax2 = axes[0][1]
        ax2.plot(
            [d["natural_hz"] for d in result["pendulum"]],
            [d["swing_deg"] for d in result["pendulum"]],
            "o-",
            color="C1",
        )
        ax2.set_xlabel("pendulum natural frequency (Hz)")
        ax2.set_ylabel("hip swing amplitude (deg)")
        ax2.set_title("bursts swinging a pendular leg")
    axes[0][0].legend()
    fig.suptitle(f"{result['board']}: {result['neuron']}")
    return save(fig, path, dpi=110)


def plot_selfconsistency(result: Analysis, title: str, path: str | Path) -> Path:
    """G(f) of each map against f, the diagonal, and the fixed points (filled = stable)."""
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    f_max = result.f_max
    ax.plot([0, f_max], [0, f_max], color="grey", lw=0.8, ls="--", label="G(f) = f")
    colours = {"mean-field": "#4e9ad1", "periodic": "#d1495b"}
    for m in result.maps:
        xs = [p[0] for p in m.curve]
        ys = [p[1] for p in m.curve]
        colour = colours.get(m.method, "black")
        ax.plot(xs, ys, color=colour, lw=1.3, label=f"G(f), {m.method}")
        for fp in m.fixed:
            ax.plot(
                [fp.rate_hz],
                [fp.rate_hz],
                "o",
                ms=7,
                color=colour,
                mfc=colour if fp.stable else "white",
            )
    ax.set_xlabel("rate f (Hz)")
    ax.set_ylabel("G(f) = F(I_bias + W s(f) - <w>(f)) (Hz)")
    ax.set_xlim(0, f_max)
    ax.set_ylim(0, f_max)
    ax.legend(loc="upper left", frameon=False, fontsize=9)
    ax.set_title(f"{title}\n(filled: stable, open: unstable)", fontsize=10)
    return save(fig, path, dpi=110)


def plot_spice(both: Both, path: str | Path, window: float = 3e-3) -> Path:
    """Each unit's readout (I_M*R_on) in the emulator and in ngspice over the analysed span
    (left), and one spike's shape, both aligned at their first spike after the transient
    (right: `window` s from 0.5 ms before it)."""
    result = both.result
    board = both.emulator.board
    start, stop = result["transient_s"], result["duration_s"]
    t = both.run.time
    n = len(board.neurons)
    fig, axes = plt.subplots(n, 2, figsize=(12, 2.2 * n + 0.6), squeeze=False)
    for i, spec in enumerate(board.neurons):
        spice = both.run.vectors[both.net.device_current[spec.name]] * spec.R_read
        left, right = axes[i]
        times = sample_times(stop, 2000.0)
        times = times[times >= start]
        left.plot(times, readout(both.emulator, i, times), lw=1.6, color="0.6", label="emulator")
        span = t >= start
        left.plot(t[span], spice[span], lw=0.7, color="C3", label="ngspice")
        left.set_xlim(start, stop)
        left.set_ylabel(f"{spec.name} readout (V)")
        first_emu = result["emulator"]["neurons"][spec.name]["first_spike_s"]
        first_spice = result["ngspice"]["neurons"][spec.name]["first_spike_s"]
        if first_emu is not None and first_spice is not None:
            emu_after = [x for x in both.emulator.spikes[i] if x >= start]
            up, _ = crossings(t, spice / spec.R_read, spec.I_hold)
            spice_after = up[up >= start]
            if emu_after and len(spice_after):
                t0e, t0s = emu_after[0], float(spice_after[0])
                zt = t0e - 5e-4 + np.linspace(0.0, window, 3000)
                right.plot((zt - t0e) * 1e3, readout(both.emulator, i, zt), lw=1.6, color="0.6")
                near = (t >= t0s - 5e-4) & (t <= t0s - 5e-4 + window)
                right.plot((t[near] - t0s) * 1e3, spice[near], lw=0.8, color="C3")
        right.set_ylabel("readout (V)")
        if i == 0:
            left.legend(loc="upper right", fontsize=8)
            right.set_title("first spike after the transient, aligned at its onset", fontsize=9)
    axes[-1][0].set_xlabel("time (s)")
    axes[-1][1].set_xlabel("time from the spike onset (ms)")
    fig.suptitle(
        f"{result['board']}: emulator and ngspice ({result['device']} device, "
        f"max step {result['max_step_s']:g} s)"
    )
    fig.tight_layout()
    return save(fig, path)


# the histogram panels of a mismatch Monte Carlo: (figure key, axis label, scale)
_MISMATCH_PANELS = (
    ("burst_period_s", "burst period (ms)", 1e3),
    ("duty", "duty (fraction of the period)", 1.0),
    ("spikes_per_burst", "spikes per burst", 1.0),
    ("rate_hz", "rate, 1/mean ISI (Hz)", 1.0),
)


def plot_mismatch(
    out: Mapping[str, Any], runs: Sequence[Mapping[str, Any]], path: str | Path
) -> Path:
    """Histograms of a mismatch Monte Carlo: one panel per figure with every neuron overlaid
    (its nominal value dashed), the phase lags, and the regime counts."""
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5))
    flat = list(axes.flat)
    ran = [r for r in runs if "refused" not in r]
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    names = list(out["neurons"])
    bins = max(10, min(60, int(math.sqrt(max(len(ran), 1)) * 1.5)))
    for ax, (key, label, scale) in zip(flat, _MISMATCH_PANELS, strict=False):
        series = {
            name: np.array(
                [r["neurons"][name][key] for r in ran if r["neurons"][name][key] is not None]
            )
            * scale
            for name in names
        }
        pooled = np.concatenate([v for v in series.values() if v.size] or [np.zeros(0)])
        edges = np.histogram_bin_edges(pooled, bins=bins) if pooled.size else None
        for k, name in enumerate(names):
            colour = colours[k % len(colours)]
            if edges is not None and series[name].size:
                ax.hist(series[name], bins=edges, histtype="step", color=colour, label=name)
            ref = out["nominal"]["neurons"][name][key]
            if ref is not None:
                ax.axvline(ref * scale, color=colour, linestyle="--", linewidth=1)
        ax.set_xlabel(label)
        ax.set_ylabel("boards")
        if edges is not None:
            ax.legend(frameon=False, fontsize=8, title="dashed: nominal", title_fontsize=7)
        else:
            ax.text(0.5, 0.5, "no bursts", ha="center", va="center", transform=ax.transAxes)
    ax = flat[4]
    for k, (pair, d) in enumerate(out["phase_lag"].items()):
        colour = colours[k % len(colours)]
        present = [v for v in (r["phase_lag"].get(pair) for r in ran) if v is not None]
        if present:
            ax.hist(present, bins=100, range=(0.0, 1.0), histtype="step", color=colour, label=pair)
        if d["nominal"] is not None:
            ax.axvline(d["nominal"], color=colour, linestyle="--", linewidth=1)
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel("phase lag (cycles)")
    ax.set_ylabel("boards")
    if out["phase_lag"]:
        ax.legend(frameon=False, fontsize=8)
    else:
        ax.text(0.5, 0.5, "no phase lags", ha="center", va="center", transform=ax.transAxes)
    ax = flat[5]
    present_regimes = [r for r in REGIMES if any(r in c for c in out["regimes"].values())]
    width = min(0.8 / max(len(names), 1), 0.3)
    for k, name in enumerate(names):
        counts = [out["regimes"][name].get(r, 0) for r in present_regimes]
        xs = [i + (k - (len(names) - 1) / 2) * width for i in range(len(present_regimes))]
        ax.bar(xs, counts, width=width, color=colours[k % len(colours)], label=name)
    ax.set_xticks(range(len(present_regimes)), present_regimes, rotation=20, fontsize=8)
    ax.set_xlim(-0.7, max(len(present_regimes), 2) - 0.3)
    ax.set_ylabel("boards")
    ax.set_xlabel("regime")
    ax.legend(frameon=False, fontsize=8)
    keep = out["keeps_rhythm"]
    tols = ", ".join(f"{t['key']} {t['text']}" for t in out["tolerances"])
    share = "-" if keep["fraction"] is None else f"{100 * keep['fraction']:.1f} %"
    fig.suptitle(
        f"{out['board']}: {out['runs']} boards ({out['dist']}: {tols}), "
        f"{out['duration_s']:g} s each; {share} keep the nominal rhythm",
        fontsize=11,
    )
    return save(fig, path, dpi=100)

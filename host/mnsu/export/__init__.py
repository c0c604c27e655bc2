"""Data out: a recorded emulator run written as .npz, .csv, .h5 or .nwb, picked by extension.

`RunRecord` gathers what every format holds (pure: arrays and metadata from the emulator);
`write_run` writes exactly the path given, in the format its extension names, or refuses.

- `.npz` (numpy.load): `t`, per neuron `spikes_N`, `spike_ends_N` and one trace per node
  `NODE_N`, `adcK`; `units` (JSON: array name -> SI unit), `board_yaml`, `command`,
  `version`, `seed`.
- `.csv` (csv): tidy, one row per sample and neuron: `time_s, neuron, membrane_V, readout_V,
  dendrite_V, adaptation_A, synapse_activation, spike_onsets` (onsets in [t, t + 1/rate));
  a column appears when some unit has the node, a cell is empty where a unit lacks it.
- `.h5` (h5py): `/time` (s), `/neurons/N/{spike_onsets, spike_ends, NODE}`, `/adc/K`, each
  with a `units` attribute; root attributes `board`, `board_yaml`, `command`, `mnsu_version`,
  `seed`, `duration_s`, `trace_rate_hz`.
- `.nwb` (pynwb): spike times in the units table (column `neuron`), each trace an acquisition
  TimeSeries `N_NODE` with its unit and rate, the resolved board in `notes`, the command in
  `source_script`, the seed in `session_id`.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml
from numpy.typing import NDArray

from mnsu import __version__
from mnsu.circuit.board import Board
from mnsu.circuit.emulator import Emulator
from mnsu.circuit.traces import NODE_UNITS, NODES, adc_trace, has_node, node_trace, sample_times

FORMATS = (".npz", ".csv", ".h5", ".nwb")


class ExportError(ValueError):
    """An --out path that cannot be written (unknown extension, missing library)."""


@dataclass
class RunRecord:
    """Everything an export holds, in SI units."""

    board: str  # board name
    board_yaml: str  # the resolved board file (overrides applied)
    command: str
    version: str
    seed: int
    duration_s: float
    trace_rate_hz: float
    time: NDArray[np.float64]
    neurons: list[str]
    spikes: dict[str, NDArray[np.float64]]
    spike_ends: dict[str, NDArray[np.float64]]
    traces: dict[tuple[str, str], NDArray[np.float64]]  # (neuron, node) -> samples
    adc: dict[int, NDArray[np.int64]] = field(default_factory=dict)
    adc_source: dict[int, str] = field(default_factory=dict)  # channel -> "neuron.node"


def format_of(path: str) -> str:
    """The format an --out path names, or ExportError saying which ones exist."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ExportError(
            f"--out {path}: unknown format {suffix or '(no extension)'!r}; "
            f"use one of {', '.join(FORMATS)}"
        )
    return suffix


def record_run(
    emu: Emulator,
    board: Board,
    rate_hz: float,
    seed: int,
    argv: Sequence[str],
    nodes: Sequence[str] = NODES,
) -> RunRecord:
    """Sample a recorded run (Emulator(record=True)) at `rate_hz` for export."""
    times = sample_times(emu.t, rate_hz)
    traces: dict[tuple[str, str], NDArray[np.float64]] = {}
    for i, name in enumerate(emu.names):
        for node in nodes:
            if has_node(emu, i, node):
                traces[(name, node)] = node_trace(emu, i, node, times)
    return RunRecord(
        board=board.name,
        board_yaml=yaml.safe_dump(dict(board.raw), sort_keys=False),
        command=shlex.join(["mnsu", *argv]),
        version=__version__,
        seed=seed,
        duration_s=emu.t,
        trace_rate_hz=rate_hz,
        time=times,
        neurons=list(emu.names),
        spikes={n: np.array(emu.spikes[i], dtype=np.float64) for i, n in enumerate(emu.names)},
        spike_ends={
            n: np.array(emu.spike_ends[i], dtype=np.float64) for i, n in enumerate(emu.names)
        },
        traces=traces,
        adc={ch: adc_trace(emu, ch, times, seed) for ch in emu.adc_channels},
        adc_source={ch: f"{p.neuron}.{p.node}" for ch, p in emu.probes.items()},
    )


def write_run(run: RunRecord, path: str) -> str:
    """Write `run` to exactly `path` in the format of its extension; return the path."""
    kind = format_of(path)
    from mnsu.export import formats

    writer = {
        ".npz": formats.write_npz,
        ".csv": formats.write_csv,
        ".h5": formats.write_h5,
        ".nwb": formats.write_nwb,
    }[kind]
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    writer(run, target)
    return path


def units_table(run: RunRecord) -> dict[str, str]:
    """npz/h5 array name -> SI unit ("" for dimensionless, "counts" for ADC codes)."""
    units = {"t": "s"}
    for name in run.neurons:
        units[f"spikes_{name}"] = "s"
        units[f"spike_ends_{name}"] = "s"
    for name, node in run.traces:
        units[f"{node}_{name}"] = NODE_UNITS[node]
    for ch in run.adc:
        units[f"adc{ch}"] = "counts"
    return units


def units_json(run: RunRecord) -> str:
    return json.dumps(units_table(run))

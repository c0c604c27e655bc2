"""The four writers of mnsu.export (one function per format; the formats' own libraries)."""

from __future__ import annotations

import csv
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from mnsu.circuit.traces import NODE_UNITS, NODES
from mnsu.export import ExportError, RunRecord, units_json

CSV_COLUMNS = {node: f"{node}_{NODE_UNITS[node]}" for node in NODES}
CSV_COLUMNS["synapse"] = "synapse_activation"
NWB_UNITS = {"V": "volts", "A": "amperes", "": "n/a"}


def write_npz(run: RunRecord, path: Path) -> None:
    arrays: dict[str, Any] = {"t": run.time, "neurons": np.array(run.neurons)}
    for name in run.neurons:
        arrays[f"spikes_{name}"] = run.spikes[name]
        arrays[f"spike_ends_{name}"] = run.spike_ends[name]
    for (name, node), values in run.traces.items():
        arrays[f"{node}_{name}"] = values
    for ch, codes in run.adc.items():
        arrays[f"adc{ch}"] = codes
    arrays["units"] = np.array(units_json(run))
    arrays["board_yaml"] = np.array(run.board_yaml)
    arrays["command"] = np.array(run.command)
    arrays["version"] = np.array(run.version)
    arrays["seed"] = np.array(run.seed)
    with path.open("wb") as f:  # a file object: numpy appends no ".npz"
        np.savez_compressed(f, **arrays)


def write_csv(run: RunRecord, path: Path) -> None:
    nodes = [node for node in NODES if any(n == node for _, n in run.traces)]
    header = ["time_s", "neuron", *(CSV_COLUMNS[n] for n in nodes), "spike_onsets"]
    dt = 1.0 / run.trace_rate_hz
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(header)
        for name in run.neurons:
            counts = np.histogram(run.spikes[name], bins=np.append(run.time, run.time[-1] + dt))[0]
            columns = [run.traces.get((name, node)) for node in nodes]
            for k, t in enumerate(run.time):
                cells = ["" if c is None else repr(float(c[k])) for c in columns]
                out.writerow([repr(float(t)), name, *cells, int(counts[k])])


def write_h5(run: RunRecord, path: Path) -> None:
    h5py = _library("h5py", ".h5")
    with h5py.File(path, "w") as f:
        f.attrs.update(
            {
                "board": run.board,
                "board_yaml": run.board_yaml,
                "command": run.command,
                "mnsu_version": run.version,
                "seed": run.seed,
                "duration_s": run.duration_s,
                "trace_rate_hz": run.trace_rate_hz,
            }
        )
        f.create_dataset("time", data=run.time).attrs["units"] = "s"
        for name in run.neurons:
            group = f.create_group(f"neurons/{name}")
            group.create_dataset("spike_onsets", data=run.spikes[name]).attrs["units"] = "s"
            group.create_dataset("spike_ends", data=run.spike_ends[name]).attrs["units"] = "s"
        for (name, node), values in run.traces.items():
            data = f.create_dataset(f"neurons/{name}/{node}", data=values, compression="gzip")
            data.attrs["units"] = NODE_UNITS[node]
        for ch, codes in run.adc.items():
            data = f.create_dataset(f"adc/{ch}", data=codes, compression="gzip")
            data.attrs["units"] = "counts"
            data.attrs["source"] = run.adc_source[ch]


def write_nwb(run: RunRecord, path: Path) -> None:
    pynwb = _library("pynwb", ".nwb")
    nwb = pynwb.NWBFile(
        session_description=f"mnsu emulation of board {run.board}, {run.duration_s:g} s",
        identifier=str(uuid.uuid4()),
        session_start_time=datetime.now(timezone.utc),
        experiment_description="event-exact emulation of a memristive neuro-synaptic board",
        session_id=f"seed {run.seed}",
        notes=run.board_yaml,
        source_script=f"{run.command} (mnsu {run.version})",
        source_script_file_name="mnsu",
    )
    nwb.add_unit_column(name="neuron", description="neuron name on the board")
    for name in run.neurons:
        nwb.add_unit(spike_times=run.spikes[name], neuron=name)
    for (name, node), values in run.traces.items():
        unit = NODE_UNITS[node]
        nwb.add_acquisition(
            pynwb.TimeSeries(
                name=f"{name}_{node}",
                description=f"{node} of neuron {name}",
                data=values,
                unit=NWB_UNITS[unit],
                starting_time=0.0,
                rate=run.trace_rate_hz,
            )
        )
    with pynwb.NWBHDF5IO(str(path), "w") as io:
        io.write(nwb)


def _library(name: str, suffix: str) -> Any:
    try:
        return __import__(name)
    except ImportError:
        raise ExportError(
            f"{suffix} output needs {name}: pip install 'mnsu[data]' (or make venv)"
        ) from None

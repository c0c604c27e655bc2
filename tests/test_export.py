"""`mnsu simulate --out`: each format read back by its own library against the emulator."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from mnsu.circuit.board import load_board
from mnsu.circuit.emulator import Emulator
from mnsu.circuit.traces import node_trace, sample_times
from mnsu.cli import main

RATE = 1000.0
DURATION = 1.0


def run(examples: Path, out: Path, board: str = "bursting.yaml") -> Emulator:
    """The CLI writes `out`; return an emulator run of the same board for the reference."""
    argv = ["simulate", str(examples / board), "--duration", str(DURATION)]
    assert main([*argv, "--out", str(out), "--trace-rate", str(RATE), "--json"]) == 0
    emu = Emulator(load_board(examples / board), record=True)
    emu.advance(DURATION)
    return emu


def reference(emu: Emulator, node: str) -> np.ndarray:
    return node_trace(emu, 0, node, sample_times(DURATION, RATE))


def test_npz(examples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run.npz"
    emu = run(examples, out)
    assert json.loads(capsys.readouterr().out)["out"] == str(out)
    data = np.load(out)
    assert list(data["spikes_S"]) == emu.spikes[0]
    np.testing.assert_array_equal(data["dendrite_S"], reference(emu, "dendrite"))
    units = json.loads(str(data["units"]))
    assert units["membrane_S"] == "V" and units["t"] == "s" and units["adc0"] == "counts"
    assert yaml.safe_load(str(data["board_yaml"]))["name"] == "bursting"


def test_csv_is_tidy_with_si_units(
    examples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.csv"
    emu = run(examples, out)
    assert out.exists() and not (tmp_path / "x.csv.npz").exists()
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    n = len(sample_times(DURATION, RATE))
    assert len(rows) == n  # one neuron: one row per sample
    assert set(rows[0]) == {
        "time_s",
        "neuron",
        "membrane_V",
        "readout_V",
        "dendrite_V",
        "spike_onsets",
    }
    membrane = np.array([float(r["membrane_V"]) for r in rows])
    np.testing.assert_array_equal(membrane, reference(emu, "membrane"))
    assert sum(int(r["spike_onsets"]) for r in rows) == len(emu.spikes[0])


def test_hdf5_has_units_board_command_version_seed(
    examples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    h5py = pytest.importorskip("h5py")
    out = tmp_path / "run.h5"
    emu = run(examples, out)
    with h5py.File(out, "r") as f:
        assert f["time"].attrs["units"] == "s"
        soma = f["neurons/S/membrane"]
        assert soma.attrs["units"] == "V"
        np.testing.assert_array_equal(soma[()], reference(emu, "membrane"))
        assert list(f["neurons/S/spike_onsets"][()]) == emu.spikes[0]
        assert f["adc/0"].attrs["source"] == "S.readout"
        assert yaml.safe_load(f.attrs["board_yaml"])["neurons"]["S"]["R_c"] == "6 kohm"
        assert f.attrs["command"].startswith("mnsu simulate ")
        assert f.attrs["seed"] == 0 and f.attrs["mnsu_version"]


def test_nwb_units_table_and_timeseries(
    examples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pynwb = pytest.importorskip("pynwb")
    out = tmp_path / "run.nwb"
    emu = run(examples, out, "hco.yaml")
    with pynwb.NWBHDF5IO(str(out), "r") as io:
        nwb = io.read()
        units = nwb.units.to_dataframe()
        assert list(units["neuron"]) == ["A", "B"]
        assert list(units["spike_times"].iloc[1]) == emu.spikes[1]
        series = nwb.acquisition["A_membrane"]
        assert series.unit == "volts" and series.rate == RATE
        np.testing.assert_array_equal(series.data[()], reference(emu, "membrane"))
        assert nwb.acquisition["A_adaptation"].unit == "amperes"
        assert yaml.safe_load(nwb.notes)["name"] == "hco"


@pytest.mark.parametrize("name", ["x.txt", "x", "x.NPZ.bak"])
def test_unknown_extension_is_refused_before_the_run(
    examples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    out = tmp_path / name
    argv = ["simulate", str(examples / "lif.yaml"), "--duration", "1", "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("mnsu simulate: --out ") and "use one of .npz, .csv, .h5, .nwb" in err
    assert list(tmp_path.iterdir()) == []

"""`mnsu simulate` as a user runs it: JSON contract, overrides, outputs, errors."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mnsu.cli import main

MNSU = [sys.executable, "-m", "mnsu.cli"]


def test_json_contract(examples: Path) -> None:
    out = subprocess.run(
        [*MNSU, "simulate", str(examples / "leg.yaml"), "--duration", "10", "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result = json.loads(out.stdout)  # exactly one JSON object on stdout
    assert set(result) >= {
        "board",
        "duration_s",
        "wall_s",
        "realtime_factor",
        "neurons",
        "phase_lag",
    }
    assert result["board"] == "leg"
    assert result["duration_s"] == 10.0
    assert set(result["neurons"]) == {"F", "E"}
    for figures in result["neurons"].values():
        assert set(figures) == {
            "spike_count",
            "rate_hz",
            "count_rate_hz",
            "burst_gap_s",
            "bursts",
            "burst_period_s",
            "spikes_per_burst",
            "duty",
            "regime",
        }
        assert figures["regime"] == "burst-long"
        assert figures["burst_period_s"] == pytest.approx(0.829, rel=0.03)  # regression pin
    assert result["phase_lag"]["F->E"] == pytest.approx(0.5, abs=0.03)


def test_set_override_and_null_figures(examples: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "simulate",
            str(examples / "lif.yaml"),
            "--duration",
            "3",
            "--json",
            "--set",
            "neurons.U.I_bias=200e-6",
        ]
    )
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    unit = result["neurons"]["U"]
    assert unit["rate_hz"] == pytest.approx(60.0, rel=0.01)
    assert unit["burst_period_s"] is None and unit["duty"] is None  # tonic: no bursts
    assert result["phase_lag"] == {}


def test_outputs(examples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    npz, png = tmp_path / "trace.npz", tmp_path / "fig.png"
    code = main(
        [
            "simulate",
            str(examples / "hco.yaml"),
            "--duration",
            "5",
            "--out",
            str(npz),
            "--plot",
            str(png),
            "--trace-rate",
            "1000",
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "phase lag A->B" in text
    data = np.load(npz)
    assert data["t"].shape == (5001,)
    assert data["membrane_A"].shape == (5001,)
    assert data["adc0"].max() > 2500
    assert len(data["spikes_B"]) > 20
    assert png.stat().st_size > 20_000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--duration", "0"], "--duration must be > 0 s"),
        (["--transient", "50"], "--transient must be in"),
        (["--burst-gap", "-1"], "--burst-gap must be > 0 s"),
        (["--set", "neurons.U.C=-1 uF"], r"neurons.U.C: must be > 0"),
        (["--window", "2"], "--window '2': expected T0:T1"),
        (["--window", "1:0.5"], "need 0 <= T0 < T1 <= duration 10 s"),
        (["--window", "1:20"], "need 0 <= T0 < T1 <= duration 10 s"),
        (["--window", "1V:2"], "expected a number in seconds"),
        (["--traces", "membrane,soma"], "--traces 'membrane,soma': expected nodes from"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(
    examples: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code = main(["simulate", str(examples / "lif.yaml"), *args])
    assert code == 2
    assert message in capsys.readouterr().err


def test_figure_window_and_traces(
    examples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png = tmp_path / "burst.png"
    argv = ["simulate", str(examples / "bursting.yaml"), "--duration", "3", "--plot", str(png)]
    assert main([*argv, "--window", "2:2.3", "--traces", "membrane,dendrite,readout"]) == 0
    assert f"plot: {png}" in capsys.readouterr().out
    assert png.stat().st_size > 20_000


def test_missing_board_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "nowhere.yaml"]) == 2
    assert "nowhere.yaml: cannot read the board file" in capsys.readouterr().err


def test_every_subcommand_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    from mnsu.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    names = list(sub.choices)
    assert len(names) == len(set(names)) >= 19  # every subcommand, once
    for name in names:
        with pytest.raises(SystemExit) as exit_info:
            main([name, "--help"])
        assert exit_info.value.code == 0
        text = capsys.readouterr().out
        assert text.startswith(f"usage: mnsu {name}"), name
        assert "--help" in text and len(text.splitlines()) > 3, name
    # the top-level help lists them all (in a subprocess: the installed entry point)
    out = subprocess.run([*MNSU, "--help"], capture_output=True, text=True, check=True, timeout=60)
    assert all(name in out.stdout for name in names)

"""Quadruped gaits from four coupled HCOs: trot and walk phase lags, measured by mnsu simulate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mnsu.cli import main


def circular_error(lag: float, target: float) -> float:
    d = (lag - target) % 1.0
    return min(d, 1.0 - d)


def lags(capsys: pytest.CaptureFixture[str], board: Path, v0: list[float]) -> dict[str, Any]:
    sets = []
    for leg, v in zip(("LF", "RF", "LH", "RH"), v0, strict=True):
        sets += ["--set", f"neurons.{leg}.V0={v}"]
    argv = ["simulate", str(board), "--duration", "12", "--transient", "4", "--json", *sets]
    assert main(argv) == 0
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


INITIAL = [[0.5, 0.0, 0.0, 0.3], [0.0, 0.5, 0.2, 0.4], [0.2, 0.0, 0.4, 0.1]]


@pytest.mark.parametrize("v0", INITIAL)
def test_trot_diagonals_in_phase(
    examples: Path, capsys: pytest.CaptureFixture[str], v0: list[float]
) -> None:
    out = lags(capsys, examples / "quadruped_trot.yaml", v0)
    lag = out["phase_lag"]
    assert circular_error(lag["LF->RH"], 0.0) < 0.05
    assert circular_error(lag["RF->LH"], 0.0) < 0.05
    assert circular_error(lag["LF->RF"], 0.5) < 0.05
    assert circular_error(lag["LF->LH"], 0.5) < 0.05
    assert circular_error(lag["LH->RH"], 0.5) < 0.05
    period = out["neurons"]["LF"]["burst_period_s"]
    assert period == pytest.approx(0.925, rel=0.05)


@pytest.mark.parametrize("v0", INITIAL)
def test_walk_four_beat_quarter_cycles(
    examples: Path, capsys: pytest.CaptureFixture[str], v0: list[float]
) -> None:
    out = lags(capsys, examples / "quadruped_walk.yaml", v0)
    lag = out["phase_lag"]
    # sequence LF, RH, RF, LH, a quarter cycle apart
    assert circular_error(lag["LF->RH"], 0.25) < 0.05
    assert circular_error(lag["LF->RF"], 0.50) < 0.05
    assert circular_error(lag["LF->LH"], 0.75) < 0.05
    assert circular_error(lag["RF->LH"], 0.25) < 0.05
    assert circular_error(lag["RF->RH"], 0.75) < 0.05  # RH one quarter after LF
    period = out["neurons"]["LF"]["burst_period_s"]
    assert period == pytest.approx(0.63, rel=0.05)


def test_the_original_two_leg_board_still_alternates(
    examples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["simulate", str(examples / "quadruped.yaml"), "--duration", "12", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert circular_error(out["phase_lag"]["LF->RF"], 0.5) < 0.05

"""`mnsu simulate` run plainly, with no analysis flags, gives the figures the README states."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mnsu.cli import main
from test_lif import closed_form_rate


def simulate(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["simulate", *args, "--json"]) == 0
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def test_burster_needs_no_burst_gap(examples: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = simulate(capsys, str(examples / "bursting.yaml"), "--duration", "5")
    s = result["neurons"]["S"]
    assert result["burst_gap_source"] == "isi"
    assert s["spikes_per_burst"] == 11  # a count: every complete burst holds 11 spikes
    # regression pin (the emulator's own figure, as README and docs/bursting.md state it)
    assert s["burst_period_s"] == pytest.approx(0.083, abs=0.0005)
    # the split lies between the intra-burst ISIs (<= 3.3 ms) and the 54 ms silences
    assert 0.0033 < s["burst_gap_s"] < 0.054
    assert s["regime"] == "burst-long"


def test_one_second_run_rate_matches_the_closed_form(
    examples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = simulate(capsys, str(examples / "lif.yaml"), "--duration", "1")
    assert result["transient_s"] == 0.25 and result["transient_source"] == "default"
    u = result["neurons"]["U"]
    assert u["rate_hz"] == pytest.approx(closed_form_rate(300e-6), rel=0.005)
    assert u["regime"] == "tonic"


def test_autapse_epochs_silent_set_reset(
    examples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = simulate(capsys, str(examples / "autapse_memory.yaml"), "--duration", "3")
    epochs = result["epochs"]
    assert [(e["start_s"], e["stop_s"]) for e in epochs] == [(0.0, 0.5), (0.5, 2.0), (2.0, 3.0)]
    assert [e["cause"] for e in epochs] == ["start", "set on", "reset on"]
    rates = [e["neurons"]["M"]["rate_hz"] for e in epochs]
    assert rates[0] == 0.0 and rates[2] == 0.0
    # the persistent state of the self-consistent rate equation (`mnsu selfconsistent`,
    # a different algorithm: the f-I curve's fixed point) is 80.2 Hz
    assert rates[1] == pytest.approx(80.2, rel=0.01)
    assert [e["neurons"]["M"]["regime"] for e in epochs] == ["silent", "tonic", "silent"]
    assert result["neurons"]["M"]["regime"] == "stopped"  # the whole run: set, then reset


def test_latched_unit_is_reported_latched(
    examples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 2 mA holds the ON membrane at (2 mA + V_on/R_on) * (R_leak || R_on) = 2.67 V, above
    # V_on + I_hold*R_on = 1.8 V: the device never turns off (depolarisation block)
    result = simulate(
        capsys, str(examples / "lif.yaml"), "--duration", "2", "--set", "neurons.U.I_bias=2e-3"
    )
    u = result["neurons"]["U"]
    assert u["regime"] == "latched"
    assert u["spike_count"] == 0

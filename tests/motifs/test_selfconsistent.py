"""mnsu selfconsistent: fixed points of the autapse memory board against the emulator."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from mnsu.analysis.selfconsistency import (
    Analysis,
    ClosedFormFI,
    analyse,
    mean_activation,
    measure_fi,
    peak_activation,
)
from mnsu.circuit.board import load_board
from mnsu.circuit.emulator import Emulator
from mnsu.cli import main


def persistent_rate(board_path: Path, overrides: list[str]) -> tuple[float, int]:
    """(rate over 1.2..2.0 s after the set pulse, spikes before the pulse) from the emulator."""
    emu = Emulator(load_board(board_path, overrides))
    emu.advance_to(2.0)
    spikes = [t for t in emu.spikes[0] if 1.2 <= t < 2.0]
    before = len([t for t in emu.spikes[0] if t < 0.5])
    return (len(spikes) - 1) / (spikes[-1] - spikes[0]), before


def fixed(result: Analysis, method: str) -> list[tuple[float, bool]]:
    return [(fp.rate_hz, fp.stable) for fp in result.map(method).fixed]


def test_mean_activation_closed_form() -> None:
    # a periodic train: s+ = alpha / (1 - (1 - alpha) q); mean = s+ (1 - q) f tau
    q = math.exp(-1 / (80 * 0.05))
    s_plus = 0.5 / (1 - 0.5 * q)
    assert peak_activation(80, 0.05, 0.5) == pytest.approx(s_plus)
    assert mean_activation(80, 0.05, 0.5) == pytest.approx(s_plus * (1 - q) * 4.0)
    assert mean_activation(0.01, 0.05, 0.5) == pytest.approx(0.5 * 0.01 * 0.05, rel=1e-3)
    assert mean_activation(1e5, 0.05, 0.5) == pytest.approx(1.0, abs=1e-3)
    assert mean_activation(0.0, 0.05, 0.5) == 0.0


def test_measured_and_closed_form_f_i_agree(examples: Path) -> None:
    board = load_board(examples / "autapse_memory.yaml")
    closed = ClosedFormFI(board.neurons[0])
    table = measure_fi(board, "M", 400e-6, points=12, duration=0.6)
    checked = 0
    for current, rate in zip(table.currents, table.rates, strict=True):
        exact = closed.rate(current)
        if exact == 0.0 or exact > 3 / 0.6:  # slower trains (< 3 spikes per run) read as 0
            assert rate == pytest.approx(exact, rel=1e-4, abs=1e-6)
            checked += 1
    assert checked >= 12
    assert table.rates[0] == 0.0 and max(table.rates) == pytest.approx(closed.rate(400e-6))
    assert closed.rate(300e-6) == pytest.approx(130.77, abs=0.01)
    assert closed.rate(500e-6) == pytest.approx(235.02, abs=0.01)
    assert closed.rate(1.1e-3) == 0.0  # latch-up


@pytest.mark.parametrize(("weight", "sim_hz"), [(110e-6, 46.44), (150e-6, 80.21), (250e-6, 145.86)])
def test_persistent_and_silent_states_match_the_emulator(
    examples: Path, weight: float, sim_hz: float
) -> None:
    path = examples / "autapse_memory.yaml"
    overrides = [f"synapses.0.W={weight!r}"]
    simulated, before = persistent_rate(path, overrides)
    assert simulated == pytest.approx(sim_hz, rel=0.005)
    assert before == 0  # silent until the set pulse
    result = analyse(load_board(path, overrides), "M")
    assert result.fi == "closed-form"
    assert result.fi_check["max_rel_diff"] < 1e-3
    for method, tolerance in (("periodic", 0.005), ("mean-field", 0.10)):
        points = fixed(result, method)
        assert points[0] == (0.0, True)  # the silent state, stable
        stable = [f for f, ok in points if ok and f > 0]
        assert len(stable) == 1
        assert stable[0] == pytest.approx(simulated, rel=tolerance)
    # the mean-field map: within 5 % at 80 and 146 Hz, ~10 % high at 46 Hz
    mean_field = [f for f, ok in fixed(result, "mean-field") if ok and f > 0][0]
    error = mean_field / simulated - 1
    assert 0 < error < (0.05 if weight > 140e-6 else 0.12)
    # the unstable middle fixed point of the mean-field map lies between 0 and the persistent rate
    unstable = [f for f, ok in fixed(result, "mean-field") if not ok]
    assert len(unstable) == 1 and 0 < unstable[0] < mean_field


@pytest.mark.parametrize(("weight", "one_spike_sets"), [(110e-6, False), (150e-6, True)])
def test_a_single_spike_sets_the_memory_when_the_periodic_map_jumps(
    examples: Path, weight: float, one_spike_sets: bool
) -> None:
    path = examples / "autapse_memory.yaml"
    # a 1 ms, 700 uA set pulse: exactly one spike
    overrides = [f"synapses.0.W={weight!r}", "inputs.0.amplitude=700e-6", "inputs.0.duration=1e-3"]
    emu = Emulator(load_board(path, overrides))
    emu.advance_to(1.0)
    spikes = emu.spikes[0]
    assert len([t for t in spikes if t < 0.502]) == 1
    assert (len(spikes) > 20) == one_spike_sets
    result = analyse(load_board(path, [f"synapses.0.W={weight!r}"]), "M", points=90)
    g0 = result.map("periodic").g0_plus
    assert (g0 > 0) == one_spike_sets
    if one_spike_sets:
        assert 1.0 / (spikes[1] - spikes[0]) == pytest.approx(g0, rel=0.01)


def test_adaptation_lowers_the_persistent_rate(examples: Path) -> None:
    path = examples / "autapse_memory.yaml"
    overrides = [
        "synapses.0.W=250e-6",
        "neurons.M.adapt_a=5e-6",
        "neurons.M.adapt_b=0.3e-6",
        "neurons.M.adapt_tau=0.3",
    ]
    simulated, before = persistent_rate(path, overrides)
    assert before == 0
    assert simulated == pytest.approx(128.2, rel=0.01)  # vs 145.9 Hz without adaptation
    result = analyse(load_board(path, overrides), "M", periodic=False)
    stable = [f for f, ok in fixed(result, "mean-field") if ok]
    assert stable[0] == 0.0
    assert stable[1] == pytest.approx(simulated, rel=0.05)
    # measured f-I curve (emulator runs of the isolated unit) gives the same answer
    measured = analyse(load_board(path, overrides), "M", fi_kind="measured", periodic=False)
    assert measured.fi == "measured"
    assert [f for f, ok in fixed(measured, "mean-field") if ok][1] == pytest.approx(
        stable[1], rel=0.01
    )


def test_cli_json_and_plot(
    examples: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fig = tmp_path / "g.png"
    argv = ["selfconsistent", str(examples / "autapse_memory.yaml"), "--neuron", "M"]
    assert main([*argv, "--json", "--plot", str(fig)]) == 0
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    rates = [p["rate_hz"] for p in out["maps"]["periodic"]["fixed_points"] if p["stable"]]
    assert rates[0] == 0.0 and rates[1] == pytest.approx(80.21, rel=0.005)
    assert fig.stat().st_size > 10_000
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "unstable" in text and "80.21 Hz" in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--neuron", "Q"], "no neuron 'Q'"),
        (["--neuron", "M", "--set", "synapses.0.W=3 V"], "expected a number in amperes"),
        (["--neuron", "M", "--f-max", "-1"], "--f-max"),
        (
            ["--neuron", "M", "--set", "neurons.M.turn_on_delay=1e-6", "--fi", "closed-form"],
            "not a plain LIF unit",
        ),
    ],
)
def test_bad_input_exits_2(
    examples: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["selfconsistent", str(examples / "autapse_memory.yaml"), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mnsu selfconsistent: ") and message in err

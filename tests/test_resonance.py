"""Resonant adaptation: bursting as a driven damped oscillator; bursts entrain a pendular leg."""

from __future__ import annotations

from pathlib import Path

import pytest

from mnsu.analysis.resonance import (
    burst_frequency,
    drive_response,
    peak,
    pendulum_response,
    rate_modulation,
    spring_for,
)
from mnsu.circuit.board import load_board
from mnsu.circuit.emulator import Emulator
from mnsu.cli import main
from mnsu.robot.leg import PendulumSpec, pendulum_natural_frequency_hz


def test_rate_modulation_of_a_periodic_train() -> None:
    train = [k * 0.25 for k in range(81)]  # 4 Hz, 20 s
    assert rate_modulation(train, 4.0, 0.0, 20.0) == pytest.approx(4.0, rel=0.02)
    assert rate_modulation(train, 3.1, 0.0, 20.0) < 0.2


def test_drive_response_peaks_at_the_burst_frequency(examples: Path) -> None:
    board = examples / "resonant_burster.yaml"
    own = burst_frequency(board, "R", "drive", 12.0, 3.0, 0.03)
    assert own is not None
    assert own == pytest.approx(4.13, rel=0.01)
    freqs = [3.0, 3.5, 4.0, 4.25, 5.0, 5.5]
    curve = drive_response(board, "R", "drive", freqs, 16.0, 4.0, amplitude=100e-6)
    best = peak(curve)
    assert abs(best.freq_hz - own) <= 0.15
    by_freq = {r.freq_hz: r.amplitude for r in curve}
    assert best.amplitude > 3 * by_freq[3.0]
    assert best.amplitude > 3 * by_freq[5.5]


def test_bursts_entrain_a_pendulum_near_its_natural_frequency(examples: Path) -> None:
    quiet = load_board(examples / "resonant_burster.yaml", ["inputs.0.amplitude=0"])
    emu = Emulator(quiet)
    emu.advance(12.0)
    leg = load_board(examples / "leg.yaml").leg
    assert leg is not None
    naturals = [2.5, 3.5, 4.0, 4.5, 5.5, 6.5]
    swings = pendulum_response(emu.spikes[0], emu.spike_ends[0], leg, naturals, 12.0, 4.0, 0.03)
    best = peak(swings)
    assert 3.5 <= best.freq_hz <= 4.5  # the bursts come at 4.13 Hz
    by_freq = {r.freq_hz: r.amplitude for r in swings}
    assert best.amplitude > 2 * by_freq[2.5]
    assert best.amplitude > 1.5 * by_freq[6.5]


def test_spring_for_sets_the_natural_frequency(examples: Path) -> None:
    leg = load_board(examples / "leg.yaml").leg
    assert leg is not None
    spring = spring_for(4.0, leg, 0.1)
    natural = pendulum_natural_frequency_hz(0.2, PendulumSpec(mass_kg=0.1, spring_nm_rad=spring))
    assert natural == pytest.approx(4.0, rel=1e-9)
    with pytest.raises(ValueError, match="swings at 1.36 Hz under gravity alone"):
        spring_for(0.5, leg, 0.1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--freqs", "5:2:3"], "need 0 < START < STOP and N >= 2"),
        (["--freqs", "two"], "expected START:STOP:N"),
        (["--input", "nope"], "no input named 'nope'"),
        (["--neuron", "Q"], "no neuron 'Q'"),
        (["--duration", "2", "--transient", "3"], "need --duration > --transient"),
    ],
)
def test_bad_arguments(
    examples: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    argv = ["resonance", str(examples / "resonant_burster.yaml"), "--neuron", "R", *args]
    if "--neuron" in args:
        argv = ["resonance", str(examples / "resonant_burster.yaml"), *args]
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_drive_must_be_a_pulse_input(examples: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["resonance", str(examples / "leg.yaml"), "--neuron", "F", "--input", "drive"]
    assert main(argv) == 2
    assert "the drive must be a pulse input" in capsys.readouterr().err

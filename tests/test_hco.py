"""HCO-P0 (examples/hco.yaml): period, anti-phase, duty, trends, WTA."""

from __future__ import annotations

from pathlib import Path

import pytest

from mnsu.analysis.rhythm import NeuronStats, neuron_stats, phase_lag
from mnsu.circuit.board import load_board
from mnsu.circuit.emulator import Emulator


def run_hco(
    examples: Path, overrides: list[str] | None = None, duration: float = 30.0
) -> dict[str, NeuronStats]:
    emu = Emulator(load_board(examples / "hco.yaml", overrides or []))
    emu.advance(duration)
    return {
        name: neuron_stats(emu.spikes[i], emu.spike_ends[i], duration, 1.5, 0.1)
        for i, name in enumerate(emu.names)
    }


# The HCO's period, duty and the drive and adaptation curves have no closed form: the values
# below are regression pins (the emulator's own figures, which README and docs/figures.yaml
# state). What checks the dynamics independently is tests/test_accuracy.py: the first 50 spike
# times against a fine-step RK4 integration within 0.1 ns.
def test_hco_p0_rhythm(examples: Path) -> None:
    stats = run_hco(examples)
    for s in stats.values():
        assert s.burst_period_s == pytest.approx(0.829, rel=0.03)
        assert s.period_cv is not None and s.period_cv < 0.05
        assert s.duty == pytest.approx(0.44, abs=0.03)
        assert s.spikes_per_burst is not None and 17 <= s.spikes_per_burst <= 19
    lag = phase_lag(stats["A"].onsets, stats["B"].onsets)
    assert lag == pytest.approx(0.50, abs=0.03)


@pytest.mark.parametrize(("tau_w", "period"), [(0.15, 0.530), (0.3, 0.830), (0.6, 1.135)])
def test_period_grows_with_adaptation_time_constant(
    examples: Path, tau_w: float, period: float
) -> None:
    stats = run_hco(examples, [f"defaults.adapt_tau={tau_w}"], duration=20.0)
    assert stats["A"].burst_period_s == pytest.approx(period, rel=0.05)


def test_drive_curve_is_monotonic_and_matches_reference(examples: Path) -> None:
    reference = {360e-6: 0.490, 380e-6: 0.625, 400e-6: 0.830, 420e-6: 1.400}  # regression pins
    periods = []
    for current, period in reference.items():
        stats = run_hco(examples, [f"defaults.I_bias={current!r}"], duration=20.0)
        measured = stats["A"].burst_period_s
        assert measured is not None
        assert measured == pytest.approx(period, rel=0.05)
        periods.append(measured)
    assert periods == sorted(periods)


def test_winner_take_all_at_430_ua(examples: Path) -> None:
    stats = run_hco(examples, ["defaults.I_bias=430e-6"], duration=10.0)
    counts = sorted(s.spike_count for s in stats.values())
    assert counts[0] == 0  # the loser is silenced after the transient
    assert counts[1] > 100  # the winner fires on
    assert all(s.burst_period_s is None for s in stats.values())

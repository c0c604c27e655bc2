"""Burst analysis on spike trains whose answers are known by construction."""

from __future__ import annotations

import pytest

from mnsu.analysis.rhythm import find_bursts, neuron_stats, phase_lag


def train(period: float, n_bursts: int, spikes: int, isi: float, start: float = 0.0) -> list[float]:
    return [start + b * period + k * isi for b in range(n_bursts) for k in range(spikes)]


def test_regular_bursts() -> None:
    onsets = train(0.8, 20, 10, 0.02)
    ends = [t + 0.001 for t in onsets]
    stats = neuron_stats(onsets, ends, duration=16.0, transient=1.0, burst_gap=0.1)
    assert stats.burst_period_s == pytest.approx(0.8)
    assert stats.spikes_per_burst == pytest.approx(10)
    assert stats.duty == pytest.approx((9 * 0.02 + 0.001) / 0.8)
    assert stats.period_cv == pytest.approx(0.0, abs=1e-9)
    # 18 whole bursts (1.6 .. 15.2 s) of 10 spikes inside the 15 s window
    assert stats.count_rate_hz == pytest.approx(180 / 15.0)
    # interval rate: 179 intervals from the first (1.6 s) to the last onset (15.38 s)
    assert stats.rate_hz == pytest.approx(179 / (15.2 + 9 * 0.02 - 1.6))


def test_burst_cut_by_the_transient_is_not_measured() -> None:
    onsets = train(1.0, 5, 10, 0.02)
    ends = [t + 0.001 for t in onsets]
    bursts = find_bursts(onsets, ends, 0.1, (1.05, 5.0))
    assert not bursts[0].complete  # began before the window
    assert bursts[0].spikes == 7
    assert all(b.complete for b in bursts[1:-1])


def test_tonic_firing_has_no_bursts() -> None:
    onsets = [k * 0.01 for k in range(1000)]
    stats = neuron_stats(onsets, [t + 0.001 for t in onsets], 10.0, 1.0, 0.1)
    assert stats.burst_period_s is None
    assert stats.duty is None and stats.spikes_per_burst is None
    assert stats.rate_hz == pytest.approx(100.0, rel=0.01)


def test_phase_lag_in_cycles() -> None:
    a = [k * 1.0 for k in range(20)]
    assert phase_lag(a, [t + 0.25 for t in a]) == pytest.approx(0.25)
    assert phase_lag(a, [t + 0.5 for t in a]) == pytest.approx(0.5)
    # circular mean: lags of 0.98 and 0.02 average to 0, not 0.5
    b = [t + (0.98 if k % 2 else 0.02) for k, t in enumerate(a[:-2])]
    lag = phase_lag(a, b)
    assert lag is not None and 0.0 <= lag < 1.0 and min(lag, 1.0 - lag) < 1e-6
    assert phase_lag(a, []) is None


def test_phase_lag_stays_below_one() -> None:
    # phases 0.1022... and 0.8977... average to an angle of about -1e-17 rad, which a plain
    # `% 1.0` turns into exactly 1.0; the contract is [0, 1)
    lag = phase_lag([0.0, 1.0, 2.0], [0.10222715811004823, 1.8977728418899518])
    assert lag is not None and 0.0 <= lag < 1.0
    assert min(lag, 1.0 - lag) < 1e-9

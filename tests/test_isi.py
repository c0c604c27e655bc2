"""The ISI split and interval rates on spike trains whose answers are known by construction."""

from __future__ import annotations

import random

import pytest

from mnsu.analysis.isi import count_rate, interval_rate, intervals, isi_threshold
from mnsu.analysis.rhythm import neuron_stats


def bursts(period: float, n: int, spikes: int, isi: float) -> list[float]:
    return [b * period + k * isi for b in range(n) for k in range(spikes)]


def test_split_lies_in_the_valley_between_the_two_isi_populations() -> None:
    onsets = bursts(0.083, 40, 11, 0.003)  # intra 3 ms, gap 0.083 - 0.030 = 53 ms
    gap = isi_threshold(intervals(onsets))
    assert gap == pytest.approx((0.003 * 0.053) ** 0.5, rel=1e-9)  # geometric centre


def test_the_burst_figures_need_no_gap() -> None:
    onsets = bursts(0.083, 60, 11, 0.003)
    stats = neuron_stats(onsets, [t + 0.001 for t in onsets], 60 * 0.083, 0.5)
    assert stats.spikes_per_burst == 11
    assert stats.burst_period_s == pytest.approx(0.083, rel=1e-9)


def test_regular_and_nearly_regular_trains_have_no_split() -> None:
    assert isi_threshold([0.01] * 100) is None
    rng = random.Random(3)
    assert isi_threshold([0.01 * (1 + 0.5 * rng.random()) for _ in range(500)]) is None
    # two stray short intervals in a tonic train do not make every spike a burst
    assert isi_threshold([0.01] * 100 + [0.001, 0.001]) is None


def test_a_long_pause_splits_two_tonic_stretches() -> None:
    assert isi_threshold([0.01] * 50 + [0.5] + [0.01] * 50) == pytest.approx((0.005) ** 0.5)


def test_interval_rate_of_a_regular_train_is_exact_for_any_window() -> None:
    period = 1 / 130.77
    onsets = [k * period for k in range(2000)]
    rng = random.Random(7)
    for _ in range(500):
        start = rng.uniform(0.0, 10.0)
        stop = start + rng.uniform(2.0 * period, 5.0)  # holds >= 2 intervals (3 spikes)
        assert interval_rate(onsets, (start, stop)) == pytest.approx(130.77, rel=0.005)
    # the count rate is quantised to 1/window: 3 spikes in a 2.9-period window
    assert count_rate(onsets, (0.5 * period, 3.4 * period)) == pytest.approx(
        3 / (2.9 * period), rel=1e-9
    )

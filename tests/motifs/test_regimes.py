"""mnsu.analysis.regimes: the classification rules on synthetic spike trains (pure, fast)."""

from __future__ import annotations

import pytest

from mnsu.analysis.regimes import RegimeRules, classify


def train(isis: list[float], start: float = 0.0) -> list[float]:
    times = [start]
    for isi in isis:
        times.append(times[-1] + isi)
    return times


def ends_of(onsets: list[float], width: float = 0.001) -> list[float]:
    return [t + width for t in onsets]


def bursts(n_bursts: int, per_burst: int, intra: float, gap: float) -> list[float]:
    isis: list[float] = []
    for b in range(n_bursts):
        isis += [intra] * (per_burst - 1)
        if b < n_bursts - 1:
            isis.append(gap)
    return train(isis, start=0.01)


def test_silent_below_three_spikes() -> None:
    r = classify([0.2, 0.5], ends_of([0.2, 0.5]), 2.0, 0.0, False)
    assert r.regime == "silent" and r.spikes == 2


def test_latched_device_stays_on() -> None:
    r = classify([0.3], [], 2.0, 0.5, True)
    assert r.regime == "latched"
    # ON at the end but a spike just ended: a spike in progress, not a latch
    on = train([0.01] * 199)
    r = classify(on, ends_of(on)[:-1], on[-1] + 0.0005, 0.0, True)
    assert r.regime == "tonic"


@pytest.mark.parametrize(
    ("isi", "regime"), [(0.01, "tonic"), (1 / 149, "tonic"), (1 / 151, "fast")]
)
def test_tonic_and_fast_split_at_fast_hz(isi: float, regime: str) -> None:
    on = train([isi] * 300)
    r = classify(on, ends_of(on, 0.0005), on[-1] + isi / 2, 0.0, False)
    assert r.regime == regime
    assert r.isi_cv == pytest.approx(0.0, abs=1e-9)


def test_fast_threshold_is_a_rule() -> None:
    on = train([0.01] * 100)
    r = classify(on, ends_of(on), on[-1] + 0.005, 0.0, False, RegimeRules(fast_hz=90.0))
    assert r.regime == "fast"


@pytest.mark.parametrize(
    ("per_burst", "regime"),
    [(2, "burst-short"), (4, "burst-short"), (5, "burst-long"), (18, "burst-long")],
)
def test_burst_kinds(per_burst: int, regime: str) -> None:
    on = bursts(8, per_burst, 0.004, 0.1)
    r = classify(on, ends_of(on, 0.0005), on[-1] + 0.05, 0.0, False)
    assert r.regime == regime
    assert r.spikes_per_burst == per_burst
    assert r.bursts == 6  # complete bursts: a gap before and after
    period = (per_burst - 1) * 0.004 + 0.1
    assert r.burst_period_s == pytest.approx(period, rel=1e-9)


def test_gaps_below_the_floor_do_not_split() -> None:
    # doublets 1 ms apart, 8 ms between them: ratio 8 > 3 but the gap is below min_gap 10 ms
    on = train([0.001, 0.008] * 50)
    r = classify(on, ends_of(on, 0.0002), on[-1] + 0.004, 0.0, False)
    assert r.regime == "irregular"
    r = classify(on, ends_of(on, 0.0002), on[-1] + 0.004, 0.0, False, RegimeRules(min_gap=0.005))
    assert r.regime == "burst-short"


def test_irregular_and_stopped() -> None:
    isis = [0.01, 0.025, 0.014, 0.03, 0.011, 0.022, 0.017, 0.028] * 10
    on = train(isis)
    r = classify(on, ends_of(on), on[-1] + 0.01, 0.0, False)
    assert r.regime == "irregular" and r.isi_cv is not None and r.isi_cv > 0.3
    on = train([0.01] * 20)  # fires for 0.2 s, then nothing for 1.8 s
    assert classify(on, ends_of(on), 2.0, 0.0, False).regime == "stopped"


def test_transient_is_ignored() -> None:
    on = train([0.01] * 50)  # all before 0.6 s
    assert classify(on, ends_of(on), 2.0, 0.6, False).regime == "silent"


def test_bad_window_and_rules() -> None:
    with pytest.raises(ValueError, match="transient"):
        classify([], [], 1.0, 1.0, False)
    with pytest.raises(ValueError, match="gap_ratio"):
        RegimeRules(gap_ratio=1.0)

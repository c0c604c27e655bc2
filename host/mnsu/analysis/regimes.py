"""Firing regime of one unit from its spike train: silent, latched, tonic, fast, bursting.

A pure function of the spike onsets and ends, the run duration, the analysis transient and
whether the device M is still ON at the end of the run. The rules are applied in this order;
every threshold is a field of `RegimeRules` (defaults in brackets):

| regime        | rule                                                                     |
|---------------|--------------------------------------------------------------------------|
| `latched`     | M is ON at the end and no spike ended in the last `latch_window` [0.1 s] |
| `silent`      | fewer than `min_spikes` [3] spike onsets after the transient             |
| `stopped`     | the train fell quiet: no onset for the last max(`stop_factor` [3] x the  |
|               | longest ISI, `min_gap`) before the end (phasic firing after a transient)  |
| `burst-short` | bursting (below) with a median of 2..`short_max` [4] spikes per burst     |
|               | (chattering, doublets, triplets)                                          |
| `burst-long`  | bursting with a median of more than `short_max` spikes per burst          |
| `tonic`       | regular firing: ISI CV < `tonic_cv` [0.3] and rate < `fast_hz` [150 Hz]   |
| `fast`        | regular firing with rate >= `fast_hz`                                     |
| `irregular`   | anything else                                                             |

Bursting: the inter-spike intervals (ISIs) are bimodal. The split is the one every mnsu
command uses (`mnsu.analysis.isi.isi_threshold`: the valley of the log-ISI histogram, accepted
when the two sides differ by more than `gap_ratio` [3]); a gap (burst boundary) is an ISI
longer than the split and longer than `min_gap` [10 ms]; `burst_gap` [None], when set,
replaces the split with a fixed gap. The train is bursting when it has at least `min_bursts`
[2] complete bursts (a gap before and after) and at least half of them hold two or more
spikes. The rate of a regular train is 1 / mean ISI. Everything counts only after the
transient.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from mnsu.analysis.isi import isi_threshold

REGIMES = (
    "silent",
    "latched",
    "stopped",
    "tonic",
    "fast",
    "burst-short",
    "burst-long",
    "irregular",
)


@dataclass(frozen=True)
class RegimeRules:
    """Thresholds of the classification (see the module docstring for the rule table)."""

    min_spikes: int = 3
    latch_window: float = 0.1  # s
    stop_factor: float = 3.0
    tonic_cv: float = 0.3
    fast_hz: float = 150.0
    gap_ratio: float = 3.0
    min_gap: float = 0.01  # s
    min_bursts: int = 2
    short_max: int = 4  # spikes per burst of a short burst
    burst_gap: float | None = None  # s: a fixed split instead of the ISI valley

    def __post_init__(self) -> None:
        checks = {
            "min_spikes": self.min_spikes >= 1,
            "latch_window": self.latch_window > 0,
            "stop_factor": self.stop_factor > 1,
            "tonic_cv": self.tonic_cv > 0,
            "fast_hz": self.fast_hz > 0,
            "gap_ratio": self.gap_ratio > 1,
            "min_gap": self.min_gap > 0,
            "min_bursts": self.min_bursts >= 1,
            "short_max": self.short_max >= 2,
            "burst_gap": self.burst_gap is None or self.burst_gap > 0,
        }
        for name, ok in checks.items():
            if not ok:
                raise ValueError(f"regime rules: {name} out of range: {getattr(self, name)!r}")

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


@dataclass(frozen=True)
class Regime:
    """The regime of one unit and the figures it was decided on."""

    regime: str
    reason: str
    spikes: int  # onsets after the transient
    rate_hz: float  # onsets per second after the transient
    isi_cv: float | None
    bursts: int  # complete bursts (bursting regimes only, else 0)
    spikes_per_burst: float | None  # median over complete bursts
    burst_period_s: float | None  # mean onset-to-onset interval of bursts
    on_at_end: bool

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def classify(
    onsets: Sequence[float],
    ends: Sequence[float],
    duration: float,
    transient: float,
    on_at_end: bool,
    rules: RegimeRules | None = None,
) -> Regime:
    """Classify one unit's spike train over [transient, duration] (see the module docstring).

    `onsets` and `ends` are the device's OFF->ON and ON->OFF times (s, ascending; `ends` may be
    one shorter when the last spike is still on), `on_at_end` whether M is ON at `duration`.
    """
    r = rules if rules is not None else RegimeRules()
    if not 0 <= transient < duration:
        raise ValueError(f"classify: need 0 <= transient < duration, got {transient}, {duration}")
    window = duration - transient
    train = [t for t in onsets if transient <= t <= duration]
    rate = len(train) / window

    def result(
        name: str,
        reason: str,
        isi_cv: float | None = None,
        bursts: int = 0,
        spikes_per_burst: float | None = None,
        burst_period_s: float | None = None,
    ) -> Regime:
        return Regime(
            regime=name,
            reason=reason,
            spikes=len(train),
            rate_hz=rate,
            isi_cv=isi_cv,
            bursts=bursts,
            spikes_per_burst=spikes_per_burst,
            burst_period_s=burst_period_s,
            on_at_end=on_at_end,
        )

    last_end = ends[-1] if ends else -math.inf
    if on_at_end and duration - last_end > r.latch_window:
        return result("latched", f"M ON at the end, no spike end in the last {r.latch_window:g} s")
    if len(train) < r.min_spikes:
        return result("silent", f"{len(train)} spikes after the transient (< {r.min_spikes})")
    isis = [b - a for a, b in zip(train, train[1:], strict=False)]
    mean_isi = sum(isis) / len(isis)
    cv = statistics.pstdev(isis) / mean_isi if len(isis) > 1 else 0.0
    quiet = duration - train[-1]
    if quiet > max(r.stop_factor * max(isis), r.min_gap):
        return result(
            "stopped",
            f"no spike for the last {quiet:.3g} s (> {r.stop_factor:g} x longest ISI)",
            isi_cv=cv,
        )
    bursting = _bursts(train, isis, r)
    if bursting is not None:
        sizes, period = bursting
        spb = statistics.median(sizes)
        name = "burst-short" if spb <= r.short_max else "burst-long"
        return result(
            name,
            f"bimodal ISIs: {len(sizes)} complete bursts, median {spb:g} spikes per burst",
            isi_cv=cv,
            bursts=len(sizes),
            spikes_per_burst=float(spb),
            burst_period_s=period,
        )
    regular_rate = 1.0 / mean_isi
    if cv < r.tonic_cv:
        if regular_rate >= r.fast_hz:
            return result("fast", f"regular (CV {cv:.2f}) at {regular_rate:.1f} Hz", isi_cv=cv)
        return result("tonic", f"regular (CV {cv:.2f}) at {regular_rate:.1f} Hz", isi_cv=cv)
    return result("irregular", f"ISI CV {cv:.2f} and no bimodal ISIs", isi_cv=cv)


def _bursts(
    train: Sequence[float], isis: Sequence[float], r: RegimeRules
) -> tuple[list[int], float | None] | None:
    """(spikes per complete burst, mean burst period) when the ISIs are bimodal, else None."""
    if len(isis) < 3:
        return None
    split = r.burst_gap if r.burst_gap is not None else isi_threshold(isis, r.gap_ratio)
    if split is None:
        return None
    threshold = max(split, r.min_gap)
    gaps = [k for k, isi in enumerate(isis) if isi > threshold]
    if len(gaps) < r.min_bursts + 1:
        return None
    # complete bursts lie between two gaps: spikes gaps[j]+1 .. gaps[j+1]
    sizes = [gaps[j + 1] - gaps[j] for j in range(len(gaps) - 1)]
    if len(sizes) < r.min_bursts or sum(1 for s in sizes if s >= 2) * 2 < len(sizes):
        return None
    onsets = [train[g + 1] for g in gaps]
    period = (onsets[-1] - onsets[0]) / (len(onsets) - 1)
    return sizes, period

"""Spike-train analysis: rate, bursts, burst period, duty, spikes per burst, phase lag.

Bursts are runs of spikes split at inter-spike gaps longer than `burst_gap`; by default the
gap comes from the train's own ISI distribution (`mnsu.analysis.isi.isi_threshold`, the valley
of the log-ISI histogram), a given `burst_gap` overrides it. Only what happens after
`transient` counts; a burst already running at the transient, or still running at the end of
the record, is used for its onset only (period, phase) and not for its length. The rate is
the interval rate (1 / mean ISI), exact for a regular train whatever the window; the count
rate (spikes / window) is reported beside it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mnsu.analysis.isi import count_rate, interval_rate, intervals, isi_threshold

DEFAULT_TRANSIENT = 1.5  # s: the longest default transient
TRANSIENT_FRACTION = 0.25  # of the duration, for runs shorter than 4 x DEFAULT_TRANSIENT


def default_transient(duration: float) -> float:
    """The analysis transient used when none is given: min(1.5 s, duration / 4)."""
    return min(DEFAULT_TRANSIENT, TRANSIENT_FRACTION * duration)


def burst_gap_of(onsets: Sequence[float], window: tuple[float, float]) -> float | None:
    """The burst split (s) of the onsets inside `window` from their ISIs, or None (no bursts)."""
    start, stop = window
    return isi_threshold(intervals([t for t in onsets if start <= t <= stop]))


@dataclass(frozen=True)
class Burst:
    onset: float  # first spike onset (s)
    offset: float  # end of the last spike (s)
    spikes: int
    complete: bool  # both ends observed inside the analysis window

    @property
    def duration(self) -> float:
        return self.offset - self.onset


@dataclass(frozen=True)
class NeuronStats:
    spike_count: int
    rate_hz: float  # interval rate: 1 / mean ISI
    count_rate_hz: float  # spikes / window
    burst_gap_s: float | None  # the split used; None: no burst structure in the ISIs
    bursts: int
    burst_period_s: float | None
    period_cv: float | None
    spikes_per_burst: float | None
    duty: float | None
    onsets: tuple[float, ...]

    def summary(self) -> dict[str, float | int | None]:
        """The figures `mnsu simulate --json` prints for one neuron."""
        return {
            "spike_count": self.spike_count,
            "rate_hz": self.rate_hz,
            "count_rate_hz": self.count_rate_hz,
            "burst_gap_s": self.burst_gap_s,
            "bursts": self.bursts,
            "burst_period_s": self.burst_period_s,
            "spikes_per_burst": self.spikes_per_burst,
            "duty": self.duty,
        }


def find_bursts(
    onsets: Sequence[float],
    ends: Sequence[float],
    burst_gap: float,
    window: tuple[float, float],
) -> list[Burst]:
    """Bursts of one spike train within [window[0], window[1]].

    `onsets` are spike onset times, `ends` the matching spike end times (may be one shorter
    when the last spike is still on). A burst whose preceding spike lies within `burst_gap`
    before the window start, or whose last spike lies within `burst_gap` of the window end,
    is marked incomplete.
    """
    start, stop = window
    bursts: list[Burst] = []
    first = 0
    while first < len(onsets) and onsets[first] < start:
        first += 1
    i = first
    while i < len(onsets) and onsets[i] <= stop:
        j = i
        while (
            j + 1 < len(onsets)
            and onsets[j + 1] <= stop
            and onsets[j + 1] - onsets[j] <= (burst_gap)
        ):
            j += 1
        begun_before = i > 0 and onsets[i] - onsets[i - 1] <= burst_gap
        end = ends[j] if j < len(ends) else stop
        runs_on = j + 1 >= len(ends) or stop - onsets[j] <= burst_gap or end > stop
        bursts.append(Burst(onsets[i], min(end, stop), j - i + 1, not begun_before and not runs_on))
        i = j + 1
    return bursts


def neuron_stats(
    onsets: Sequence[float],
    ends: Sequence[float],
    duration: float,
    transient: float = DEFAULT_TRANSIENT,
    burst_gap: float | None = None,
) -> NeuronStats:
    """Rate and burst figures of one neuron over [transient, duration].

    `burst_gap` None: the split from the train's own ISIs (`burst_gap_of`).
    """
    span = (transient, duration)
    counted = [t for t in onsets if transient <= t <= duration]
    used = burst_gap_of(onsets, span) if burst_gap is None else burst_gap
    gap = math.inf if used is None else used
    bursts = find_bursts(onsets, ends, gap, span)
    # Period from onsets of bursts that started inside the window.
    starts = [b.onset for b in bursts if not _begun_before(b, onsets, gap)]
    intervals = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    period = sum(intervals) / len(intervals) if intervals else None
    cv = None
    if period and len(intervals) > 1:
        var = sum((x - period) ** 2 for x in intervals) / (len(intervals) - 1)
        cv = math.sqrt(var) / period
    complete = [b for b in bursts if b.complete]
    spb = sum(b.spikes for b in complete) / len(complete) if complete else None
    duty = None
    if complete and period:
        duty = sum(b.duration for b in complete) / len(complete) / period
    # A neuron firing tonically (one endless "burst") has no bursts to speak of.
    if period is None:
        spb = None
        duty = None
    return NeuronStats(
        spike_count=len(counted),
        rate_hz=interval_rate(onsets, span),
        count_rate_hz=count_rate(onsets, span),
        burst_gap_s=used,
        bursts=len(starts) if period is not None else 0,
        burst_period_s=period,
        period_cv=cv,
        spikes_per_burst=spb,
        duty=duty,
        onsets=tuple(starts),
    )


def _begun_before(burst: Burst, onsets: Sequence[float], burst_gap: float) -> bool:
    """True when the spike before this burst's first spike is within the gap."""
    k = _index(onsets, burst.onset)
    return k > 0 and burst.onset - onsets[k - 1] <= burst_gap


def _index(values: Sequence[float], x: float) -> int:
    lo, hi = 0, len(values)
    while lo < hi:
        mid = (lo + hi) // 2
        if values[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def phase_lag(onsets_a: Sequence[float], onsets_b: Sequence[float]) -> float | None:
    """Mean phase of B's burst onsets within A's cycles, in cycles [0, 1) (circular mean).

    For each onset of B between two onsets of A, the phase is (tB - tA_prev)/(tA_next - tA_prev).
    """
    phases = []
    for tb in onsets_b:
        k = _index(onsets_a, tb)
        if k == 0 or k >= len(onsets_a):
            continue
        ta0, ta1 = onsets_a[k - 1], onsets_a[k]
        phases.append((tb - ta0) / (ta1 - ta0))
    if not phases:
        return None
    s = sum(math.sin(2 * math.pi * p) for p in phases)
    c = sum(math.cos(2 * math.pi * p) for p in phases)
    if abs(s) < 1e-12 and abs(c) < 1e-12:
        return None
    lag = (math.atan2(s, c) / (2 * math.pi)) % 1.0
    # a tiny negative angle wraps to exactly 1.0 in floating point; the contract is [0, 1)
    return 0.0 if lag >= 1.0 else lag


def phase_lags(stats: Mapping[str, NeuronStats]) -> dict[str, float | None]:
    """Phase lag "A->B" for every ordered pair of bursting neurons (A before B in the board)."""
    names = [n for n, s in stats.items() if s.burst_period_s is not None]
    out: dict[str, float | None] = {}
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            out[f"{a}->{b}"] = phase_lag(stats[a].onsets, stats[b].onsets)
    return out


def burst_overlap(bursts_a: Sequence[Burst], bursts_b: Sequence[Burst]) -> float | None:
    """The fraction of A's burst time (first spike onset to last spike end, complete bursts)
    during which B is also inside a burst of its own; None when A has no complete burst.

    0 for strict alternation (the CPG of two pacemakers, PRA25 Fig. 15); > 0 for overlapping
    bursts (two adapting neurons that escape each other's inhibition, PRA25 Fig. 16).
    """
    mine = [(b.onset, b.offset) for b in bursts_a if b.complete]
    theirs = [(b.onset, b.offset) for b in bursts_b]
    total = sum(end - start for start, end in mine)
    if not mine or total <= 0.0:
        return None
    shared = 0.0
    for start, end in mine:
        for other_start, other_end in theirs:
            shared += max(0.0, min(end, other_end) - max(start, other_start))
    return shared / total

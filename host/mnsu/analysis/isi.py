"""The inter-spike-interval (ISI) distribution: the burst split it implies, rates from intervals.

Burst split without tuning. A bursting train has two populations of ISIs: short ones inside
bursts and long ones between them; on a logarithmic axis they form two peaks with an empty
valley between them (the log-ISI histogram of Selinger et al. 2007, J. Neurosci. Methods
165:265; the self-adapting threshold of Pasquale et al. 2010, Neuroinformatics 8:125).
`isi_threshold` takes the widest empty stretch of the sorted log-ISIs, i.e. the valley of the
log-ISI histogram at the finest resolution, and splits at its geometric centre. The split is
accepted only when

- the ISIs on either side of the valley differ by at least `min_ratio` (3x), and
- the short side holds at least half as many ISIs as the long side (every burst of two or more
  spikes adds at least one short ISI per gap, so a few stray short intervals in a tonic train
  do not turn every spike into a "burst").

Otherwise the train has no burst structure and the threshold is None (one endless run). The
same function serves `mnsu simulate`, `sweep`, `resonance`, `conformance`, the figures and the
burst gap the host sets on the firmware; `--burst-gap S` replaces it with a fixed S.

Rates from intervals. Counting spikes in a window quantises the rate to 1/window; the interval
rate (n - 1)/(t_last - t_first) of the n spikes in the window is exact for a regular train
whatever the window. `count_rate` (spikes / window) is kept under its own name.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

MIN_RATIO = 3.0  # the two ISI populations must differ at least this much


def intervals(onsets: Sequence[float]) -> list[float]:
    """Successive differences of ascending spike onsets (s)."""
    return [b - a for a, b in zip(onsets, onsets[1:], strict=False)]


def isi_threshold(isis: Sequence[float], min_ratio: float = MIN_RATIO) -> float | None:
    """The ISI (s) that splits intra-burst from inter-burst intervals, or None (module doc)."""
    ordered = sorted(x for x in isis if x > 0)
    n = len(ordered)
    if n < 2:
        return None
    # candidate valleys, widest (largest ratio of neighbours) first
    valleys = sorted(range(n - 1), key=lambda k: ordered[k + 1] / ordered[k], reverse=True)
    for k in valleys:
        lo, hi = ordered[k], ordered[k + 1]
        if hi / lo < min_ratio:
            return None
        short, long = k + 1, n - k - 1
        if 2 * short >= long:
            return math.sqrt(lo * hi)
    return None


def interval_rate(onsets: Sequence[float], window: tuple[float, float]) -> float:
    """1 / mean ISI of the onsets inside `window` (Hz); 0 with fewer than two spikes."""
    start, stop = window
    inside = [t for t in onsets if start <= t <= stop]
    if len(inside) < 2 or inside[-1] <= inside[0]:
        return 0.0
    return (len(inside) - 1) / (inside[-1] - inside[0])


def count_rate(onsets: Sequence[float], window: tuple[float, float]) -> float:
    """Spike onsets inside `window` divided by its length (Hz)."""
    start, stop = window
    if stop <= start:
        return 0.0
    return sum(1 for t in onsets if start <= t <= stop) / (stop - start)

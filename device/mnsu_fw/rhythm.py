"""Phase and frequency of the flexor/extensor rhythm, continuous across frequency changes.

Phase 0 is the flexor burst onset. Between onsets the phase advances at a constant rate chosen
at the last onset so that it reaches one full cycle exactly when the next onset is expected;
an early or late onset changes the rate, never the phase itself, so the phase has no jumps.
Pure integer logic: phase in Q24 cycles, time in control ticks.
"""

ONE = 1 << 24  # one cycle
HALF = 1 << 23
MASK = ONE - 1
SINCE_CAP = 1 << 28


class RhythmEstimator:
    def __init__(self) -> None:
        self.min_period = 1  # ticks: onsets closer than this are ignored (not a new cycle)
        self.max_period = 1  # ticks: longer silences unlock the estimator
        self.reset()

    def reset(self) -> None:
        self.phase = 0  # Q24
        self.rate = 0  # Q24 per tick
        self.period = 0  # ticks between the last two flexor onsets; 0 = none yet
        self.since_onset = SINCE_CAP
        self.onsets = 0
        self.locked = False

    def configure(self, min_period: int, max_period: int) -> None:
        self.min_period = min_period
        self.max_period = max_period

    def advance(self, elapsed: int) -> None:
        since = self.since_onset + elapsed
        if since > SINCE_CAP:
            since = SINCE_CAP
        self.since_onset = since
        if self.locked and since > self.max_period:
            self.locked = False  # rhythm stopped: hold the phase where it is
            self.rate = 0
        if self.rate:
            self.phase = (self.phase + self.rate * elapsed) & MASK

    def flexor_onset(self) -> None:
        """A flexor burst started at this tick (call after advance)."""
        since = self.since_onset
        if self.onsets and since < self.min_period:
            return
        self.onsets += 1
        self.since_onset = 0
        if since > self.max_period:
            self.period = 0
            self.locked = False
            self.rate = 0
            self.phase = 0 if self.onsets == 1 else self.phase
            return
        self.period = since
        err = self.phase if self.phase < HALF else self.phase - ONE  # signed, cycles Q24
        remaining = ONE - err
        # Bounded catch-up: at most half a cycle faster or slower than the measured period.
        if remaining < HALF:
            remaining = HALF
        elif remaining > ONE + HALF:
            remaining = ONE + HALF
        self.rate = remaining // since
        self.locked = True

    def freq_mhz(self, rate_hz: int) -> int:
        if not self.locked or not self.period:
            return 0
        return rate_hz * 1000 // self.period

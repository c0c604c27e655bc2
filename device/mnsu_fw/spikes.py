"""Per-channel decoding of a neuron's readout: spikes, bursts and the burst envelope.

Pure integer logic (no floats, no allocation): times are counted in control ticks, levels in
ADC units (read_u16 scale), the envelope in Q15 (32768 = 1.0).
"""

Q15 = 32768
# Counters of ticks since an event saturate here, far beyond any gap of interest and well
# inside a 31-bit small int.
SINCE_CAP = 1 << 28


class ChannelDecoder:
    """Schmitt trigger with refractory time, gap-rule burst detector and spike envelope."""

    def __init__(self) -> None:
        self.high = 0  # spike starts when the reading rises above this (ADC units)
        self.low = 0  # and ends when it falls below this
        self.refractory = 0  # ticks after an onset during which no new spike counts
        self.gap = 1  # a silence of more than this many ticks ends a burst
        self.decay = 0  # envelope decay per tick, Q16 fraction
        self.step = 0  # envelope jump towards 1 per spike, Q15
        self.reset()

    def reset(self) -> None:
        self.active = False  # above the Schmitt trigger's upper threshold, not yet below low
        self.since_spike = SINCE_CAP  # ticks since the last spike onset
        self.in_burst = False
        self.spikes = 0  # cumulative spike count
        self.bursts = 0  # cumulative burst count
        self.envelope = 0  # Q15

    def configure(
        self, high: int, low: int, refractory: int, gap: int, decay_q16: int, step_q15: int
    ) -> None:
        self.high = high
        self.low = low
        self.refractory = refractory
        self.gap = gap
        self.decay = decay_q16
        self.step = step_q15

    def update(self, level: int, elapsed: int) -> int:
        """Feed one sample taken `elapsed` ticks after the previous one.

        Returns 0, or a bit set: 1 spike onset, 2 burst onset (with 1), 4 burst end (the burst
        ended `gap` ticks after its last spike; reported before this sample's spike, if any).
        """
        result = 0
        since = self.since_spike + elapsed
        if since > SINCE_CAP:
            since = SINCE_CAP
        self.since_spike = since
        env = self.envelope
        if env:
            for _ in range(elapsed if elapsed < 8 else 8):
                env -= (env * self.decay + 0xFFFF) >> 16
            if env < 0:
                env = 0
        if self.in_burst and since > self.gap:
            self.in_burst = False
            result = 4
        if self.active:
            if level < self.low:
                self.active = False
        elif level > self.high:
            self.active = True
            if since >= self.refractory or self.spikes == 0:
                self.spikes += 1
                self.since_spike = 0
                env += ((Q15 - env) * self.step) >> 15
                result |= 1
                if not self.in_burst:
                    self.in_burst = True
                    self.bursts += 1
                    result |= 2
        self.envelope = env
        return result

"""A fixed-size queue of firmware events (spikes, bursts, contact), filled without allocation."""

from mnsu_fw.codec import EVENT_SIZE


class EventQueue:
    """Ring of (kind, channel, time lo16, time hi16); the oldest events stay, new ones drop."""

    def __init__(self, size: int = 96) -> None:
        self.size = size
        self.kind = bytearray(size)
        self.channel = bytearray(size)
        self.t_lo = [0] * size
        self.t_hi = [0] * size
        self.head = 0  # next to send
        self.count = 0
        self.dropped = 0
        self.since_telemetry = 0

    def push(self, kind: int, channel: int, t_lo: int, t_hi: int) -> None:
        if self.count >= self.size:
            self.dropped += 1
            return
        i = self.head + self.count
        if i >= self.size:
            i -= self.size
        self.kind[i] = kind
        self.channel[i] = channel
        self.t_lo[i] = t_lo
        self.t_hi[i] = t_hi
        self.count += 1
        self.since_telemetry += 1

    def pack_into(self, buf: "bytearray", offset: int, max_events: int) -> int:
        """Move up to max_events into an EVENTS payload at buf[offset:]; returns its length."""
        n = self.count if self.count < max_events else max_events
        buf[offset] = n
        o = offset + 1
        i = self.head
        for _ in range(n):
            buf[o] = self.kind[i]
            buf[o + 1] = self.channel[i]
            lo = self.t_lo[i]
            hi = self.t_hi[i]
            buf[o + 2] = lo & 0xFF
            buf[o + 3] = lo >> 8
            buf[o + 4] = hi & 0xFF
            buf[o + 5] = hi >> 8
            o += EVENT_SIZE
            i += 1
            if i >= self.size:
                i = 0
        self.head = i
        self.count -= n
        return 1 + n * EVENT_SIZE

"""Foot contact (debounced digital input) and the touch-down pulse it fires into the board."""


class TouchdownFeedback:
    def __init__(self) -> None:
        self.debounce = 0  # ticks the switch must be stable
        self.width = 1  # ticks of the touch-down pulse
        self.enabled = True
        self.contact = False  # debounced state
        self._raw = False
        self._stable = 0
        self.pulse_left = 0  # ticks of pulse still to output

    def configure(self, debounce: int, width: int, enabled: bool) -> None:
        self.debounce = debounce
        self.width = width if width > 0 else 1
        self.enabled = enabled

    def update(self, raw_contact: bool, elapsed: int) -> int:
        """Feed the switch state; returns 0, 1 (contact on, pulse fired if enabled), 2 (off)."""
        if self.pulse_left:
            self.pulse_left = self.pulse_left - elapsed if self.pulse_left > elapsed else 0
        if raw_contact != self._raw:
            self._raw = raw_contact
            self._stable = 0
        elif self._stable < self.debounce:
            self._stable += elapsed
        if self._raw != self.contact and self._stable >= self.debounce:
            self.contact = self._raw
            if self.contact:
                if self.enabled:
                    self.pulse_left = self.width
                return 1
            return 2
        return 0

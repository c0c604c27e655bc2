"""Board time -> ROS time (pure logic, no rclpy).

The board stamps every frame with its own clock in microseconds (u32, wraps every 71.6 min).
A frame reaches the host some latency after its board time, so host_time - board_time is the
clock offset plus a positive delay. The running minimum of that difference over a sliding
window estimates the offset with the smallest delay seen (as NTP's minimum filter does); the
window lets the estimate follow the two clocks' drift. A stamp is board time plus the
estimate: never later than the frame's arrival, and strictly increasing for successive frames.

A board reset or a reconnect makes board time jump; a jump that disagrees with the host clock
by more than `jump_tolerance_s` restarts the estimate.
"""

from __future__ import annotations

from collections import deque

from mnsu.protocol import BoardTime


class BoardClock:
    """Map board times (us, u32) of received frames to host times (ns).

    window_s: how long an offset sample stays a candidate for the minimum (s).
    jump_tolerance_s: board and host elapsed times may differ by this much between two frames
    before the board is taken to have restarted (s).
    """

    def __init__(self, window_s: float = 10.0, jump_tolerance_s: float = 0.5) -> None:
        if window_s <= 0 or jump_tolerance_s <= 0:
            raise ValueError("window_s and jump_tolerance_s must be > 0 s")
        self.window_ns = int(window_s * 1e9)
        self.jump_tolerance_ns = int(jump_tolerance_s * 1e9)
        self.resets = 0  # times the estimate was restarted after a jump
        self.reset()

    def reset(self) -> None:
        """Forget the board's clock (call on reconnect)."""
        self._time = BoardTime()
        self._board_us = 0  # unwrapped board time of the last frame (us)
        self._last_host_ns = 0
        self._last_stamp_ns: int | None = None
        self._window: deque[tuple[int, int]] = deque()  # (host ns, offset ns), offsets rising

    @property
    def offset_ns(self) -> int | None:
        """Current estimate of host time minus board time (ns), None before the first frame."""
        return self._window[0][1] if self._window else None

    def frame(self, raw_us: int, host_ns: int) -> int:
        """Add a frame with board time `raw_us` received at `host_ns`; return its stamp (ns)."""
        if self._time.started:
            board_step_ns = (self._time.nearest(raw_us) - self._board_us) * 1000
            host_step_ns = host_ns - self._last_host_ns
            if board_step_ns < 0 or abs(board_step_ns - host_step_ns) > self.jump_tolerance_ns:
                self.resets += 1
                self.reset()
        board_us = self._board_us = self._time.unwrap(raw_us)
        self._last_host_ns = host_ns
        offset = host_ns - board_us * 1000
        window = self._window
        while window and window[-1][1] >= offset:
            window.pop()
        window.append((host_ns, offset))
        while window[0][0] < host_ns - self.window_ns:
            window.popleft()
        stamp = board_us * 1000 + window[0][1]
        if self._last_stamp_ns is not None and stamp <= self._last_stamp_ns:
            stamp = self._last_stamp_ns + 1
        self._last_stamp_ns = stamp
        return stamp

    def to_host(self, raw_us: int) -> int | None:
        """Host time (ns) of an earlier board time (an event inside a frame); no update."""
        if not self._time.started or not self._window:
            return None
        return self._time.nearest(raw_us) * 1000 + self._window[0][1]

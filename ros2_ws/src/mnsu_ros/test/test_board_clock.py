"""Board time -> host time: minimum-delay offset, monotonic stamps, wrap and restart."""

from __future__ import annotations

import random

from mnsu_ros.board_clock import BoardClock

MS = 1_000_000  # ns


def test_offset_is_the_minimum_delay_and_stamps_never_exceed_arrival() -> None:
    rng = random.Random(3)
    clock = BoardClock(window_s=5.0)
    true_offset = 1_000_000 * MS  # host clock = board clock + 1000 s
    stamps = []
    for k in range(2000):  # 500 Hz for 4 s, delays 0.2..5 ms
        board_us = 7_000_000 + k * 2000
        delay = int(rng.uniform(0.2, 5.0) * MS) if k != 700 else int(0.05 * MS)
        host = board_us * 1000 + true_offset + delay
        s = clock.frame(board_us, host)
        assert s <= host
        stamps.append(s)
    assert all(b > a for a, b in zip(stamps, stamps[1:], strict=False))
    assert clock.offset_ns is not None
    assert abs(clock.offset_ns - true_offset - 0.05 * MS) < 1000  # the smallest delay seen
    assert clock.resets == 0


def test_u32_wrap_is_unwrapped() -> None:
    clock = BoardClock()
    base = (1 << 32) - 3000  # 3 ms before the wrap
    s0 = clock.frame(base, 10**12)
    s1 = clock.frame((base + 5000) % (1 << 32), 10**12 + 5 * MS)
    assert s1 - s0 == 5 * MS
    assert clock.resets == 0


def test_board_restart_restarts_the_estimate() -> None:
    clock = BoardClock(jump_tolerance_s=0.5)
    clock.frame(50_000_000, 10**12)  # board at 50 s
    s = clock.frame(1000, 10**12 + 10 * MS)  # restarted: board at 1 ms
    assert clock.resets == 1
    assert s == 10**12 + 10 * MS  # first frame after the restart: stamped at arrival
    assert clock.to_host(1500) == 10**12 + 10 * MS + 500_000


def test_window_follows_drift() -> None:
    # the board clock runs 100 ppm slow; after the window the estimate follows it
    clock = BoardClock(window_s=1.0)
    host = 0
    for k in range(3000):
        board_us = k * 2000
        host = int(board_us * 1000 * 1.0001) + 2 * MS
        clock.frame(board_us, host)
    offset = clock.offset_ns
    assert offset is not None
    expected = int(5998 * MS * 0.0001) + 2 * MS  # drift accumulated at the end
    assert abs(offset - expected) < int(0.2 * MS)  # within the drift over one window

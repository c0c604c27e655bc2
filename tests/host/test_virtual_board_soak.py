"""The virtual board's memory is bounded: its logs keep a fixed window of board time.

The soak of issue 12's acceptance (bench/soak_virtual_board.py runs an hour): 1 kHz telemetry
in CPG mode for 10 min of board time (--fast timing, 2-4 min of wall time); the process's RSS
may grow < 1 MB after a 1 min warm-up (the logs' 60 s window is full by then), and the servo
log and spike lists hold only the last history_s of board time.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from mnsu.cosim.virtual_board import VirtualBoard  # noqa: E402
from soak_virtual_board import rss_kb, soak  # noqa: E402


def test_rss_growth_under_1_mb_over_10_min_at_1khz_telemetry() -> None:
    warm, end, board_s, wall = soak(10.0, 1.0)
    print(f"virtual board soak: {board_s:.0f} s board time, RSS +{end - warm} kB, {wall:.0f} s")
    assert board_s >= 600.0
    assert end - warm < 1024, (warm, end)
    assert rss_kb() > 0


def test_logs_keep_only_the_history_window() -> None:
    with VirtualBoard(realtime=False, host_lead_s=None, history_s=2.0) as vb:
        vb.run(12.0)
        vb.trim_history()
        t = vb.sim.t
        assert all(entry[0] >= t - 2.0 for entry in vb.sim.servo_log)
        assert all(s >= t - 2.0 for times in vb.sim.emulator.spikes for s in times)
        assert sum(len(x) for x in vb.sim.emulator.spikes) > 0  # it did record the recent ones

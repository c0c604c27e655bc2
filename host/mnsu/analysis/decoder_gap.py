"""The burst gap the host sets on the firmware's decoder (`burst_gap_ms`), from the board file.

The firmware splits bursts at a fixed silence (a parameter, default 100 ms), which mis-reads a
rhythm whose silences are shorter. The host knows the board: it runs the board in the emulator
at the descending-drive levels the firmware can choose and puts the gap in the valley of every
run's ISI distribution (`mnsu.analysis.isi.isi_threshold`): above the longest intra-burst
interval and below the shortest silence of any level, at their geometric centre. Only the leg's
flexor and extensor (or every neuron of a board without a leg) are decoded by the firmware.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from mnsu.analysis.isi import intervals, isi_threshold
from mnsu.circuit.board import Board
from mnsu.circuit.emulator import Emulator

DRIVE_LEVELS = (0.2, 0.4, 0.6, 0.8)  # the span the leg's drive is used over
RUN_S = 8.0  # emulated per level
TRANSIENT_S = 2.0
GAP_MIN_MS, GAP_MAX_MS = 5.0, 2000.0  # the firmware parameter's limits (params.py)


def decoder_gap_ms(
    board: Board, levels: Sequence[float] = DRIVE_LEVELS, run_s: float = RUN_S
) -> float | None:
    """The firmware burst gap (ms) that splits every level's bursts, or None when the board's
    decoded neurons do not burst at some level or no single gap fits all levels."""
    names = [board.leg.flexor, board.leg.extensor] if board.leg else board.neuron_names
    has_drive = any(spec.kind == "drive" for spec in board.inputs)
    longest_intra, shortest_gap = 0.0, math.inf
    for level in levels if has_drive else (None,):
        emu = Emulator(board)
        if level is not None:
            emu.set_drive(level)
        emu.advance_to(run_s)
        for name in names:
            train = [t for t in emu.spikes[board.neuron_index(name)] if t >= TRANSIENT_S]
            isis = intervals(train)
            split = isi_threshold(isis)
            if split is None:
                return None
            longest_intra = max([longest_intra, *(x for x in isis if x < split)])
            shortest_gap = min([shortest_gap, *(x for x in isis if x > split)])
    if not longest_intra < shortest_gap:
        return None
    gap_ms = 1000.0 * math.sqrt(longest_intra * shortest_gap)
    return min(max(gap_ms, GAP_MIN_MS), GAP_MAX_MS)

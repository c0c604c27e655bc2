"""Epochs of a run: the stretches between changes of a board's scheduled inputs.

A board with inputs (a step, a set pulse, a reset pulse) runs through states that a single
whole-run figure averages together: the autapse memory is silent, then set, then reset. The
epoch boundaries are the instants the inputs change: the start of every step and its end (when
it has a duration), the start of every single pulse, and the start and the end of every pulse
train (a train is one stationary drive, not one epoch per pulse). Run-time inputs (`drive`,
`touchdown`) have no schedule and add no boundary.

Each epoch is analysed like a short run of its own: its first quarter, up to the default
transient, is skipped (`mnsu.analysis.rhythm.default_transient`), which lets a pulse end and
the unit settle before the figures count.
"""

from __future__ import annotations

from dataclasses import dataclass

from mnsu.circuit.board import Board


@dataclass(frozen=True)
class Epoch:
    start: float  # s
    stop: float  # s
    cause: str  # what began it: "start" or "<input name> on/off"


def input_changes(board: Board) -> list[tuple[float, str]]:
    """(time, what changed) of every scheduled input change, in time order."""
    changes: list[tuple[float, str]] = []
    for spec in board.inputs:
        if spec.kind == "step":
            changes.append((spec.start, f"{spec.name} on"))
            if spec.duration > 0:
                changes.append((spec.start + spec.duration, f"{spec.name} off"))
        elif spec.kind == "pulse":
            changes.append((spec.start, f"{spec.name} on"))
            if spec.count > 1:
                end = spec.start + (spec.count - 1) * spec.period + spec.duration
                changes.append((end, f"{spec.name} off"))
    return sorted(changes)


def epochs(board: Board, duration: float) -> list[Epoch]:
    """The epochs of a run of `duration` s; empty when the board has no scheduled input."""
    inside = [(t, what) for t, what in input_changes(board) if 0 < t < duration]
    if not inside:
        return []
    out: list[Epoch] = []
    start, cause = 0.0, "start"
    for t, what in inside:
        if t > start:
            out.append(Epoch(start, t, cause))
            start, cause = t, what
        else:
            cause = f"{cause}, {what}"
    out.append(Epoch(start, duration, cause))
    return out

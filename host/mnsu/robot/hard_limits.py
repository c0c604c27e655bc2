"""The firmware's deploy-time hard limits (limits.json on the board's flash) from a board file.

The board file's `leg.joints` (or each leg's in `legs`, in order: joints 2k, 2k + 1 are leg
k's hip and knee) give the mechanical travel and the neutral pose of the hip and the knee (a
leg's first and second joint); the number of legs is how many the firmware drives; servo end
stops, calibration and the top speed are the firmware parameter table's defaults. `mnsu
deploy` copies the result to the board, the co-simulation writes it into its flash
directory; the firmware reads it at boot (device/mnsu_fw/hard_limits.py) and nothing on the
serial link can change it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mnsu_fw import hard_limits

from mnsu.circuit.board import Board

FILE = hard_limits.FILE


class HardLimitsError(ValueError):
    """The board file's leg cannot become hard limits (the message names file and key)."""


def limits_for(board: Board | None) -> dict[str, Any]:
    """The limits.json object for `board` (the built-in limits when it has no leg)."""
    data: dict[str, Any] = hard_limits.builtin()
    if board is None or not board.legs:
        return data
    template = data["joints"]
    data["joints"] = []
    for leg in board.legs:
        entries = [dict(template[0]), dict(template[1])]
        for j, joint in enumerate(leg.joints[:2]):
            entries[j]["min_deg"] = float(joint.min_deg)
            entries[j]["max_deg"] = float(joint.max_deg)
            entries[j]["neutral_deg"] = float(joint.neutral_deg)
        data["joints"] += entries
        why = hard_limits.validate({"slew_dps": data["slew_dps"], "joints": entries})
        if why is not None:
            where = "leg" if board.leg is not None else f"legs.{leg.name}"
            raise HardLimitsError(f"{board.source}: {where}.joints: {why}")
    why = hard_limits.validate(data)
    if why is not None:
        raise HardLimitsError(f"{board.source}: legs: {why}")
    return data


def write_limits(board: Board | None, path: str | Path) -> dict[str, Any]:
    """Write limits.json for `board` to `path`; returns what was written."""
    data = limits_for(board)
    Path(path).write_text(json.dumps(data, sort_keys=True) + "\n")
    return data

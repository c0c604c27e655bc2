"""The firmware's deploy-time hard limits (limits.json on the board's flash) from a board file.

The board file's `leg.joints` give the mechanical travel and the neutral pose of the hip and
the knee (the first and second joint); servo end stops, calibration and the top speed are the
firmware parameter table's defaults. `mnsu deploy` copies the result to the board, the
co-simulation writes it into its flash directory; the firmware reads it at boot
(device/mnsu_fw/hard_limits.py) and nothing on the serial link can change it.
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
    if board is None or board.leg is None:
        return data
    for j, joint in enumerate(board.leg.joints[:2]):
        entry = data["joints"][j]
        entry["min_deg"] = float(joint.min_deg)
        entry["max_deg"] = float(joint.max_deg)
        entry["neutral_deg"] = float(joint.neutral_deg)
    why = hard_limits.validate(data)
    if why is not None:
        raise HardLimitsError(f"{board.source}: leg.joints: {why}")
    return data


def write_limits(board: Board | None, path: str | Path) -> dict[str, Any]:
    """Write limits.json for `board` to `path`; returns what was written."""
    data = limits_for(board)
    Path(path).write_text(json.dumps(data, sort_keys=True) + "\n")
    return data

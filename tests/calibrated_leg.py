"""examples/leg.yaml with a gait calibration of its own, for tests of `leg.gait` (the example
leg has none: the firmware's default gait parameters are its calibration)."""

from __future__ import annotations

from pathlib import Path

LEG = Path(__file__).resolve().parents[1] / "examples" / "leg.yaml"
# a gait calibration unlike the firmware's defaults
CALIBRATION = {"env_tau_ms": 80.0, "hip_offset_deg": -10.0, "knee_amp_deg": 55.0, "asymmetry": 0.3}


def calibrated_leg(folder: Path) -> Path:
    """Write examples/leg.yaml plus `leg.gait: CALIBRATION` (its leg section is the last)."""
    text = LEG.read_text()
    assert "\n  gait:" not in text
    items = ", ".join(f"{k}: {v}" for k, v in CALIBRATION.items())
    board = folder / "calibrated_leg.yaml"
    board.write_text(text + f"  gait: {{{items}}}\n")
    return board

"""Where the repository's trees are, for an editable install: the firmware and the examples."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # host/mnsu/paths.py -> the repository
DEVICE_DIR = ROOT / "device"  # the firmware: main.py and the mnsu_fw package
FIRMWARE_PACKAGE = "mnsu_fw"
EXAMPLES_DIR = ROOT / "examples"  # board files
DEFAULT_BOARD = EXAMPLES_DIR / "leg.yaml"  # the leg board the demo and the virtual board run

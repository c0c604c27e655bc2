"""The P0 unit (examples/lif.yaml) as board-file values, for tests that build boards inline."""

from __future__ import annotations

# Required device and membrane values (R_off left at its default: an ideal OFF device).
P0: dict[str, object] = {
    "C": "1 uF",
    "R_leak": "20 kohm",
    "V_th": "3.0 V",
    "V_on": "0.8 V",
    "R_on": "1 kohm",
    "I_hold": "1 mA",
}

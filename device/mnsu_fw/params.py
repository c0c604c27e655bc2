"""The parameter table: declared once, read by the firmware, the host link, the CLI and ROS.

Each row is (name, type, default, min, max). Types: "f" float, "i" integer, "b" bool (0/1),
"e" enum (an integer index into a list of choices). Units, descriptions and the choices' names
are documentation and live on the host (mnsu/parameters.py, keyed by name; a test checks that
both list the same names), so they take no room in the board's heap. The row index is the
parameter id on the wire (PARAM_GET / PARAM_SET); append new rows at the end so ids stay
stable, and the CAPS message carries table_crc() so a host can tell that its table matches the
firmware's.

Written in the MicroPython subset (no typing at run time).
"""

from mnsu_fw.codec import (
    ERR_INCONSISTENT,
    ERR_NOT_FINITE,
    ERR_NOT_INTEGER,
    ERR_OUT_OF_RANGE,
    ERR_UNKNOWN_PARAM,
    crc16,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

NAME: "Final" = 0
TYPE: "Final" = 1
DEFAULT: "Final" = 2
MIN: "Final" = 3
MAX: "Final" = 4

TABLE: "tuple[tuple[str, str, float, float, float], ...]" = (
    ("mode", "e", 0, 0, 3),
    ("sample_rate_hz", "i", 2000, 500, 5000),
    ("n_channels", "i", 2, 1, 8),
    ("adc_vref_v", "f", 3.3, 1.0, 5.0),
    ("spike_high_v", "f", 1.0, 0.01, 5.0),
    ("spike_low_v", "f", 0.5, 0.0, 5.0),
    ("refractory_ms", "f", 2.0, 0.0, 50.0),
    ("burst_gap_ms", "f", 100.0, 5.0, 2000.0),
    ("env_tau_ms", "f", 100.0, 2.0, 1000.0),
    ("env_step", "f", 0.3, 0.01, 1.0),
    ("flexor_channel", "i", 0, 0, 7),
    ("extensor_channel", "i", 1, 0, 7),
    ("hip_offset_deg", "f", -20.0, -90.0, 90.0),
    ("hip_amp_deg", "f", 20.0, 0.0, 90.0),
    ("knee_offset_deg", "f", 0.0, -90.0, 90.0),
    ("knee_amp_deg", "f", 60.0, 0.0, 90.0),
    ("asymmetry", "f", 0.5, -1.0, 1.0),
    ("hip_min_deg", "f", -35.0, -90.0, 90.0),
    ("hip_max_deg", "f", 35.0, -90.0, 90.0),
    ("knee_min_deg", "f", 0.0, -90.0, 90.0),
    ("knee_max_deg", "f", 70.0, -90.0, 90.0),
    ("hip_neutral_deg", "f", 0.0, -90.0, 90.0),
    ("knee_neutral_deg", "f", 10.0, -90.0, 90.0),
    ("slew_dps", "f", 400.0, 1.0, 3000.0),
    ("watchdog_s", "f", 0.25, 0.02, 10.0),
    ("safe_pose", "e", 1, 0, 2),
    ("estop_pose", "e", 2, 0, 2),
    ("telemetry_hz", "i", 100, 0, 1000),
    ("spike_events", "b", 1, 0, 1),
    ("drive_level", "f", 0.6, 0.0, 1.0),
    ("drive_pwm_hz", "i", 20000, 1000, 100000),
    ("touchdown_enable", "b", 1, 0, 1),
    ("touchdown_width_ms", "f", 20.0, 1.0, 500.0),
    ("touchdown_amp", "f", 1.0, 0.0, 1.0),
    ("contact_debounce_ms", "f", 3.0, 0.0, 100.0),
    ("servo0_min_us", "f", 500.0, 300.0, 1500.0),
    ("servo0_max_us", "f", 2500.0, 1500.0, 2700.0),
    ("servo0_range_deg", "f", 180.0, 10.0, 360.0),
    ("servo0_offset_deg", "f", 0.0, -45.0, 45.0),
    ("servo0_reversed", "b", 0, 0, 1),
    ("servo1_min_us", "f", 500.0, 300.0, 1500.0),
    ("servo1_max_us", "f", 2500.0, 1500.0, 2700.0),
    ("servo1_range_deg", "f", 180.0, 10.0, 360.0),
    ("servo1_offset_deg", "f", 0.0, -45.0, 45.0),
    ("servo1_reversed", "b", 0, 0, 1),
)

# Enumerations: mode 0 idle, 1 cpg, 2 host, 3 hold; safe_pose and estop_pose:
POSE_HOLD = 0
POSE_NEUTRAL = 1
POSE_LIMP = 2

# Not written to the parameter file: the mode always boots IDLE.
VOLATILE = ("mode",)

# Servo calibration: refused while the servos are powered (ERR_SERVOS_POWERED).
CALIBRATION = (
    "servo0_min_us",
    "servo0_max_us",
    "servo0_range_deg",
    "servo0_offset_deg",
    "servo0_reversed",
    "servo1_min_us",
    "servo1_max_us",
    "servo1_range_deg",
    "servo1_offset_deg",
    "servo1_reversed",
)
# Everything that can move a joint: refused while the e-stop is latched (ERR_ESTOP_LATCHED).
MOTION = (
    "mode",
    "hip_offset_deg",
    "hip_amp_deg",
    "knee_offset_deg",
    "knee_amp_deg",
    "asymmetry",
    "hip_min_deg",
    "hip_max_deg",
    "knee_min_deg",
    "knee_max_deg",
    "hip_neutral_deg",
    "knee_neutral_deg",
    "slew_dps",
    "safe_pose",
    "estop_pose",
) + CALIBRATION

# (low, high): a set that would make low >= high is refused with ERR_INCONSISTENT.
ORDERED = (
    ("hip_min_deg", "hip_max_deg"),
    ("knee_min_deg", "knee_max_deg"),
    ("spike_low_v", "spike_high_v"),
    ("servo0_min_us", "servo0_max_us"),
    ("servo1_min_us", "servo1_max_us"),
)

NAMES = tuple(row[NAME] for row in TABLE)
INDEX = {row[NAME]: i for i, row in enumerate(TABLE)}
COUNT = len(TABLE)


def table_crc() -> int:
    """CRC-16 of every row's name, type, min and max: equal tables give equal CRCs."""
    crc = 0xFFFF
    for row in TABLE:
        crc = crc16(("%s,%s,%r,%r;" % (row[NAME], row[TYPE], row[MIN], row[MAX])).encode(), crc)
    return crc


def defaults() -> "list[float | int]":
    """A fresh value list (indexed by param id) holding every default."""
    return [row[DEFAULT] for row in TABLE]


def check(values: "list[float | int]", pid: int, value: float) -> "tuple[int, float | int]":
    """Validate setting parameter `pid` to `value` given the current `values`.

    Returns (0, normalised value) when acceptable, else (error code, 0) with the codec's ERR_*
    code; `values` is not changed.
    """
    if not 0 <= pid < COUNT:
        return ERR_UNKNOWN_PARAM, 0
    row = TABLE[pid]
    if value != value or value in (float("inf"), float("-inf")):
        return ERR_NOT_FINITE, 0
    kind = row[TYPE]
    if kind == "f":
        # float32 on the wire: accept the rounding of a limit (e.g. 0.1 sent as 0.10000000149)
        tol = 1e-6 * max(1.0, abs(row[MIN]), abs(row[MAX]))
        if value < row[MIN] - tol or value > row[MAX] + tol:
            return ERR_OUT_OF_RANGE, 0
        norm: "float | int" = min(max(float(value), row[MIN]), row[MAX])
    else:
        if value != int(value):
            return ERR_NOT_INTEGER, 0
        norm = int(value)
        if norm < row[MIN] or norm > row[MAX]:
            return ERR_OUT_OF_RANGE, 0
    name = row[NAME]
    for low, high in ORDERED:
        if name == low and not norm < values[INDEX[high]]:
            return ERR_INCONSISTENT, 0
        if name == high and not values[INDEX[low]] < norm:
            return ERR_INCONSISTENT, 0
    return 0, norm

"""The parameter table: declared once, read by the firmware, the host link, the CLI and ROS.

Each row is (name, type, default, min, max, unit, description). Types: "f" float, "i" integer,
"b" bool (0/1), "e" enum (an integer index into CHOICES[name]). The row index is the parameter
id on the wire (PARAM_GET / PARAM_SET); append new rows at the end so ids stay stable, and the
CAPS message carries table_crc() so a host can tell that its table matches the firmware's.

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
UNIT: "Final" = 5
DESCRIPTION: "Final" = 6

TABLE: "tuple[tuple[str, str, float, float, float, str, str], ...]" = (
    ("mode", "e", 0, 0, 3, "", "operating mode to enter (estop and safe are entered, not set)"),
    ("sample_rate_hz", "i", 2000, 500, 5000, "Hz", "ADC sampling rate per channel (control tick)"),
    ("n_channels", "i", 2, 1, 4, "", "ADC channels sampled each tick"),
    ("adc_vref_v", "f", 3.3, 1.0, 5.0, "V", "ADC full-scale voltage"),
    ("spike_high_v", "f", 1.0, 0.01, 5.0, "V", "Schmitt trigger: spike starts above this"),
    ("spike_low_v", "f", 0.5, 0.0, 5.0, "V", "Schmitt trigger: spike ends below this"),
    ("refractory_ms", "f", 2.0, 0.0, 50.0, "ms", "no new spike this soon after a spike onset"),
    ("burst_gap_ms", "f", 100.0, 5.0, 2000.0, "ms", "a silence this long ends a burst"),
    ("env_tau_ms", "f", 40.0, 2.0, 1000.0, "ms", "burst envelope decay time constant"),
    ("env_step", "f", 0.3, 0.01, 1.0, "", "envelope jump towards 1 per spike"),
    ("flexor_channel", "i", 0, 0, 3, "", "ADC channel of the flexor (swing) neuron"),
    ("extensor_channel", "i", 1, 0, 3, "", "ADC channel of the extensor (stance) neuron"),
    ("hip_offset_deg", "f", 0.0, -90.0, 90.0, "deg", "hip angle with both envelopes at 0"),
    ("hip_amp_deg", "f", 30.0, 0.0, 90.0, "deg", "hip swing per unit envelope difference"),
    ("knee_offset_deg", "f", 10.0, -90.0, 90.0, "deg", "knee angle with the flexor silent"),
    ("knee_amp_deg", "f", 50.0, 0.0, 90.0, "deg", "knee flexion per unit flexor envelope"),
    ("asymmetry", "f", 0.0, -1.0, 1.0, "", "hip weight: E by (1+a), F by (1-a)"),
    ("hip_min_deg", "f", -35.0, -90.0, 90.0, "deg", "hip joint limit (low)"),
    ("hip_max_deg", "f", 35.0, -90.0, 90.0, "deg", "hip joint limit (high)"),
    ("knee_min_deg", "f", 0.0, -90.0, 90.0, "deg", "knee joint limit (low)"),
    ("knee_max_deg", "f", 70.0, -90.0, 90.0, "deg", "knee joint limit (high)"),
    ("hip_neutral_deg", "f", 0.0, -90.0, 90.0, "deg", "hip angle of the neutral pose"),
    ("knee_neutral_deg", "f", 10.0, -90.0, 90.0, "deg", "knee angle of the neutral pose"),
    ("slew_dps", "f", 400.0, 1.0, 3000.0, "deg/s", "maximum joint speed commanded"),
    ("watchdog_s", "f", 0.25, 0.02, 10.0, "s", "SAFE after this long without a host frame"),
    ("safe_pose", "e", 1, 0, 2, "", "pose on watchdog: 0 hold, 1 neutral, 2 limp"),
    ("estop_pose", "e", 2, 0, 2, "", "pose on e-stop: 0 hold, 1 neutral, 2 limp"),
    ("telemetry_hz", "i", 100, 0, 1000, "Hz", "telemetry frame rate (0: off)"),
    ("spike_events", "b", 1, 0, 1, "", "send an event per spike (bursts/contact always)"),
    ("drive_level", "f", 0.6, 0.0, 1.0, "", "descending drive output (PWM duty into the RC)"),
    ("drive_pwm_hz", "i", 20000, 1000, 100000, "Hz", "drive PWM frequency"),
    ("touchdown_enable", "b", 1, 0, 1, "", "fire a touch-down pulse when the foot lands"),
    ("touchdown_width_ms", "f", 20.0, 1.0, 500.0, "ms", "touch-down pulse width"),
    ("touchdown_amp", "f", 1.0, 0.0, 1.0, "", "touch-down pulse amplitude (PWM duty)"),
    ("contact_debounce_ms", "f", 3.0, 0.0, 100.0, "ms", "foot switch must be stable this long"),
    ("servo0_min_us", "f", 500.0, 300.0, 1500.0, "us", "hip servo pulse at -range/2"),
    ("servo0_max_us", "f", 2500.0, 1500.0, 2700.0, "us", "hip servo pulse at +range/2"),
    ("servo0_range_deg", "f", 180.0, 10.0, 360.0, "deg", "hip servo travel over min..max us"),
    ("servo0_offset_deg", "f", 0.0, -45.0, 45.0, "deg", "hip servo horn offset"),
    ("servo0_reversed", "b", 0, 0, 1, "", "hip servo turns the other way"),
    ("servo1_min_us", "f", 500.0, 300.0, 1500.0, "us", "knee servo pulse at -range/2"),
    ("servo1_max_us", "f", 2500.0, 1500.0, 2700.0, "us", "knee servo pulse at +range/2"),
    ("servo1_range_deg", "f", 180.0, 10.0, 360.0, "deg", "knee servo travel over min..max us"),
    ("servo1_offset_deg", "f", 0.0, -45.0, 45.0, "deg", "knee servo horn offset"),
    ("servo1_reversed", "b", 0, 0, 1, "", "knee servo turns the other way"),
)

CHOICES = {
    "mode": ("idle", "cpg", "host", "hold"),
    "safe_pose": ("hold", "neutral", "limp"),
    "estop_pose": ("hold", "neutral", "limp"),
}
POSE_HOLD = 0
POSE_NEUTRAL = 1
POSE_LIMP = 2

# Not written to the parameter file: the mode always boots IDLE.
VOLATILE = ("mode",)

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


def describe(pid: int) -> "dict[str, object]":
    """One row as a dict (host side: CLI, ROS parameter descriptors)."""
    row = TABLE[pid]
    return {
        "id": pid,
        "name": row[NAME],
        "type": row[TYPE],
        "default": row[DEFAULT],
        "min": row[MIN],
        "max": row[MAX],
        "unit": row[UNIT],
        "description": row[DESCRIPTION],
        "choices": CHOICES.get(row[NAME]),
        "persistent": row[NAME] not in VOLATILE,
    }

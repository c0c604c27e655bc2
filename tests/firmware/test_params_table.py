"""The parameter table (device/mnsu_fw/params.py): consistent rows and strict validation."""

from __future__ import annotations

import math

import pytest
from mnsu_fw import params as p

from mnsu import wire as c


def test_rows_are_consistent() -> None:
    assert len(set(p.NAMES)) == p.COUNT
    for row in p.TABLE:
        name, kind, default, low, high = row
        assert kind in ("f", "i", "b", "e"), name
        assert low <= default <= high, name
        if kind != "f":
            assert isinstance(default, int), name
    values = p.defaults()
    for low_name, high_name in p.ORDERED:
        assert values[p.INDEX[low_name]] < values[p.INDEX[high_name]]


def test_issue_defaults() -> None:
    d = p.defaults()
    assert d[p.INDEX["watchdog_s"]] == 0.25
    assert d[p.INDEX["telemetry_hz"]] == 100
    assert d[p.INDEX["sample_rate_hz"]] >= 2000


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("watchdog_s", math.nan, c.ERR_NOT_FINITE),
        ("watchdog_s", math.inf, c.ERR_NOT_FINITE),
        ("watchdog_s", 1e9, c.ERR_OUT_OF_RANGE),
        ("watchdog_s", -1.0, c.ERR_OUT_OF_RANGE),
        ("telemetry_hz", 50.5, c.ERR_NOT_INTEGER),
        ("safe_pose", 3, c.ERR_OUT_OF_RANGE),
        ("hip_min_deg", 40.0, c.ERR_INCONSISTENT),  # above hip_max_deg = 35
        ("hip_max_deg", -35.0, c.ERR_INCONSISTENT),  # not above hip_min_deg
        ("spike_low_v", 1.0, c.ERR_INCONSISTENT),
    ],
)
def test_check_refuses(name: str, value: float, error: int) -> None:
    assert p.check(p.defaults(), p.INDEX[name], value) == (error, 0)


def test_check_accepts_and_normalises() -> None:
    values = p.defaults()
    assert p.check(values, p.INDEX["telemetry_hz"], 50.0) == (0, 50)
    code, v = p.check(values, p.INDEX["watchdog_s"], 0.5)
    assert code == 0 and v == 0.5
    # float32 rounding of a limit is accepted and clamped onto it
    code, v = p.check(values, p.INDEX["drive_level"], 1.0000000150474662)
    assert (code, v) == (0, 1.0)
    assert p.check(values, p.COUNT, 1.0)[0] == c.ERR_UNKNOWN_PARAM
    assert p.check(values, -1, 1.0)[0] == c.ERR_UNKNOWN_PARAM

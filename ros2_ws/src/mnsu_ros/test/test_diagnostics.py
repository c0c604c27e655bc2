"""Diagnostic levels: link down, stale telemetry, CRC error rates, overruns, e-stop."""

from __future__ import annotations

import pytest
from mnsu_ros.diagnostics import (
    ERROR,
    OK,
    WARN,
    LinkSample,
    Thresholds,
    link_status,
    safety_status,
    timing_status,
)

TH = Thresholds(stale_warn_s=0.25, stale_error_s=1.0, crc_warn_per_s=1.0, crc_error_per_s=20.0)


def sample(**kw: object) -> LinkSample:
    base: dict[str, object] = dict(
        connected=True, telemetry_age_s=0.01, host_bad_crc=0, board_bad_crc=0, reconnects=0
    )
    base.update(kw)
    return LinkSample(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("now", "level", "text"),
    [
        (sample(), OK, "connected"),
        (sample(connected=False, error="port vanished"), ERROR, "port vanished"),
        (sample(telemetry_age_s=None), ERROR, "no telemetry"),
        (sample(telemetry_age_s=1.5), ERROR, "stale"),
        (sample(telemetry_age_s=0.3), WARN, "late"),
        (sample(host_bad_crc=3), WARN, "3.0 CRC errors/s"),
        (sample(board_bad_crc=15, host_bad_crc=10), ERROR, "25.0 CRC errors/s"),
    ],
)
def test_link_levels(now: LinkSample, level: int, text: str) -> None:
    status = link_status(now, sample(), 1.0, TH)
    assert status.level == level
    assert text in status.message


def test_board_crc_counter_wraps_at_16_bits() -> None:
    status = link_status(sample(board_bad_crc=2), sample(board_bad_crc=65534), 1.0, TH)
    assert status.level == WARN and "4.0 CRC errors/s" in status.message


def test_thresholds_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="stale_warn_s < stale_error_s"):
        Thresholds(stale_warn_s=2.0, stale_error_s=1.0).check()


def test_timing_and_safety() -> None:
    assert timing_status(10, 10, 300).level == OK
    assert timing_status(12, 10, 900).level == WARN
    assert safety_status("cpg", False).level == OK
    assert safety_status("estop", True).level == WARN
    assert safety_status("safe", False).level == WARN

"""The board's parameter table as ROS parameters: names, conversion and atomic validation."""

from __future__ import annotations

import math

import pytest
from mnsu_fw import params
from mnsu_ros.parameters import (
    BOARD_PARAMS,
    BY_ROS_NAME,
    ParamError,
    default_values,
    plan_update,
)


def test_every_table_row_is_a_ros_parameter_with_its_limits() -> None:
    assert len(BOARD_PARAMS) == params.COUNT
    assert "telemetry_rate_hz" in BY_ROS_NAME and "telemetry_hz" not in BY_ROS_NAME
    assert "watchdog_timeout" in BY_ROS_NAME and "watchdog_s" not in BY_ROS_NAME
    amp = BY_ROS_NAME["hip_amp_deg"]
    assert (amp.ros_type, amp.minimum, amp.maximum, amp.unit) == ("double", 0.0, 90.0, "deg")
    assert BY_ROS_NAME["mode"].ros_type == "string"
    assert BY_ROS_NAME["telemetry_rate_hz"].ros_type == "integer"
    assert BY_ROS_NAME["spike_events"].ros_type == "bool"


def test_enum_bool_int_conversions_round_trip() -> None:
    mode = BY_ROS_NAME["mode"]
    assert mode.to_board("host") == 2.0 and mode.from_board(2.0) == "host"
    pose = BY_ROS_NAME["safe_pose"]
    assert pose.from_board(pose.to_board("limp")) == "limp"
    flag = BY_ROS_NAME["spike_events"]
    assert flag.to_board(False) == 0.0 and flag.from_board(1.0) is True
    # float32 noise from the wire is trimmed for display
    assert BY_ROS_NAME["adc_vref_v"].from_board(3.299999952316284) == 3.3


def test_valid_set_returns_normalised_values() -> None:
    order, after = plan_update({"hip_amp_deg": 20.0, "telemetry_rate_hz": 250}, default_values())
    assert [(p.table_name, v) for p, v in order] == [("hip_amp_deg", 20.0), ("telemetry_hz", 250.0)]
    assert after[params.INDEX["telemetry_hz"]] == 250.0


@pytest.mark.parametrize(
    ("updates", "reason"),
    [
        ({"hip_amp_deg": 120.0}, "hip_amp_deg = 120.0 deg is out of range [0, 90] deg"),
        ({"hip_amp_deg": math.nan}, "hip_amp_deg must be finite"),
        ({"telemetry_rate_hz": 1001}, "telemetry_rate_hz = 1001 Hz is out of range [0, 1000] Hz"),
        ({"watchdog_timeout": 0.001}, "watchdog_timeout = 0.001 s is out of range [0.02, 10] s"),
        ({"mode": "walk"}, "mode must be one of idle, cpg, host, hold; got 'walk'"),
        ({"safe_pose": 1}, "safe_pose must be one of hold, neutral, limp"),
        ({"hip_min_deg": 40.0}, "hip_min_deg = 40.0 deg must be < hip_max_deg (35.0 deg)"),
        ({"telemetry_rate_hz": 2.5}, "telemetry_rate_hz must be an integer"),
        ({"spike_events": 1}, "spike_events must be a bool"),
        ({"port": "x"}, "port is not a board parameter"),
    ],
)
def test_invalid_values_are_refused_with_a_reason(updates: dict[str, object], reason: str) -> None:
    with pytest.raises(ParamError) as err:
        plan_update(updates, default_values())
    assert reason in str(err.value)


def test_atomic_set_orders_limits_so_every_step_is_consistent() -> None:
    # raising both hip limits above the current max: the max must go first
    order, after = plan_update({"hip_min_deg": 40.0, "hip_max_deg": 60.0}, default_values())
    assert [p.table_name for p, _ in order] == ["hip_max_deg", "hip_min_deg"]
    assert after[params.INDEX["hip_min_deg"]] == 40.0


def test_atomic_set_fails_whole_when_one_value_is_bad() -> None:
    before = default_values()
    with pytest.raises(ParamError, match="knee_amp_deg"):
        plan_update({"hip_amp_deg": 10.0, "knee_amp_deg": -1.0}, before)
    assert before == default_values()  # the input list is never changed

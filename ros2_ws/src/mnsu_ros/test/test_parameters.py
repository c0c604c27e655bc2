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

from mnsu.parameters import check_param


def test_every_table_row_is_a_ros_parameter_with_its_limits() -> None:
    assert len(BOARD_PARAMS) == params.COUNT
    assert "telemetry_rate_hz" in BY_ROS_NAME and "telemetry_hz" not in BY_ROS_NAME
    assert "watchdog_timeout" in BY_ROS_NAME and "watchdog_s" not in BY_ROS_NAME
    amp = BY_ROS_NAME["hip_amp_rad"]  # SI per REP-103; the table row stays in degrees
    assert (amp.ros_type, amp.minimum, amp.maximum, amp.unit) == ("double", 0.0, 90.0, "deg")
    assert (amp.table_name, amp.si_unit, amp.ros_maximum) == ("hip_amp_deg", "rad", math.pi / 2)
    assert "hip_amp_deg" not in BY_ROS_NAME
    assert BY_ROS_NAME["slew_rad_s"].si_unit == "rad/s"
    assert BY_ROS_NAME["refractory_s"].ros_maximum == pytest.approx(0.05, abs=1e-15)
    assert BY_ROS_NAME["servo0_min_s"].table_name == "servo0_min_us"
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


def test_si_conversions_are_the_tables_units_exactly() -> None:
    amp = BY_ROS_NAME["hip_amp_rad"]
    assert amp.from_board(35.0) == pytest.approx(math.radians(35.0), rel=1e-7)
    assert amp.to_board(math.pi / 2) == 90.0  # exactly: the table's range takes it
    assert BY_ROS_NAME["slew_rad_s"].to_board(math.radians(400.0)) == pytest.approx(400.0)
    assert BY_ROS_NAME["burst_gap_s"].to_board(0.08) == pytest.approx(80.0)
    assert BY_ROS_NAME["servo1_max_s"].to_board(0.0025) == pytest.approx(2500.0)
    assert BY_ROS_NAME["servo1_max_s"].from_board(2500.0) == 0.0025
    assert BY_ROS_NAME["watchdog_timeout"].to_board(0.4) == 0.4  # already SI
    assert amp.to_board(10) == pytest.approx(math.degrees(10))  # integers for doubles


def test_valid_set_returns_normalised_values() -> None:
    order, after = plan_update(
        {"hip_amp_rad": math.radians(20.0), "telemetry_rate_hz": 250}, default_values()
    )
    assert [(p.table_name, v) for p, v in order] == [("hip_amp_deg", 20.0), ("telemetry_hz", 250.0)]
    assert after[params.INDEX["telemetry_hz"]] == 250.0


@pytest.mark.parametrize(
    ("updates", "reason"),
    [
        ({"hip_amp_rad": 2.0}, "hip_amp_rad = 2.0 rad is out of range [0, 1.570796] rad"),
        ({"hip_amp_rad": math.nan}, "hip_amp_rad must be finite"),
        ({"telemetry_rate_hz": 1001}, "telemetry_rate_hz = 1001 Hz is out of range [0, 1000] Hz"),
        ({"watchdog_timeout": 0.001}, "watchdog_timeout = 0.001 s is out of range [0.02, 10] s"),
        ({"mode": "walk"}, "mode must be one of idle, cpg, host, hold; got 'walk'"),
        ({"safe_pose": 1}, "safe_pose must be one of hold, neutral, limp"),
        ({"hip_min_rad": 0.7}, "hip_min_rad = 0.7 rad must be < hip_max_rad (0.6108652 rad)"),
        ({"telemetry_rate_hz": 2.5}, "telemetry_rate_hz must be a whole number; got 2.5"),
        ({"spike_events": 1}, "spike_events must be a bool (true or false); got 1"),
        ({"port": "x"}, "port is not a board parameter"),
    ],
)
def test_invalid_values_are_refused_with_a_reason(updates: dict[str, object], reason: str) -> None:
    with pytest.raises(ParamError) as err:
        plan_update(updates, default_values())
    assert reason in str(err.value)


def test_atomic_set_orders_limits_so_every_step_is_consistent() -> None:
    # raising both hip limits above the current max: the max must go first
    order, after = plan_update(
        {"hip_min_rad": math.radians(40.0), "hip_max_rad": math.radians(60.0)}, default_values()
    )
    assert [p.table_name for p, _ in order] == ["hip_max_deg", "hip_min_deg"]
    assert after[params.INDEX["hip_min_deg"]] == pytest.approx(40.0)


def test_atomic_set_fails_whole_when_one_value_is_bad() -> None:
    before = default_values()
    with pytest.raises(ParamError, match="knee_amp_rad"):
        plan_update({"hip_amp_rad": 0.2, "knee_amp_rad": -0.01}, before)
    assert before == default_values()  # the input list is never changed


@pytest.mark.parametrize(
    ("name", "value"), [("mode", "walk"), ("safe_pose", "sit"), ("telemetry_hz", 2.5)]
)
def test_the_bridge_and_the_cli_word_a_refusal_alike(name: str, value: object) -> None:
    # issue 11: one wording (mnsu.parameters) for the link/CLI and the bridge
    with pytest.raises(ParamError) as host:
        check_param(name, value)  # type: ignore[arg-type]
    ros_name = next(p.ros_name for p in BOARD_PARAMS if p.table_name == name)
    with pytest.raises(ParamError) as ros:
        plan_update({ros_name: value}, default_values())
    assert str(ros.value) == str(host.value).replace(name, ros_name, 1)

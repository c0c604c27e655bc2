"""Joint limits and servo calibration agree in every place that states them, for every example
board with a leg: the board file (`leg.joints`, `leg.servo`), the firmware's parameter defaults
and deploy-time hard limits (`mnsu.robot.hard_limits`), the physics leg's servo
(`mnsu.circuit.board.ServoSpec`) and the kinematic leg's servo (`mnsu.robot.leg.ServoSpec`).

The firmware maps an angle to a pulse with its calibration defaults (`servoN_min_us`,
`servoN_max_us`, `servoN_range_deg`, deploy copies them into limits.json); the physics and the
kinematic leg map the pulse back to an angle with their ServoSpec: if the two disagreed, the
leg would stand at other angles than the firmware commands.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from mnsu_fw import params

from mnsu.circuit.board import load_board
from mnsu.robot import leg as kinematic
from mnsu.robot.hard_limits import limits_for

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LEG_BOARDS = sorted(p.name for p in EXAMPLES.glob("*.yaml") if load_board(p).legs)
DEFAULTS = dict(zip(params.NAMES, params.defaults(), strict=True))


def test_the_examples_with_legs_are_found() -> None:
    assert {"leg.yaml", "quadruped_trot.yaml", "quadruped_walk.yaml"} <= set(LEG_BOARDS)


@pytest.mark.parametrize("name", LEG_BOARDS)
def test_board_joints_firmware_defaults_and_hard_limits_agree(name: str) -> None:
    board = load_board(EXAMPLES / name)
    limits = limits_for(board)["joints"]
    assert len(limits) == 2 * len(board.legs)
    for k, leg in enumerate(board.legs):
        for j, (joint, prefix) in enumerate(zip(leg.joints[:2], ("hip", "knee"), strict=True)):
            hard = limits[2 * k + j]
            # the hard limits are the board file's travel and neutral pose
            assert (hard["min_deg"], hard["max_deg"], hard["neutral_deg"]) == (
                joint.min_deg,
                joint.max_deg,
                joint.neutral_deg,
            ), (name, leg.name, prefix)
            # the firmware's default soft limits and neutral pose are the board file's
            assert DEFAULTS[f"{prefix}_min_deg"] == joint.min_deg, (name, leg.name, prefix)
            assert DEFAULTS[f"{prefix}_max_deg"] == joint.max_deg, (name, leg.name, prefix)
            assert DEFAULTS[f"{prefix}_neutral_deg"] == joint.neutral_deg, (name, prefix)
            # the servo calibration in the hard limits is the firmware's default
            for key in ("min_us", "max_us", "range_deg", "offset_deg", "reversed"):
                assert hard[key] == DEFAULTS[f"servo{j}_{key}"], (name, leg.name, prefix, key)


@pytest.mark.parametrize("name", LEG_BOARDS)
def test_physics_servo_matches_the_firmware_calibration(name: str) -> None:
    board = load_board(EXAMPLES / name)
    for leg in board.legs:
        servo = leg.servo
        for j, joint in enumerate(leg.joints[:2]):
            assert servo.min_pulse * 1e6 == pytest.approx(DEFAULTS[f"servo{j}_min_us"]), name
            assert servo.max_pulse * 1e6 == pytest.approx(DEFAULTS[f"servo{j}_max_us"]), name
            assert servo.range_deg == DEFAULTS[f"servo{j}_range_deg"], name
            # the joint's travel lies within the servo's
            assert -servo.range_deg / 2 <= joint.min_deg < joint.max_deg <= servo.range_deg / 2
            # the pulse the firmware sends for the neutral angle stands the leg at that angle
            lo, hi = DEFAULTS[f"servo{j}_min_us"], DEFAULTS[f"servo{j}_max_us"]
            span = DEFAULTS[f"servo{j}_range_deg"]
            pulse_us = (lo + hi) / 2 + joint.neutral_deg * (hi - lo) / span
            assert servo.pulse_to_deg(pulse_us * 1e-6) == pytest.approx(joint.neutral_deg)


@pytest.mark.parametrize("name", LEG_BOARDS)
def test_kinematic_servo_matches_the_firmware_calibration(name: str) -> None:
    board = load_board(EXAMPLES / name)
    spec = kinematic.ServoSpec()
    for leg in board.legs:
        for j, joint in enumerate(leg.joints[:2]):
            lo, hi = DEFAULTS[f"servo{j}_min_us"], DEFAULTS[f"servo{j}_max_us"]
            span = DEFAULTS[f"servo{j}_range_deg"]
            assert spec.center_us == (lo + hi) / 2, name
            assert math.isclose(spec.us_per_deg, (hi - lo) / span), name
            assert spec.min_deg <= joint.min_deg < joint.max_deg <= spec.max_deg, name

"""The robot description: the URDF read back by MuJoCo and by an XML parser, the MJCF rig
checked against closed forms, and clear errors for bad leg keys."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import mujoco
import pytest
import yaml

from mnsu.circuit.board import BoardError, load_board
from mnsu.robot.description import GRAVITY_M_S2, mjcf, rig_height, robot_mass, urdf

ROOT = Path(__file__).resolve().parents[2]
LEG = ROOT / "examples" / "leg.yaml"


def test_urdf_loads_in_mujoco_with_the_board_joints_limits_and_lengths() -> None:
    board = load_board(LEG)
    leg = board.leg
    assert leg is not None
    model = mujoco.MjModel.from_xml_string(urdf(board))
    names = [model.joint(i).name for i in range(model.njnt)]
    assert names == [j.name for j in leg.joints] == ["hip", "knee"]
    for i, joint in enumerate(leg.joints):
        assert model.jnt_type[i] == mujoco.mjtJoint.mjJNT_HINGE
        assert model.jnt_limited[i]
        lo, hi = model.jnt_range[i]
        assert lo == pytest.approx(math.radians(joint.min_deg), abs=1e-6)
        assert hi == pytest.approx(math.radians(joint.max_deg), abs=1e-6)
    # the knee sits one thigh below the hip; hip turns about +y (extension), knee about -y
    shank = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, "shank")
    assert model.body_pos[shank] == pytest.approx([0.0, 0.0, -leg.thigh_length])
    assert model.jnt_axis[0] == pytest.approx([0, 1, 0])
    assert model.jnt_axis[1] == pytest.approx([0, -1, 0])
    # MuJoCo fuses the fixed foot into the shank: shank + foot mass, tip one shank below
    thigh = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, "thigh")
    assert model.body_mass[thigh] == pytest.approx(leg.thigh_mass)
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    # with both joints at zero the shank's centre of mass is half a shank (plus the foot's
    # small mass at its tip) below the knee: the combined COM from the masses
    foot = robot_mass(leg) - leg.mass
    com = -(leg.shank_mass * leg.shank_length / 2 + foot * leg.shank_length) / (
        leg.shank_mass + foot
    )
    assert data.xipos[shank][2] - data.xpos[shank][2] == pytest.approx(com, abs=1e-9)


def test_urdf_is_plain_urdf_with_effort_and_velocity_limits() -> None:
    board = load_board(LEG)
    leg = board.leg
    assert leg is not None
    root = ET.fromstring(urdf(board))
    assert root.tag == "robot"
    assert [link.get("name") for link in root.iter("link")] == [
        "carriage",
        "thigh",
        "shank",
        "foot",
    ]
    joints = {j.get("name"): j for j in root.iter("joint")}
    assert joints["foot"].get("type") == "fixed"
    for name in ("hip", "knee"):
        limit = joints[name].find("limit")
        assert limit is not None
        assert float(limit.get("effort", "0")) == leg.servo.torque
        assert float(limit.get("velocity", "0")) == pytest.approx(
            math.radians(leg.servo.speed_dps), rel=1e-5
        )


def test_mjcf_rig_holds_the_hip_where_counterweight_and_spring_balance() -> None:
    """Foot in the air (rig spring's rest 0.5 m up): the carriage settles where the spring
    carries what the counterweight does not, z = rest - (1 - support) M g / k (closed form)."""
    board = load_board(LEG, ["leg.rig.height=0.5"])
    leg = board.leg
    assert leg is not None
    model = mujoco.MjModel.from_xml_string(mjcf(board))
    data = mujoco.MjData(model)
    for name in ("hip", "knee"):
        data.ctrl[mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_ACTUATOR, name)] = 0.0
    for _ in range(int(12.0 / model.opt.timestep)):  # slow pole k/c: 1.5/s
        mujoco.mj_step(model, data)
    m = robot_mass(leg)
    assert sum(model.body_mass) == pytest.approx(m)
    expected = 0.5 - (1 - leg.rig.support) * m * GRAVITY_M_S2 / leg.rig.stiffness
    assert rig_height(leg) == 0.5
    assert 0.5 + data.qpos[1] == pytest.approx(expected, abs=1e-4)
    assert data.ncon == 0


def test_mjcf_servo_torque_limit_and_terrain() -> None:
    board = load_board(LEG)
    leg = board.leg
    assert leg is not None
    model = mujoco.MjModel.from_xml_string(mjcf(board, terrain_m=0.01, seed=3))
    hip = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_ACTUATOR, "hip")
    assert list(model.actuator_forcerange[hip]) == [-leg.servo.torque, leg.servo.torque]
    assert model.actuator_gainprm[hip, 0] == leg.servo.gain
    assert model.nhfield == 1
    assert model.hfield_size[0][2] == pytest.approx(0.01)
    # the heights differ between seeds and stay within 0..1 of the field's height
    other = mujoco.MjModel.from_xml_string(mjcf(board, terrain_m=0.01, seed=4))
    assert model.hfield_data.min() >= 0.0 and model.hfield_data.max() <= 1.0
    assert (model.hfield_data != other.hfield_data).any()


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("thigh_mass", "-1 kg", "leg.thigh_mass: must be > 0 kg"),
        ("foot_radius", "3 V", "leg.foot_radius: expected a number in metres"),
        ("servo", {"torque": "0 Nm"}, "leg.servo.torque: must be > 0"),
        ("servo", {"speed": "fast"}, "leg.servo.speed: expected a number in degrees per second"),
        ("servo", {"max_pulse": "400 us"}, "leg.servo.max_pulse: must be above min_pulse"),
        ("servo", {"colour": 1}, "leg.servo.colour: unknown key"),
        ("rig", {"support": 1.5}, "leg.rig.support: must be 0..1"),
        ("rig", {"stiffness": "-5 N/m"}, "leg.rig.stiffness: must be >= 0"),
    ],
)
def test_bad_leg_keys_are_clear_errors(
    tmp_path: Path, key: str, value: object, message: str
) -> None:
    raw = yaml.safe_load(LEG.read_text())
    raw["leg"][key] = value
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(BoardError, match=rf"bad\.yaml: {message}"):
        load_board(path)


def test_leg_keys_default_and_parse_units(tmp_path: Path) -> None:
    raw = yaml.safe_load(LEG.read_text())
    raw["leg"]["servo"] = {"torque": "180 mNm", "speed": "600 deg/s", "min_pulse": "1 ms"}
    raw["leg"]["carriage_mass"] = "0.4 kg"
    path = tmp_path / "sg90.yaml"
    path.write_text(yaml.safe_dump(raw))
    leg = load_board(path).leg
    assert leg is not None
    assert leg.servo.torque == pytest.approx(0.18)
    assert leg.servo.speed_dps == 600.0
    assert leg.servo.min_pulse == pytest.approx(1e-3)
    assert leg.carriage_mass == 0.4
    default = load_board(LEG).leg
    assert default is not None
    assert dataclasses.replace(leg.servo, torque=1.0, speed_dps=360.0, min_pulse=500e-6) == (
        default.servo
    )


def test_cli_writes_the_urdf_and_reports_a_board_without_a_leg(tmp_path: Path) -> None:
    out = tmp_path / "leg.urdf"
    cmd = [sys.executable, "-m", "mnsu.cli", "urdf", str(LEG), "--out", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert out.read_text() == urdf(load_board(LEG))
    hco = ROOT / "examples" / "hco.yaml"
    cmd = [sys.executable, "-m", "mnsu.cli", "urdf", str(hco)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().endswith("hco.yaml: no `leg` section to describe")
    assert "Traceback" not in done.stderr

"""The quadruped's robot description from the board file: MJCF and URDF load in MuJoCo with a
trunk on a free joint, four legs at the body's corners and the board file's values."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import mujoco
import pytest

from mnsu.circuit.board import load_board
from mnsu.robot.description import (
    DescriptionError,
    leg_mount,
    mjcf,
    quadruped_joint_names,
    quadruped_mass,
    urdf,
)
from mnsu.robot.quadruped import PhysicsQuadruped

ROOT = Path(__file__).resolve().parents[2]
TROT = ROOT / "examples" / "quadruped_trot.yaml"
NAMES = ["LF_hip", "LF_knee", "RF_hip", "RF_knee", "LH_hip", "LH_knee", "RH_hip", "RH_knee"]


def test_mjcf_is_a_free_trunk_with_four_legs_from_the_board_file() -> None:
    board = load_board(TROT)
    body = board.body
    assert body is not None
    model = mujoco.MjModel.from_xml_string(mjcf(board))
    assert model.jnt_type[0] == mujoco.mjtJoint.mjJNT_FREE  # no boom, no rig
    assert model.nu == 8 and quadruped_joint_names(board) == NAMES
    assert [model.actuator(i).name for i in range(model.nu)] == NAMES
    trunk = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, "trunk")
    assert model.body_mass[trunk] == pytest.approx(body.mass)
    assert sum(model.body_mass) == pytest.approx(quadruped_mass(board))
    for leg in board.legs:
        thigh = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, f"{leg.name}_thigh")
        assert model.body_pos[thigh] == pytest.approx(leg_mount(leg.name, body))
        assert model.body_mass[thigh] == pytest.approx(leg.thigh_mass)
        for j, joint in enumerate(leg.joints):
            jid = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, f"{leg.name}_{joint.name}")
            lo, hi = model.jnt_range[jid]
            assert (lo, hi) == pytest.approx(
                (math.radians(joint.min_deg), math.radians(joint.max_deg)), abs=1e-6
            )
            act = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_ACTUATOR, f"{leg.name}_{joint.name}")
            assert model.actuator_forcerange[act] == pytest.approx(
                (-leg.servo.torque, leg.servo.torque)
            )
            assert model.jnt_axis[jid] == pytest.approx([0, 1, 0] if j == 0 else [0, -1, 0])
    # front legs ahead, left legs on +y
    assert leg_mount("LF", body)[:2] == pytest.approx((body.length / 2, body.width / 2))
    assert leg_mount("RH", body)[:2] == pytest.approx((-body.length / 2, -body.width / 2))


def test_urdf_of_the_quadruped_loads_with_its_eight_joints() -> None:
    board = load_board(TROT)
    model = mujoco.MjModel.from_xml_string(urdf(board))
    names = [model.joint(i).name for i in range(model.njnt)]
    assert names == NAMES


def test_it_stands_on_its_four_feet_at_neutral() -> None:
    quad = PhysicsQuadruped(load_board(TROT))
    z0 = quad.trunk_state().z
    quad.advance(1.0)
    s = quad.trunk_state()
    assert quad.contacts == (True, True, True, True)
    assert abs(s.z - z0) < 0.01 and abs(s.roll) < 0.01 and abs(s.pitch) < 0.01
    assert not quad.falls
    # the feet carry the weight
    assert sum(quad.trace[-1].loads_n) == pytest.approx(quad.mass * 9.81, rel=0.05)


def test_cli_prints_the_mjcf_and_names_a_bad_leg(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "mnsu.cli", "urdf", str(TROT), "--mjcf"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "<freejoint" in out and 'name="RH_knee"' in out
    with pytest.raises(DescriptionError, match="legs.XX"):
        leg_mount("XX", load_board(TROT).body)  # type: ignore[arg-type]

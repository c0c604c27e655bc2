"""The quadruped board walks in physics: the virtual board (emulator + firmware under
MicroPython + the MuJoCo quadruped) trots for 20 s of board time, moves forward without a fall,
and its gait measured from the foot switches keeps the CPG's lags (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mnsu.circuit.board import load_board
from mnsu.robot.quadruped_walk import emulator_lags, lag_error, quad_walk
from mnsu.robot.walk import WalkSettings

ROOT = Path(__file__).resolve().parents[2]
TROT = ROOT / "examples" / "quadruped_trot.yaml"

LATERAL_TOL = 0.05  # cycles: the acceptance, met by the lateral pair
LEG_TOL = 0.1  # cycles: every leg (the hind pair runs 0.05-0.07 off, docs/quadruped.md)


@pytest.fixture(scope="module")
def trot() -> dict[str, object]:
    settings = WalkSettings(duration_s=20.0, telemetry_hz=100, wall_timeout_s=150.0)
    _, summary = quad_walk(TROT, settings)
    return summary


def test_the_trot_moves_forward_without_a_fall(trot: dict[str, object]) -> None:
    walking = trot["walking"]
    assert isinstance(walking, dict)
    assert not walking["fell"], walking
    assert walking["forward_speed_m_s"] > 0.05, walking
    assert abs(walking["roll_min_deg"]) < 15 and abs(walking["roll_max_deg"]) < 15


def test_the_gait_keeps_the_emulators_burst_lags(trot: dict[str, object]) -> None:
    legs = trot["legs"]
    assert isinstance(legs, dict)
    ref = emulator_lags(load_board(TROT))
    # the trot: diagonals together, left-right and fore-hind in anti-phase
    assert ref["RH"] == pytest.approx(0.0, abs=0.02) or ref["RH"] == pytest.approx(1.0, abs=0.02)
    assert ref["RF"] == pytest.approx(0.5, abs=0.02)
    for name, leg in legs.items():
        err = lag_error(leg["gait_lag_cycles"], ref[name])
        assert err is not None, (name, leg)
        assert abs(err) < (LATERAL_TOL if name == "RF" else LEG_TOL), (name, leg, ref)
        # in the loop, the CPG keeps its own lags too
        cpg = lag_error(leg["cpg_lag_cycles"], ref[name])
        assert cpg is not None and abs(cpg) < 0.03, (name, leg, ref)
    # one step per CPG cycle
    assert trot["step_to_cpg_ratio"] == pytest.approx(1.0, abs=0.01)

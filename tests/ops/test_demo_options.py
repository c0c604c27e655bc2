"""`mnsu demo --drive LEVEL --set NAME=VALUE` on the virtual board: the walk runs with them."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from mnsu.circuit.board import load_board
from mnsu.cli import main

LEG = Path(__file__).resolve().parents[2] / "examples" / "leg.yaml"


def demo(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["demo", "--json", *args])
    return code, out.getvalue(), err.getvalue()


def test_demo_drive_and_board_parameters(tmp_path: Path) -> None:
    # leg.yaml: drive 0.2..0.8 -> CPG period 0.49..1.4 s; measured with `mnsu demo --duration
    # 8 --drive D`: 0.3 -> 1.79 Hz, the default 0.6 -> 1.20 Hz, 0.8 -> 0.73 Hz
    code, out, err = demo(
        "--duration", "6", "--drive", "30%", "--set", "hip_amp_deg=25deg",
        "--plot", str(tmp_path / "demo.png"),
    )  # fmt: skip
    assert code == 0, err
    r = json.loads(out)
    print(r["cpg_frequency_hz"], r["step_frequency_hz"])
    assert r["cpg_frequency_hz"] > 1.5  # the default drive's 1.20 Hz would fail this
    assert r["frames_lost"] == 0


def test_demo_bad_options_are_one_line_errors(tmp_path: Path) -> None:
    for args, why in [
        (("--set", "hip_amp=3"), "unknown parameter 'hip_amp'; did you mean hip_amp_deg"),
        (("--set", "hip_amp_deg"), "--set hip_amp_deg: no value"),
        (("--set", "hip_amp_deg=120"), "is out of range [0, 90] deg"),
        (("--drive", "fast"), "parameter drive_level: 'fast' is not a plain number"),
    ]:
        code, out, err = demo(*args, "--plot", str(tmp_path / "x.png"))
        assert code == 2 and out == ""
        assert err.strip().splitlines() == [f"mnsu demo: {err.strip()[len('mnsu demo: ') :]}"]
        assert why in err, err


def test_firmware_defaults_lift_the_foot_and_walk(tmp_path: Path) -> None:
    # issue 19: no calibration hidden in the demo or the board file. examples/leg.yaml has no
    # leg.gait: the firmware's default gait parameters are its calibration. Measured (6 s):
    # the foot lifts 40 mm, one touch-down per CPG cycle, the carriage walks, no fall; with
    # the table's earlier generic defaults the foot lifted 9.8 mm and touched down twice in
    # some steps (steps 1.39 Hz vs CPG 1.21 Hz on the kinematic leg).
    board = load_board(LEG)
    assert board.leg is not None and board.leg.gait == ()
    code, out, err = demo("--duration", "6", "--plot", str(tmp_path / "d.png"))
    assert code == 0, err
    r = json.loads(out)
    w = r["walking"]
    print(r["step_height_m"], r["step_to_cpg_ratio"], w["forward_speed_m_s"], w["falls"])
    assert r["step_height_m"] > 0.03 and w["falls"] == 0
    assert abs(r["step_to_cpg_ratio"] - 1.0) < 0.05 and r["steps"] == w["steps"]
    assert w["forward_speed_m_s"] > 0.03 and r["frames_lost"] == 0

"""`mnsu demo --drive LEVEL --set NAME=VALUE` on the virtual board: the walk runs with them."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from mnsu.cli import main


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
    # issue 19: no calibration hidden in the demo. Without leg.gait the firmware's table
    # defaults drive the physics leg; measured (8 s, `mnsu demo --board` leg.yaml without its
    # gait line): the foot lifts 9.8 mm, the carriage walks 0.089 m/s, no fall (leg.gait: 40 mm,
    # 0.072 m/s, steps locked to the CPG)
    text = (Path(__file__).resolve().parents[2] / "examples" / "leg.yaml").read_text()
    start = text.index("  # gait calibration")
    end = text.index("slew_dps: 400}\n") + len("slew_dps: 400}\n")
    board = tmp_path / "defaults.yaml"
    board.write_text(text[:start] + text[end:])
    code, out, err = demo(
        "--duration", "6", "--board", str(board), "--plot", str(tmp_path / "d.png")
    )
    assert code == 0, err
    r = json.loads(out)
    print(r["step_height_m"], r["walking"]["forward_speed_m_s"], r["walking"]["falls"])
    assert r["step_height_m"] > 0.005 and r["walking"]["falls"] == 0
    assert r["walking"]["forward_speed_m_s"] > 0.02 and r["frames_lost"] == 0

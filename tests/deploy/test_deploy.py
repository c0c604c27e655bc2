"""`mnsu deploy` against a MicroPython raw REPL on a pseudo-terminal (the unix port)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from calibrated_leg import CALIBRATION, calibrated_leg
from mnsu.cli import main
from mnsu.cosim.virtual_board import VirtualBoard
from mnsu.deploy import PACKAGE, stage_firmware
from mnsu.paths import DEVICE_DIR

from .mpy_board import MicroPythonBoard, run_on_flash

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["deploy", *args])
    return code, out.getvalue(), err.getvalue()


def test_deploy_copies_byte_identical_files_and_the_firmware_imports(tmp_path: Path) -> None:
    fs = tmp_path / "flash"
    fs.mkdir()
    (fs / "params.json").write_text('{"hip_amp_deg": 20.0}')  # calibration: must survive
    stale = fs / PACKAGE
    stale.mkdir()
    (stale / "codec.py").write_text("raise ImportError('stale source shadows the .mpy')\n")
    board = MicroPythonBoard(fs)
    try:
        code, out, err = run_cli("--port", board.path)
    finally:
        board.close()
    print(out, err)
    assert code == 0, err
    assert "firmware 0.1.0, protocol 1" in out
    assert board.soft_reboots >= 1  # the check ran in a fresh interpreter

    expected = tmp_path / "expected"
    files = stage_firmware(expected, "armv6m")
    assert len(files) == len(list((DEVICE_DIR / PACKAGE).glob("*.py"))) + 1
    for rel in files:
        assert (fs / rel).read_bytes() == (expected / rel).read_bytes(), rel
    assert sorted(p.name for p in (fs / PACKAGE).iterdir()) == sorted(
        Path(f).name for f in files if f.startswith(PACKAGE)
    )  # the stale codec.py is gone
    assert (fs / "params.json").read_text() == '{"hip_amp_deg": 20.0}'

    # the deployed bytecode imports under a fresh interpreter, from the board's filesystem only
    probe = (
        "import mnsu_fw.codec, mnsu_fw.params, mnsu_fw.controller, mnsu_fw.app\n"
        "print(mnsu_fw.codec.PROTOCOL_VERSION, mnsu_fw.params.COUNT)\n"
    )
    proc = run_on_flash(fs, probe)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[0] == "1"
    assert not list((fs / PACKAGE).glob("*.py"))  # bytecode only


def test_deploy_writes_the_board_files_hard_limits(tmp_path: Path) -> None:
    fs = tmp_path / "flash"
    fs.mkdir()
    board_file = tmp_path / "narrow.yaml"
    text = (ROOT / "examples" / "leg.yaml").read_text()
    board_file.write_text(text.replace("{min: -35 deg, max: 35 deg", "{min: -12 deg, max: 20 deg"))
    board = MicroPythonBoard(fs)
    try:
        code, out, err = run_cli("--port", board.path, "--board", str(board_file))
    finally:
        board.close()
    assert code == 0, err
    assert f"hard limits (limits.json) from {board_file}" in out
    limits = json.loads((fs / "limits.json").read_text())
    hip, knee = limits["joints"]
    assert (hip["min_deg"], hip["max_deg"], hip["neutral_deg"]) == (-12.0, 20.0, 0.0)
    assert (knee["min_deg"], knee["max_deg"], knee["neutral_deg"]) == (0.0, 70.0, 10.0)
    # the deployed firmware reads them back as its hard limits
    probe = (
        "from mnsu_fw import hard_limits\n"
        "h, notes = hard_limits.load('limits.json')\n"
        "print(h.lo_cdeg[0], h.hi_cdeg[0], len(notes))\n"
    )
    proc = run_on_flash(fs, probe)
    assert proc.stdout.split() == ["-1200", "2000", "0"], proc.stdout + proc.stderr


def test_deploy_refuses_a_board_whose_limits_are_unusable(tmp_path: Path) -> None:
    board_file = tmp_path / "wide.yaml"
    text = (ROOT / "examples" / "leg.yaml").read_text()
    board_file.write_text(text.replace("{min: -35 deg, max: 35 deg", "{min: -135 deg, max: 35 deg"))
    code, out, err = run_cli("--port", "/dev/null", "--dry-run", "--board", str(board_file))
    assert code == 2 and "hip_min_deg = -135.0 outside -90.0..90.0" in err, err
    assert len(err.strip().splitlines()) == 1


def test_dry_run_prints_the_plan_and_touches_nothing(tmp_path: Path) -> None:
    code, out, err = run_cli("--port", str(tmp_path / "nope"), "--dry-run")
    assert code == 0
    assert ":main.py" in out and f":{PACKAGE}/codec.mpy" in out
    assert "mpremote connect" in out and "soft-reset" in out
    assert "does not exist now" in err


def test_missing_port_is_a_clear_error(tmp_path: Path) -> None:
    code, _, err = run_cli("--port", str(tmp_path / "ttyACM9"))
    assert code == 2
    assert f"port {tmp_path / 'ttyACM9'} does not exist" in err


def test_no_repl_answering_is_a_clear_error(tmp_path: Path) -> None:
    board = MicroPythonBoard(tmp_path, answer=False)
    try:
        code, _, err = run_cli("--port", board.path)
    finally:
        board.close()
    assert code == 2
    assert f"no MicroPython REPL answered on {board.path}" in err
    assert "ignores Ctrl-C" in err
    assert not list(tmp_path.iterdir())


def test_running_firmware_with_servos_on_refuses_a_deploy_and_keeps_running() -> None:
    """The virtual board runs the real firmware: with its servos powered EXIT_TO_REPL is refused,
    and Ctrl-C / Ctrl-A are only garbage to it."""
    from mnsu.link import Link

    vb = VirtualBoard(ROOT / "examples" / "leg.yaml", realtime=True)
    vb.start()
    try:
        with Link(vb.path) as link:
            link.set_mode("hold")  # servos powered, no watchdog
        code, _, err = run_cli("--port", vb.path)
        assert code == 2
        assert err.strip().splitlines() == [
            f"mnsu deploy: {vb.path}: board refused exit_to_repl: not accepted in the current "
            "mode; the board refuses while its servos are powered: `mnsu mode idle` (after an "
            "e-stop: `mnsu estop --reset`) first"
        ]
        with Link(vb.path) as link:
            assert link.caps is not None and link.caps.protocol == 1
            tel = next(link.telemetry(2.0))
            assert tel.mode == "hold" and tel.servos_on
    finally:
        vb.stop()


def test_cli_help_lists_deploy() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mnsu.cli", "deploy", "--help"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ},
        timeout=60,
    )
    assert proc.returncode == 0 and "--dry-run" in proc.stdout


@pytest.mark.parametrize("march", ["armv6m", "xtensawin", "none"])
def test_stage_compiles_for_each_target(tmp_path: Path, march: str) -> None:
    files = stage_firmware(tmp_path, march)
    assert all((tmp_path / f).stat().st_size > 0 for f in files)


def test_deploy_calibration_writes_the_board_files_gait(tmp_path: Path) -> None:
    # issue 19: the board file's calibration (leg.gait) applied by mnsu deploy --calibration
    from mnsu.circuit.board import load_board

    fs = tmp_path / "flash"
    fs.mkdir()
    (fs / "params.json").write_text('{"hip_amp_deg": 5.0}')  # an older saved calibration
    board = MicroPythonBoard(fs)
    calibrated = calibrated_leg(tmp_path)
    try:
        code, out, err = run_cli("--port", board.path, "--calibration", "--board", str(calibrated))
    finally:
        board.close()
    assert code == 0, err
    assert "gait calibration (params.json) from" in out
    gait = dict(load_board(calibrated).leg.gait)  # type: ignore[union-attr]
    assert gait == CALIBRATION
    assert json.loads((fs / "params.json").read_text()) == gait
    # the deployed firmware boots with them, within its hard limits, without a warning
    probe = (
        "from mnsu_fw import hard_limits, param_store, params\n"
        "h, notes = hard_limits.load('limits.json')\n"
        "v, more = param_store.load('params.json', h)\n"
        "print(v[params.INDEX['hip_offset_deg']], v[params.INDEX['knee_amp_deg']], len(more))\n"
    )
    proc = run_on_flash(fs, probe)
    assert proc.stdout.split() == [
        f"{gait['hip_offset_deg']:.1f}",
        f"{gait['knee_amp_deg']:.1f}",
        "0",
    ], proc.stdout + proc.stderr
    # without a leg.gait section (examples/leg.yaml: the firmware defaults are its gait) there
    # is nothing to write: one line, nothing copied
    bare = ROOT / "examples" / "leg.yaml"
    code, out, err = run_cli(
        "--port", "/dev/null", "--dry-run", "--calibration", "--board", str(bare)
    )
    assert code == 2 and "has no leg.gait section" in err and len(err.strip().splitlines()) == 1

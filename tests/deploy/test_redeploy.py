"""Redeploy a board running the mnsu firmware without losing its calibration.

The board is the MicroPython unix port on a pty (tests/deploy/mpy_board.py) that boots main.py
as a board does; its filesystem holds only a `machine` module for the hardware edge. The
firmware runs for real (its control loop, its parameter file, its serial protocol); deploy
stops it with EXIT_TO_REPL, copies the firmware with mpremote and restarts it.
"""

from __future__ import annotations

import io
import json
import shutil
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from mnsu_fw import params

from mnsu.cli import main
from mnsu.deploy import PACKAGE, stage_firmware
from mnsu.link import Link

from .mpy_board import MACHINE_STUB, MicroPythonBoard


def mnsu(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def connect(port: str) -> Link:
    return Link(port, hello_timeout_s=20.0)  # the firmware boots in a fresh interpreter


def test_redeploy_round_trip_keeps_the_saved_parameters_byte_identical(tmp_path: Path) -> None:
    fs = tmp_path / "flash"
    fs.mkdir()
    shutil.copy(MACHINE_STUB, fs / "machine.py")
    board = MicroPythonBoard(fs, boot_main=True)  # no main.py yet: the REPL answers
    try:
        code, out, err = mnsu("deploy", "--port", board.path)
        assert code == 0, err
        assert board.wait_hard_resets(1), board.exit_codes  # main.py now runs the firmware

        with connect(board.path) as link:
            assert link.caps is not None and link.caps.board == "rp2040"
            link.set_param("hip_amp_deg", 21.5)
            link.set_param("burst_gap_ms", 120)
            link.save_params()
            link.set_param("knee_amp_deg", 44.0)  # live only: not saved
            link.set_mode("hold")
        saved = (fs / "params.json").read_bytes()
        assert json.loads(saved)["hip_amp_deg"] == 21.5

        code, _, err = mnsu("deploy", "--port", board.path)  # servos powered: refused
        assert code == 2 and "servos are powered" in err and len(err.strip().splitlines()) == 1
        code, _, err = mnsu("mode", "idle", "--port", board.path)
        assert code == 0, err

        backup = tmp_path / "backup.json"
        code, out, err = mnsu("deploy", "--port", board.path, "--backup", str(backup))
        assert code == 0, err
        assert f"parameters saved to {backup}" in out
        assert board.wait_hard_resets(2), board.exit_codes
        assert (fs / "params.json").read_bytes() == saved  # the calibration stayed
        expected = tmp_path / "expected"
        for rel in stage_firmware(expected, "armv6m"):
            assert (fs / rel).read_bytes() == (expected / rel).read_bytes(), rel
        kept = json.loads(backup.read_text())
        assert set(kept) == set(params.NAMES) - set(params.VOLATILE)
        assert (kept["hip_amp_deg"], kept["burst_gap_ms"], kept["knee_amp_deg"]) == (
            21.5,
            120.0,
            44.0,
        )

        with connect(board.path) as link:  # the new firmware booted with the saved values
            assert link.get_param("hip_amp_deg") == 21.5
            default = params.defaults()[params.INDEX["knee_amp_deg"]]
            assert link.get_param("knee_amp_deg") == default  # the unsaved value is gone
        code, out, err = mnsu("param", "load", str(backup), "--port", board.path)
        assert code == 0, err
        code, out, err = mnsu("param", "diff", str(backup), "--port", board.path)
        assert code == 0 and "0 parameter(s) differ" in out, out + err
        assert sorted(p.name for p in (fs / PACKAGE).iterdir()) == sorted(
            p.name for p in (expected / PACKAGE).iterdir()
        )
    finally:
        board.close()

"""Acceptance on the virtual board: the real firmware under MicroPython, the emulator, the leg.

All figures are in board (virtual) time; the board runs as fast as it can.
"""

from __future__ import annotations

import io
import json
import time
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from calibrated_leg import CALIBRATION, calibrated_leg
from mnsu.analysis.rhythm import neuron_stats
from mnsu.circuit.board import load_board
from mnsu.circuit.emulator import Emulator
from mnsu.cli import main
from mnsu.cosim.virtual_board import VirtualBoard
from mnsu.link import Link, Telemetry

ROOT = Path(__file__).resolve().parents[2]
LEG = ROOT / "examples" / "leg.yaml"


# The kinematic leg (hip on a stand 0.17 m up) with the calibration it was measured with
KINEMATIC_GAIT = (
    "--leg", "kinematic",
    "--set", "env_tau_ms=100", "--set", "hip_amp_deg=30",
    "--set", "asymmetry=0", "--set", "knee_offset_deg=0",
    "--set", "knee_amp_deg=45", "--set", "env_step=0.5",
    "--set", "hip_offset_deg=0", "--set", "slew_dps=400",
)  # fmt: skip


def demo_json(*args: str) -> dict[str, object]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["demo", "--json", *args])
    assert code == 0
    result: dict[str, object] = json.loads(out.getvalue())
    return result


def simulated_burst_frequency() -> float:
    """What `mnsu simulate examples/leg.yaml --duration 20` finds for the flexor."""
    emu = Emulator(load_board(LEG), seed=0)
    emu.advance(20.0)
    stats = neuron_stats(emu.spikes[0], emu.spike_ends[0], 20.0)
    assert stats.burst_period_s is not None
    return 1.0 / stats.burst_period_s


def test_demo_20s_steps_at_the_cpg_frequency(tmp_path: Path) -> None:
    png = tmp_path / "demo.png"
    r = demo_json("--duration", "20", "--plot", str(png), *KINEMATIC_GAIT)
    f_cpg = simulated_burst_frequency()
    step = r["step_frequency_hz"]
    assert isinstance(step, float)
    print(f"step {step:.4f} Hz, simulate {f_cpg:.4f} Hz, duty {r['duty_factor']}")
    assert abs(step - f_cpg) / f_cpg < 0.05
    duty = r["duty_factor"]
    assert isinstance(duty, float) and 0.55 <= duty <= 0.75
    assert r["frames_lost"] == 0
    assert r["crc_errors"] == 0
    assert isinstance(r["frames_received"], int) and r["frames_received"] > 20 * 200
    assert r["plot"] == str(png) and png.stat().st_size > 20_000
    assert isinstance(r["realtime_factor"], float) and r["realtime_factor"] > 0


def test_touchdown_feedback_locks_contact_phase(tmp_path: Path) -> None:
    spreads = {}
    for mode in ("off", "on"):
        r = demo_json(
            "--duration", "20", "--terrain", "0.01", "--touchdown", mode, *KINEMATIC_GAIT,
            "--plot", str(tmp_path / f"{mode}.png"),
        )  # fmt: skip
        spreads[mode] = r["touchdown_phase_spread_cycles"]
        assert r["frames_lost"] == 0
    print(f"touch-down phase spread: feedback off {spreads['off']:.4f}, on {spreads['on']:.4f}")
    assert isinstance(spreads["on"], float) and isinstance(spreads["off"], float)
    assert spreads["on"] < spreads["off"]


def test_reconnect_mid_run_recovers_within_1s_of_board_time() -> None:
    # paced at real time: the recovery is measured in board time, which then runs at 1x
    vb = VirtualBoard(LEG, realtime=True)
    vb.start()
    try:
        with Link(vb.path) as link:
            sub = link.subscribe(("telemetry",))
            link.set_mode("cpg")
            deadline = time.monotonic() + 20.0
            while (vb.t < 2.0) and time.monotonic() < deadline:
                time.sleep(0.01)
            vb.unplug()
            t_wait = time.monotonic()
            while link.connected and time.monotonic() - t_wait < 5.0:
                time.sleep(0.005)
            before = [m for m in sub.drain() if isinstance(m, Telemetry)]
            received_before = link.stats.frames_received
            time.sleep(0.2)
            vb.replug()
            t_plug = vb.t
            while link.stats.connects < 2 and time.monotonic() - t_wait < 10.0:
                time.sleep(0.005)
            assert link.stats.connects == 2
            while link.stats.frames_received < received_before + 20:
                time.sleep(0.01)
                assert time.monotonic() - t_wait < 15.0
            after = [m for m in sub.drain() if isinstance(m, Telemetry)]
            recovery = after[0].board_time_s - t_plug
            print(f"first telemetry {recovery * 1000:.0f} ms of board time after the replug")
            assert recovery < 1.0
            seqs = [m.seq for m in before]
            assert all((b - a) & 0xFFFF >= 1 for a, b in zip(seqs, seqs[1:], strict=False))
            assert link.stats.frames_lost == 0  # nothing received before the cut was lost
            assert link.stats.frames_missed_offline > 0  # the board ran on while unplugged
            assert after[-1].mode in ("cpg", "safe")
    finally:
        vb.stop()


def test_virtual_board_needs_a_leg(tmp_path: Path) -> None:
    text = LEG.read_text()
    no_leg = text[: text.index("leg:\n  flexor")]
    board = tmp_path / "noleg.yaml"
    board.write_text(no_leg)
    with pytest.raises(RuntimeError, match="needs a `leg` section"):
        VirtualBoard(board)


def test_mnsu_virtual_board_boots_with_the_board_files_gait(tmp_path: Path) -> None:
    # issue 19: the board file's calibration (leg.gait) applied by the virtual board, as a
    # board after `mnsu deploy --calibration`; PARAM_DEFAULTS gives the firmware's table back
    import subprocess
    import sys

    from mnsu_fw import params

    board = calibrated_leg(tmp_path)
    gait = dict(load_board(board).leg.gait)  # type: ignore[union-attr]
    assert gait == CALIBRATION
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mnsu.cli",
            "virtual-board",
            str(board),
            "--fast",
            "--duration",
            "600",
        ],  # fmt: skip
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port = proc.stdout.readline().strip()
        with Link(port) as link:
            for name in CALIBRATION:
                assert link.get_param(name) == pytest.approx(gait[name]), name
            link.default_params()
            assert (
                link.get_param("hip_offset_deg")
                == params.defaults()[params.INDEX["hip_offset_deg"]]
            )
    finally:
        proc.terminate()
        proc.communicate(timeout=30)

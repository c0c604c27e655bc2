"""The console entry point `mnsu-ros-bridge` as its own process, on a virtual board's pty.

The virtual board runs in this test process, so the test can cut the link (unplug the pty)
and read the emulated leg; the bridge runs exactly as a user starts it. Checks: diagnostics
ERROR while the link is cut and OK after it returns (the node keeps reconnecting), and the
safe pose commanded on SIGINT.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
from harness import Collector, Spinning, ros_env, venv_bin, wait_for
from mnsu_ros.parameters import BY_ROS_NAME
from rclpy.node import Node

from mnsu.cosim.virtual_board import VirtualBoard

PKG = Path(__file__).resolve().parents[1]


@pytest.fixture
def board() -> Iterator[VirtualBoard]:
    vb = VirtualBoard(realtime=True)
    vb.start()
    try:
        yield vb
    finally:
        vb.stop()


@pytest.fixture
def tester() -> Iterator[tuple[Node, Collector]]:
    ros = Spinning()
    try:
        node = ros.node("process_tester")
        diags = Collector()
        node.create_subscription(DiagnosticArray, "/diagnostics", diags, 50)
        ros.start()
        yield node, diags
    finally:
        ros.close()


def link_level(diags: Collector, since: float) -> int | None:
    """Level of the newest `/mnsu_bridge: link` status received after `since`."""
    for msg in reversed(diags.since(since)):
        for st in msg.status:
            if st.name == "/mnsu_bridge: link":
                return int.from_bytes(st.level, "little")
    return None


def test_absent_board_and_link_loss_report_error_until_it_returns_and_sigint_commands_safe_pose(
    board: VirtualBoard, tester: tuple[Node, Collector]
) -> None:
    _, diags = tester
    board.unplug()  # no board on the port when the node starts
    proc = subprocess.Popen(
        [
            venv_bin("mnsu-ros-bridge"),
            "--ros-args",
            "-p",
            f"port:={board.path}",
            "-p",
            "diagnostics.period_s:=0.2",
            "-p",
            "safe_pose:=neutral",
            "-p",
            "mode:=cpg",
            "-p",  # long enough that only the node's own command can explain the safe pose
            "watchdog_timeout:=5.0",
        ],
        env=ros_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        t0 = time.monotonic()
        wait_for(lambda: link_level(diags, t0) is not None, 20.0, "first diagnostics")
        assert link_level(diags, t0) == DiagnosticStatus.ERROR[0]
        board.replug()  # the board appears: the node, still retrying, connects
        wait_for(lambda: link_level(diags, t0) == DiagnosticStatus.OK[0], 10.0, "link OK")
        # walking in CPG mode (the startup override reached the board)
        wait_for(lambda: abs(board.state.hip_deg) > 10.0, 10.0, "the leg swinging")

        board.unplug()
        t1 = time.monotonic()
        wait_for(lambda: link_level(diags, t1) == DiagnosticStatus.ERROR[0], 5.0, "link ERROR")
        board.replug()
        t2 = time.monotonic()
        wait_for(lambda: link_level(diags, t2) == DiagnosticStatus.OK[0], 10.0, "link OK again")

        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20.0)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10.0)
    assert proc.returncode == 0, out
    assert "reconnecting" in out  # the link loss was logged as an error
    assert out.count("no board: ") == 1, out  # the absent board: one ERROR, then WARNs
    neutral = (0.0, 10.0)  # the board's hip_neutral_deg, knee_neutral_deg defaults

    def at_neutral() -> bool:
        st = board.state
        return abs(st.hip_deg - neutral[0]) < 1.0 and abs(st.knee_deg - neutral[1]) < 1.0

    wait_for(at_neutral, 2.0, f"the leg in the safe (neutral) pose {neutral} after SIGINT")
    assert "safe pose commanded: neutral" in out
    assert "Failed to publish log message to rosout" not in out  # clean exit
    assert "Traceback" not in out


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ("hip_amp_rad:=2.0", "hip_amp_rad out of range Min: 0.0, Max: 1.57"),
        ("hip_min_rad:=0.7", "hip_min_rad = 0.7 rad must be < hip_max_rad (0.6108652 rad)"),
        ("mode:=walk", "mode must be one of idle, cpg, host, hold; got 'walk'"),
        ("joint_names:=[a]", "joint_names must be two different names"),
    ],
)
def test_bad_values_at_start_stop_the_node_with_the_reason(override: str, reason: str) -> None:
    run = subprocess.run(
        [venv_bin("mnsu-ros-bridge"), "--ros-args", "-p", "port:=/dev/null/none", "-p", override],
        env=ros_env(),
        capture_output=True,
        text=True,
        timeout=60.0,
    )
    assert run.returncode == 2, run.stderr
    assert reason in run.stderr
    assert "Traceback" not in run.stderr


def test_launch_file_parses_and_config_names_declared_parameters() -> None:
    launch = PKG / "launch" / "bridge.launch.py"
    code = compile(launch.read_text(), str(launch), "exec")
    assert "generate_launch_description" in code.co_names
    config = yaml.safe_load((PKG / "config" / "bridge.yaml").read_text())
    params = config["/**"]["ros__parameters"]
    node_params = {"autostart", "port", "board_file", "joint_names", "neuron_names"}
    node_params.add("command_rate_hz")
    flat = set()
    for key, value in params.items():
        if isinstance(value, dict):
            flat |= {f"{key}.{sub}" for sub in value}
        else:
            flat.add(key)
    diag = {f"diagnostics.{k}" for k in ("period_s", "stale_warn_s", "stale_error_s")}
    diag |= {"diagnostics.crc_warn_per_s", "diagnostics.crc_error_per_s"}
    unknown = flat - node_params - diag - set(BY_ROS_NAME)
    assert not unknown, f"config/bridge.yaml names undeclared parameters: {unknown}"

"""The ROS bridge node, as a user starts it (`mnsu-ros-bridge`), attached through `mnsu serve`.

`mnsu serve` owns the virtual board's pty and offers a loopback socket; the bridge gets
`port:=socket://...` and another tool (a plain Link) watches the same board at the same time.
Checks: the startup mode reaches the board (the leg swings), joint_states reach a default-QoS
subscriber, the e-stop service latches the board (the other client sees it), and neither
client of the server loses a frame.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
import rclpy
from harness import Collector, result, ros_env, venv_bin, wait_for
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from sensor_msgs.msg import JointState
from std_srvs.srv import Trigger

from mnsu.cosim.virtual_board import VirtualBoard
from mnsu.link import Link, Telemetry


def start_serve(port: str) -> tuple[subprocess.Popen[str], str]:
    """`mnsu serve` on `port`; returns the process and the socket:// URL it prints."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mnsu.cli", "serve", "--port", port, "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 30.0)
    line = proc.stdout.readline().strip() if ready else ""
    if not line.startswith("socket://"):
        proc.kill()
        _, err = proc.communicate(timeout=10)
        raise AssertionError(f"mnsu serve did not start: {line!r} {err}")
    return proc, line


def stop(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    try:
        out, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate(timeout=10)
    return (out or "") + (err or "")


@pytest.fixture
def served() -> Iterator[tuple[VirtualBoard, str]]:
    vb = VirtualBoard(realtime=True)
    vb.start()
    proc, url = start_serve(vb.path)
    try:
        yield vb, url
    finally:
        print(stop(proc))
        vb.stop()


def test_the_bridge_node_attaches_through_serve_beside_another_tool(
    served: tuple[VirtualBoard, str],
) -> None:
    vb, url = served
    context = rclpy.Context()
    rclpy.init(context=context)
    tester = Node("serve_tester", context=context)
    joints = Collector()
    tester.create_subscription(JointState, "joint_states", joints, 10)  # default QoS
    estop = tester.create_client(Trigger, "estop")
    executor = SingleThreadedExecutor(context=context)
    executor.add_node(tester)
    spinner = threading.Thread(target=executor.spin, daemon=True)
    spinner.start()
    bridge = subprocess.Popen(
        [venv_bin("mnsu-ros-bridge"), "--ros-args", "-p", f"port:={url}", "-p", "mode:=cpg"],
        env=ros_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        with Link(url) as watcher:
            watch = watcher.subscribe(("telemetry",))
            t0 = time.monotonic()
            wait_for(lambda: len(joints.since(t0)) >= 50, 30.0, "50 joint_states via serve")
            wait_for(lambda: abs(vb.state.hip_deg) > 10.0, 15.0, "the leg swinging (mode cpg)")
            assert estop.wait_for_service(10.0)
            resp = result(estop.call_async(Trigger.Request()), 10.0, "estop answer")
            assert resp.success, resp.message
            seen: object = None
            deadline = time.monotonic() + 10.0
            while time.monotonic() < deadline and not (isinstance(seen, Telemetry) and seen.estop):
                seen = watch.get(1.0)
            assert isinstance(seen, Telemetry) and seen.estop, "the watcher sees the latch"
            st = watcher.stats
            assert st.frames_lost == 0 and st.crc_errors == 0 and st.decode_errors == 0, st
    finally:
        out = stop(bridge)
        executor.shutdown()
        tester.destroy_node()
        rclpy.try_shutdown(context=context)
        spinner.join(timeout=5.0)
    assert "Traceback" not in out, out

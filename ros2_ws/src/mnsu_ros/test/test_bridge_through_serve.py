"""The ROS bridge node, as a user starts it (`mnsu-ros-bridge`), attached through `mnsu serve`.

`mnsu serve` owns the virtual board's pty and offers a loopback socket; the bridge gets
`port:=socket://...` and another tool (a plain Link) watches the same board at the same time.
Checks: the startup mode reaches the board (the leg swings), joint_states reach a default-QoS
subscriber, the e-stop service latches the board (the other client sees it), and neither
client of the server loses a frame.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import pytest
from harness import Collector, Spinning, result, ros_env, venv_bin, wait_for
from sensor_msgs.msg import JointState
from std_srvs.srv import Trigger

from mnsu.cosim.virtual_board import VirtualBoard
from mnsu.link import Link, Telemetry
from mnsu.link.served import spawn_serve, stop_process


@pytest.fixture
def served() -> Iterator[tuple[VirtualBoard, str]]:
    vb = VirtualBoard(realtime=True)
    vb.start()
    proc, url = spawn_serve(vb.path)
    try:
        yield vb, url
    finally:
        print(stop_process(proc))
        vb.stop()


def test_the_bridge_node_attaches_through_serve_beside_another_tool(
    served: tuple[VirtualBoard, str],
) -> None:
    vb, url = served
    ros = Spinning()
    tester = ros.node("serve_tester")
    joints = Collector()
    tester.create_subscription(JointState, "joint_states", joints, 10)  # default QoS
    estop = tester.create_client(Trigger, "estop")
    ros.start()
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
        out = stop_process(bridge)
        ros.close()
    assert "Traceback" not in out, out

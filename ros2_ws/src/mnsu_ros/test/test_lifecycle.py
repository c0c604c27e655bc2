"""mnsu_bridge as a managed node, driven through the standard lifecycle services.

The bridge starts with autostart:=false on the in-process virtual board; a client calls
`change_state` as `ros2 lifecycle set` does: configure opens the link and mirrors parameters
(nothing published yet), activate publishes and accepts commands, deactivate commands the safe
pose and stops publishing, cleanup closes the link, and configure + activate work again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import rclpy
from harness import Collector, result, wait_for
from lifecycle_msgs.msg import State, Transition
from lifecycle_msgs.srv import ChangeState, GetState
from mnsu_ros import bridge_node
from mnsu_ros.bridge_node import BridgeNode
from rclpy.node import Node
from rclpy.parameter import Parameter
from rclpy.qos import QoSProfile
from sensor_msgs.msg import JointState

NS = "/lc"


@pytest.fixture
def nodes() -> Iterator[tuple[BridgeNode, Node, Collector]]:
    rclpy.init()
    bridge = BridgeNode(
        namespace=NS,
        parameter_overrides=[
            Parameter("autostart", value=False),
            Parameter("port", value="virtual"),
            Parameter("safe_pose", value="neutral"),
            Parameter("mode", value="cpg"),
        ],
    )
    tester = Node("lifecycle_tester")
    states = Collector()
    tester.create_subscription(JointState, f"{NS}/joint_states", states, QoSProfile(depth=100))
    executor = bridge_node.executor()
    executor.add_node(bridge)
    executor.add_node(tester)
    spinner = threading.Thread(target=executor.spin, daemon=True)
    spinner.start()
    try:
        yield bridge, tester, states
    finally:
        executor.shutdown()
        spinner.join(timeout=5.0)  # before the context goes (harness.Spinning's order)
        bridge.shutdown()
        bridge.destroy_node()
        tester.destroy_node()
        rclpy.try_shutdown()


def change(client: Any, transition: int) -> bool:
    req = ChangeState.Request()
    req.transition.id = transition
    return bool(result(client.call_async(req), 20.0, f"change_state {transition}").success)


def state(client: Any) -> int:
    return int(result(client.call_async(GetState.Request()), 10.0, "get_state").current_state.id)


def test_configure_activate_deactivate_cleanup(nodes: tuple[BridgeNode, Node, Collector]) -> None:
    bridge, tester, states = nodes
    change_client = tester.create_client(ChangeState, f"{NS}/mnsu_bridge/change_state")
    get_client = tester.create_client(GetState, f"{NS}/mnsu_bridge/get_state")
    assert change_client.wait_for_service(10.0) and get_client.wait_for_service(10.0)
    assert state(get_client) == State.PRIMARY_STATE_UNCONFIGURED
    assert bridge.session.link is None  # nothing opened before configure

    assert change(change_client, Transition.TRANSITION_CONFIGURE)
    assert state(get_client) == State.PRIMARY_STATE_INACTIVE
    assert bridge.session.wait_ready(20.0), bridge.session.last_error
    seen = bridge.session.latest
    wait_for(lambda: bridge.session.latest is not seen, 5.0, "telemetry while inactive")
    wait_for(lambda: bridge.session.latest.mode == "cpg", 5.0, "the startup mode on the board")
    assert states.last() is None  # inactive: nothing published

    assert change(change_client, Transition.TRANSITION_ACTIVATE)
    wait_for(lambda: states.last() is not None, 10.0, "joint_states once active")
    vb = bridge.session.virtual.board  # type: ignore[union-attr]
    wait_for(lambda: abs(vb.state.hip_deg) > 10.0, 10.0, "the leg walking")

    assert change(change_client, Transition.TRANSITION_DEACTIVATE)
    # safe_pose neutral: HOST mode at the neutral angles (hip 0, knee 10 deg by default)
    wait_for(lambda: bridge.session.latest.mode == "host", 5.0, "the safe pose's mode")
    wait_for(
        lambda: abs(vb.state.hip_deg) < 1.0 and abs(vb.state.knee_deg - 10.0) < 1.0,
        5.0,
        "the leg at the neutral pose",
    )
    quiet_from = time.monotonic() + 0.5  # what was already in flight may still arrive
    wait_for(lambda: time.monotonic() > quiet_from + 0.5, 2.0, "1 s")
    assert not states.since(quiet_from), "joint_states published while inactive"

    assert change(change_client, Transition.TRANSITION_CLEANUP)
    assert state(get_client) == State.PRIMARY_STATE_UNCONFIGURED
    assert bridge.session.link is None and not bridge.configured

    assert change(change_client, Transition.TRANSITION_CONFIGURE)
    assert change(change_client, Transition.TRANSITION_ACTIVATE)
    t = time.monotonic()
    wait_for(lambda: states.since(t), 20.0, "joint_states after a second configure")

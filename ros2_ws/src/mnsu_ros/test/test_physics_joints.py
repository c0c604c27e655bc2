"""joint_states from the physics leg: with `leg_model:=physics` the bridge's in-process virtual
board walks a MuJoCo leg, and joint_states carries its simulated joints (position, velocity,
effort), not the servo commands. The bridge and a tester share this process (own context).

Checks, after a 0.5 s move to hip 20 deg / knee 40 deg in HOST mode: every message has two
velocities and efforts; the published velocity agrees with the finite difference of the
published positions over their stamps; at rest the last message equals the simulator's own
joint state (to 0.01 rad) and lies within 4 deg of the command (the servo holds the leg
against gravity with a small error; the kinematic leg would publish the command itself).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterator

import pytest
from harness import Collector, Spinning, wait_for
from mnsu_ros import bridge_node
from mnsu_ros.bridge_node import BridgeNode
from rclpy.parameter import Parameter
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import JointState

RATE_HZ = 100
TARGET_DEG = (20.0, 40.0)


@pytest.fixture(scope="module")
def physics_bridge() -> Iterator[tuple[BridgeNode, Collector]]:
    ros = Spinning(threads=bridge_node.EXECUTOR_THREADS)
    bridge = BridgeNode(
        context=ros.context,
        parameter_overrides=[
            Parameter("port", value="virtual"),
            Parameter("leg_model", value="physics"),
            Parameter("telemetry_rate_hz", value=RATE_HZ),
            Parameter("qos_overrides./joint_states.publisher.depth", value=1000),
        ],
    )
    ros.add(bridge)
    tester = ros.node("physics_tester")
    js = Collector()
    qos = QoSProfile(depth=1000, reliability=ReliabilityPolicy.RELIABLE)
    tester.create_subscription(JointState, "joint_states", js, qos)
    ros.start()
    try:
        assert bridge.session.wait_ready(30.0), f"board not ready: {bridge.session.last_error}"
        yield bridge, js
    finally:
        bridge.shutdown()
        ros.close()


def stamp_s(m: JointState) -> float:
    return m.header.stamp.sec + m.header.stamp.nanosec * 1e-9


def test_joint_states_are_the_simulated_joints(
    physics_bridge: tuple[BridgeNode, Collector],
) -> None:
    bridge, js = physics_bridge
    res = bridge.set_parameters([Parameter("mode", value="host")])
    assert res[0].successful, res[0].reason
    s = bridge.session
    wait_for(lambda: s.latest is not None and s.latest.mode == "host", 10.0, "HOST mode")
    wait_for(lambda: js.last() is not None, 20.0, "joint_states")
    t0 = js.items[-1][0]
    target = [math.radians(a) for a in TARGET_DEG]
    s.start_trajectory(list(bridge.joint_names), [(target, 0.5)])

    def settled() -> bool:
        msgs = js.since(t0)
        if len(msgs) < 2 * RATE_HZ:
            return False
        return all(abs(v) < 0.05 for m in msgs[-20:] for v in m.velocity)

    wait_for(settled, 60.0, "the leg at rest at the target")
    msgs = js.since(t0)
    assert all(len(m.velocity) == 2 and len(m.effort) == 2 for m in msgs)
    # the velocity is the derivative of the position (both measured, one time base)
    errors, speeds = [], []
    for a, b in zip(msgs, msgs[1:], strict=False):
        dt = stamp_s(b) - stamp_s(a)
        if dt <= 0.5 / RATE_HZ:
            continue
        fd = (b.position[0] - a.position[0]) / dt
        errors.append(abs(fd - 0.5 * (a.velocity[0] + b.velocity[0])))
        speeds.append(abs(b.velocity[0]))
    peak = max(speeds)
    assert peak > 0.3, peak  # 20 deg in 0.5 s is 0.7 rad/s
    assert statistics.median(errors) < 0.1 * peak, (statistics.median(errors), peak)
    # at rest: what was published is what the simulator measures, near the command
    virtual = s.virtual
    assert virtual is not None
    sim = virtual.joint_state()
    assert sim is not None
    last = msgs[-1]
    assert list(last.position) == pytest.approx(list(sim.position_rad), abs=0.01)
    assert list(last.position) == pytest.approx(target, abs=math.radians(4.0))
    # the board's commanded angles (telemetry) reached the target exactly
    latest = s.latest
    assert latest is not None
    assert latest.hip_deg == pytest.approx(TARGET_DEG[0], abs=0.5)

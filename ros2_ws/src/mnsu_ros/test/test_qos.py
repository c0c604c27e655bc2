"""QoS as a ROS user meets it: an outside rclpy client (this process) and the bridge process.

The bridge runs as `mnsu-ros-bridge` on its own in-process virtual board, started with one
standard QoS override (`qos_overrides./cpg/neurons.publisher.reliability:=best_effort`).
Checks: a default-QoS subscriber (reliable, depth 10) and a SensorDataQoS one both receive
`joint_states` at the telemetry rate; on the overridden topic the default-QoS subscriber
receives nothing while a SensorDataQoS one does (the override reached the publisher); a
subscriber that joins after the bridge has published (default QoS but transient local) still
receives `robot_description` and its URDF has the board file's joints and limits.
"""

from __future__ import annotations

import math
import subprocess
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from harness import Collector, Spinning, ros_env, venv_bin, wait_for
from mnsu_msgs.msg import NeuronState
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy, qos_profile_sensor_data
from sensor_msgs.msg import JointState
from std_msgs.msg import String

from mnsu.circuit.board import load_board
from mnsu.paths import DEFAULT_BOARD

RATE_HZ = 100
NAMESPACE = "/qos"


@pytest.fixture(scope="module")
def bridge() -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [
            venv_bin("mnsu-ros-bridge"),
            "--ros-args",
            "-r",
            f"__ns:={NAMESPACE}",
            "-p",
            "port:=virtual",
            "-p",
            f"telemetry_rate_hz:={RATE_HZ}",
            "-p",
            "slew_rad_s:=5",  # an integer for a double parameter is accepted
            "-p",
            f"qos_overrides.{NAMESPACE}/cpg/neurons.publisher.reliability:=best_effort",
        ],
        env=ros_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=20.0)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate(timeout=10.0)
        assert "Traceback" not in out, out


def test_default_and_sensor_data_subscribers_receive_and_overrides_apply(
    bridge: subprocess.Popen[str],
) -> None:
    ros = Spinning()
    node = ros.node("qos_client")
    default_js, sensor_js, default_neurons, sensor_neurons = (Collector() for _ in range(4))
    default_qos = QoSProfile(depth=10)  # rclpy's default: reliable, volatile, keep last 10
    assert default_qos.reliability == ReliabilityPolicy.RELIABLE
    node.create_subscription(JointState, f"{NAMESPACE}/joint_states", default_js, default_qos)
    node.create_subscription(
        JointState, f"{NAMESPACE}/joint_states", sensor_js, qos_profile_sensor_data
    )
    node.create_subscription(NeuronState, f"{NAMESPACE}/cpg/neurons", default_neurons, default_qos)
    node.create_subscription(
        NeuronState, f"{NAMESPACE}/cpg/neurons", sensor_neurons, qos_profile_sensor_data
    )
    ros.start()
    try:
        wait_for(lambda: default_js.last() is not None, 60.0, "joint_states (default QoS)")
        wait_for(lambda: sensor_neurons.last() is not None, 30.0, "cpg/neurons (sensor data)")
        # the rate in the messages' own time base: stamps are board time mapped to ROS time
        # (after 2 s, when the startup load has left the clock offset's minimum filter)
        start = time.monotonic()
        wait_for(lambda: len(default_js.since(start)) >= 2 * RATE_HZ, 60.0, "2 s of joint_states")
        t0 = time.monotonic()
        wait_for(lambda: len(default_js.since(t0)) >= 4 * RATE_HZ, 60.0, "4 s of joint_states")
        msgs = default_js.since(t0)
        stamps = [m.header.stamp.sec + m.header.stamp.nanosec * 1e-9 for m in msgs]
        rate = (len(msgs) - 1) / (stamps[-1] - stamps[0])
        # 5 %: the stamps' clock offset estimate steps by a few ms when its minimum leaves
        # the window (bench/ros_telemetry.py measures the delivery ratio over 60 s)
        assert rate == pytest.approx(RATE_HZ, rel=0.05), rate
        assert len(sensor_js.since(t0)) > 0.9 * len(msgs)
        info = node.get_publishers_info_by_topic(f"{NAMESPACE}/joint_states")
        assert [i.qos_profile.reliability for i in info] == [ReliabilityPolicy.RELIABLE]
        info = node.get_publishers_info_by_topic(f"{NAMESPACE}/cpg/neurons")
        assert [i.qos_profile.reliability for i in info] == [ReliabilityPolicy.BEST_EFFORT]
        assert len(sensor_neurons.since(t0)) > 0.9 * len(msgs)
        assert default_neurons.last() is None  # a best-effort publisher reaches no reliable one
    finally:
        ros.close()


def test_late_joiner_receives_robot_description(bridge: subprocess.Popen[str]) -> None:
    ros = Spinning()
    node = ros.node("description_client")
    got = Collector()
    ros.start()
    try:
        # join late: only once the bridge's joint_states flow (it published the URDF at start)
        flowing = Collector()
        node.create_subscription(JointState, f"{NAMESPACE}/joint_states", flowing, 10)
        wait_for(lambda: flowing.last() is not None, 60.0, "joint_states")
        qos = QoSProfile(depth=10, durability=DurabilityPolicy.TRANSIENT_LOCAL)
        node.create_subscription(String, f"{NAMESPACE}/robot_description", got, qos)
        msg = wait_for(got.last, 20.0, "robot_description (late joiner)")
        root = ET.fromstring(msg.data)
        assert root.tag == "robot"
        joints = {j.get("name"): j for j in root.iter("joint") if j.get("type") == "revolute"}
        leg = load_board(DEFAULT_BOARD).leg
        assert leg is not None
        assert list(joints) == [j.name for j in leg.joints]
        for spec in leg.joints:
            limit = joints[spec.name].find("limit")
            assert limit is not None
            assert float(limit.get("lower", "nan")) == pytest.approx(
                math.radians(spec.min_deg), abs=1e-6
            )
            assert float(limit.get("upper", "nan")) == pytest.approx(
                math.radians(spec.max_deg), abs=1e-6
            )
        links = {link.get("name") for link in root.iter("link")}
        assert {"carriage", "thigh", "shank", "foot"} <= links
        assert len(got.since(0.0)) == 1  # published once, kept for late joiners
    finally:
        ros.close()

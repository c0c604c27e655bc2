"""Two legs: two `mnsu-ros-bridge` processes under /lf and /rf, each on its own virtual board,
both started with the example parameter file (keyed `/**:`, so it applies under namespaces).

An outside rclpy client checks that topics, services, parameters and diagnostics are separate
and that both legs walk; an e-stop of /lf latches /lf only.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from diagnostic_msgs.msg import DiagnosticArray
from harness import Collector, Spinning, result, ros_env, venv_bin, wait_for
from rclpy.parameter import parameter_value_to_python
from rclpy.parameter_client import AsyncParameterClient
from rclpy.qos import QoSProfile
from sensor_msgs.msg import JointState
from std_srvs.srv import Trigger

LEGS = ("/lf", "/rf")
CONFIG = Path(__file__).resolve().parents[1] / "config" / "bridge.yaml"


@pytest.fixture(scope="module")
def bridges() -> Iterator[list[subprocess.Popen[str]]]:
    procs = [
        subprocess.Popen(
            [
                venv_bin("mnsu-ros-bridge"),
                "--ros-args",
                "-r",
                f"__ns:={ns}",
                "--params-file",
                str(CONFIG),
                "-p",
                "mode:=cpg",
            ],
            env=ros_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for ns in LEGS
    ]
    try:
        yield procs
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                out, _ = proc.communicate(timeout=20.0)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, _ = proc.communicate(timeout=10.0)
            assert "Traceback" not in out, out


def hip_spread_deg(msgs: list[JointState]) -> float:
    hips = [m.position[0] * 57.29578 for m in msgs]
    return max(hips) - min(hips) if hips else 0.0


def test_two_legs_are_separate_and_both_walk(bridges: list[subprocess.Popen[str]]) -> None:
    ros = Spinning()
    node = ros.node("two_legs_client")
    states = {ns: Collector() for ns in LEGS}
    for ns in LEGS:
        node.create_subscription(JointState, f"{ns}/joint_states", states[ns], QoSProfile(depth=10))
    diags = Collector()
    node.create_subscription(DiagnosticArray, "/diagnostics", diags, 50)
    params = {ns: AsyncParameterClient(node, f"{ns}/mnsu_bridge") for ns in LEGS}
    estop = {ns: node.create_client(Trigger, f"{ns}/estop") for ns in LEGS}
    ros.start()

    def get(ns: str, name: str) -> object:
        values = result(params[ns].get_parameters([name]), 10.0, f"{ns} {name}").values
        return parameter_value_to_python(values[0])

    try:
        for ns in LEGS:
            wait_for(lambda ns=ns: states[ns].last() is not None, 60.0, f"{ns}/joint_states")
            assert params[ns].wait_for_services(10.0) and estop[ns].wait_for_service(10.0)
            # the parameter file reached both nodes under their namespaces
            wait_for(lambda ns=ns: get(ns, "telemetry_rate_hz") == 100, 10.0, f"{ns} file")
            assert get(ns, "safe_pose") == "neutral"
        t0 = time.monotonic()
        for ns in LEGS:
            wait_for(
                lambda ns=ns: hip_spread_deg(states[ns].since(t0)) > 20.0, 20.0, f"{ns} walking"
            )
        # diagnostics: one set of statuses per node, named by it, with its own hardware_id
        wait_for(
            lambda: (
                {s.name for m in diags.since(t0) for s in m.status}
                >= {f"{ns}/mnsu_bridge: {what}" for ns in LEGS for what in ("link", "safety")}
            ),
            10.0,
            "both nodes' statuses",
        )
        ids = {s.name.split(":")[0]: s.hardware_id for m in diags.since(t0) for s in m.status}
        assert len({ids[f"{ns}/mnsu_bridge"] for ns in LEGS}) == 2, ids
        # an e-stop of the left front leg latches it alone
        assert result(estop["/lf"].call_async(Trigger.Request()), 10.0, "/lf/estop").success
        wait_for(lambda: get("/lf", "mode") == "estop", 5.0, "/lf latched")
        t1 = time.monotonic()
        wait_for(lambda: hip_spread_deg(states["/rf"].since(t1)) > 20.0, 20.0, "/rf walking on")
        assert get("/rf", "mode") == "cpg"
    finally:
        ros.close()

"""The bridge's `record` parameter: `mnsu-ros-bridge` as its own process on its own virtual
board writes the session as MCAP when it stops; the file, read back with the independent
`rosbags` reader, holds every joint_states message an outside default-QoS subscriber received
(same names and positions, in order), plus the neurons, contact, events and raw link bytes."""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

from harness import Collector, Spinning, ros_env, venv_bin, wait_for
from sensor_msgs.msg import JointState

NAMESPACE = "/rec"


def test_record_parameter_writes_what_ros_subscribers_saw(tmp_path: Path) -> None:
    from rosbags.highlevel import AnyReader

    from mnsu.export.ros_mcap import TOPICS, typestore

    out = tmp_path / "bridge.mcap"
    proc = subprocess.Popen(
        [
            venv_bin("mnsu-ros-bridge"),
            "--ros-args",
            "-r",
            f"__ns:={NAMESPACE}",
            "-p",
            "port:=virtual",
            "-p",
            "telemetry_rate_hz:=100",
            "-p",
            "mode:=cpg",
            "-p",
            f"record:={out}",
        ],
        env=ros_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    ros = Spinning()
    node = ros.node("record_client")
    js = Collector()
    node.create_subscription(JointState, f"{NAMESPACE}/joint_states", js, 10)
    ros.start()
    try:
        wait_for(lambda: js.last() is not None, 60.0, "joint_states")
        t0 = time.monotonic()
        wait_for(lambda: len(js.since(t0)) >= 200, 60.0, "2 s of joint_states")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            output, _ = proc.communicate(timeout=60.0)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate(timeout=10.0)
        ros.close()
    assert proc.returncode == 0, output
    assert "Traceback" not in output, output
    assert f"recorded {out}" in output, output
    seen = [tuple(m.position) for m in js.since(0.0)]
    with AnyReader([out], default_typestore=typestore()) as reader:
        assert {c.topic: c.msgtype for c in reader.connections} == TOPICS
        counts = Counter(c.topic for c, _, _ in reader.messages())
        recorded = [
            tuple(reader.deserialize(raw, c.msgtype).position)
            for c, _, raw in reader.messages()
            if c.topic == "/joint_states"
        ]
        names = {
            tuple(reader.deserialize(raw, c.msgtype).name)
            for c, _, raw in reader.messages()
            if c.topic == "/joint_states"
        }
    assert names == {("hip", "knee")}
    assert counts["/cpg/neurons"] == counts["/foot_contact"] == len(recorded)
    assert counts["/cpg/events"] > 0 and counts["/mnsu/link"] > len(recorded) / 10
    assert len(recorded) >= len(seen)
    # every message the subscriber received is in the recording, in the same order
    it = iter(recorded)
    missing = [p for p in seen if not any(p == r for r in it)]
    assert missing == [], f"{len(missing)} of {len(seen)} received messages not in the MCAP"

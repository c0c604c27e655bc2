"""Bench: mnsu_bridge telemetry at 500 Hz to a separate ROS subscriber process, and the
e-stop round trip while a 44-parameter set is in flight.

    .venv/bin/python bench/ros_telemetry.py [--duration 60] [--rate 500] [--executor events]
    .venv/bin/python bench/ros_telemetry.py --executor both   # both executors, side by side

Starts the bridge (`mnsu-ros-bridge`, port=virtual: the virtual board runs real time inside
the bridge process, CPG mode) and a subscriber process (rclpy, EventsExecutor by default), both
with loopback discovery in a domain of their own. The subscriber counts joint_states for
`--duration` seconds after the first one and measures, per message, the arrival time minus
the header stamp (board time mapped to ROS time by the bridge's minimum-delay offset estimate:
the constant part of the serial delay is inside the offset, so this latency is what the board
clock -> ROS stamp -> subscriber path adds beyond the fastest frame seen).

The subscriber uses rclpy's default QoS (reliable, depth 10), as most ROS nodes do
(`--subscriber-depth` changes it; `--publisher-depth` overrides the bridge's joint_states
depth). Where messages go missing is counted per stage from the bridge's own counters in its
`/diagnostics` link status, between the first and last status of the window: telemetry frames
missing on the link by sequence number (`stage_link_frames_lost`), bytes the virtual board
could not hand to the pty (`stage_pty_bytes_dropped`), joint_states published
(`stage_published`) and received here in the same interval (`stage_received`);
`delivery_ratio` = received / published.

Then `--estop-rounds` times: an atomic set of every board parameter but mode (44 values, one
serial round trip each, at their current values) is sent, and 20 ms later `estop` is called;
the wall time from the call to its response (the bridge answers once the board acknowledged
the latch) is the e-stop latency; then reset_estop and mode cpg again. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path


def subscriber(
    duration_s: float, rate_hz: float, executor_kind: str, estop_rounds: int, depth: int = 10
) -> None:
    import rclpy
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node
    from rclpy.qos import QoSProfile, ReliabilityPolicy
    from sensor_msgs.msg import JointState

    rclpy.init()
    node = Node("bench_subscriber")
    stamps: list[int] = []
    arrivals: list[int] = []

    def got(msg: JointState) -> None:
        arrivals.append(time.time_ns())
        stamps.append(msg.header.stamp.sec * 1_000_000_000 + msg.header.stamp.nanosec)

    qos = QoSProfile(depth=depth)  # rclpy's default profile (depth 10 unless asked)
    assert qos.reliability == ReliabilityPolicy.RELIABLE
    node.create_subscription(JointState, "joint_states", got, qos)
    # the bridge's own counts, once a second in its link status: where a message went missing
    from diagnostic_msgs.msg import DiagnosticArray

    link_counts: list[tuple[int, dict[str, str]]] = []  # (arrival ns, link status values)

    def diag(msg: DiagnosticArray) -> None:
        for st in msg.status:
            if st.name.endswith(": link"):
                link_counts.append((time.time_ns(), {kv.key: kv.value for kv in st.values}))

    node.create_subscription(DiagnosticArray, "/diagnostics", diag, QoSProfile(depth=50))
    if executor_kind == "events":
        from rclpy.experimental import EventsExecutor

        executor: object = EventsExecutor()
    else:
        executor = SingleThreadedExecutor()
    executor.add_node(node)  # type: ignore[attr-defined]
    deadline = time.monotonic() + 60.0
    while not stamps and time.monotonic() < deadline:
        executor.spin_once(timeout_sec=0.1)  # type: ignore[attr-defined]
    if not stamps:
        print(json.dumps({"error": "no joint_states within 60 s"}))
        return
    start = time.monotonic()
    end = start + duration_s
    while time.monotonic() < end:
        executor.spin_once(timeout_sec=0.05)  # type: ignore[attr-defined]
    # skip the first second (matching, queues filling), count the rest
    first_ns = stamps[0] + 1_000_000_000
    pairs = [(s, a) for s, a in zip(stamps, arrivals, strict=True) if s >= first_ns]
    span_s = (pairs[-1][0] - pairs[0][0]) * 1e-9
    sent = round(span_s * rate_hz) + 1
    lat_ms = sorted((a - s) * 1e-6 for s, a in pairs)
    gaps = [(b[0] - a[0]) * 1e-6 for a, b in zip(pairs, pairs[1:], strict=False)]
    report = {
        "qos": f"reliable, depth {depth}" + (" (rclpy's default)" if depth == 10 else ""),
        "window_s": round(span_s, 3),
        # from the stamps' span: right while the board keeps real time; a virtual board that
        # falls behind makes the stamps' offset step forward, so it then over-counts (the
        # stage_* figures count what the bridge published instead)
        "stamp_span_frames": sent,
        "received": len(pairs),
        "received_over_stamp_span": round(len(pairs) / sent, 5),
        "latency_ms_median": round(statistics.median(lat_ms), 3),
        "latency_ms_p99": round(lat_ms[int(0.99 * (len(lat_ms) - 1))], 3),
        "latency_ms_max": round(lat_ms[-1], 3),
        "stamp_gap_ms_max": round(max(gaps), 3),
        "executor": executor_kind,
    }
    report.update(stages(link_counts, arrivals, first_ns, rate_hz))
    if estop_rounds:
        report.update(estop_under_parameter_set(node, executor, estop_rounds))
    print(json.dumps(report))
    node.destroy_node()
    rclpy.try_shutdown()


def stages(
    link_counts: list[tuple[int, dict[str, str]]],
    arrivals: list[int],
    after_ns: int,
    rate_hz: float,
) -> dict[str, object]:
    """Losses per stage between the first and the last link status of the window (the bridge's
    counters): telemetry frames missing on the link (by sequence number), bytes the virtual
    board could not hand to the pty, joint_states the bridge published, and the ones this
    subscriber received in the same interval (by arrival time)."""
    inside = [(t, v) for t, v in link_counts if t >= after_ns and "joint_states_published" in v]
    if len(inside) < 2:
        return {"stages": "fewer than 2 link statuses in the window"}
    (t0, a), (t1, b) = inside[0], inside[-1]

    def delta(key: str) -> int:
        return int(b.get(key, "0")) - int(a.get(key, "0"))

    published = delta("joint_states_published")
    received = sum(1 for t in arrivals if t0 < t <= t1)
    return {
        "stage_interval_s": round((t1 - t0) * 1e-9, 3),
        "stage_board_frames": round((t1 - t0) * 1e-9 * rate_hz),
        "stage_link_frames_received": delta("frames_received"),
        "stage_link_frames_lost": delta("frames_lost"),
        "stage_pty_bytes_dropped": delta("pty_bytes_dropped"),
        "stage_published": published,
        "stage_received": received,
        "delivery_ratio": round(received / published, 5) if published else None,
    }


def estop_under_parameter_set(node: object, executor: object, rounds: int) -> dict[str, object]:
    """E-stop round trips (wall time) with a 44-parameter atomic set in flight."""
    from mnsu_ros.parameters import BOARD_PARAMS
    from rclpy.parameter import Parameter, parameter_value_to_python
    from rclpy.parameter_client import AsyncParameterClient
    from std_srvs.srv import Trigger

    def wait(future: object, timeout_s: float = 20.0) -> object:
        deadline = time.monotonic() + timeout_s
        while not future.done():  # type: ignore[attr-defined]
            if time.monotonic() > deadline:
                raise TimeoutError("no answer from mnsu_bridge")
            executor.spin_once(timeout_sec=0.001)  # type: ignore[attr-defined]
        return future.result()  # type: ignore[attr-defined]

    params = AsyncParameterClient(node, "mnsu_bridge")  # type: ignore[arg-type]
    estop = node.create_client(Trigger, "estop")  # type: ignore[attr-defined]
    reset = node.create_client(Trigger, "reset_estop")  # type: ignore[attr-defined]
    names = [p.ros_name for p in BOARD_PARAMS if p.ros_name != "mode"]
    got = wait(params.get_parameters(names))
    updates = [
        Parameter(n, value=parameter_value_to_python(v))
        for n, v in zip(names, got.values, strict=True)  # type: ignore[attr-defined]
    ]
    latencies: list[float] = []
    for _ in range(rounds):
        pending = params.set_parameters_atomically(updates)
        start = time.monotonic() + 0.02
        while time.monotonic() < start:
            executor.spin_once(timeout_sec=0.001)  # type: ignore[attr-defined]
        t0 = time.monotonic()
        answer = wait(estop.call_async(Trigger.Request()))
        latencies.append((time.monotonic() - t0) * 1e3)
        if not answer.success:  # type: ignore[attr-defined]
            return {"estop_error": answer.message}  # type: ignore[attr-defined]
        wait(pending)
        wait(reset.call_async(Trigger.Request()))
        wait(params.set_parameters([Parameter("mode", value="cpg")]))
    latencies.sort()
    return {
        "estop_rounds": rounds,
        "estop_params_in_set": len(updates),
        "estop_ms_median": round(statistics.median(latencies), 2),
        "estop_ms_p99": round(latencies[int(0.99 * (len(latencies) - 1))], 2),
        "estop_ms_max": round(latencies[-1], 2),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=60.0, help="measured window (s)")
    ap.add_argument("--rate", type=int, default=500, help="telemetry rate (Hz, <= 1000)")
    ap.add_argument("--executor", choices=("events", "single", "both"), default="events")
    ap.add_argument("--estop-rounds", type=int, default=50, help="e-stop calls (0: none)")
    ap.add_argument(
        "--publisher-depth",
        type=int,
        help="joint_states publisher depth (qos_overrides; default: the bridge's own)",
    )
    ap.add_argument(
        "--subscriber-depth", type=int, default=10, help="subscriber's depth (10: the default)"
    )
    ap.add_argument("--subscriber", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.subscriber:
        subscriber(
            args.duration, args.rate, args.executor, args.estop_rounds, args.subscriber_depth
        )
        return 0
    kinds = ("events", "single") if args.executor == "both" else (args.executor,)
    results = {
        kind: run_once(
            args.duration,
            args.rate,
            kind,
            args.estop_rounds,
            args.publisher_depth,
            args.subscriber_depth,
        )
        for kind in kinds
    }
    print(json.dumps(results if len(results) > 1 else results[kinds[0]]))
    return 0 if all("error" not in r for r in results.values()) else 1


def run_once(
    duration_s: float,
    rate_hz: int,
    executor_kind: str,
    estop_rounds: int,
    publisher_depth: int | None = None,
    subscriber_depth: int = 10,
) -> dict[str, object]:
    """One bridge + one subscriber process; the subscriber's figures."""
    env = dict(os.environ)
    env.pop("_ROS_WHEELS_BOOTSTRAP_COMPLETE", None)
    env["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
    env["ROS_DOMAIN_ID"] = str(101 + os.getpid() % 100)
    bridge_cmd = [
        str(Path(sys.executable).with_name("mnsu-ros-bridge")),
        "--ros-args",
        "-p", "port:=virtual",
        "-p", f"telemetry_rate_hz:={rate_hz}",
        "-p", "mode:=cpg",
        "--log-level", "warn",
    ]  # fmt: skip
    if publisher_depth is not None:
        bridge_cmd[-2:-2] = [
            "-p",
            f"qos_overrides./joint_states.publisher.depth:={publisher_depth}",
        ]
    bridge = subprocess.Popen(bridge_cmd, env=env, stderr=subprocess.PIPE, text=True)
    try:
        sub = subprocess.run(
            [sys.executable, __file__, "--subscriber", "--duration", str(duration_s),
             "--rate", str(rate_hz), "--executor", executor_kind,
             "--estop-rounds", str(estop_rounds), "--subscriber-depth", str(subscriber_depth)],
            env=env, capture_output=True, text=True, timeout=duration_s + 120 + 5 * estop_rounds,
        )  # fmt: skip
    finally:
        bridge.send_signal(signal.SIGINT)
        try:
            _, err = bridge.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            bridge.kill()
            _, err = bridge.communicate()
    lines = [ln for ln in sub.stdout.splitlines() if ln.startswith("{")]
    if sub.returncode != 0 or not lines:
        print(sub.stdout, sub.stderr, err, file=sys.stderr)
        return {"error": f"subscriber exit {sub.returncode}"}
    result: dict[str, object] = json.loads(lines[-1])
    result.update({"rate_hz": rate_hz, "bridge_exit": bridge.returncode})
    if publisher_depth is not None:
        result["publisher_depth"] = publisher_depth
    return result


if __name__ == "__main__":
    sys.exit(main())

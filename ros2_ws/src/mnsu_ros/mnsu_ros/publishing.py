"""The bridge's publishers and the ROS messages they carry (board values -> messages).

QoS (docs/ros.md): streams reliable with a small depth (as joint_state_broadcaster
publishes), so a default-QoS subscriber (reliable) and a SensorDataQoS one (best effort) both
receive them; `robot_description` reliable and transient local (robot_state_publisher's
QoS); every publisher honours the standard `qos_overrides./<topic>.publisher.*` parameters.
The values themselves come from `feedback` (pure functions, shared with the MCAP recorder).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import rclpy
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from mnsu_msgs.msg import CpgEvent, FootContact, NeuronState
from rclpy.lifecycle import LifecycleNode
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from rclpy.qos_overriding_options import QoSOverridingOptions
from sensor_msgs.msg import JointState
from std_msgs.msg import String

from mnsu import link as mlink
from mnsu.robot.models import JointState as MeasuredJoints
from mnsu_ros import diagnostics as diag
from mnsu_ros import feedback

STREAM_QOS = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
COMMAND_QOS = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
EVENT_QOS = QoSProfile(depth=500, reliability=ReliabilityPolicy.RELIABLE)
# robot_description as robot_state_publisher publishes it: reliable, transient local, depth
# 1, so a node that joins later (robot_state_publisher, rviz, Foxglove) still receives it.
DESCRIPTION_QOS = QoSProfile(
    depth=1, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL
)
OVERRIDABLE = QoSOverridingOptions.with_default_policies()


def _stamp(ns: int) -> Any:
    return rclpy.time.Time(nanoseconds=ns).to_msg()


class Publishers:
    """Every publisher of the bridge on `node`, with one method per message it sends."""

    def __init__(self, node: LifecycleNode) -> None:
        # lifecycle publishers: silent unless the node is active
        def stream(msg_type: Any, topic: str, qos: QoSProfile) -> Any:
            return node.create_lifecycle_publisher(
                msg_type, topic, qos, qos_overriding_options=OVERRIDABLE
            )

        self.joint_states = stream(JointState, "joint_states", STREAM_QOS)
        self.neurons = stream(NeuronState, "cpg/neurons", STREAM_QOS)
        self.contact = stream(FootContact, "foot_contact", STREAM_QOS)
        self.events = stream(CpgEvent, "cpg/events", EVENT_QOS)
        self.diagnostics = node.create_publisher(
            DiagnosticArray, "/diagnostics", STREAM_QOS, qos_overriding_options=OVERRIDABLE
        )
        # an ordinary publisher: the description is there in every lifecycle state
        self.description = node.create_publisher(
            String, "robot_description", DESCRIPTION_QOS, qos_overriding_options=OVERRIDABLE
        )

    def robot_description(self, urdf: str) -> None:
        self.description.publish(String(data=urdf))

    def telemetry(
        self,
        tel: mlink.Telemetry,
        stamp_ns: int,
        joint_names: Sequence[str],
        measured: MeasuredJoints | None,
        readings: Sequence[feedback.NeuronReading],
    ) -> None:
        """joint_states, foot_contact and cpg/neurons of one telemetry frame. measured: the
        physics leg's joints (then position, velocity, effort are the simulation's), else the
        angles the board commands (after its limits and slew)."""
        stamp = _stamp(stamp_ns)
        js = JointState()
        js.header.stamp = stamp
        js.name = list(joint_names)
        if measured is None:
            js.position = list(feedback.joint_positions_rad(tel.fields))
        else:
            js.position = list(measured.position_rad)
            js.velocity = list(measured.velocity_rad_s)
            js.effort = list(measured.effort_nm)
        self.joint_states.publish(js)
        contact = FootContact(contact=tel.contact)
        contact.header.stamp = stamp
        self.contact.publish(contact)
        ns = NeuronState()
        ns.header.stamp = stamp
        ns.name = [r.name for r in readings]
        ns.channel = bytes(r.channel for r in readings)
        ns.readout_v = [r.readout_v for r in readings]
        ns.spike_count = [r.spike_count for r in readings]
        ns.burst_envelope = [r.burst_envelope for r in readings]
        self.neurons.publish(ns)

    def event(
        self, ev: mlink.Event, stamp_ns: int | None, neurons: Sequence[feedback.NeuronChannel]
    ) -> None:
        info = feedback.event_info(ev.kind, ev.channel, neurons)
        msg = CpgEvent(
            kind=info.kind,
            event=info.name,
            board_time_us=ev.t_us & 0xFFFFFFFF,
            channel=info.channel,
            neuron=info.neuron,
        )
        if stamp_ns is not None:
            msg.header.stamp = _stamp(stamp_ns)
        self.events.publish(msg)

    def diagnostic_array(
        self, statuses: Sequence[diag.Status], fqn: str, hardware_id: str, stamp: Any
    ) -> None:
        """One /diagnostics message: each status named `<node's full name>: <status>`."""
        arr = DiagnosticArray()
        arr.header.stamp = stamp
        for st in statuses:
            arr.status.append(
                DiagnosticStatus(
                    level=bytes([st.level]),
                    name=f"{fqn}: {st.name}",
                    message=st.message,
                    hardware_id=hardware_id,
                    values=[KeyValue(key=k, value=v) for k, v in st.values.items()],
                )
            )
        self.diagnostics.publish(arr)

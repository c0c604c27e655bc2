"""Link recordings as MCAP with ROS 2 message encodings (CDR), without a ROS install.

`mnsu record --port P --out session.mcap` records a live board, `mnsu record --convert
IN.mnsurec --out OUT.mcap` converts an existing link recording (docs/link.md); the bridge's
`record` parameter does the same for its session. `ros2 bag info/play`, Foxglove and
PlotJuggler open the file (profile `ros2`, schema encoding `ros2msg`, message encoding `cdr`).

Topics (the bridge's names and types, docs/ros.md):

    /joint_states    sensor_msgs/msg/JointState     one per telemetry frame (rad)
    /cpg/neurons     mnsu_msgs/msg/NeuronState      one per telemetry frame
    /foot_contact    mnsu_msgs/msg/FootContact      one per telemetry frame
    /cpg/events      mnsu_msgs/msg/CpgEvent         one per board event
    /rosout          rcl_interfaces/msg/Log         one per firmware LOG frame
    /diagnostics     diagnostic_msgs/msg/DiagnosticArray  one per link state change
    /mnsu/link       mnsu_msgs/msg/LinkFrame        every byte chunk in and out, as recorded

Message values come from the same functions as the bridge's (mnsu_ros.feedback, ROS-free);
the standard types' definitions from rosbags' type store (ROS 2 Kilted), the mnsu_msgs ones
from the package's own .msg files. Time: log time and header stamps are the recording's host
clock (monotonic seconds, `t0_monotonic` + record time, in ns); telemetry and event stamps are
board time mapped to it by the bridge's minimum-delay offset (mnsu_ros.board_clock).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
from mnsu_ros import feedback
from mnsu_ros.board_clock import BoardClock

from mnsu import wire as codec
from mnsu.link import (
    Connection,
    Decoder,
    Event,
    LinkError,
    LogLine,
    Message,
    Telemetry,
    load_recording,
)
from mnsu.parameters import BY_NAME
from mnsu.paths import ROOT

MSG_DIR = ROOT / "ros2_ws" / "src" / "mnsu_msgs" / "msg"  # the one source of mnsu_msgs
NODE_NAME = "mnsu_record"

TOPICS: dict[str, str] = {
    "/joint_states": "sensor_msgs/msg/JointState",
    "/cpg/neurons": "mnsu_msgs/msg/NeuronState",
    "/foot_contact": "mnsu_msgs/msg/FootContact",
    "/cpg/events": "mnsu_msgs/msg/CpgEvent",
    "/rosout": "rcl_interfaces/msg/Log",
    "/diagnostics": "diagnostic_msgs/msg/DiagnosticArray",
    "/mnsu/link": "mnsu_msgs/msg/LinkFrame",
}
# rcl_interfaces/msg/Log levels for the firmware's (Python's) levels
_ROS_LOG_LEVEL = {10: 10, 20: 20, 30: 30, 40: 40, 50: 50}


class McapError(ValueError):
    """A recording that cannot be converted, or an output that cannot be written."""


def typestore() -> Any:
    """rosbags' ROS 2 Kilted type store with the mnsu_msgs types from their .msg files."""
    from rosbags.typesys import Stores, get_types_from_msg, get_typestore

    store = get_typestore(Stores.ROS2_KILTED)
    types: dict[str, Any] = {}
    for path in sorted(MSG_DIR.glob("*.msg")):
        types.update(get_types_from_msg(path.read_text(), f"mnsu_msgs/msg/{path.stem}"))
    store.register(types)
    return store


@dataclass
class Summary:
    """What a conversion or recording wrote: messages per topic."""

    path: Path
    counts: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        parts = ", ".join(f"{t} {n}" for t, n in self.counts.items() if n)
        return f"{self.path}: {sum(self.counts.values())} messages ({parts})"


class McapWriter:
    """Writes the bridge's topics to an MCAP file from link messages and raw byte chunks."""

    def __init__(self, path: str | Path, joint_names: tuple[str, str], board_file: str) -> None:
        from mcap.writer import CompressionType, Writer
        from mnsu_ros.virtual import board_probe_names

        self.path = Path(path)
        self.store = typestore()
        self.types = self.store.types
        self.joint_names = joint_names
        probes = board_probe_names(board_file)
        self.neurons = feedback.default_neurons(probes, max(probes, default=1) + 1)
        self.vref = BY_NAME["adc_vref_v"].default
        self.flexor = int(BY_NAME["flexor_channel"].default)
        self.extensor = int(BY_NAME["extensor_channel"].default)
        self.clock = BoardClock()
        self.summary = Summary(self.path, {t: 0 for t in TOPICS})
        try:
            self._f: IO[bytes] = open(self.path, "wb")  # noqa: SIM115 (closed in close())
        except OSError as exc:
            raise McapError(f"{path}: cannot write: {exc.strerror or exc}") from exc
        self._w = Writer(self._f, compression=CompressionType.ZSTD)
        self._w.start(profile="ros2", library="mnsu")
        self._channels: dict[str, int] = {}
        for topic, typename in TOPICS.items():
            text, _ = self.store.generate_msgdef(typename, ros_version=2)
            schema = self._w.register_schema(typename, "ros2msg", text.encode())
            self._channels[topic] = self._w.register_channel(topic, "cdr", schema)

    def _stamp(self, ns: int) -> Any:
        t = self.types["builtin_interfaces/msg/Time"]
        return t(sec=ns // 1_000_000_000, nanosec=ns % 1_000_000_000)

    def _header(self, ns: int) -> Any:
        return self.types["std_msgs/msg/Header"](stamp=self._stamp(ns), frame_id="")

    def _write(self, topic: str, msg: Any, log_ns: int) -> None:
        data = self.store.serialize_cdr(msg, TOPICS[topic])
        self._w.add_message(self._channels[topic], log_ns, bytes(data), log_ns)
        self.summary.counts[topic] += 1

    def link_bytes(self, t_s: float, direction: str, data: bytes) -> None:
        """A chunk of bytes as it passed: direction 'r' (from the board) or 't' (to it)."""
        ns = round(t_s * 1e9)
        lf = self.types["mnsu_msgs/msg/LinkFrame"]
        msg = lf(
            header=self._header(ns),
            direction=lf.FROM_BOARD if direction == "r" else lf.TO_BOARD,
            data=np.frombuffer(data, dtype=np.uint8),
        )
        self._write("/mnsu/link", msg, ns)

    def message(self, m: Message) -> None:
        """One decoded link message on its topics."""
        ns = round(m.t_host * 1e9)
        T = self.types
        if isinstance(m, Telemetry):
            stamp = self.clock.frame(int(round(m.board_time_s * 1e6)), ns)
            header = self._header(stamp)
            pos = feedback.joint_positions_rad(m.fields)
            js = T["sensor_msgs/msg/JointState"](
                header=header,
                name=list(self.joint_names),
                position=np.array(pos, dtype=np.float64),
                velocity=np.array([], dtype=np.float64),
                effort=np.array([], dtype=np.float64),
            )
            self._write("/joint_states", js, ns)
            rd = feedback.neuron_readings(
                m.fields, self.neurons, self.vref, self.flexor, self.extensor
            )
            neurons = T["mnsu_msgs/msg/NeuronState"](
                header=header,
                name=[r.name for r in rd],
                channel=np.array([r.channel for r in rd], dtype=np.uint8),
                readout_v=np.array([r.readout_v for r in rd], dtype=np.float32),
                spike_count=np.array([r.spike_count for r in rd], dtype=np.uint32),
                burst_envelope=np.array([r.burst_envelope for r in rd], dtype=np.float32),
            )
            self._write("/cpg/neurons", neurons, ns)
            contact = T["mnsu_msgs/msg/FootContact"](header=header, contact=m.contact)
            self._write("/foot_contact", contact, ns)
        elif isinstance(m, Event):
            info = feedback.event_info(m.kind, m.channel, self.neurons)
            at = self.clock.to_host(int(round(m.board_time_s * 1e6)))
            ev = T["mnsu_msgs/msg/CpgEvent"](
                header=self._header(0 if at is None else at),
                kind=info.kind,
                event=info.name,
                board_time_us=m.t_us & 0xFFFFFFFF,
                channel=info.channel,
                neuron=info.neuron,
            )
            self._write("/cpg/events", ev, ns)
        elif isinstance(m, LogLine):
            log = T["rcl_interfaces/msg/Log"](
                stamp=self._stamp(ns),
                level=_ROS_LOG_LEVEL.get(m.level, 20),
                name=NODE_NAME,
                msg=f"board: {m.text}",
                file="",
                function="",
                line=0,
            )
            self._write("/rosout", log, ns)
        elif isinstance(m, Connection):
            self.clock.reset()
            up = m.state in ("connected", "opened")
            status = T["diagnostic_msgs/msg/DiagnosticStatus"]
            kv = T["diagnostic_msgs/msg/KeyValue"]
            st = status(
                level=status.OK if up else status.ERROR,
                name=f"/{NODE_NAME}: link",
                message=m.state + (f": {m.detail}" if m.detail else ""),
                hardware_id="",
                values=[kv(key="state", value=m.state), kv(key="detail", value=m.detail)],
            )
            arr = T["diagnostic_msgs/msg/DiagnosticArray"](header=self._header(ns), status=[st])
            self._write("/diagnostics", arr, ns)

    def close(self) -> Summary:
        self._w.finish()  # type: ignore[no-untyped-call]
        self._f.close()
        return self.summary


def recording_events(path: str | Path) -> Iterator[tuple[str, float, bytes, list[Message]]]:
    """Each record of a link recording with the messages decoded from it, in order:
    (direction 'r'/'t'/'c', host time s, bytes, messages) -- the same decoding as
    mnsu.link.replay (one Decoder, reopen and offline-gap marks at connection records)."""
    rec = load_recording(path)
    dec = Decoder()
    t0 = at = float(rec.header.get("t0_monotonic", 0.0))
    for direction, t, data in rec.records:
        at = t0 + t
        msgs: list[Message] = []
        if direction == "c":
            try:
                info = json.loads(data)
                state, detail = str(info["state"]), str(info.get("detail", ""))
            except (ValueError, KeyError, TypeError):
                continue
            if state == "opened":
                dec.reopened()
            else:
                if state == "disconnected":
                    dec.mark_offline_gap()
                msgs.append(Connection(state, detail, at))
        elif direction == "r":
            for frame in dec.feed(data, at):
                msgs.extend(dec.messages(frame, at))
        yield direction, at, data, msgs
    if rec.torn is not None:
        tail = LogLine(codec.LOG_WARNING, f"{path}: torn tail ignored: {rec.torn}", -1, at)
        yield "c", at, b"", [tail]


def convert(
    recording: str | Path,
    out: str | Path,
    board_file: str = "",
    joint_names: tuple[str, str] | None = None,
) -> Summary:
    """A `.mnsurec` link recording as MCAP (see the module docstring)."""
    from mnsu_ros.virtual import board_joint_names

    try:
        events = list(recording_events(recording))
    except LinkError as exc:
        raise McapError(str(exc)) from exc
    names = joint_names or board_joint_names(board_file) or ("hip", "knee")
    writer = McapWriter(out, (names[0], names[1]), board_file)
    try:
        for direction, at, data, msgs in events:
            if direction in ("r", "t"):
                writer.link_bytes(at, direction, data)
            for m in msgs:
                writer.message(m)
    finally:
        summary = writer.close()
    return summary

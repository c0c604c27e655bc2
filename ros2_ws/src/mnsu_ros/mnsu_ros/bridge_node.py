"""ROS 2 node `mnsu_bridge`: an mnsu board (real or virtual) on ROS 2 topics and services.

A thin node over `BoardSession` (session.py): it declares parameters, converts messages and
hands everything else to the session. Interface (docs/ros.md):

    publishes   robot_description (std_msgs/String, URDF, transient local),
                joint_states (sensor_msgs/JointState, rad), cpg/neurons
                (mnsu_msgs/NeuronState), cpg/events (mnsu_msgs/CpgEvent), foot_contact
                (mnsu_msgs/FootContact), /diagnostics (diagnostic_msgs/DiagnosticArray)
    subscribes  joint_commands (trajectory_msgs/JointTrajectory, HOST mode), cpg/drive
                (std_msgs/Float64, 0..1)
    services    estop, reset_estop (std_srvs/Trigger)

Run: `mnsu-ros-bridge --ros-args -p port:=virtual` (venv) or `ros2 run mnsu_ros mnsu_bridge`.
"""

from __future__ import annotations

import signal
import sys
from typing import Any

import rclpy
from rcl_interfaces.msg import ParameterDescriptor, SetParametersResult
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup
from rclpy.exceptions import ParameterException
from rclpy.executors import ExternalShutdownException, MultiThreadedExecutor
from rclpy.lifecycle import LifecycleNode, LifecycleState, TransitionCallbackReturn
from rclpy.parameter import Parameter
from rclpy.signals import SignalHandlerOptions
from std_msgs.msg import Float64
from std_srvs.srv import Trigger
from trajectory_msgs.msg import JointTrajectory

from mnsu import link as mlink
from mnsu.cosim.errors import VirtualBoardError
from mnsu.robot.models import LEG_MODELS
from mnsu_ros import diagnostics as diag
from mnsu_ros import feedback
from mnsu_ros.node_parameters import Mirror, board_changes, declare_board_parameters
from mnsu_ros.parameters import ParamError, default_values, plan_update
from mnsu_ros.publishing import COMMAND_QOS, Publishers
from mnsu_ros.ros_log import forward_logging, log_board_line, log_transitions
from mnsu_ros.safety import SafetyMonitor
from mnsu_ros.session import BoardSession, CommandError, SessionConfig
from mnsu_ros.virtual import board_joint_names, board_probe_names, board_urdf


class BridgeNode(LifecycleNode):
    """The mnsu board on ROS 2 (see the module docstring), a managed (lifecycle) node:

    configure   start the virtual board if asked, open the link (in the background, retried
                until the board answers) and mirror the board's parameters
    activate    publish the streams and accept joint commands and drive
    deactivate  command the safe pose, stop publishing and commanding
    cleanup     close the link (and the virtual board)

    E-stop, reset and /diagnostics work in every configured state. With `autostart` (default
    true) the node configures and activates itself, for plain `ros2 run`.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("mnsu_bridge", **kwargs)
        autostart = self._declare("autostart", True, "configure and activate at start")
        port = self._declare("port", "virtual", "device path, pyserial URL, or virtual")
        self.board_file = str(self._declare("board_file", "", "board file ('' = leg.yaml)"))
        names = board_joint_names(self.board_file) or ("hip", "knee")
        joint_names = tuple(str(n) for n in self._declare("joint_names", list(names), "hip, knee"))
        rate = float(self._declare("command_rate_hz", 50.0, "joint commands/s of a trajectory"))
        self._declare("neuron_names", [""], "name per ADC channel ('' = from the board file)")
        record = str(self._declare("record", "", "MCAP file of the session ('' = none)"))
        leg_model = str(self._declare("leg_model", "kinematic", "virtual leg: kinematic, physics"))
        th = diag.Thresholds()
        self.diag_period = float(self._declare("diagnostics.period_s", 1.0, "s"))
        self.thresholds = diag.Thresholds(
            stale_warn_s=float(self._declare("diagnostics.stale_warn_s", th.stale_warn_s, "s")),
            stale_error_s=float(self._declare("diagnostics.stale_error_s", th.stale_error_s, "s")),
            crc_warn_per_s=float(
                self._declare("diagnostics.crc_warn_per_s", th.crc_warn_per_s, "1/s")
            ),
            crc_error_per_s=float(
                self._declare("diagnostics.crc_error_per_s", th.crc_error_per_s, "1/s")
            ),
        )
        self.thresholds.check()
        if len(joint_names) != 2 or len(set(joint_names)) != 2 or "" in joint_names:
            raise ValueError(
                f"joint_names must be two different names (hip, knee); got {joint_names}"
            )
        self.joint_names = joint_names
        if leg_model not in LEG_MODELS:
            raise ValueError(f"leg_model must be one of {', '.join(LEG_MODELS)}; got {leg_model!r}")
        if record and not record.endswith(".mcap"):
            raise ValueError(f"record = {record!r}: the recording must end in .mcap")
        # Board parameters: typed but unset unless given at start; the board's values fill
        # them once it answers (so a node start never overwrites the board's calibration).
        startup = declare_board_parameters(self)
        plan_update(startup, default_values())  # a bad value stops the node now (ParamError)
        self.startup = startup
        forward_logging(self)
        self._mirroring = False
        self.mirror = Mirror()
        self.config = SessionConfig(
            port=str(port),
            board_file=self.board_file,
            joint_names=(joint_names[0], joint_names[1]),
            command_rate_hz=rate,
            record=record,
            leg_model=leg_model,
        )
        self.session = self._new_session()
        self.joint_states_published = 0  # reported in the link status (delivery accounting)
        self.configured = False
        self.active = False
        self.neurons = self._neurons()
        self.safety = SafetyMonitor()
        self.pub = Publishers(self)
        # The leg's URDF from the board file (`mnsu urdf`'s generator), published once and
        # kept for late joiners (transient local), in every lifecycle state.
        self.robot_description = board_urdf(self.board_file)
        if self.robot_description is not None:
            self.pub.robot_description(self.robot_description)
        # E-stop first: its services have a callback group of their own, so with the
        # multi-threaded executor (main) they run while a parameter set (the default group,
        # one serial round trip per value) or a command is still waiting on the board.
        self.safety_group = MutuallyExclusiveCallbackGroup()
        commands = MutuallyExclusiveCallbackGroup()
        self.create_subscription(
            JointTrajectory,
            "joint_commands",
            self._joint_commands,
            COMMAND_QOS,
            callback_group=commands,
        )
        self.create_subscription(
            Float64, "cpg/drive", self._drive, COMMAND_QOS, callback_group=commands
        )
        self.create_service(Trigger, "estop", self._estop, callback_group=self.safety_group)
        self.create_service(
            Trigger, "reset_estop", self._reset_estop, callback_group=self.safety_group
        )
        self.add_on_set_parameters_callback(self._on_set_parameters)
        self._prev_link: diag.LinkSample | None = None
        self._prev_overruns: int | None = None
        self.create_timer(
            self.diag_period,
            self._publish_diagnostics,
            callback_group=MutuallyExclusiveCallbackGroup(),
        )
        # the mirror shares the parameter services' (default) group: never during a user's set
        self.create_timer(0.05, self._mirror_board_parameters)
        if autostart:
            self.trigger_configure()
            self.trigger_activate()

    def _new_session(self) -> BoardSession:
        return BoardSession(
            self.config,
            on_telemetry=self._publish_telemetry,
            on_event=self._publish_event,
            on_connection=self._connection_changed,
            on_log=self._board_log,
            host_time_ns=lambda: self.get_clock().now().nanoseconds,
        )

    # ------------------------------------------------------------------ lifecycle
    def on_configure(self, state: LifecycleState) -> TransitionCallbackReturn:
        try:
            self.session.start(self.startup)
        except (ParamError, VirtualBoardError, OSError) as exc:
            self.get_logger().error(f"configure failed: {exc}")
            self.session = self._new_session()
            return TransitionCallbackReturn.FAILURE
        self.configured = True
        virtual = self.session.virtual
        self.get_logger().info(
            f"configured: board on {self.config.port}"
            + (f" (virtual board at {virtual.port})" if virtual else "")
        )
        return TransitionCallbackReturn.SUCCESS

    def on_activate(self, state: LifecycleState) -> TransitionCallbackReturn:
        self.active = True
        self.get_logger().info("active: publishing, accepting joint commands and drive")
        return super().on_activate(state)

    def on_deactivate(self, state: LifecycleState) -> TransitionCallbackReturn:
        self.active = False
        self.session.cancel_trajectory()
        try:
            self.get_logger().info(f"deactivated: safe pose {self.session.command_safe_pose()}")
        except CommandError as exc:
            self.get_logger().warning(f"deactivated; safe pose not commanded: {exc}")
        return super().on_deactivate(state)

    def on_cleanup(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._close(safe_pose=False)  # deactivate already commanded it
        self.get_logger().info("cleaned up: link closed")
        return TransitionCallbackReturn.SUCCESS

    def on_shutdown(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._close(safe_pose=True)
        return TransitionCallbackReturn.SUCCESS

    def _close(self, safe_pose: bool) -> None:
        self.active = False
        if self.configured:
            self.session.close(safe_pose=safe_pose)
            self.configured = False
            self.session = self._new_session()
            self.mirror.reset()

    def _declare(self, name: str, default: Any, text: str) -> Any:
        """A node setting fixed at start (read-only); its value."""
        desc = ParameterDescriptor(read_only=True, description=text)
        return self.declare_parameter(name, default, desc).value

    def _neurons(self) -> list[feedback.NeuronChannel]:
        given = [str(n) for n in self.get_parameter("neuron_names").value if str(n)]
        if given:
            return [feedback.NeuronChannel(n, ch) for ch, n in enumerate(given)]
        probes = board_probe_names(self.board_file)
        n = max(probes, default=1) + 1
        return feedback.default_neurons(probes, n)

    # ------------------------------------------------------------------ board -> ROS
    def _publish_telemetry(self, tel: mlink.Telemetry, stamp_ns: int) -> None:
        s = self.session
        values = s.values
        vref = 3.3 if values is None else s.value("adc_vref_v")
        flex = 0 if values is None else int(s.value("flexor_channel"))
        ext = 1 if values is None else int(s.value("extensor_channel"))
        readings = feedback.neuron_readings(tel.fields, self.neurons, vref, flex, ext)
        self.pub.telemetry(tel, stamp_ns, self.joint_names, s.measured_joints(), readings)
        self.joint_states_published += int(self.active)  # inactive: the publisher drops it
        link = s.link
        # diagnostics sets heartbeat_gap_max_s back to 0 each period: a trip right after that
        # would report 0 ms, so the latest gap counts too
        gap = (
            0.0
            if link is None
            else max(link.stats.heartbeat_gap_max_s, link.stats.heartbeat_gap_last_s)
        )
        self._report(self.safety.telemetry(tel.mode, tel.estop, tel.fields["ticks"], gap))

    def _publish_event(self, ev: mlink.Event, stamp_ns: int | None) -> None:
        self.pub.event(ev, stamp_ns, self.neurons)

    def _connection_changed(self, up: bool, detail: str) -> None:
        self._report(self.safety.connection(up, detail))

    def _report(self, transitions: list[Any]) -> None:
        log_transitions(self.get_logger(), transitions)

    def _board_log(self, line: mlink.LogLine) -> None:
        log_board_line(self.get_logger(), line)

    def _publish_diagnostics(self) -> None:
        if not self.configured:
            return
        s = self.session
        now = s.link_sample()
        statuses = [diag.link_status(now, self._prev_link, self.diag_period, self.thresholds)]
        self._prev_link = now
        latest = s.latest
        if latest is not None and now.connected:
            over = latest.fields["overruns"]
            statuses.append(
                diag.timing_status(over, self._prev_overruns, latest.fields["max_loop_us"])
            )
            self._prev_overruns = over
            statuses.append(diag.safety_status(latest.mode, latest.estop))
        last = self.safety.last
        safety_values = {
            "transitions": str(self.safety.count),
            "last_transition": "none" if last is None else last.text,
        }
        statuses[-1].values.update(safety_values if statuses[-1].name == "safety" else {})
        link = s.link
        if link is not None:  # the longest host heartbeat gap of this period
            gap_ms = link.stats.heartbeat_gap_max_s * 1e3
            link.stats.heartbeat_gap_max_s = 0.0
            statuses[0].values["heartbeat_gap_max_ms"] = f"{gap_ms:.1f}"
        statuses[0].values.update(s.board_description())
        statuses[0].values["joint_states_published"] = str(self.joint_states_published)
        self.pub.diagnostic_array(
            statuses,
            self.get_fully_qualified_name(),
            s.hardware_id(),
            self.get_clock().now().to_msg(),
        )

    def _mirror_board_parameters(self) -> None:
        """Show the board's values in the ROS parameters after each (re)connect or change,
        and `mode` as the board reports it in telemetry (also estop and safe, which the
        board enters by itself)."""
        updates = self.mirror.updates(self.session)
        if not updates:
            return
        self._mirroring = True
        try:
            self.set_parameters(updates)
        finally:
            self._mirroring = False

    # ------------------------------------------------------------------ ROS -> board
    def _on_set_parameters(self, changes: list[Parameter[Any]]) -> SetParametersResult:
        if self._mirroring:
            return SetParametersResult(successful=True)
        board, refused = board_changes(changes)
        if refused is not None:
            return SetParametersResult(successful=False, reason=refused)
        if not board:
            return SetParametersResult(successful=True)
        try:
            applied = self.session.set_params(board)
        except ParamError as exc:
            self.get_logger().warning(f"parameter set refused: {exc}")
            return SetParametersResult(successful=False, reason=str(exc))
        self.get_logger().info("board parameters set: " + ", ".join(f"{n}={v}" for n, v in applied))
        return SetParametersResult(successful=True)

    def _inactive(self, what: str) -> bool:
        if self.active:
            return False
        self.session.refused_commands += 1
        self.get_logger().warning(f"{what} refused: the node is not active (lifecycle)")
        return True

    def _joint_commands(self, msg: JointTrajectory) -> None:
        if self._inactive("joint command"):
            return
        points = [
            (list(pt.positions), pt.time_from_start.sec + pt.time_from_start.nanosec * 1e-9)
            for pt in msg.points
        ]
        velocities = [list(pt.velocities) for pt in msg.points]
        start_ns = msg.header.stamp.sec * 1_000_000_000 + msg.header.stamp.nanosec
        try:
            self.session.start_trajectory(list(msg.joint_names), points, velocities, start_ns)
        except CommandError as exc:
            self.get_logger().warning(str(exc))

    def _drive(self, msg: Float64) -> None:
        if self._inactive("cpg/drive"):
            return
        try:
            self.session.set_drive(msg.data)
        except CommandError as exc:
            self.get_logger().warning(f"cpg/drive {msg.data} refused: {exc}")

    def _estop(self, _req: Trigger.Request, resp: Trigger.Response) -> Trigger.Response:
        self.safety.requested("estop")
        return _trigger(resp, self.session.estop, "e-stop latched")

    def _reset_estop(self, _req: Trigger.Request, resp: Trigger.Response) -> Trigger.Response:
        self.safety.requested("reset")
        return _trigger(resp, self.session.reset_estop, "e-stop cleared; mode idle")

    def shutdown(self) -> None:
        """Command the safe pose and close the board (the node's last act before exit)."""
        self._close(safe_pose=True)


def _trigger(resp: Trigger.Response, fn: Any, ok: str) -> Trigger.Response:
    try:
        fn()
        resp.success, resp.message = True, ok
    except CommandError as exc:
        resp.success, resp.message = False, str(exc)
    return resp


EXECUTOR_THREADS = 4  # e-stop, parameters, commands and timers each get a thread


def executor() -> MultiThreadedExecutor:
    """The executor the bridge runs in (main, tests, bench): several threads, so the e-stop
    group never waits behind a parameter set."""
    return MultiThreadedExecutor(num_threads=EXECUTOR_THREADS)


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(args: list[str] | None = None) -> int:
    # SIGINT/SIGTERM end the spin here, with the context still valid: the safe pose and its
    # log line go out before rclpy shuts down (rclpy's own handler would shut the context
    # first, and the last log lines would fail to reach /rosout).
    rclpy.init(args=args, signal_handler_options=SignalHandlerOptions.NO)
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    node: BridgeNode | None = None
    code = 0
    try:
        node = BridgeNode()
        ex = executor()
        ex.add_node(node)
        ex.spin()
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    except (ParamError, ValueError, ParameterException) as exc:
        # a bad value given at start: say which and stop (nothing was sent to the board)
        print(f"mnsu_bridge: {exc}", file=sys.stderr)
        code = 2
    finally:
        if node is not None:
            node.shutdown()
            node.destroy_node()
        rclpy.try_shutdown()
    return code


if __name__ == "__main__":
    sys.exit(main())

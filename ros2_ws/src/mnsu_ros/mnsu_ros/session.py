"""The board behind the bridge: link, parameters, trajectories (no rclpy).

`BoardSession` owns one `mnsu.link.Link` (and, for port "virtual", a virtual board started in
this process). It keeps trying to connect until the board answers; after that the link itself
reconnects whenever the port comes back. Every (re)connect reads the board's parameters and
sends again the values the user set through ROS (all but `mode`, so a leg that lost its host
does not start walking again by itself). Telemetry, events and link state changes reach the
node through callbacks run on the link's reader thread. Everything here is plain Python; the
ROS node (bridge_node.py) only converts messages.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from mnsu import link as mlink
from mnsu.robot.models import JointState
from mnsu_ros import diagnostics as diag
from mnsu_ros.board_clock import BoardClock
from mnsu_ros.board_commands import CommandError as CommandError  # re-exported
from mnsu_ros.board_commands import SafetyCommands
from mnsu_ros.motion import TrajectoryRunner
from mnsu_ros.parameters import BY_ROS_NAME, BY_TABLE_NAME, ParamError, plan_update
from mnsu_ros.session_config import VIRTUAL as VIRTUAL
from mnsu_ros.session_config import SessionConfig as SessionConfig
from mnsu_ros.trajectory import Trajectory, TrajectoryError, check_trajectory
from mnsu_ros.virtual import VirtualBoardLike, start_virtual_board

log = logging.getLogger("mnsu_ros")


class BoardSession(SafetyCommands):
    """A board seen through the link, with the state the bridge needs."""

    def __init__(
        self,
        config: SessionConfig,
        *,
        on_telemetry: Callable[[mlink.Telemetry, int], None],
        on_event: Callable[[mlink.Event, int | None], None],
        on_connection: Callable[[bool, str], None],
        on_log: Callable[[mlink.LogLine], None] = lambda _line: None,
        host_time_ns: Callable[[], int] = time.time_ns,
        virtual_factory: Callable[[str, str], VirtualBoardLike] = start_virtual_board,
    ) -> None:
        self.config = config
        self._on_telemetry = on_telemetry
        self._on_event = on_event
        self._on_connection = on_connection
        self._on_log = on_log
        self._host_time_ns = host_time_ns
        self._virtual_factory = virtual_factory
        self.virtual: VirtualBoardLike | None = None
        self.link: mlink.Link | None = None
        self.clock = BoardClock(window_s=config.clock_window_s)
        self.values: list[float] | None = None  # board parameter values by id, once read
        self.values_version = 0  # bumped whenever `values` changes
        self.desired: dict[str, float] = {}  # table name -> value the user set through ROS
        self._first_sync = True
        self.latest: mlink.Telemetry | None = None
        self.latest_rx_monotonic: float | None = None
        self.last_error = ""
        self.refused_commands = 0
        self.params_in_flight = 0  # values of the running parameter set not yet answered
        self._plock = threading.RLock()  # parameter reads/writes and trajectory start
        self._stop = threading.Event()
        self._sync_needed = threading.Event()
        self._supervisor: threading.Thread | None = None
        self.motion = TrajectoryRunner(config.command_rate_hz, self._send_pose, self._stop)

    # ------------------------------------------------------------------ lifecycle
    def start(self, startup_values: Mapping[str, object] | None = None) -> None:
        """Start the virtual board if asked, then connect in the background.

        startup_values: {ros name: ROS value} given at start (parameter overrides); they are
        checked now (ParamError) and sent at the first connection.
        """
        if startup_values:
            order, _ = plan_update(dict(startup_values), [p.default for p in BY_ROS_NAME.values()])
            for param, value in order:
                self.desired[param.table_name] = value
        port = self.config.port
        if port == VIRTUAL:
            self.virtual = self._virtual_factory(self.config.board_file, self.config.leg_model)
            port = self.virtual.port
        link = mlink.Link(
            port,
            connect=False,
            hello_timeout_s=self.config.connect_timeout_s,
            record=self._link_recording(),
        )
        link.on(("telemetry",), self._telemetry)
        link.on(("event",), self._event)
        link.on(("connection",), self._connection)
        link.on(("log",), self._log)
        self.link = link
        self._supervisor = threading.Thread(target=self._supervise, name="mnsu-bridge-session")
        self._supervisor.daemon = True
        self._supervisor.start()
        self.motion.start_thread()

    @property
    def connected(self) -> bool:
        return self.link is not None and self.link.connected and self.values is not None

    def wait_ready(self, timeout_s: float) -> bool:
        """Until connected and the parameters are read (tests, tools)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.connected:
                return True
            time.sleep(0.01)
        return False

    def close(self, safe_pose: bool = True) -> None:
        """Command the safe pose (when connected), stop the threads, close link and board."""
        self._stop.set()
        self.cancel_trajectory()
        if safe_pose:
            try:
                log.info("safe pose commanded: %s", self.command_safe_pose())
            except CommandError as exc:
                log.warning("safe pose on shutdown not commanded: %s", exc)
        self.motion.join(timeout_s=3.0)
        thread = self._supervisor
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=3.0)
        if self.link is not None:
            self.link.close()
            self._write_mcap()
        if self.virtual is not None:
            self.virtual.close()

    def _link_recording(self) -> Path | None:
        """The link's own recording (every byte, flushed as it goes) beside the MCAP file."""
        if not self.config.record:
            return None
        out = Path(self.config.record)
        if out.suffix != ".mcap":
            raise ParamError(f"record = {out}: the recording must end in .mcap")
        return out.with_suffix(".mnsurec")

    def _write_mcap(self) -> None:
        """The session's link recording as MCAP (ROS 2 messages), once the link is closed."""
        source = self._link_recording()
        if source is None or not source.exists():
            return
        from mnsu.export.ros_mcap import McapError, convert

        try:
            summary = convert(
                source, self.config.record, self.config.board_file, self.config.joint_names
            )
        except (McapError, OSError) as exc:
            log.error("recording not converted to MCAP (%s kept): %s", source, exc)
            return
        log.info("recorded %s", summary.line())

    def _supervise(self) -> None:
        link = self.link
        assert link is not None
        started = False
        failures = 0
        delay = self.config.retry_period_s
        warn_every = 2.0
        next_warn = time.monotonic() + warn_every
        while not self._stop.is_set():
            if not started:
                try:
                    link.connect(timeout_s=self.config.connect_timeout_s)
                    started = True
                    self._sync_needed.set()
                except mlink.LinkTimeout as exc:
                    # port open, reader running: it keeps sending HELLO; wait on it below
                    self.last_error = str(exc)
                    started = True
                except (mlink.ProtocolVersionError, mlink.ParamTableError) as exc:
                    self.last_error = str(exc)
                    log.error("%s", exc)
                    return  # a wrong firmware does not get better by retrying
                except mlink.LinkError as exc:
                    # a missing or failing port: one ERROR, then a WARN with growing spacing
                    self.last_error = str(exc)
                    failures += 1
                    now = time.monotonic()
                    if failures == 1:
                        log.error("no board: %s; retrying", exc)
                    elif now >= next_warn:
                        log.warning("still no board after %d attempts: %s", failures, exc)
                        warn_every = min(2 * warn_every, self.config.warn_max_s)
                        next_warn = now + warn_every
                    self._stop.wait(delay)
                    delay = min(2 * delay, self.config.retry_max_s)
                    continue
            if self._sync_needed.wait(0.1) and not self._stop.is_set():
                self._sync_needed.clear()
                if link.connected:
                    try:
                        self._sync_params()
                    except (mlink.LinkError, CommandError) as exc:
                        self.last_error = f"parameter sync failed: {exc}"
                        log.warning("%s", self.last_error)
                        if link.connected:
                            self._sync_needed.set()
                            self._stop.wait(self.config.retry_period_s)

    def _sync_params(self) -> None:
        """Read every board parameter, then send the user's values that differ."""
        link = self.link
        assert link is not None
        t = self.config.request_timeout_s
        with self._plock:
            values = [link.get_param(p.table_name, t) for p in BY_TABLE_NAME.values()]
            wanted = {
                BY_TABLE_NAME[name].ros_name: BY_TABLE_NAME[name].from_board(v)
                for name, v in self.desired.items()
                if (name != "mode" or self._first_sync)
                and not math.isclose(values[BY_TABLE_NAME[name].pid], v, rel_tol=1e-6, abs_tol=1e-6)
            }
            if wanted:
                try:
                    order, _ = plan_update(wanted, values)
                except ParamError as exc:
                    log.error("parameters not re-applied to the board: %s", exc)
                    order = []
                for param, value in order:
                    try:
                        values[param.pid] = link.set_param(param.table_name, value, t)
                    except mlink.CommandRefused as exc:
                        log.error("board refused %s = %s: %s", param.ros_name, value, exc)
            self._first_sync = False
            self.values = values
            self.values_version += 1

    # ------------------------------------------------------------------ link callbacks
    def _telemetry(self, msg: mlink.Message) -> None:
        assert isinstance(msg, mlink.Telemetry)
        now_mono = time.monotonic()
        host_ns = self._host_time_ns() - int((now_mono - msg.t_host) * 1e9)
        stamp = self.clock.frame(int(round(msg.board_time_s * 1e6)), host_ns)
        self.latest = msg
        self.latest_rx_monotonic = msg.t_host
        self._on_telemetry(msg, stamp)

    def _event(self, msg: mlink.Message) -> None:
        assert isinstance(msg, mlink.Event)
        stamp = self.clock.to_host(int(round(msg.board_time_s * 1e6)))
        self._on_event(msg, stamp)

    def _log(self, msg: mlink.Message) -> None:
        assert isinstance(msg, mlink.LogLine)
        self._on_log(msg)

    def _connection(self, msg: mlink.Message) -> None:
        assert isinstance(msg, mlink.Connection)
        up = msg.state == "connected"
        if up:
            self._sync_needed.set()
        else:
            self.last_error = msg.detail
            self.cancel_trajectory()
        self.clock.reset()
        self._on_connection(up, msg.detail)

    # ------------------------------------------------------------------ parameters
    def set_params(self, updates: Mapping[str, object]) -> list[tuple[str, object]]:
        """Send ROS parameter values to the board as one change; ParamError if refused.

        Returns the (ros name, ROS value) pairs the board applied (normalised).
        """
        with self._plock:
            link = self.link
            if self.values is None or link is None or not link.connected:
                raise ParamError(
                    "the board is not connected; parameters are sent to a connected board "
                    f"only ({self.last_error or 'connecting'})"
                )
            order, _ = plan_update(updates, self.values)
            applied: list[tuple[str, object]] = []
            done: list[tuple[str, int, float]] = []
            try:
                for k, (param, value) in enumerate(order):
                    self.params_in_flight = len(order) - k
                    got = link.set_param(param.table_name, value, self.config.request_timeout_s)
                    done.append((param.table_name, param.pid, self.values[param.pid]))
                    self.values[param.pid] = got
                    applied.append((param.ros_name, param.from_board(got)))
            except mlink.LinkError as exc:
                for name, pid, old in reversed(done):  # undo the part already applied
                    with contextlib.suppress(mlink.LinkError):
                        self.values[pid] = link.set_param(name, old, self.config.request_timeout_s)
                raise ParamError(str(exc)) from exc
            finally:
                self.params_in_flight = 0
                self.values_version += 1
            for param, value in order:
                self.desired[param.table_name] = value
            return applied

    def value(self, table_name: str) -> float:
        if self.values is None:
            raise CommandError("the board's parameters are not known yet (not connected)")
        return self.values[BY_TABLE_NAME[table_name].pid]

    def set_drive(self, level: float) -> float:
        """Descending drive level 0..1 (the board's drive_level); CommandError when refused."""
        try:
            applied = self.set_params({"drive_level": float(level)})
        except ParamError as exc:
            self.refused_commands += 1
            raise CommandError(str(exc)) from exc
        return float(applied[0][1])  # type: ignore[arg-type]

    # ------------------------------------------------------------------ joint commands
    def joint_limits_deg(self) -> dict[str, tuple[float, float]]:
        hip, knee = self.config.joint_names
        return {
            hip: (self.value("hip_min_deg"), self.value("hip_max_deg")),
            knee: (self.value("knee_min_deg"), self.value("knee_max_deg")),
        }

    def start_trajectory(
        self,
        names: Sequence[str],
        points: Sequence[tuple[Sequence[float], float]],
        velocities: Sequence[Sequence[float]] | None = None,
        start_ns: int = 0,
    ) -> Trajectory:
        """Check a trajectory and run it (replacing any running one); CommandError if refused.

        Refused unless connected, in HOST mode, not e-stopped, with known joint names, finite
        positions within the board's joint limits and non-decreasing times. start_ns: its
        header.stamp in host (ROS) time; 0 = now. A later start holds the current pose until
        then; an earlier one joins the trajectory where it would be by now.
        """
        with self._plock:
            latest = self.latest
            if not self.connected or latest is None:
                self.refused_commands += 1
                raise CommandError("joint command refused: the board is not connected")
            if latest.estop:
                self.refused_commands += 1
                raise CommandError("joint command refused: e-stop latched (call reset_estop)")
            if latest.mode != "host":
                self.refused_commands += 1
                raise CommandError(
                    f"joint command refused: the board is in {latest.mode} mode; joint_commands "
                    "are used in host mode (set the parameter mode to host)"
                )
            start = (latest.hip_deg, latest.knee_deg)
            try:
                traj = check_trajectory(
                    names,
                    points,
                    self.config.joint_names,
                    self.joint_limits_deg(),
                    start,
                    velocities,
                )
            except TrajectoryError as exc:
                self.refused_commands += 1
                raise CommandError(f"joint command refused: {exc}") from exc
        t0 = time.monotonic()
        if start_ns:
            t0 += (start_ns - self._host_time_ns()) * 1e-9
        self.motion.start(traj, t0, start)
        return traj

    def cancel_trajectory(self) -> None:
        self.motion.cancel()

    @property
    def trajectory_active(self) -> bool:
        return self.motion.active

    def _send_pose(self, hip_deg: float, knee_deg: float) -> None:
        """One pose of a running trajectory to the board (the runner handles link errors)."""
        link = self.link
        if link is None:
            raise mlink.Disconnected("no link")
        link.joint_command(hip_deg, knee_deg, self.config.request_timeout_s)

    def measured_joints(self) -> JointState | None:
        """The joints as the in-process virtual board's physics leg measures them (rad,
        rad/s, N m); None for a real board or the kinematic leg (then the board's commanded
        angles in telemetry are all there is)."""
        return None if self.virtual is None else self.virtual.joint_state()

    # ------------------------------------------------------------------ diagnostics
    def link_sample(self) -> diag.LinkSample:
        link = self.link
        latest = self.latest
        age = None
        if latest is not None and link is not None and link.connected:
            age = max(0.0, time.monotonic() - latest.t_host)
        return diag.LinkSample(
            connected=link is not None and link.connected,
            telemetry_age_s=age,
            host_bad_crc=0 if link is None else link.stats.crc_errors,
            board_bad_crc=0 if latest is None else latest.fields["bad_crc"],
            reconnects=0 if link is None else max(0, link.stats.connects - 1),
            error=self.last_error,
        )

    def hardware_id(self) -> str:
        """The board's identity for diagnostics: its name (CAPS) and the port it is on."""
        link = self.link
        port = self.virtual.port if self.virtual is not None else self.config.port
        if link is not None and link.caps is not None:
            return f"{link.caps.board} on {port}"
        return port

    def board_description(self) -> dict[str, str]:
        link = self.link
        out = {"port": self.config.port}
        if self.virtual is not None:
            out["pty"] = self.virtual.port
            out["pty_bytes_dropped"] = str(self.virtual.bytes_dropped)
        if link is not None and link.caps is not None:
            caps = link.caps
            out["board"] = caps.board
            out["firmware"] = ".".join(map(str, caps.fw_version))
        if link is not None:
            s = link.stats
            out["frames_received"] = str(s.frames_received)
            out["frames_lost"] = str(s.frames_lost)
        return out

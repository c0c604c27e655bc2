"""The board commands that put the leg somewhere safe: e-stop, its reset, the safe pose
(no rclpy). A mixin of `BoardSession`, which provides the link, the board's values and the
latest telemetry."""

from __future__ import annotations

from collections.abc import Callable

from mnsu import link as mlink
from mnsu.protocol import POSE_HOLD, POSE_NEUTRAL, pose_name
from mnsu_ros.session_config import SessionConfig


class CommandError(RuntimeError):
    """A command refused before or by the board; str() is the reason."""


class SafetyCommands:
    """e-stop, reset_estop and the safe pose over the session's link."""

    config: SessionConfig
    link: mlink.Link | None
    values: list[float] | None
    latest: mlink.Telemetry | None

    def value(self, table_name: str) -> float:
        raise NotImplementedError

    def cancel_trajectory(self) -> None:
        raise NotImplementedError

    def estop(self) -> None:
        self.cancel_trajectory()
        self._command(lambda link: link.estop(self.config.request_timeout_s), "e-stop")

    def reset_estop(self) -> None:
        self._command(lambda link: link.reset_estop(self.config.request_timeout_s), "e-stop reset")

    def _command(self, fn: Callable[[mlink.Link], None], what: str) -> None:
        link = self.link
        if link is None or not link.connected:
            raise CommandError(f"{what} not sent: the board is not connected")
        try:
            fn(link)
        except mlink.LinkError as exc:
            raise CommandError(f"{what} failed: {exc}") from exc

    def command_safe_pose(self) -> str:
        """Put the leg in the board's `safe_pose` now: hold, neutral (HOST mode, neutral
        angles) or limp (IDLE). Nothing while the e-stop is latched (its own pose applies).
        After the link closes the board's watchdog keeps the same pose."""
        link = self.link
        if link is None or not link.connected or self.values is None:
            raise CommandError("the board is not connected")
        latest = self.latest
        if latest is not None and latest.estop:
            return "estop"
        pose = int(self.value("safe_pose"))
        t = self.config.request_timeout_s
        try:
            if pose == POSE_HOLD:
                link.set_mode("hold", t)
            elif pose == POSE_NEUTRAL:
                link.set_mode("host", t)
                link.joint_command(self.value("hip_neutral_deg"), self.value("knee_neutral_deg"), t)
            else:
                link.set_mode("idle", t)
        except mlink.LinkError as exc:
            raise CommandError(f"safe pose: {exc}") from exc
        return pose_name(pose)

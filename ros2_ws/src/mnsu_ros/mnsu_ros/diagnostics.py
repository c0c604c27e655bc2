"""Diagnostic levels of the bridge (pure logic, no rclpy).

Three statuses, published on /diagnostics each period:

- link: ERROR when the link is down or telemetry is older than `stale_error_s`; WARN when
  telemetry is older than `stale_warn_s` or the rate of frames dropped for a bad CRC (both
  directions) reaches `crc_warn_per_s` (ERROR at `crc_error_per_s`); else OK.
- timing: WARN when the board's control loop overran during the period.
- safety: mode and e-stop; WARN while the e-stop is latched or the link watchdog holds the
  leg in its safe pose (SAFE mode).

Levels use diagnostic_msgs/DiagnosticStatus byte values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

OK = 0
WARN = 1
ERROR = 2
LEVEL_NAMES = {OK: "OK", WARN: "WARN", ERROR: "ERROR"}


@dataclass(frozen=True)
class Thresholds:
    stale_warn_s: float = 0.25
    stale_error_s: float = 1.0
    crc_warn_per_s: float = 1.0
    crc_error_per_s: float = 20.0

    def check(self) -> None:
        if not 0 < self.stale_warn_s < self.stale_error_s:
            raise ValueError(
                f"need 0 < stale_warn_s < stale_error_s; got {self.stale_warn_s}, "
                f"{self.stale_error_s}"
            )
        if not 0 < self.crc_warn_per_s < self.crc_error_per_s:
            raise ValueError(
                f"need 0 < crc_warn_per_s < crc_error_per_s; got {self.crc_warn_per_s}, "
                f"{self.crc_error_per_s}"
            )


@dataclass
class Status:
    name: str
    level: int
    message: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LinkSample:
    """What the node knows about the link at one diagnostics instant (counters cumulative)."""

    connected: bool
    telemetry_age_s: float | None  # since the last telemetry frame; None: none yet
    host_bad_crc: int  # frames from the board the host dropped for a bad CRC
    board_bad_crc: int  # frames from the host the board dropped for a bad CRC
    reconnects: int
    error: str = ""  # why the link is down, when it is


def link_status(
    now: LinkSample, before: LinkSample | None, period_s: float, th: Thresholds
) -> Status:
    """The link status from the sample now and the one a period earlier."""
    values = {
        "connected": str(now.connected),
        "telemetry_age_s": "none" if now.telemetry_age_s is None else f"{now.telemetry_age_s:.3f}",
        "host_bad_crc": str(now.host_bad_crc),
        "board_bad_crc": str(now.board_bad_crc),
        "reconnects": str(now.reconnects),
    }
    if not now.connected:
        why = f": {now.error}" if now.error else ""
        return Status("link", ERROR, f"link down, reconnecting{why}", values)
    age = now.telemetry_age_s
    if age is None or age >= th.stale_error_s:
        shown = "no telemetry yet" if age is None else f"telemetry stale for {age:.2f} s"
        return Status("link", ERROR, shown, values)
    crc_rate = 0.0
    if before is not None and period_s > 0:
        new = _delta16(now.board_bad_crc, before.board_bad_crc)
        new += max(0, now.host_bad_crc - before.host_bad_crc)
        crc_rate = new / period_s
    values["crc_errors_per_s"] = f"{crc_rate:.2f}"
    if crc_rate >= th.crc_error_per_s:
        return Status("link", ERROR, f"{crc_rate:.1f} CRC errors/s", values)
    if crc_rate >= th.crc_warn_per_s:
        return Status("link", WARN, f"{crc_rate:.1f} CRC errors/s", values)
    if age >= th.stale_warn_s:
        return Status("link", WARN, f"telemetry late by {age:.2f} s", values)
    return Status("link", OK, "connected", values)


def _delta16(now: int, before: int) -> int:
    """Increase of a 16-bit wrapping board counter."""
    return (now - before) & 0xFFFF


def timing_status(overruns_now: int, overruns_before: int | None, max_loop_us: int) -> Status:
    """Board control-loop timing: WARN when ticks overran since the previous status."""
    new = 0 if overruns_before is None else (overruns_now - overruns_before) & 0xFFFFFFFF
    values = {
        "overruns": str(overruns_now),
        "new_overruns": str(new),
        "max_loop_us": str(max_loop_us),
    }
    if new:
        return Status("timing", WARN, f"{new} control-loop overruns", values)
    return Status("timing", OK, "on time", values)


def safety_status(mode: str, estop: bool) -> Status:
    """Mode and e-stop: WARN while latched or in the watchdog's SAFE mode."""
    values = {"mode": mode, "estop_latched": str(estop)}
    if estop:
        return Status("safety", WARN, "e-stop latched (call reset_estop)", values)
    if mode == "safe":
        return Status("safety", WARN, "link watchdog fired: leg in its safe pose", values)
    return Status("safety", OK, f"mode {mode}", values)

"""The settings of one board session (the node's parameters that shape it)."""

from __future__ import annotations

from dataclasses import dataclass

VIRTUAL = "virtual"  # the port name that starts the in-process virtual board


@dataclass(frozen=True)
class SessionConfig:
    port: str = VIRTUAL
    board_file: str = ""  # "" = the default board of the virtual board
    joint_names: tuple[str, str] = ("hip", "knee")
    command_rate_hz: float = 50.0  # joint commands per second while a trajectory runs
    connect_timeout_s: float = 2.0  # per attempt
    retry_period_s: float = 0.5  # first wait between attempts before the first connection
    retry_max_s: float = 2.0  # the wait doubles up to this
    warn_max_s: float = 60.0  # WARN "still no board" at 2, 4, 8 ... s, then this often
    request_timeout_s: float = 3.0  # a real board answers in ms; a loaded virtual one later
    clock_window_s: float = 10.0
    record: str = ""  # MCAP file of the session (mnsu.export.ros_mcap); "" = none
    leg_model: str = "kinematic"  # the virtual board's leg: kinematic or physics (MuJoCo)

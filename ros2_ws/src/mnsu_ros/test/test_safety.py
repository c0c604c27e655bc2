"""SafetyMonitor: every safety transition once, with its cause (pure logic)."""

from __future__ import annotations

from mnsu_ros.diagnostics import ERROR, OK, WARN
from mnsu_ros.safety import REQUEST_WINDOW_S, SafetyMonitor


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def kinds(transitions: list) -> list[tuple[str, int]]:  # type: ignore[type-arg]
    return [(t.kind, t.level) for t in transitions]


def test_each_transition_is_reported_once_with_its_cause() -> None:
    clock = Clock()
    m = SafetyMonitor(clock)
    assert m.telemetry("cpg", False, 10, 0.05) == []
    assert m.telemetry("cpg", False, 11, 0.05) == []
    trip = m.telemetry("safe", False, 12, 0.31)
    assert kinds(trip) == [("watchdog", ERROR)]
    assert "longest host heartbeat gap 310 ms" in trip[0].text
    assert m.telemetry("safe", False, 13, 0.31) == []  # once, not per frame
    assert kinds(m.telemetry("cpg", False, 14, 0.05)) == [("safe_exit", OK)]
    m.requested("estop")
    latched = m.telemetry("estop", True, 15, 0.05)
    assert kinds(latched) == [("estop", WARN)] and "(estop service)" in latched[0].text
    assert m.telemetry("estop", True, 16, 0.05) == []
    cleared = m.telemetry("idle", False, 17, 0.05)
    assert kinds(cleared) == [("estop_reset", OK)] and "cleared on the board" in cleared[0].text
    # a request long ago is not the cause of a latch now
    m.requested("estop")
    clock.t += REQUEST_WINDOW_S + 1.0
    assert "latched on the board" in m.telemetry("estop", True, 18, 0.05)[0].text
    assert kinds(m.telemetry("estop", True, 3, 0.05)) == [("board_reset", WARN)]
    assert m.count == 6 and m.last is not None and m.last.kind == "board_reset"


def test_link_changes_and_a_board_found_in_safe_mode() -> None:
    m = SafetyMonitor(Clock())
    assert kinds(m.connection(False, "port gone")) == [("link_lost", ERROR)]
    assert "reconnecting" in m.history[-1].text
    assert kinds(m.connection(True, "reconnected")) == [("reconnect", OK)]
    assert kinds(m.telemetry("safe", False, 5, 0.0)) == [("watchdog", WARN)]

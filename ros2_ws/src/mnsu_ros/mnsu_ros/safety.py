"""Safety transitions of the board, each reported once with its cause (pure logic, no rclpy).

The bridge feeds every telemetry frame (mode, e-stop flag, control tick count) and every link
state change; `SafetyMonitor` returns the transitions they make, each once:

- `estop`: the e-stop latched; cause "estop service" when this node asked for it (within
  `REQUEST_WINDOW_S`), else "latched on the board".
- `estop_reset`: the latch cleared; cause "reset_estop service" or "cleared on the board".
- `watchdog`: the board entered SAFE mode: no host frame for `watchdog_timeout`; the longest
  heartbeat gap the link measured is in the text.
- `safe_exit`: the board left SAFE mode (a mode was set again).
- `board_reset`: the control tick count went backwards (the board restarted).
- `link_lost`, `reconnect`: the link went down or came back (with the link's reason).

Levels are diagnostic levels (diagnostics.OK/WARN/ERROR).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from mnsu_ros.diagnostics import ERROR, OK, WARN

REQUEST_WINDOW_S = 5.0  # a latch this soon after our own request is taken to be ours
HISTORY = 20


@dataclass(frozen=True)
class Transition:
    kind: str
    level: int
    text: str  # one line: what happened and why
    t_monotonic: float


class SafetyMonitor:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._mode: str | None = None
        self._estop: bool | None = None
        self._ticks: int | None = None
        self._requested: dict[str, float] = {}  # "estop"/"reset" -> when this node asked
        self.history: deque[Transition] = deque(maxlen=HISTORY)
        self.count = 0

    def requested(self, what: str) -> None:
        """This node is about to send `estop` or `reset` (its cause, if the board follows)."""
        self._requested[what] = self._clock()

    def _ours(self, what: str) -> bool:
        t = self._requested.pop(what, None)
        return t is not None and self._clock() - t <= REQUEST_WINDOW_S

    def _add(self, kind: str, level: int, text: str, out: list[Transition]) -> None:
        tr = Transition(kind, level, text, self._clock())
        self.history.append(tr)
        self.count += 1
        out.append(tr)

    def telemetry(
        self, mode: str, estop: bool, ticks: int, heartbeat_gap_s: float
    ) -> list[Transition]:
        """One telemetry frame; the transitions it shows (usually none)."""
        out: list[Transition] = []
        if self._ticks is not None and ticks < self._ticks:
            self._add("board_reset", WARN, "board reset: its control tick count restarted", out)
        if self._estop is not None and estop != self._estop:
            if estop:
                cause = "estop service" if self._ours("estop") else "latched on the board"
                self._add("estop", WARN, f"e-stop latched ({cause})", out)
            else:
                cause = "reset_estop service" if self._ours("reset") else "cleared on the board"
                self._add("estop_reset", OK, f"e-stop cleared ({cause}); mode {mode}", out)
        if self._mode is not None and mode != self._mode:
            if mode == "safe":
                self._add(
                    "watchdog",
                    ERROR,
                    "link watchdog fired: no host frame for watchdog_timeout, leg in its safe "
                    f"pose (longest host heartbeat gap {heartbeat_gap_s * 1e3:.0f} ms)",
                    out,
                )
            elif self._mode == "safe":
                self._add("safe_exit", OK, f"left SAFE mode: mode {mode}", out)
        elif self._mode is None and mode == "safe":
            self._add("watchdog", WARN, "board in SAFE mode at connection (watchdog)", out)
        self._mode, self._estop, self._ticks = mode, estop, ticks
        return out

    def connection(self, up: bool, detail: str) -> list[Transition]:
        out: list[Transition] = []
        if up:
            self._add("reconnect", OK, f"board connected ({detail})", out)
        else:
            self._add("link_lost", ERROR, f"link lost ({detail}); reconnecting", out)
            self._mode = self._estop = self._ticks = None
        return out

    @property
    def last(self) -> Transition | None:
        return self.history[-1] if self.history else None

"""The board's parameter table as ROS parameters (pure logic, no rclpy).

Names, types, defaults, limits, units and descriptions come from `mnsu.parameters` (the
host's view of the firmware's table, the single source of truth, which also holds the one
conversion of each unit to SI). Every row becomes one ROS parameter in SI units per REP-103
(rad, rad/s, s, Hz, V), named after the row with its unit suffix in SI (`hip_amp_deg` ->
`hip_amp_rad`, `slew_dps` -> `slew_rad_s`, `refractory_ms` -> `refractory_s`,
`servo0_min_us` -> `servo0_min_s`), except two renamed to the names of the ROS interface
contract: `telemetry_hz` -> `telemetry_rate_hz` and `watchdog_s` -> `watchdog_timeout`.
Enumerations (`mode`, `safe_pose`, `estop_pose`) are strings in ROS ("cpg", "neutral", ...),
booleans are bools, integers are integers, the rest doubles.

`plan_update` validates one atomic set of ROS values with the table's own `check` against the
board's current values and returns the order in which to send them, or raises `ParamError`
with a reason meant for a person (`mnsu.parameters.refusal`, worded once for link, CLI and
ROS); nothing is sent before every value passed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mnsu_fw import params

from mnsu import parameters as table
from mnsu.parameters import ParamError as ParamError  # re-exported for the node

ROS_NAMES: dict[str, str] = {"telemetry_hz": "telemetry_rate_hz", "watchdog_s": "watchdog_timeout"}

RosValue = bool | int | float | str


@dataclass(frozen=True)
class BoardParam(table.Param):
    """One row of the firmware's parameter table, seen from ROS (under `ros_name`)."""

    ros_name: str = ""

    @property
    def table_name(self) -> str:
        return self.name

    @property
    def ros_type(self) -> str:
        """ "double", "integer", "bool" or "string" (enumerations)."""
        return {"f": "double", "i": "integer", "b": "bool", "e": "string"}[self.kind]

    @property
    def ros_minimum(self) -> float:
        """The table's lower limit in the ROS (SI) unit, unrounded (the descriptor's range)."""
        return self.minimum * self.si_scale

    @property
    def ros_maximum(self) -> float:
        return self.maximum * self.si_scale

    @property
    def help(self) -> str:
        """Description for the ROS parameter descriptor (SI unit, range, choices)."""
        text = self.description
        if self.choices:
            return f"{text}; one of: {', '.join(self.choices)} (board parameter {self.table_name})"
        return f"{text}; {self.range_text(si=True)} (board parameter {self.table_name})"

    def to_board(self, value: object) -> float:
        """A ROS value as the number the board's table holds; ParamError when impossible."""
        if self.kind == "e":
            assert self.choices is not None
            if not isinstance(value, str) or value not in self.choices:
                raise ParamError(table.type_refusal(self, value, self.ros_name))
            return float(self.choices.index(value))
        if self.kind == "b":
            if not isinstance(value, bool):
                raise ParamError(table.type_refusal(self, value, self.ros_name))
            return 1.0 if value else 0.0
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParamError(table.type_refusal(self, value, self.ros_name))
        if self.kind == "i" and not isinstance(value, int):
            raise ParamError(table.type_refusal(self, value, self.ros_name))
        return self.from_si(float(value)) if self.kind == "f" else float(value)

    def from_board(self, value: float) -> RosValue:
        """The board's number as a ROS value, in SI (float32 noise trimmed to 7 significant
        digits)."""
        return self.to_si(self.typed(value)) if self.kind == "f" else self.typed(value)  # type: ignore[arg-type]

    def describe_value(self, board_value: float) -> str:
        return self.show(board_value, si=True)


def _build() -> tuple[BoardParam, ...]:
    return tuple(
        BoardParam(**vars(row), ros_name=ROS_NAMES.get(row.name, row.si_name))
        for row in table.PARAMS
    )


BOARD_PARAMS: tuple[BoardParam, ...] = _build()
BY_ROS_NAME: dict[str, BoardParam] = {p.ros_name: p for p in BOARD_PARAMS}
BY_TABLE_NAME: dict[str, BoardParam] = {p.table_name: p for p in BOARD_PARAMS}
NAMES: dict[str, str] = {p.table_name: p.ros_name for p in BOARD_PARAMS}  # table -> ROS name


def default_values() -> list[float]:
    """The table's defaults, indexed by parameter id (a stand-in before the board answered)."""
    return [float(v) for v in params.defaults()]


def plan_update(
    updates: Mapping[str, object], current: Sequence[float]
) -> tuple[list[tuple[BoardParam, float]], list[float]]:
    """Validate ROS values {ros_name: value} as one atomic change of the board's parameters.

    current: the board's values indexed by parameter id. Returns the (param, board value) list
    in a sending order that keeps every ordering constraint true at each step (e.g. raising
    both joint limits sends the high one first), and the values afterwards. Raises ParamError
    naming the parameter, the value and the limit when any value is refused (then nothing may
    be sent).
    """
    scratch = [float(v) for v in current]
    pending: list[tuple[BoardParam, float]] = []
    for name, value in updates.items():
        param = BY_ROS_NAME.get(name)
        if param is None:
            raise ParamError(f"{name} is not a board parameter")
        number = param.to_board(value)
        if not math.isfinite(number):
            raise ParamError(f"{param.ros_name} must be finite; got {value!r}")
        pending.append((param, number))
    order: list[tuple[BoardParam, float]] = []
    while pending:
        first_error: tuple[BoardParam, float, int] | None = None
        for i, (param, number) in enumerate(pending):
            error, norm = params.check(scratch, param.pid, number)
            if error == 0:
                scratch[param.pid] = float(norm)
                order.append((param, float(norm)))
                del pending[i]
                break
            if first_error is None:
                first_error = (param, number, error)
        else:
            assert first_error is not None
            param, number, error = first_error
            raise ParamError(table.refusal(param, number, error, scratch, NAMES, si=True))
    return order, scratch

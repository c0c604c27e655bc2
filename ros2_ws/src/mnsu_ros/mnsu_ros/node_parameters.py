"""The board's parameters as the node's ROS parameters: declaration, sets from ROS, and the
mirror of the board's values (rclpy types; the rules themselves are `parameters`, ROS-free).

Board parameters are declared typed but unset unless given at start, so a node start never
overwrites the board's calibration; the board's values fill them once it answers. Doubles
take integers too (`slew_rad_s:=5`). Node settings (port, board_file, ...) are read-only.
"""

from __future__ import annotations

from typing import Any

from rcl_interfaces.msg import FloatingPointRange, IntegerRange, ParameterDescriptor
from rclpy.parameter import Parameter

from mnsu.parameters import type_refusal
from mnsu_ros.parameters import BOARD_PARAMS, BY_ROS_NAME, BoardParam, RosValue

TYPES = {
    "double": Parameter.Type.DOUBLE,
    "integer": Parameter.Type.INTEGER,
    "bool": Parameter.Type.BOOL,
    "string": Parameter.Type.STRING,
}
READ_ONLY = ("port", "board_file", "record", "leg_model")  # and every `diagnostics.*`


def board_descriptor(p: BoardParam) -> ParameterDescriptor:
    """The descriptor of one board parameter: description, SI range or choices."""
    d = ParameterDescriptor(description=p.help)
    if p.kind == "f":
        # doubles also take integers (`slew_rad_s:=2`); the table's check sees the number
        d.dynamic_typing = True
        d.additional_constraints = "a number (integers accepted)"
        d.floating_point_range = [
            FloatingPointRange(from_value=p.ros_minimum, to_value=p.ros_maximum)
        ]
    elif p.kind == "i":
        d.integer_range = [IntegerRange(from_value=int(p.minimum), to_value=int(p.maximum), step=1)]
    elif p.choices:
        d.additional_constraints = "one of: " + ", ".join(p.choices)
    return d


def declare_board_parameters(node: Any) -> dict[str, object]:
    """Declare every board parameter on `node`; the values given at start {ros name: value}."""
    startup: dict[str, object] = {}
    for p in BOARD_PARAMS:
        kind = None if p.kind == "f" else TYPES[p.ros_type]  # doubles: dynamic typing
        got: Parameter[Any] = node.declare_parameter(p.ros_name, kind, board_descriptor(p))
        if got.type_ != Parameter.Type.NOT_SET:
            startup[p.ros_name] = got.value
    return startup


def board_changes(changes: list[Parameter[Any]]) -> tuple[dict[str, RosValue], str | None]:
    """A ROS parameter set as {board ros name: value} for the session, or the reason it is
    refused (a non-number for a double, a read-only setting). Other names pass untouched."""
    board: dict[str, RosValue] = {}
    for p in changes:
        if p.name in BY_ROS_NAME:
            if BY_ROS_NAME[p.name].kind == "f" and p.type_ == Parameter.Type.INTEGER:
                board[p.name] = float(p.value)
            elif BY_ROS_NAME[p.name].kind == "f" and p.type_ != Parameter.Type.DOUBLE:
                return {}, type_refusal(BY_ROS_NAME[p.name], p.value, p.name)
            else:
                board[p.name] = p.value
        elif p.name.startswith("diagnostics.") or p.name in READ_ONLY:
            return {}, f"{p.name} is read-only"
    return board, None


class Mirror:
    """What the node's board parameters must show: the board's values after each (re)connect
    or change, and `mode` as the board reports it in telemetry (also estop and safe, which
    the board enters by itself)."""

    def __init__(self) -> None:
        self.values_seen = -1
        self.mode_shown: str | None = None

    def reset(self) -> None:
        self.values_seen = -1
        self.mode_shown = None

    def updates(self, session: Any) -> list[Parameter[Any]]:
        values = session.values
        updates: list[Parameter[Any]] = []
        if values is not None and session.values_version != self.values_seen:
            self.values_seen = session.values_version
            updates = [
                Parameter(p.ros_name, value=p.from_board(values[p.pid]))
                for p in BOARD_PARAMS
                if p.ros_name != "mode"
            ]
        latest = session.latest
        if latest is not None and session.connected and latest.mode != self.mode_shown:
            updates.append(Parameter("mode", value=latest.mode))
            self.mode_shown = latest.mode
        return updates

"""The board's parameter table seen from the host: typed rows, display and refusal wording.

The firmware's table (`mnsu_fw.params`) holds each row's name, type, default and range, and
its `check` is the one validation rule, on the board and here alike. This module adds what
only a host needs: a typed row per parameter (`Param`), values shown with their unit and
choice names, and the one wording of a refusal (`refusal`) that the link, the CLI and the
ROS bridge all raise as `ParamError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mnsu_fw import codec, params

Value = bool | int | float | str


class ParamError(ValueError):
    """A parameter name or value refused before it reached the board; str() is the reason."""


@dataclass(frozen=True)
class Param:
    """One row of the firmware's parameter table."""

    pid: int  # row index = parameter id on the wire
    name: str
    kind: str  # "f" float, "i" integer, "b" bool, "e" enum
    default: float
    minimum: float
    maximum: float
    unit: str
    description: str
    choices: tuple[str, ...] | None  # enum names, index = value
    persistent: bool  # written to the board's parameter file

    def typed(self, value: float) -> Value:
        """A table number as its natural value: a choice name, a bool, an int or a float
        (float32 noise trimmed to 7 significant digits)."""
        if self.kind == "e":
            assert self.choices is not None
            index = int(value)
            return self.choices[index] if 0 <= index < len(self.choices) else str(index)
        if self.kind == "b":
            return bool(value)
        if self.kind == "i":
            return int(value)
        return float(f"{value:.7g}")

    def show(self, value: float) -> str:
        """A table number for a person: '250 Hz', '35.0 deg', 'limp', 'True'."""
        unit = f" {self.unit}" if self.unit and self.kind in "fi" else ""
        return f"{self.typed(value)}{unit}"

    def range_text(self) -> str:
        """'[0, 1000] Hz' (numbers) or 'one of idle, cpg, host, hold' (enumerations)."""
        if self.choices:
            return f"one of {', '.join(self.choices)}"
        unit = f" {self.unit}" if self.unit else ""
        return f"[{self.minimum:g}, {self.maximum:g}]{unit}"


def _build() -> tuple[Param, ...]:
    rows = []
    for pid, row in enumerate(params.TABLE):
        name = str(row[params.NAME])
        rows.append(
            Param(
                pid=pid,
                name=name,
                kind=str(row[params.TYPE]),
                default=float(row[params.DEFAULT]),
                minimum=float(row[params.MIN]),
                maximum=float(row[params.MAX]),
                unit=str(row[params.UNIT]),
                description=str(row[params.DESCRIPTION]),
                choices=params.CHOICES.get(name),
                persistent=name not in params.VOLATILE,
            )
        )
    return tuple(rows)


PARAMS: tuple[Param, ...] = _build()
BY_NAME: dict[str, Param] = {p.name: p for p in PARAMS}


def param(name: str) -> Param:
    """The row of parameter `name`; ParamError naming the known ones if there is none."""
    row = BY_NAME.get(name)
    if row is None:
        raise ParamError(f"unknown parameter {name!r}; known: {', '.join(BY_NAME)}")
    return row


def param_info(name: str) -> dict[str, object]:
    """The row of `name` as a dict (id, name, type, default, min, max, unit, ...)."""
    p = param(name)
    return {
        "id": p.pid,
        "name": p.name,
        "type": p.kind,
        "default": p.default,
        "min": p.minimum,
        "max": p.maximum,
        "unit": p.unit,
        "description": p.description,
        "choices": p.choices,
        "persistent": p.persistent,
    }


def refusal(
    p: Param,
    value: float,
    error: int,
    values: Sequence[float],
    names: Mapping[str, str] | None = None,
) -> str:
    """Why the table's `check` refused `value` for `p` (error: codec ERR_*), for a person.

    values: the other parameters' values the check was made against (ordering constraints).
    names: how the caller calls the parameters (the ROS bridge renames two), default the
    table's names.
    """
    names = names or {}
    name = names.get(p.name, p.name)
    shown = p.show(value) if p.kind != "e" else repr(value)
    if error == codec.ERR_OUT_OF_RANGE:
        if p.choices:
            return f"{name} must be {p.range_text()}"
        return f"{name} = {shown} is out of range {p.range_text()}"
    if error == codec.ERR_NOT_FINITE:
        return f"{name} must be finite; got {value}"
    if error == codec.ERR_NOT_INTEGER:
        return f"{name} must be a whole number; got {value}"
    if error == codec.ERR_INCONSISTENT:
        for low, high in params.ORDERED:
            if p.name in (low, high):
                other = BY_NAME[high if p.name == low else low]
                relation = "<" if p.name == low else ">"
                return (
                    f"{name} = {shown} must be {relation} {names.get(other.name, other.name)} "
                    f"({other.show(values[other.pid])})"
                )
    return f"{name} = {shown}: {codec.ERROR_NAMES.get(error, f'error {error}')}"


def check_param(name: str, value: Value) -> float:
    """Validate a value for `name` against the table's ranges; returns the wire value.

    Enum parameters also take their choice names ("cpg"). Raises ParamError with the reason.
    An ordering constraint (hip_min_deg < hip_max_deg) depends on the board's current values:
    the board decides it.
    """
    p = param(name)
    if isinstance(value, str):
        if p.choices is None or value not in p.choices:
            if p.choices:
                raise ParamError(f"{name} must be {p.range_text()}; got {value!r}")
            raise ParamError(f"{name} is a number, not a choice; got {value!r}")
        value = p.choices.index(value)
    v = float(value)
    error, _ = params.check(_loose_values(), p.pid, v)
    if error not in (0, codec.ERR_INCONSISTENT):
        raise ParamError(refusal(p, v, error, _loose_values()))
    return v


def _loose_values() -> list[float | int]:
    """Values for a range-only check: every ordered pair made maximally loose."""
    values = params.defaults()
    for low, high in params.ORDERED:
        values[params.INDEX[low]] = BY_NAME[low].minimum - 1e9
        values[params.INDEX[high]] = BY_NAME[high].maximum + 1e9
    return values

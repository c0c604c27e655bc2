"""The board's parameter table seen from the host: typed rows, display and refusal wording.

The firmware's table (`mnsu_fw.params`) holds each row's name, type, default and range, and
its `check` is the one validation rule, on the board and here alike. This module adds what
only a host needs: each row's unit and description (`DOCS`) and the enumerations' names
(`CHOICES`), keyed by name, a typed row per parameter (`Param`), values shown with their unit and
choice names, and the one wording of a refusal (`refusal`) that the link, the CLI and the
ROS bridge all raise as `ParamError`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mnsu_fw import params

from mnsu import wire as codec

Value = bool | int | float | str


# The documentation of every row of the firmware's table, keyed by name: (unit, description).
# The board keeps name, type, default and range only (tests/host/test_parameters.py checks that
# both sides list the same names).
DOCS: dict[str, tuple[str, str]] = {
    "mode": ("", "operating mode to enter (estop and safe are entered, not set)"),
    "sample_rate_hz": ("Hz", "ADC sampling rate per channel (control tick)"),
    "n_channels": ("", "ADC channels sampled each tick"),
    "adc_vref_v": ("V", "ADC full-scale voltage"),
    "spike_high_v": ("V", "Schmitt trigger: spike starts above this"),
    "spike_low_v": ("V", "Schmitt trigger: spike ends below this"),
    "refractory_ms": ("ms", "no new spike this soon after a spike onset"),
    "burst_gap_ms": ("ms", "a silence this long ends a burst"),
    "env_tau_ms": ("ms", "burst envelope decay time constant"),
    "env_step": ("", "envelope jump towards 1 per spike"),
    "flexor_channel": ("", "ADC channel of the flexor (swing) neuron"),
    "extensor_channel": ("", "ADC channel of the extensor (stance) neuron"),
    "hip_offset_deg": ("deg", "hip angle with both envelopes at 0"),
    "hip_amp_deg": ("deg", "hip swing per unit envelope difference"),
    "knee_offset_deg": ("deg", "knee angle with the flexor silent"),
    "knee_amp_deg": ("deg", "knee flexion per unit flexor envelope"),
    "asymmetry": ("", "hip weight: E by (1+a), F by (1-a)"),
    "hip_min_deg": ("deg", "hip joint limit (low)"),
    "hip_max_deg": ("deg", "hip joint limit (high)"),
    "knee_min_deg": ("deg", "knee joint limit (low)"),
    "knee_max_deg": ("deg", "knee joint limit (high)"),
    "hip_neutral_deg": ("deg", "hip angle of the neutral pose"),
    "knee_neutral_deg": ("deg", "knee angle of the neutral pose"),
    "slew_dps": ("deg/s", "maximum joint speed commanded"),
    "watchdog_s": ("s", "SAFE after this long without a host frame"),
    "safe_pose": ("", "pose on watchdog: 0 hold, 1 neutral, 2 limp"),
    "estop_pose": ("", "pose on e-stop: 0 hold, 1 neutral, 2 limp"),
    "telemetry_hz": ("Hz", "telemetry frame rate (0: off)"),
    "spike_events": ("", "send an event per spike (bursts/contact always)"),
    "drive_level": ("", "descending drive output (PWM duty into the RC)"),
    "drive_pwm_hz": ("Hz", "drive PWM frequency"),
    "touchdown_enable": ("", "fire a touch-down pulse when the foot lands"),
    "touchdown_width_ms": ("ms", "touch-down pulse width"),
    "touchdown_amp": ("", "touch-down pulse amplitude (PWM duty)"),
    "contact_debounce_ms": ("ms", "foot switch must be stable this long"),
    "servo0_min_us": ("us", "hip servo pulse at -range/2"),
    "servo0_max_us": ("us", "hip servo pulse at +range/2"),
    "servo0_range_deg": ("deg", "hip servo travel over min..max us"),
    "servo0_offset_deg": ("deg", "hip servo horn offset"),
    "servo0_reversed": ("", "hip servo turns the other way"),
    "servo1_min_us": ("us", "knee servo pulse at -range/2"),
    "servo1_max_us": ("us", "knee servo pulse at +range/2"),
    "servo1_range_deg": ("deg", "knee servo travel over min..max us"),
    "servo1_offset_deg": ("deg", "knee servo horn offset"),
    "servo1_reversed": ("", "knee servo turns the other way"),
}

# The names of the enumerations' values, index = value.
CHOICES: dict[str, tuple[str, ...]] = {
    "mode": ("idle", "cpg", "host", "hold"),
    "safe_pose": ("hold", "neutral", "limp"),
    "estop_pose": ("hold", "neutral", "limp"),
}


# SI units (REP-103: rad, s, Hz) for interfaces that speak SI, the ROS bridge: the table's
# unit -> (SI unit, SI value per table unit), and the name suffix that names the unit. The one
# place where a parameter's table unit meets its SI unit.
SI_UNITS: dict[str, tuple[str, float]] = {
    "deg": ("rad", math.pi / 180.0),
    "deg/s": ("rad/s", math.pi / 180.0),
    "ms": ("s", 1e-3),
    "us": ("s", 1e-6),
}
SI_SUFFIXES: dict[str, str] = {"_deg": "_rad", "_dps": "_rad_s", "_ms": "_s", "_us": "_s"}


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

    @property
    def si_unit(self) -> str:
        """The parameter's unit in SI (rad, rad/s, s, Hz, V; '' for none)."""
        return SI_UNITS.get(self.unit, (self.unit, 1.0))[0]

    @property
    def si_scale(self) -> float:
        """SI value per table unit (pi/180 for deg, 1e-3 for ms, 1 when already SI)."""
        return SI_UNITS.get(self.unit, (self.unit, 1.0))[1]

    @property
    def si_name(self) -> str:
        """The name with its unit suffix in SI: hip_amp_deg -> hip_amp_rad, slew_dps ->
        slew_rad_s, refractory_ms -> refractory_s (unchanged when already SI)."""
        for old, new in SI_SUFFIXES.items():
            if self.name.endswith(old):
                return self.name[: -len(old)] + new
        return self.name

    def to_si(self, value: float) -> float:
        """A table number in SI (7 significant digits: float32 noise and rounding trimmed)."""
        return value if self.si_scale == 1.0 else float(f"{value * self.si_scale:.7g}")

    def from_si(self, value: float) -> float:
        """An SI number in the table's unit (9 significant digits: math.pi / 2 rad is 90 deg,
        not 90.00000000000001, which the table's range would refuse)."""
        return value if self.si_scale == 1.0 else float(f"{value / self.si_scale:.9g}")

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

    def show(self, value: float, si: bool = False) -> str:
        """A table number for a person: '250 Hz', '35.0 deg', 'limp', 'True' (si: in SI,
        '0.6108652 rad')."""
        unit_name = self.si_unit if si else self.unit
        unit = f" {unit_name}" if unit_name and self.kind in "fi" else ""
        shown = self.to_si(value) if si and self.kind == "f" else self.typed(value)
        return f"{shown}{unit}"

    def range_text(self, si: bool = False) -> str:
        """'[0, 1000] Hz' (numbers) or 'one of idle, cpg, host, hold' (enumerations)."""
        if self.choices:
            return f"one of {', '.join(self.choices)}"
        unit_name = self.si_unit if si else self.unit
        unit = f" {unit_name}" if unit_name else ""
        if si:
            return f"[{self.to_si(self.minimum):.7g}, {self.to_si(self.maximum):.7g}]{unit}"
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
                unit=DOCS[name][0],
                description=DOCS[name][1],
                choices=CHOICES.get(name),
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


def type_refusal(p: Param, value: object, name: str | None = None) -> str:
    """Why `value` cannot be a value of `p` at all (a word for a number, a fraction for an
    integer, a number for a bool), for a person; `name`: how the caller calls `p`. One wording
    for the CLI, the link and the ROS bridge."""
    expected = {
        "e": p.range_text(),
        "b": "a bool (true or false)",
        "i": "a whole number",
        "f": "a number",
    }[p.kind]
    return f"{name or p.name} must be {expected}; got {value!r}"


def refusal(
    p: Param,
    value: float,
    error: int,
    values: Sequence[float],
    names: Mapping[str, str] | None = None,
    si: bool = False,
) -> str:
    """Why the table's `check` refused `value` for `p` (error: codec ERR_*), for a person.

    values: the other parameters' values the check was made against (ordering constraints).
    names: how the caller calls the parameters (the ROS bridge renames two), default the
    table's names. si: values and ranges in SI units (the bridge's parameters).
    """
    names = names or {}
    name = names.get(p.name, p.name)
    shown = p.show(value, si) if p.kind != "e" else repr(value)
    if error == codec.ERR_OUT_OF_RANGE:
        if p.choices:
            return f"{name} must be {p.range_text()}"
        return f"{name} = {shown} is out of range {p.range_text(si)}"
    if error == codec.ERR_NOT_FINITE:
        return f"{name} must be finite; got {value}"
    if error == codec.ERR_NOT_INTEGER:
        return type_refusal(p, value, name)
    if error == codec.ERR_INCONSISTENT:
        for low, high in params.ORDERED:
            if p.name in (low, high):
                other = BY_NAME[high if p.name == low else low]
                relation = "<" if p.name == low else ">"
                return (
                    f"{name} = {shown} must be {relation} {names.get(other.name, other.name)} "
                    f"({other.show(values[other.pid], si)})"
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
            raise ParamError(type_refusal(p, value, name))
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

"""SI quantities in board files: numbers, or strings such as "20 kohm", "400 uA", "30 ms"."""

from __future__ import annotations

import math
import re

# Prefix symbol -> multiplier. "u" and the micro sign both mean 1e-6.
PREFIXES: dict[str, float] = {
    "p": 1e-12,
    "n": 1e-9,
    "u": 1e-6,
    "\u00b5": 1e-6,
    "\u03bc": 1e-6,
    "m": 1e-3,
    "": 1.0,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
}

# Unit name -> canonical symbol. Case matters: "s" is seconds, "S" is siemens.
UNIT_ALIASES: dict[str, str] = {
    "V": "V",
    "A": "A",
    "F": "F",
    "ohm": "ohm",
    "Ohm": "ohm",
    "\u03a9": "ohm",
    "s": "s",
    "S": "S",
    "Hz": "Hz",
    "deg": "deg",
    "rad": "rad",
    "m": "m",
    "kg": "kg",
    "N": "N",
    "Nm": "Nm",
    "N/m": "N/m",
    "Ns/m": "Ns/m",
    "Nm/rad": "Nm/rad",
    "Nms/rad": "Nms/rad",
    "deg/s": "deg/s",
}

UNIT_NAMES: dict[str, str] = {
    "V": "volts",
    "A": "amperes",
    "F": "farads",
    "ohm": "ohms",
    "s": "seconds",
    "S": "siemens",
    "Hz": "hertz",
    "deg": "degrees",
    "rad": "radians",
    "m": "metres",
    "kg": "kilograms",
    "N": "newtons",
    "Nm": "newton metres",
    "N/m": "newtons per metre",
    "Ns/m": "newton seconds per metre",
    "Nm/rad": "newton metres per radian",
    "Nms/rad": "newton metre seconds per radian",
    "deg/s": "degrees per second",
    "": "a plain number",
}

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_QUANTITY = re.compile(rf"^\s*({_NUMBER})\s*([^\s\d.+-]*)\s*$")


class UnitError(ValueError):
    """A value that is not a number in the expected unit."""


def _split_unit(text: str) -> tuple[float, str]:
    """Return (prefix multiplier, canonical unit) for a suffix such as "kohm" or "uA"."""
    if text in UNIT_ALIASES:
        return 1.0, UNIT_ALIASES[text]
    if text and text[0] in PREFIXES and text[1:] in UNIT_ALIASES:
        return PREFIXES[text[0]], UNIT_ALIASES[text[1:]]
    raise UnitError(f"unknown unit {text!r}")


def parse_quantity(value: object, unit: str) -> float:
    """Parse a board-file value into SI base units.

    `unit` is the expected canonical unit ("V", "A", "F", "ohm", "s", "S", "Hz", "deg" or ""
    for dimensionless). Plain numbers are taken as already in SI units, as are strings holding
    only a number (YAML reads `400e-6` as a string). Degrees are returned as degrees.
    """
    if isinstance(value, bool):
        raise UnitError(f"expected {_expected(unit)}, got a boolean {value!r}")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        match = _QUANTITY.match(value)
        if match is None:
            raise UnitError(f"expected {_expected(unit)}, got {value!r}")
        number = float(match.group(1))
        suffix = match.group(2)
        if suffix:
            try:
                scale, found = _split_unit(suffix)
            except UnitError:
                raise UnitError(
                    f"expected {_expected(unit)}, got {value!r} (unknown unit {suffix!r})"
                ) from None
            if found != unit:
                raise UnitError(f"expected {_expected(unit)}, got {value!r} (a value in {found})")
            number *= scale
    else:
        raise UnitError(f"expected {_expected(unit)}, got {type(value).__name__} {value!r}")
    if not math.isfinite(number):
        raise UnitError(f"expected a finite {_expected(unit)}, got {value!r}")
    return number


def _expected(unit: str) -> str:
    if not unit:
        return "a plain number"
    example = {"V": "3.0 V", "A": "400 uA", "F": "1 uF", "ohm": "20 kohm", "s": "30 ms"}.get(
        unit, f"1 {unit}"
    )
    return f"a number in {UNIT_NAMES.get(unit, unit)} (e.g. {example!r})"

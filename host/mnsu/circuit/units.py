"""Quantities in board files: numbers, SI strings ("20 kohm", "400 uA") or SPICE values ("20k").

A value is a number in SI base units, or a string: a number, then optionally a scale and a
unit. Two spellings of the scale are read:

- SI: a prefix symbol and the unit, case-sensitive (`"20 kohm"`, `"10 Mohm"` mega, `"10 mohm"`
  milli, `"1 uF"`, `"30 ms"`; `s` is seconds, `S` siemens).
- SPICE: a scale factor, case-insensitive as SPICE reads it, with or without the unit after it:
  f 1e-15, p 1e-12, n 1e-9, u 1e-6, m 1e-3, k 1e3, meg 1e6, g 1e9, t 1e12 (`"20k"`, `"1u"`,
  `"4.7n"`, `"10Meg"`, `"10MEG"`, `"1Megohm"`, `"20K"`).

An exact unit wins over a SPICE scale (`"1 F"` is one farad, `"1 m"` one metre where a length
is expected; `"1f"` is a femto-something). A bare capital `M` is refused: SPICE reads it as
milli, SI as mega; write `Meg` (or `Mohm`) for 1e6 and `m` (or `mohm`) for 1e-3.
"""

from __future__ import annotations

import contextlib
import math
import re

# Prefix symbol -> multiplier (SI spelling, case-sensitive). "u" and the micro signs are 1e-6.
PREFIXES: dict[str, float] = {
    "f": 1e-15,
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
    "T": 1e12,
}

# SPICE scale factors, matched case-insensitively, longest first ("meg" before "m").
SPICE_SCALES: tuple[tuple[str, float], ...] = (
    ("meg", 1e6),
    ("f", 1e-15),
    ("p", 1e-12),
    ("n", 1e-9),
    ("u", 1e-6),
    ("m", 1e-3),
    ("k", 1e3),
    ("g", 1e9),
    ("t", 1e12),
)

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
    """Return (prefix multiplier, canonical unit) for an SI suffix such as "kohm" or "uA"."""
    if text in UNIT_ALIASES:
        return 1.0, UNIT_ALIASES[text]
    if text and text[0] in PREFIXES and text[1:] in UNIT_ALIASES:
        return PREFIXES[text[0]], UNIT_ALIASES[text[1:]]
    raise UnitError(f"unknown unit {text!r}")


def _spice_scale(text: str) -> tuple[float, str] | None:
    """(scale, the rest) of a SPICE suffix such as "k", "Meg", "uF" or "MEGohm", or None."""
    lower = text.lower()
    for name, scale in SPICE_SCALES:
        if lower.startswith(name):
            return scale, text[len(name) :]
    return None


def scale_and_unit(suffix: str, unit: str | None) -> tuple[float, str | None]:
    """(multiplier, unit or None when unitless) of a value's suffix (module docstring).

    `unit` is the expected canonical unit, or None when unknown (then an SI suffix gives its
    own unit and a bare SPICE scale none). Raises UnitError for what cannot be read.
    """
    si: tuple[float, str] | None = None
    with contextlib.suppress(UnitError):
        si = _split_unit(suffix)
    if si is not None and (unit is None or si[1] == unit):
        return si
    if si is None and suffix[:1] == "M" and suffix[1:3].lower() != "eg":
        raise UnitError(
            f"ambiguous 'M' in {suffix!r}: SPICE reads it as milli, SI as mega; write 'Meg' "
            "or 'Mohm' for 1e6, 'm' or 'mohm' for 1e-3"
        )
    spice = _spice_scale(suffix)
    if spice is not None:
        scale, rest = spice
        if not rest:
            return scale, None
        if rest in UNIT_ALIASES and (unit is None or UNIT_ALIASES[rest] == unit):
            return scale, UNIT_ALIASES[rest]
    if si is None:
        raise UnitError(f"unknown unit {suffix!r}")
    raise UnitError(f"a value in {si[1]}")


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
                scale, _ = scale_and_unit(suffix, unit)
            except UnitError as exc:
                raise UnitError(f"expected {_expected(unit)}, got {value!r} ({exc})") from None
            number *= scale
    else:
        raise UnitError(f"expected {_expected(unit)}, got {type(value).__name__} {value!r}")
    if not math.isfinite(number):
        raise UnitError(f"expected a finite {_expected(unit)}, got {value!r}")
    return number


def split_quantity(text: str) -> tuple[float, str | None]:
    """A value whose unit is not known in advance -> (SI number, its unit or None)."""
    match = _QUANTITY.match(text)
    if match is None:
        raise UnitError(f"{text!r} is not a number (with an optional unit: 120uA)")
    number = float(match.group(1))
    suffix = match.group(2)
    if not suffix:
        return number, None
    scale, unit = scale_and_unit(suffix, None)
    return number * scale, unit


def _expected(unit: str) -> str:
    if not unit:
        return "a plain number"
    example = {"V": "3.0 V", "A": "400 uA", "F": "1 uF", "ohm": "20 kohm", "s": "30 ms"}.get(
        unit, f"1 {unit}"
    )
    return f"a number in {UNIT_NAMES.get(unit, unit)} (e.g. {example!r})"

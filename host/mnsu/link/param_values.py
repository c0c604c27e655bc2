"""Board parameter values as people type them, and parameter files (pure logic, no link).

Values take the unit of the firmware's parameter table (`device/mnsu_fw/params.py`): a plain
number is in that unit; a number with a unit is converted, SI prefixes included (`250ms`,
`0.25 s` and `250000us` are the same `burst_gap_ms`; `2kHz` for `sample_rate_hz`; `10deg`).
Enum parameters take their choice names (`cpg`, `limp`), booleans `on/off/true/false/1/0`,
dimensionless ones a percentage (`60%` = 0.6).

A parameter file is a JSON object {name: value}, the format the board keeps in `params.json`
(docs/firmware.md); files written here list every persistent parameter in table order. Values
read from a file may be numbers or strings with units.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from pathlib import Path

from mnsu_fw import params

from mnsu import parameters
from mnsu.circuit.units import UnitError, parse_quantity

# Table unit -> (the SI unit it is measured in, the table unit's size in that SI unit).
TABLE_UNITS: dict[str, tuple[str, float]] = {
    "s": ("s", 1.0),
    "ms": ("s", 1e-3),
    "us": ("s", 1e-6),
    "Hz": ("Hz", 1.0),
    "V": ("V", 1.0),
    "deg": ("deg", 1.0),
}
BOOL_WORDS = {"on": 1, "off": 0, "true": 1, "false": 0, "yes": 1, "no": 0}
_PERCENT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+))\s*%\s*$")
_PER_SECOND = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*deg/s\s*$")


class ParamValueError(ValueError):
    """A parameter name, value or file refused; the message names what and where."""


def row(name: str) -> dict[str, object]:
    """The table row of `name` (id, type, default, min, max, unit, description, choices)."""
    if name not in params.INDEX:
        close = difflib.get_close_matches(name, params.NAMES, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `mnsu param list` names all"
        raise ParamValueError(f"unknown parameter {name!r}{hint}")
    return parameters.param_info(name)


def parse_value(name: str, text: str | float | int) -> float:
    """`text` for parameter `name` -> the number in the table's unit (range not checked)."""
    info = row(name)
    if isinstance(text, bool):
        return float(text)
    if isinstance(text, int | float):
        return float(text)
    unit = str(info["unit"])
    choices = info["choices"]
    word = text.strip()
    if isinstance(choices, tuple) and word in choices:
        return float(choices.index(word))
    if info["type"] == "b" and word.lower() in BOOL_WORDS:
        return float(BOOL_WORDS[word.lower()])
    pct = _PERCENT.match(word)
    if pct and not unit:
        return float(pct.group(1)) / 100.0
    try:
        return parse_quantity(word, "")  # a bare number is in the table's unit
    except UnitError:
        pass
    per_second = _PER_SECOND.match(word)
    if unit == "deg/s" and per_second:
        return float(per_second.group(1))
    if unit in TABLE_UNITS:
        si, size = TABLE_UNITS[unit]
        try:
            return parse_quantity(word, si) / size
        except UnitError:
            pass
    raise ParamValueError(f"parameter {name}: {text!r} is not {_expected(info)}")


def _expected(info: dict[str, object]) -> str:
    unit = str(info["unit"])
    choices = info["choices"]
    if isinstance(choices, tuple):
        return f"one of {', '.join(choices)} (or 0..{len(choices) - 1})"
    if info["type"] == "b":
        return "on/off (1/0)"
    if not unit:
        return "a plain number (or a percentage, 60%)"
    if unit in TABLE_UNITS and TABLE_UNITS[unit][0] == "s":
        return f"a time: a number in {unit} or with a unit ('250ms', '0.25s')"
    return f"a number in {unit} (e.g. '{info['default']}{unit}')"


def format_value(name: str, value: float) -> str:
    """`value` of parameter `name` as shown to people: `250 Hz`, `cpg`, `True`."""
    return parameters.param(name).show(value)


def wire_value(name: str, value: float) -> float | int:
    """The value as the board stores it: whole numbers for int, bool and enum parameters."""
    return float(value) if row(name)["type"] == "f" else int(value)


def read_file(path: str | Path) -> dict[str, float]:
    """A parameter file -> {name: value in the table's unit}; ParamValueError names the key."""
    p = Path(path)
    try:
        text = p.read_text()
    except OSError as exc:
        raise ParamValueError(f"{p}: cannot read parameter file: {exc.strerror or exc}") from None
    except UnicodeError:
        raise ParamValueError(f"{p}: not a parameter file (not UTF-8 text)") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParamValueError(
            f"{p}: line {exc.lineno} column {exc.colno}: not JSON ({exc.msg})"
        ) from None
    if not isinstance(data, dict):
        raise ParamValueError(f"{p}: a parameter file is a JSON object {{name: value}}")
    out: dict[str, float] = {}
    for name, value in data.items():
        if name in params.VOLATILE:
            raise ParamValueError(f"{p}: {name}: not a stored parameter (it always boots idle)")
        try:
            if not isinstance(value, int | float | str) or isinstance(value, bool):
                raise ParamValueError(f"parameter {name}: {value!r} is not {_expected(row(name))}")
            v = parse_value(name, value)
        except ParamValueError as exc:
            raise ParamValueError(f"{p}: {exc}") from None
        if not math.isfinite(v):
            raise ParamValueError(f"{p}: parameter {name}: value must be finite, got {value!r}")
        out[name] = v
    return out


def file_text(values: dict[str, float]) -> str:
    """The text of a parameter file holding `values` (persistent ones, in table order)."""
    data = {n: wire_value(n, values[n]) for n in params.NAMES if n in values}
    for n in params.VOLATILE:
        data.pop(n, None)
    return json.dumps(data, indent=1) + "\n"


def defaults() -> dict[str, float]:
    return {n: float(v) for n, v in zip(params.NAMES, params.defaults(), strict=True)}


def diff(current: dict[str, float], reference: dict[str, float]) -> list[tuple[str, float, float]]:
    """(name, current, reference) for every parameter in both whose values differ.

    Floats are compared at float32 precision (the wire's), so 0.1 equals 0.1 read back.
    """
    out = []
    for name in params.NAMES:
        if name in current and name in reference and name not in params.VOLATILE:
            a, b = current[name], reference[name]
            if not math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9):
                out.append((name, a, b))
    return out

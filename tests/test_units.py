"""SI quantities in board files."""

from __future__ import annotations

import pytest

from mnsu.circuit.units import UnitError, parse_quantity


@pytest.mark.parametrize(
    ("text", "unit", "value"),
    [
        ("20 kohm", "ohm", 20e3),
        ("10 Mohm", "ohm", 10e6),
        ("1 uF", "F", 1e-6),
        ("400 uA", "A", 400e-6),
        ("400 \u00b5A", "A", 400e-6),
        ("30 ms", "s", 0.030),
        ("100 uS", "S", 100e-6),
        ("2 mV", "V", 2e-3),
        ("3.0 V", "V", 3.0),
        ("-450uA", "A", -450e-6),
        ("400e-6", "A", 400e-6),  # YAML reads this as a string
        ("1.5e3 ohm", "ohm", 1.5e3),
        (".5 s", "s", 0.5),
        (0.5, "s", 0.5),
        (3, "V", 3.0),
        ("-35 deg", "deg", -35.0),
        ("0.1 m", "m", 0.1),
        ("0.5", "", 0.5),
    ],
)
def test_parses(text: object, unit: str, value: float) -> None:
    assert parse_quantity(text, unit) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "unit", "fragment"),
    [
        ("3 A", "V", "a value in A"),
        ("30 mS", "s", "a value in S"),  # milli-siemens is not milliseconds
        ("20 kfoo", "ohm", "unknown unit 'kfoo'"),
        ("abc", "V", "expected a number in volts"),
        (True, "V", "boolean"),
        ("nan", "V", "expected a number"),
        (float("inf"), "A", "finite"),
        ([1, 2], "A", "list"),
        ("1 uF", "", "a value in F"),
    ],
)
def test_rejects_with_clear_message(text: object, unit: str, fragment: str) -> None:
    with pytest.raises(UnitError, match=fragment):
        parse_quantity(text, unit)

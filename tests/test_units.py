"""SI quantities in board files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mnsu.circuit.board import BoardError, load_board
from mnsu.circuit.plausibility import plausibility_warnings
from mnsu.circuit.units import UnitError, parse_quantity
from mnsu.cli import main


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


@pytest.mark.parametrize(
    ("text", "unit", "value"),
    [
        ("20k", "ohm", 20e3),
        ("20K", "ohm", 20e3),  # SPICE scale factors are case-insensitive
        ("1u", "F", 1e-6),
        ("1U", "F", 1e-6),
        ("4.7n", "F", 4.7e-9),
        ("10Meg", "ohm", 10e6),
        ("10MEG", "ohm", 10e6),
        ("10meg", "ohm", 10e6),
        ("10Megohm", "ohm", 10e6),
        ("10 mohm", "ohm", 10e-3),  # SI milli
        ("10m", "ohm", 10e-3),  # SPICE milli
        ("2.2p", "F", 2.2e-12),
        ("100f", "F", 100e-15),  # femto: lower-case f is no unit
        ("1 F", "F", 1.0),  # an exact unit wins: one farad
        ("1G", "ohm", 1e9),
        ("1T", "ohm", 1e12),
        ("30m", "s", 30e-3),
        ("400u", "A", 400e-6),
        ("400uA", "A", 400e-6),
        ("1 m", "m", 1.0),  # a length: metres, not milli
        ("500m", "", 0.5),
    ],
)
def test_spice_values(text: str, unit: str, value: float) -> None:
    assert parse_quantity(text, unit) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("text", ["10M", "10 M", "4.7Mx"])
def test_a_bare_capital_m_is_ambiguous(text: str) -> None:
    with pytest.raises(UnitError, match="write 'Meg' or 'Mohm'"):
        parse_quantity(text, "ohm")


def test_a_board_reads_spice_values(tmp_path: Path) -> None:
    path = tmp_path / "spice.yaml"
    path.write_text(
        "name: spice\nneurons:\n  U: {C: 1u, R_leak: 20k, V_th: 3, V_on: 800m, R_on: 1k,"
        " I_hold: 1m, R_off: 10Meg, I_bias: 300u}\n"
    )
    unit = load_board(path).neurons[0]
    assert (unit.C, unit.R_leak, unit.R_off, unit.I_bias) == pytest.approx(
        (1e-6, 20e3, 10e6, 300e-6), rel=1e-12
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(path.read_text().replace("10Meg", "10M"))
    with pytest.raises(BoardError, match=r"neurons.U.R_off.*ambiguous 'M'"):
        load_board(bad)


def test_a_milliohm_r_off_warns_on_stderr_and_in_the_json(
    examples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["simulate", str(examples / "lif.yaml"), "--duration", "1", "--json"]
    assert main([*argv, "--set", "neurons.U.R_off=10 mohm"]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    lines = [w for w in result["warnings"] if "neurons.U.R_off" in w and "not above R_on" in w]
    assert len(lines) == 1 and lines[0].startswith(f"{examples / 'lif.yaml'}: ")
    assert f"mnsu simulate: warning: {lines[0]}" in captured.err.splitlines()
    assert result["neurons"]["U"]["regime"] == "silent"  # the shorted membrane never fires
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["warnings"] == []


def test_every_example_board_is_plausible(examples: Path) -> None:
    for path in sorted(examples.glob("*.yaml")):
        assert plausibility_warnings(load_board(path)) == [], path


@pytest.mark.parametrize(
    ("override", "path"),
    [
        ("neurons.U.C=0.1p", "neurons.U.C"),
        ("neurons.U.C=2", "neurons.U.C"),
        ("neurons.U.R_on=30k neurons.U.I_hold=1u", "neurons.U.R_on"),
        ("neurons.U.R_leak=0.5", "neurons.U.R_leak"),
        ("neurons.U.I_bias=2", "neurons.U.I_bias"),
    ],
)
def test_implausible_values_are_named(examples: Path, override: str, path: str) -> None:
    warnings = plausibility_warnings(load_board(examples / "lif.yaml", override.split()))
    assert any(f": {path}: " in w for w in warnings), warnings

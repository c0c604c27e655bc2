"""The two-transistor thyristor against its design: ngspice measures where the device designed
from a board's V_th and I_hold really triggers and lets go (the closed-form design is the
claim, ngspice the reference)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mnsu.circuit.board import load_board
from mnsu.cli import main
from mnsu.spice import device_table, scr

LIF = Path(__file__).resolve().parents[2] / "examples" / "lif.yaml"


def test_designed_device_triggers_and_holds_where_the_board_says() -> None:
    spec = load_board(LIF).neurons[0]
    device = device_table.device_sweep(spec, scr.design(spec))
    assert device.V_th == pytest.approx(spec.V_th, rel=0.02)
    assert device.I_hold == pytest.approx(spec.I_hold, rel=0.1)
    assert device.R_on == pytest.approx(spec.R_on, rel=0.02)  # the cathode resistor
    assert 0.5 < device.V_on < 0.9  # a thyristor's forward drop
    # the price of a two-terminal device with a gate shunt: it leaks most of I_hold before
    # it triggers, so the P0 unit's rheobase rises from 150 uA to ~1 mA
    assert device.I_pre > 0.5 * spec.I_hold


def test_spice_device_prints_the_table(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["spice-device", str(LIF), "--duration", "0.15"]) == 0
    out = capsys.readouterr().out
    assert "| trigger voltage V_th (V) | 3 |" in out
    assert out.count("\n| ") >= 7 + 5
    assert main(["spice-device", str(LIF), "--neuron", "X"]) == 2
    assert "--neuron 'X'" in capsys.readouterr().err

"""Device options of M (turn-on delay, minimum OFF time) and synaptic delays."""

from __future__ import annotations

from pathlib import Path

import pytest

from mnsu.circuit.board import load_board, parse_board
from mnsu.circuit.emulator import Emulator
from p0 import P0


def lif(examples: Path, *overrides: str) -> Emulator:
    emu = Emulator(load_board(examples / "lif.yaml", list(overrides)))
    emu.advance(0.2)
    return emu


def test_turn_on_delay_postpones_the_switch(examples: Path) -> None:
    plain = lif(examples)
    delayed = lif(examples, "neurons.U.turn_on_delay=50e-6")
    # the first crossing starts from rest in both runs: only the delay separates them
    assert delayed.spikes[0][0] == pytest.approx(plain.spikes[0][0] + 50e-6, abs=1e-9)
    # V keeps charging during the delay, so the spike starts higher and lasts longer
    width_plain = plain.spike_ends[0][0] - plain.spikes[0][0]
    width_delayed = delayed.spike_ends[0][0] - delayed.spikes[0][0]
    assert width_delayed > width_plain


def test_minimum_off_time_sets_the_interval(examples: Path) -> None:
    emu = lif(examples, "neurons.U.I_bias=500e-6", "neurons.U.min_off_time=5e-3")
    offs = [on - end for end, on in zip(emu.spike_ends[0], emu.spikes[0][1:], strict=False)]
    assert len(offs) > 20
    # at 500 uA the membrane reaches V_th in ~3.3 ms, so the device waits out the full 5 ms
    assert min(offs) == pytest.approx(5e-3, abs=1e-9)
    assert max(offs) == pytest.approx(5e-3, abs=1e-9)


def test_synaptic_delay_shifts_arrivals(examples: Path) -> None:
    raw = {
        "defaults": {**P0, "R_off": "10 Mohm"},
        "neurons": {"A": {"I_bias": "300 uA"}, "B": {"I_bias": "0 A"}},
        "synapses": [{"pre": "A", "post": "B", "W": "50 uA", "tau": "30 ms", "delay": "2 ms"}],
    }
    emu = Emulator(parse_board(raw, "delay-test"), record=True)
    emu.advance(0.1)
    arrivals = [t for t, _ in emu.synapses[0].jumps]
    expected = [t + 2e-3 for t in emu.spikes[0] if t + 2e-3 <= 0.1]
    assert len(arrivals) == len(expected) > 10
    assert max(abs(a - b) for a, b in zip(arrivals, expected, strict=True)) < 1e-12

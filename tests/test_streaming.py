"""Streaming API: lockstep advance, ADC codes, drive and touch-down inputs, determinism."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from mnsu.circuit.adc import adc_code
from mnsu.circuit.board import load_board
from mnsu.circuit.emulator import Emulator
from mnsu.circuit.traces import adc_trace, membrane_and_on, sample_times


def test_ticks_of_half_a_millisecond_give_the_same_spikes(examples: Path) -> None:
    board = load_board(examples / "leg.yaml")
    whole = Emulator(board)
    whole.advance(3.0)
    ticked = Emulator(board)
    for _ in range(6000):
        ticked.advance(0.0005)
    assert ticked.t == pytest.approx(3.0)
    for a, b in zip(whole.spikes, ticked.spikes, strict=True):
        assert len(a) == len(b) > 20
        assert max(abs(x - y) for x, y in zip(a, b, strict=True)) < 1e-9


def test_adc_reads_what_the_front_end_makes_of_the_node(examples: Path) -> None:
    board = load_board(examples / "leg.yaml", ["probes.0.noise=0", "probes.1.noise=0"])
    emu = Emulator(board)
    seen_high = 0
    for _ in range(4000):
        emu.advance(0.0005)
        for ch in (0, 1):
            probe = emu.probes[ch]
            volts = emu.readout(emu.names.index(probe.neuron))
            code = emu.read_adc(ch)
            assert code == min(max(math.floor(volts / 3.3 * 4096), 0), 4095)
            seen_high += code > 2000
    assert seen_high > 0  # spikes of ~2.2 V (code ~2730) were sampled


def test_adc_code_saturates_and_scales() -> None:
    board = load_board(Path(__file__).parent.parent / "examples" / "lif.yaml")
    probe = board.probes[1]  # membrane, gain 0.5, 12 bits, 3.3 V
    assert adc_code(probe, 3.0) == math.floor(1.5 / 3.3 * 4096)
    assert adc_code(probe, -1.0) == 0
    assert adc_code(probe, 100.0) == 4095


def test_noise_is_seeded(examples: Path) -> None:
    def codes(seed: int) -> list[int]:
        emu = Emulator(load_board(examples / "leg.yaml"), seed=seed)
        out = []
        for _ in range(400):
            emu.advance(0.0005)
            out.append(emu.read_adc(1))  # the extensor is silent for its first 0.5 s
        return out

    assert codes(3) == codes(3)
    assert codes(3) != codes(4)
    # At rest the readout is ~0.3 mV (code 0); 2 mV rms noise on a 0.8 mV LSB, clipped at
    # code 0, gives a half-normal of mean 2.5 LSB * 0.4 = 1.0 code.
    resting = codes(3)[:400]
    assert 0.5 < float(np.mean(resting)) < 1.6


def test_drive_sets_the_rhythm(examples: Path) -> None:
    board = load_board(examples / "leg.yaml")

    def period(level: float) -> float:
        emu = Emulator(board)
        emu.set_drive(level)
        emu.advance(12.0)
        onsets = [t for k, t in enumerate(emu.spikes[0]) if k and t - emu.spikes[0][k - 1] > 0.1]
        onsets = [t for t in onsets if t > 2.0]
        return float(np.mean(np.diff(onsets)))

    assert period(0.2) == pytest.approx(0.490, rel=0.05)  # 360 uA
    assert period(0.6) == pytest.approx(0.830, rel=0.03)  # 400 uA
    assert period(0.8) == pytest.approx(1.400, rel=0.05)  # 420 uA
    emu = Emulator(board)
    assert emu.drive_level() == pytest.approx(0.6)
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="drive level must be in 0..1"):
            emu.set_drive(bad)


def test_touchdown_pulse_injects_current_into_the_extensor(examples: Path) -> None:
    board = load_board(examples / "leg.yaml")
    base = Emulator(board, record=True)
    kicked = Emulator(board, record=True)
    for emu in (base, kicked):
        emu.advance(2.0)
    kicked.touchdown()
    assert kicked.current[1] == pytest.approx(base.current[1] + 300e-6)
    for emu in (base, kicked):
        emu.advance(0.019)
    assert kicked.current[1] == pytest.approx(base.current[1] + 300e-6)
    for emu in (base, kicked):
        emu.advance(0.002)
    assert kicked.current[1] == pytest.approx(base.current[1])  # 20 ms later it is off
    kicked.set_touchdown_level(0.5)
    assert kicked.current[1] == pytest.approx(base.current[1] + 150e-6)
    with pytest.raises(KeyError, match="no drive input named 'x'"):
        kicked.set_drive(0.5, name="x")


def test_step_and_pulse_inputs_follow_the_board(examples: Path) -> None:
    emu = Emulator(load_board(examples / "autapse_memory.yaml"), record=True)
    emu.advance(0.49)
    assert emu.current[0] == pytest.approx(120e-6)
    emu.advance(0.02)
    assert emu.current[0] == pytest.approx(320e-6)
    emu.advance(1.6)
    assert emu.current[0] == pytest.approx(120e-6)


def test_traces_match_pointwise_reads(examples: Path) -> None:
    board = load_board(examples / "hco.yaml")
    rec = Emulator(board, record=True)
    rec.advance(1.0)
    times = sample_times(1.0, 1000.0)
    volts, _ = membrane_and_on(rec, 0, times)
    live = Emulator(board)
    for k, t in enumerate(times[1:200], start=1):
        live.advance_to(float(t))
        assert live.voltage(0) == pytest.approx(volts[k], abs=1e-9)
    codes = adc_trace(rec, 0, times)
    assert codes.max() > 2500  # readout pulses of ~2.2 V seen by the ADC


def test_determinism_and_bad_dt(examples: Path) -> None:
    board = load_board(examples / "hco.yaml")
    a, b = Emulator(board), Emulator(board)
    a.advance(2.0)
    b.advance(2.0)
    assert a.spikes == b.spikes
    with pytest.raises(ValueError, match="dt must be >= 0"):
        a.advance(-1.0)
    with pytest.raises(ValueError, match="dt must be >= 0"):
        a.advance(float("nan"))
    with pytest.raises(KeyError, match="no probe on ADC channel 7"):
        a.read_adc(7)


def test_injection_sets_a_current_and_rejects_bad_targets(examples: Path) -> None:
    emu = Emulator(load_board(examples / "lif.yaml", ["neurons.U.I_bias=0"]))
    emu.inject("U", 300e-6)
    emu.advance(1.0)
    rate = (len(emu.spikes[0]) - 1) / (emu.spikes[0][-1] - emu.spikes[0][0])
    assert rate == pytest.approx(130.77, rel=0.005)  # as with a 300 uA bias
    emu.inject(0, 0.0)
    count = len(emu.spikes[0])
    emu.advance(0.5)
    assert len(emu.spikes[0]) <= count + 1  # injection off: silent again
    with pytest.raises(KeyError, match="no neuron 'Q'; the board has U"):
        emu.inject("Q", 1e-6)
    with pytest.raises(IndexError, match="no neuron number 3"):
        emu.inject(3, 1e-6)
    with pytest.raises(ValueError, match="injected current must be finite"):
        emu.inject("U", float("nan"))

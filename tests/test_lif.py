"""One P0 unit against the closed forms of the piecewise-linear unit (README equations)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from mnsu.circuit.board import load_board
from mnsu.circuit.device import Device, iv_sweep
from mnsu.circuit.emulator import Emulator

C, R_L, V_TH, V_ON, R_ON, I_H, R_OFF = 1e-6, 20e3, 3.0, 0.8, 1e3, 1e-3, 10e6
V_OFF = V_ON + I_H * R_ON


def closed_form_rate(current: float) -> float:
    """f = 1/(t_off + t_on) for the piecewise-linear unit without adaptation."""
    r = R_L * R_OFF / (R_L + R_OFF)
    t_off = r * C * math.log((current * r - V_OFF) / (current * r - V_TH))
    r_p = R_L * R_ON / (R_L + R_ON)
    v_inf = (current + V_ON / R_ON) * r_p
    t_on = C * r_p * math.log((V_TH - v_inf) / (V_OFF - v_inf))
    return 1.0 / (t_off + t_on)


def run_unit(examples: Path, current: float, duration: float = 4.0) -> Emulator:
    board = load_board(examples / "lif.yaml", [f"neurons.U.I_bias={current!r}"])
    emu = Emulator(board, record=True)
    emu.advance(duration)
    return emu


def steady_rate(spikes: list[float], after: float = 1.0) -> float:
    late = [t for t in spikes if t > after]
    return (len(late) - 1) / (late[-1] - late[0])


@pytest.mark.parametrize(
    ("current", "reference_hz"),
    [(155e-6, 18.80), (200e-6, 60.01), (300e-6, 130.77), (500e-6, 235.02), (800e-6, 297.4)],
)
def test_f_i_curve_matches_closed_form(examples: Path, current: float, reference_hz: float) -> None:
    emu = run_unit(examples, current)
    rate = steady_rate(emu.spikes[0])
    assert rate == pytest.approx(closed_form_rate(current), rel=0.005)
    # the numbers printed in the reference, too
    assert rate == pytest.approx(reference_hz, rel=0.005)


def test_rheobase_matches_closed_form() -> None:
    r = R_L * R_OFF / (R_L + R_OFF)
    assert V_TH / r == pytest.approx(150.3e-6, rel=1e-3)


def test_silent_below_rheobase(examples: Path) -> None:
    emu = run_unit(examples, 149e-6, duration=5.0)
    assert emu.spikes[0] == []
    # the membrane settles at I*R, below threshold
    r = R_L * R_OFF / (R_L + R_OFF)
    assert emu.voltage(0) == pytest.approx(149e-6 * r, rel=1e-6)


def test_latch_up_stops_firing(examples: Path) -> None:
    emu = run_unit(examples, 1.1e-3, duration=2.0)
    assert len(emu.spikes[0]) == 1  # one switch-on, then M stays ON
    assert emu.spike_ends[0] == []
    assert emu.readout(0) > 0.5


def test_spike_shape_at_300_ua(examples: Path) -> None:
    emu = run_unit(examples, 300e-6, duration=0.5)
    widths = [end - on for on, end in zip(emu.spikes[0], emu.spike_ends[0], strict=False)]
    assert sum(widths[5:]) / len(widths[5:]) == pytest.approx(0.91e-3, rel=0.01)
    # peak readout: the current at switch-on times R_on; reset voltage V_off
    t_on = emu.spikes[0][10]
    t_off = emu.spike_ends[0][10]
    probe_emu = run_unit(examples, 300e-6, duration=t_on + 1e-9)
    assert probe_emu.readout(0) == pytest.approx(2.2, rel=0.01)
    reset_emu = run_unit(examples, 300e-6, duration=t_off + 1e-9)
    assert reset_emu.voltage(0) == pytest.approx(1.8, rel=0.01)
    assert reset_emu.readout(0) < 1e-3  # OFF again: only the R_off leak


def test_device_hysteresis_loop() -> None:
    device = Device(V_TH, V_ON, R_ON, I_H, R_OFF)
    up = [i * 0.01 for i in range(401)]
    down = up[::-1]
    sweep = iv_sweep(device, up + down)
    rising, falling = sweep[:401], sweep[401:]
    on_at = next(v for v, _, on in rising if on)
    off_at = next(v for v, _, on in falling if not on)
    assert on_at == pytest.approx(V_TH, abs=0.011)
    assert off_at == pytest.approx(V_OFF, abs=0.011)
    # inside the loop (V_off < V < V_th) the two branches carry different currents
    i_up = dict((round(v, 2), i) for v, i, _ in rising)
    i_down = dict((round(v, 2), i) for v, i, _ in falling)
    assert i_up[2.5] == pytest.approx(2.5 / R_OFF)
    assert i_down[2.5] == pytest.approx((2.5 - V_ON) / R_ON)
    assert i_down[2.5] / i_up[2.5] > 1e3

"""The published two-stage synapse (model: rall) against PRA25 and closed forms.

J. Wu et al., Phys. Rev. Applied 23, 034030 (2025), Eqs. 11-16, Figs. 4-6, Table III;
examples/synapse.yaml. References: the closed-form response of two leaky stages to a
rectangular pulse, charge conservation, and the independent RK4 integrator (tests/fine_step.py).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from fine_step import simulate_fine
from mnsu.circuit.board import BoardError, load_board
from mnsu.circuit.emulator import Emulator
from mnsu.circuit.traces import sample_times, synapse_current


def two_stage_step(t: np.ndarray, tau: float) -> np.ndarray:
    """Is2 per ampere of a current step into stage 1 at t = 0 (two equal stages)."""
    u = np.maximum(t, 0.0) / tau
    out: np.ndarray = 1.0 - np.exp(-u) * (1.0 + u)
    return out


def test_one_spike_gives_q_n_80_nc_as_fig4(examples: Path) -> None:
    board = load_board(examples / "synapse.yaml")
    emu = Emulator(board, record=True)
    emu.advance(0.08)
    start, end = emu.pulse_times[0][0]
    i_delta = board.synapses[0].I_delta
    tau = board.synapses[0].tau
    assert i_delta == pytest.approx(4.0 / 10e3)  # V_plus/R_W
    assert tau == pytest.approx(82e3 * 22e-9)  # 1.8 ms
    q_pulse = i_delta * (end - start)
    t = sample_times(0.08, 2e5)
    window = (t >= start) & (t < emu.spikes[0][1])
    current = synapse_current(emu, 0, t)
    q_out = np.trapezoid(current[window], t[window])
    print(f"pulse {(end - start) * 1e6:.1f} us x {i_delta * 1e6:.0f} uA = {q_pulse * 1e9:.1f} nC")
    print(f"charge of Is2 over one spike: {q_out * 1e9:.2f} nC (Fig. 4: ~80 nC nominal)")
    assert q_out == pytest.approx(q_pulse, rel=1e-3)  # both stages keep the charge
    assert q_pulse == pytest.approx(80e-9, rel=0.10)
    # the whole alpha-shaped current: the closed form of two stages driven by the pulse
    expected = i_delta * (two_stage_step(t - start, tau) - two_stage_step(t - end, tau))
    worst = float(np.max(np.abs(current[window] - expected[window])))
    print(f"largest deviation from the closed form: {worst * 1e12:.3f} pA of {current.max():.3g} A")
    assert worst < 1e-6 * float(current.max())


@pytest.mark.parametrize("current", [55e-6, 75e-6, 97e-6])
def test_rate_coding_is_linear_q_n_times_f(examples: Path, current: float) -> None:
    # Fig. 5(b, c) synapse (R_W 10 kOhm, Cs 1 uF, Rs 100 kOhm: tau_s 100 ms >> ISI)
    board = load_board(
        examples / "synapse.yaml",
        [f"neurons.PRE.I0={current}", "synapses.0.Cs=1e-6", "synapses.0.Rs=1e5"],
    )
    emu = Emulator(board, record=True)
    emu.advance(1.5)
    spikes = [s for s in emu.spikes[0] if s >= 1.0]
    f = (len(spikes) - 1) / (spikes[-1] - spikes[0])
    start, end = emu.pulse_times[0][-1]
    q_n = board.synapses[0].I_delta * (end - start)
    t = np.linspace(spikes[0], spikes[-1], 200001)
    mean = float(np.trapezoid(synapse_current(emu, 0, t), t)) / (t[-1] - t[0])
    print(f"{current * 1e6:.0f} uA: f {f:.1f} Hz, Q_N {q_n * 1e9:.1f} nC, <Is> {mean * 1e6:.3f} uA")
    assert mean == pytest.approx(q_n * f, rel=2e-3)  # Eq. 14 (residual ripple: tau_s >> ISI)


def rk4_board(examples: Path, sign: str, stages: int) -> list[str]:
    return [
        "neurons.PRE.I0=65e-6",
        f"neurons.POST.I0={40e-6 if sign == 'excitatory' else 60e-6}",
        "synapses.0.Cs=1e-7",
        "synapses.0.Rs=1e5",
        f"synapses.0.sign={sign}",
        f"synapses.0.stages={stages}",
    ]


@pytest.mark.parametrize("sign, stages", [("excitatory", 2), ("inhibitory", 2), ("excitatory", 1)])
def test_rall_synapse_exact_against_rk4(examples: Path, sign: str, stages: int) -> None:
    board = load_board(examples / "synapse.yaml", rk4_board(examples, sign, stages))
    duration = 0.1
    emu = Emulator(board)
    emu.advance(duration)
    reference = simulate_fine(board, duration, dt=5e-6)
    for ours, theirs in zip(emu.spikes, reference, strict=True):
        assert len(ours) == len(theirs)
    post_alone = Emulator(load_board(examples / "synapse.yaml", ["neurons.POST.I0=60e-6"]))
    post_alone.advance(duration)
    if sign == "excitatory":
        assert len(emu.spikes[1]) >= 5  # 40 uA alone is below I_min: the synapse drives it
    else:
        assert len(emu.spikes[1]) < len(post_alone.spikes[1]) - 5  # inhibited
    worst = max(
        abs(a - b)
        for ours, theirs in zip(emu.spikes, reference, strict=True)
        for a, b in zip(ours, theirs, strict=True)
    )
    print(f"{sign}, {stages} stage(s): largest spike-time difference vs RK4 {worst * 1e9:.3g} ns")
    assert worst < 1e-6


def test_rall_keys_are_checked(examples: Path) -> None:
    with pytest.raises(BoardError, match=r"synapses\[0\]\.W: unknown key"):
        load_board(examples / "synapse.yaml", ["synapses.0.W=1e-4"])
    with pytest.raises(BoardError, match=r"synapses\[0\]\.sign: expected one of"):
        load_board(examples / "synapse.yaml", ["synapses.0.sign=both"])
    with pytest.raises(BoardError, match=r"synapses\[0\]\.stages: expected a whole number 1..2"):
        load_board(examples / "synapse.yaml", ["synapses.0.stages=3"])
    with pytest.raises(BoardError, match=r"synapses\[0\]\.R_W: expected a number in ohms"):
        load_board(examples / "synapse.yaml", ["synapses.0.R_W=null"])


def test_alpha_peak_is_q_over_e_tau(examples: Path) -> None:
    board = load_board(examples / "synapse.yaml")
    emu = Emulator(board, record=True)
    emu.advance(0.04)
    start, end = emu.pulse_times[0][0]
    t = sample_times(0.04, 1e6)
    peak = float(synapse_current(emu, 0, t).max())
    q = board.synapses[0].I_delta * (end - start)
    tau = board.synapses[0].tau
    print(f"Is2 peak {peak * 1e6:.2f} uA, Q_N/(e tau_s) {q / (math.e * tau) * 1e6:.2f} uA")
    assert peak == pytest.approx(q / (math.e * tau), rel=0.01)  # delta limit: width << tau

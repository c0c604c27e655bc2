"""The bursting neuron (MSBN) of NCE23 with the ideal device: which published points it
reproduces, with numbers (examples/msbn.yaml, docs/bursting.md).

J. Wu et al., Neuromorph. Comput. Eng. 3, 044008 (2023), Figs. 3, 5, 6: TS at (72.2 uA,
Rs 47 Ohm), FS at (46.7 uA, 2.4 kOhm), IB2 at (75.1 uA, 2.4 kOhm), IB1 at (38.7 uA, 3 kOhm),
all at Cs = 0.1 uF; the TS boundary at tau_S* ~ 0.2 ms independent of the input.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fine_step import simulate_fine
from mnsu.analysis.regimes import Regime, classify
from mnsu.circuit.board import load_board
from mnsu.circuit.emulator import Emulator

DURATION = 1.5
TRANSIENT = 0.5


def regime(examples: Path, current: float, r_s: float, *extra: str) -> Regime:
    board = load_board(
        examples / "msbn.yaml", [f"neurons.B.I0={current}", f"neurons.B.Rs={r_s}", *extra]
    )
    emu = Emulator(board)
    emu.advance(DURATION)
    on = emu.segments[0].on
    return classify(emu.spikes[0], emu.spike_ends[0], DURATION, TRANSIENT, on)


def test_tonic_and_fast_spiking_at_the_published_points(examples: Path) -> None:
    ts = regime(examples, 72.2e-6, 47.0)
    fs = regime(examples, 46.7e-6, 2.4e3)
    print(f"TS point: {ts.regime} {ts.rate_hz:.1f} Hz; FS point: {fs.regime} {fs.rate_hz:.0f} Hz")
    assert ts.regime == "tonic"
    assert fs.regime == "fast"


@pytest.mark.parametrize("current", [50e-6, 72.2e-6, 100e-6])
def test_ts_boundary_near_0_2_ms_at_every_current(examples: Path, current: float) -> None:
    # tonic at tau_S = 0.2 ms (Rs 2.0 kOhm), fast at 0.24 ms (2.4 kOhm): the boundary lies
    # between, at every current (published: tau_S* ~ 0.2 ms, independent of I_in)
    below = regime(examples, current, 2.0e3)
    above = regime(examples, current, 2.4e3)
    print(f"{current * 1e6:.1f} uA: 0.20 ms {below.regime}, 0.24 ms {above.regime}")
    assert below.regime == "tonic" and above.regime == "fast"


def test_ideal_device_does_not_burst_at_the_ib_points(examples: Path) -> None:
    # Regression pin of a documented limitation (docs/bursting.md): an ideal switch in this
    # topology fires fast where NCE23 measured intrinsic bursts.
    ib1 = regime(examples, 38.7e-6, 3.0e3)
    ib2 = regime(examples, 75.1e-6, 2.4e3)
    print(f"IB1 point: {ib1.regime} {ib1.rate_hz:.0f} Hz")
    print(f"IB2 point: {ib2.regime} {ib2.rate_hz:.0f} Hz")
    assert ib1.regime == "fast" and ib2.regime == "fast"
    path = [regime(examples, i, 2.5e3).regime for i in (26.0e-6, 36.4e-6, 40.8e-6, 52.6e-6)]
    print(f"Fig. 6b path (Rs 2.5 kOhm, 26.0 -> 52.6 uA): {path}")
    assert path == ["silent", "fast", "fast", "fast"]  # published: silent, IB1.., FS


def test_retrigger_hypothesis_bursts_at_the_ib1_point(examples: Path) -> None:
    # The hypothesis with its own keys: for retrigger_window after turn-off the thyristor
    # re-triggers at V_retrigger (stored charge). 300 us (a plausible SCR recovery time) at
    # 0.80 V gives IB1 at its point and keeps TS; it does not give IB2 (docs/bursting.md).
    keys = ("neurons.B.retrigger_window=300e-6", "neurons.B.V_retrigger=0.80")
    ib1 = regime(examples, 38.7e-6, 3.0e3, *keys)
    ts = regime(examples, 72.2e-6, 47.0, *keys)
    ib2 = regime(examples, 75.1e-6, 2.4e3, *keys)
    print(f"with the window: IB1 point {ib1.regime} ({ib1.spikes_per_burst} spikes/burst)")
    print(f"TS point {ts.regime}, IB2 point {ib2.regime}")
    assert ib1.regime == "burst-long" and ts.regime == "tonic"
    assert ib2.regime == "fast"


def test_series_soma_exact_against_rk4(examples: Path) -> None:
    # the FS point, started near threshold, with Rm_lo 300 Ohm so that the ON phase
    # (Rm_lo*Cs = 30 us instead of 2.6 us) suits a fixed RK4 step of 1 us
    board = load_board(examples / "msbn.yaml", ["neurons.B.V0=0.99", "neurons.B.Rm_lo=300"])
    duration = 0.03
    emu = Emulator(board)
    emu.advance(duration)
    reference = simulate_fine(board, duration, dt=1e-6)
    ours, theirs = emu.spikes[0], reference[0]
    assert len(ours) == len(theirs) >= 15
    worst = max(abs(a - b) for a, b in zip(ours, theirs, strict=True))
    print(f"series soma: largest spike-time difference vs RK4 {worst * 1e9:.3g} ns")
    assert worst < 1e-6


def drain_curve(examples: Path, r_s: float, volts: list[float]) -> list[float]:
    """Mean current (A) the fast subsystem (M and the soma Rs || Cs) draws from a dendrite
    frozen at each voltage: Cm = 1 F, so 50 ms of firing moves it by microvolts."""
    out = []
    for v in volts:
        board = load_board(
            examples / "msbn.yaml",
            ["neurons.B.Cm=1", f"neurons.B.V0={v}", "neurons.B.I0=0", f"neurons.B.Rs={r_s}"],
        )
        emu = Emulator(board)
        emu.advance(0.05)
        out.append((v - emu.voltage(0)) * 1.0 / 0.05)
    return out


@pytest.mark.parametrize(("r_s", "i_ib"), [(3.0e3, 38.7e-6), (2.4e3, 75.1e-6)])
def test_why_the_ideal_device_cannot_burst(examples: Path, r_s: float, i_ib: float) -> None:
    # Why no intrinsic bursts (docs/circuits.md): with the dendrite V frozen, the fast
    # subsystem draws a current I_drain(V) that rises monotonically: the OFF leak up to
    # V* = V_th (Rm_hi + Rs)/Rm_hi, where FS starts; FS up to V_latch = V_T + I_hold (Rs +
    # Rm_lo), where M stays ON. A constant I_in meets a monotonic curve at one V, so the slow
    # dendrite has one equilibrium and no fold to relax around: it settles (FS near V*), or,
    # in the gap at V_latch, flips between FS and latched within ~1 mV (no hysteresis).
    board = load_board(examples / "msbn.yaml", [f"neurons.B.Rs={r_s}"])
    spec = board.neurons[0]
    r_m_hi = spec.R_off  # Ra = 0 with a series soma: R_off = Rm_hi
    v_star = spec.V_th * (r_m_hi + r_s) / r_m_hi
    v_latch = spec.V_on + spec.I_hold * (r_s + spec.R_on)
    volts = [v_star - 1e-3 + 1e-3 * k for k in range(int((v_latch - v_star) / 1e-3) + 4)]
    drain = drain_curve(examples, r_s, volts)
    steps = [b - a for a, b in zip(drain, drain[1:], strict=False)]
    print(
        f"Rs {r_s:g}: V* {v_star:.4f} V, V_latch {v_latch:.4f} V; drain (uA) "
        + " ".join(f"{d * 1e6:.1f}" for d in drain)
    )
    assert all(s > 0 for s in steps)  # monotonic: one equilibrium for every I_in
    # the two steep places are the closed-form voltages (within the 1 mV grid)
    onset = max(range(len(steps) // 2), key=lambda k: steps[k])
    latch = max(range(len(steps)), key=lambda k: steps[k])
    assert volts[onset] <= v_star <= volts[onset + 1]
    assert volts[latch] <= v_latch <= volts[latch + 1]
    assert drain[latch + 1] == pytest.approx(spec.I_hold, rel=0.02)  # latched at I_hold
    # where the published IB points fall on it
    if i_ib < 50e-6:  # IB1: on the steep FS onset, a stable equilibrium just above V*
        assert drain[onset] < i_ib < drain[onset + 1]
    else:  # IB2: in the gap between the FS branch and the latched branch
        assert drain[latch] < i_ib < drain[latch + 1]

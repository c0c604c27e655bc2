"""The published unit (model: alif) against the papers' numbers and the RK4 reference.

MSN: J. Wu et al., Neuromorph. Comput. Eng. 3, 044008 (2023), Fig. 2 (examples/msn.yaml).
aLIF: J. Wu et al., Phys. Rev. Applied 23, 034030 (2025), Fig. 6(a), Table III (alif.yaml).
Values stated in the text are checked within their stated precision (I_min 32.3 uA: +-0.05
uA); values read from a figure within the reading's precision (said at each check).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fine_step import simulate_fine
from mnsu.circuit.board import Board, BoardError, load_board
from mnsu.circuit.emulator import Emulator


def run(board: Board, current: float, duration: float) -> Emulator:
    emu = Emulator(board)
    emu.inject(0, current - board.neurons[0].I_bias)
    emu.advance(duration)
    return emu


def rate(emu: Emulator, transient: float) -> float:
    spikes = [t for t in emu.spikes[0] if t >= transient]
    return (len(spikes) - 1) / (spikes[-1] - spikes[0]) if len(spikes) > 1 else 0.0


def test_msn_board_maps_onto_the_exact_model(examples: Path) -> None:
    unit = load_board(examples / "msn.yaml").neurons[0]
    assert unit.R_leak == float("inf")  # Rm[hi] is the only leak (Eq. 7)
    assert unit.R_off == pytest.approx(28.44e3 + 47.0)
    assert unit.R_on == pytest.approx(26.0 + 47.0)
    assert unit.R_read == 47.0  # the spike is read on Rload


def test_msn_fires_above_i_min_32_3_ua(examples: Path) -> None:
    board = load_board(examples / "msn.yaml")
    assert run(board, 32.25e-6, 6.0).spikes[0] == []
    assert len(run(board, 32.35e-6, 6.0).spikes[0]) >= 2


def test_msn_latches_above_i_max_127_9_ua(examples: Path) -> None:
    board = load_board(examples / "msn.yaml")
    below = run(board, 127.85e-6, 1.0)
    assert len(below.spikes[0]) > 20 and not below.segments[0].on
    above = run(board, 127.95e-6, 1.0)
    assert len(above.spikes[0]) == 1 and above.segments[0].on  # latched ("depolarised")


def test_msn_rate_and_spike_as_in_fig2(examples: Path) -> None:
    # Fig. 2 inset (read, +-1 Hz): ~32 Hz at 92.4 uA, ~41 Hz at 122 uA. The ideal switch with a
    # linear OFF leak (the chord V_th/I_min) leaks more than the device below its knee, so it
    # fires ~12 % slower there (docs/circuits.md): checked within 15 %, not an agreement claim.
    board = load_board(examples / "msn.yaml")
    for current, published in ((92.4e-6, 32.0), (122e-6, 41.0)):
        f = rate(run(board, current, 2.0), 0.5)
        print(f"MSN at {current * 1e6:.1f} uA: {f:.1f} Hz (Fig. 2, read: ~{published:.0f} Hz)")
        assert f == pytest.approx(published, rel=0.15)
    onset = run(board, 92.4e-6, 0.2).spikes[0][0]
    emu = run(board, 92.4e-6, onset + 1e-7)
    peak = emu.readout(0)
    print(f"spike peak on Rload: {peak * 1e3:.1f} mV (Fig. 2, read: ~140 mV)")
    assert peak == pytest.approx(0.140, rel=0.10)
    emu.advance(0.01)
    width = emu.spike_ends[0][0] - onset
    print(f"spike width (ON time): {width * 1e3:.2f} ms (Fig. 2: a few ms, tau_spike ~ 1 ms)")
    assert 1e-3 < width < 5e-3


def test_alif_response_as_in_pra25_fig6a(examples: Path) -> None:
    board = load_board(examples / "alif.yaml")
    assert run(board, 44.0e-6, 1.0).spikes[0] == []  # I_min ~ 45 uA (read, +-1 uA)
    assert len(run(board, 46.0e-6, 1.0).spikes[0]) > 10
    # Fig. 6a (read, +-5 %): 130 Hz at 65 uA, 197 Hz at 97 uA. The effective fit (alif.yaml)
    # trades the rates (13 % and 8 % fast) for the charge per spike of Fig. 4: within 15 %.
    for current, published in ((65e-6, 130.0), (97e-6, 197.0)):
        f = rate(run(board, current, 1.0), 0.2)
        print(f"aLIF at {current * 1e6:.0f} uA: {f:.1f} Hz (Fig. 6a, read: {published:.0f} Hz)")
        assert f == pytest.approx(published, rel=0.15)
    latched = run(board, 110e-6, 0.5)  # I_max: rate 0 by 110 uA in Fig. 6a
    assert latched.segments[0].on and len(latched.spikes[0]) == 1


@pytest.mark.parametrize("name, current", [("msn.yaml", 92.4e-6), ("alif.yaml", 65e-6)])
def test_published_unit_exact_against_rk4(examples: Path, name: str, current: float) -> None:
    unit = load_board(examples / name).neuron_names[0]
    board = load_board(examples / name, [f"neurons.{unit}.I0={current}"])
    duration = 0.5 if name == "msn.yaml" else 0.1
    emu = Emulator(board)
    emu.advance(duration)
    reference = simulate_fine(board, duration, dt=2e-6 if name == "alif.yaml" else 10e-6)
    ours, theirs = emu.spikes[0], reference[0]
    assert len(ours) == len(theirs) >= 10
    worst = max(abs(a - b) for a, b in zip(ours, theirs, strict=True))
    print(f"{name}: largest spike-time difference vs RK4: {worst * 1e9:.3g} ns")
    assert worst < 1e-6


@pytest.mark.parametrize(
    "override, message",
    [
        ("neurons.M.R_leak=1e6", "neurons.M.R_leak: unknown key"),
        ("neurons.M.Rm_lo=30kohm", "neurons.M.Rm_lo: must be below Rm_hi"),
        ("neurons.M.Ra=-1", "neurons.M.Ra: must be >= 0"),
        ("neurons.M.model=hh", "neurons.M.model: unknown model 'hh'"),
    ],
)
def test_alif_keys_are_checked(examples: Path, override: str, message: str) -> None:
    with pytest.raises(BoardError, match=message):
        load_board(examples / "msn.yaml", [override])

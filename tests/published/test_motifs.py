"""Motifs of PRA25 with the published unit and synapse (examples/memory.yaml,
examples/self_inhibition.yaml): J. Wu et al., Phys. Rev. Applied 23, 034030 (2025),
Figs. 9-13, Table III."""

from __future__ import annotations

from pathlib import Path

from mnsu.circuit.board import load_board
from mnsu.circuit.emulator import Emulator


def rate(spikes: list[float], start: float, end: float) -> float:
    return sum(1 for t in spikes if start <= t < end) / (end - start)


def test_memory_set_hold_survive_reset(examples: Path) -> None:
    emu = Emulator(load_board(examples / "memory.yaml"))
    emu.advance(15.0)
    s = emu.spikes[0]
    windows = {
        "before set (I0 44.7 uA < I_min)": rate(s, 0.0, 2.0),
        "held after the set pulse": rate(s, 4.0, 5.0),
        "during the 0.8 s -24.4 uA perturbation": rate(s, 5.0, 5.8),
        "held after the perturbation": rate(s, 6.5, 8.0),
        "after the 3 s reset": rate(s, 11.0, 15.0),
    }
    for name, value in windows.items():
        print(f"{name}: {value:.1f} Hz")
    assert windows["before set (I0 44.7 uA < I_min)"] == 0.0
    assert windows["held after the set pulse"] > 50.0  # the bump holds without the pulse
    assert windows["held after the perturbation"] > 50.0  # and survives the perturbation
    assert windows["after the 3 s reset"] == 0.0


def test_self_inhibition_adapts_at_92_8_ua(examples: Path) -> None:
    emu = Emulator(load_board(examples / "self_inhibition.yaml"))
    emu.advance(8.0)
    first, steady = rate(emu.spikes[0], 0.0, 0.5), rate(emu.spikes[0], 6.0, 8.0)
    print(f"92.8 uA: {first:.0f} Hz in the first 0.5 s, {steady:.0f} Hz adapted")
    assert steady < 0.6 * first


def test_ideal_self_inhibition_only_adapts_at_53_2_ua(examples: Path) -> None:
    # Regression pin of a documented limitation (docs/motifs.md): PRA25 Fig. 13 bursts with a
    # period ~ tau_s = 1 s here; the ideal device with the linear synapse rings once or twice
    # (the rate drops to ~0 near 1-1.5 s) and settles to a steady adapted rate.
    board = load_board(examples / "self_inhibition.yaml", ["neurons.N.I0=53.2e-6"])
    emu = Emulator(board)
    emu.advance(10.0)
    s = emu.spikes[0]
    halves = [rate(s, 0.5 * k, 0.5 * (k + 1)) for k in range(20)]
    print("53.2 uA, rate per 0.5 s:", " ".join(f"{h:.0f}" for h in halves))
    assert min(halves[:4]) < 5.0  # the first dip
    late = halves[12:]
    assert max(late) - min(late) < 0.1 * max(late)  # then steady: no bursts

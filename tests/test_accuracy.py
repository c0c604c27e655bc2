"""The emulator against an independent fine-step RK4 reference (tests/fine_step.py)."""

from __future__ import annotations

from pathlib import Path

from fine_step import simulate_fine
from mnsu.circuit.board import load_board
from mnsu.circuit.emulator import Emulator


def test_first_50_spikes_of_hco_agree_within_0_1_ns(examples: Path) -> None:
    board = load_board(examples / "hco.yaml")
    duration = 1.6
    emu = Emulator(board)
    emu.advance(duration)
    reference = simulate_fine(board, duration, dt=10e-6)
    ours = sorted(t for spikes in emu.spikes for t in spikes)[:50]
    theirs = sorted(t for spikes in reference for t in spikes)[:50]
    assert len(ours) == len(theirs) == 50
    worst = max(abs(a - b) for a, b in zip(ours, theirs, strict=True))
    print(f"largest spike-time difference over the first 50 spikes: {worst * 1e9:.4f} ns")
    # the README's claim: 0.1 ns (measured 0.025 ns; the RK4 reference at 10 us locates its
    # crossings by bisection far below that)
    assert worst < 0.1e-9

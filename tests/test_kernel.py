"""The compiled event loop (mnsu.circuit.kernel) against the Python path, the reference.

Spike times within 1e-9 s over the first 200 spikes (HCO-P0: 250, then burst-period
statistics, as it is chaotic at the rounding level), for every board feature that runs
compiled; the boards it does not compile fall back to the Python path and say why.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from mnsu.circuit.board import Board, load_board
from mnsu.circuit.emulator import Emulator
from mnsu.circuit.networks import all_to_all, hco_ring

EXACT = 1e-9  # s


def spike_list(emu: Emulator) -> list[tuple[float, int]]:
    return sorted((t, i) for i, times in enumerate(emu.spikes) for t in times)


def both(board: Board, duration: float, seed: int = 0) -> tuple[Emulator, Emulator]:
    python = Emulator(board, seed=seed, backend="python")
    compiled = Emulator(board, seed=seed, backend="compiled")
    assert python.backend == "python" and compiled.backend == "compiled"
    assert compiled.backend_reason is None
    python.advance(duration)
    compiled.advance(duration)
    return python, compiled


def assert_same_spikes(board: Board, duration: float, first: int = 200, seed: int = 0) -> None:
    python, compiled = both(board, duration, seed)
    a, b = spike_list(python), spike_list(compiled)
    assert len(a) >= min(first, 20), f"too few spikes ({len(a)}) to compare"
    assert len(b) >= min(len(a), first)
    for (ta, ia), (tb, ib) in zip(a[:first], b[:first], strict=False):
        assert ia == ib and abs(ta - tb) <= EXACT, (ta, ia, tb, ib)
    ends_a = sorted(t for ends in python.spike_ends for t in ends)[:first]
    ends_b = sorted(t for ends in compiled.spike_ends for t in ends)[:first]
    assert max((abs(x - y) for x, y in zip(ends_a, ends_b, strict=False)), default=0.0) <= EXACT


@pytest.mark.parametrize(
    ("name", "duration"),
    [("lif", 2.0), ("bursting", 2.0), ("resonant_burster", 3.0), ("alif", 2.0), ("leg", 5.0)],
)
def test_first_200_spikes_equal_the_python_path(examples: Path, name: str, duration: float) -> None:
    assert_same_spikes(load_board(examples / f"{name}.yaml"), duration)


def test_the_32_unit_ring(examples: Path) -> None:
    assert_same_spikes(hco_ring(32), 0.5)


def test_all_to_all_uses_the_running_sums() -> None:
    assert_same_spikes(all_to_all(16), 0.5)


def test_hco_p0_first_250_spikes_then_burst_statistics(examples: Path) -> None:
    board = load_board(examples / "hco.yaml")
    python, compiled = both(board, 20.0)
    a, b = spike_list(python), spike_list(compiled)
    for (ta, ia), (tb, ib) in zip(a[:250], b[:250], strict=True):
        assert ia == ib and abs(ta - tb) <= EXACT
    for unit in range(2):
        stats = []
        for emu in (python, compiled):
            times = emu.spikes[unit]
            # burst onsets: a spike after a silence of more than 80 ms (HCO-P0: ~140 ms gaps)
            onsets = [y for x, y in zip(times, times[1:], strict=False) if y - x > 0.08]
            periods = [y - x for x, y in zip(onsets, onsets[1:], strict=False)]
            stats.append((len(onsets), statistics.mean(periods), statistics.pstdev(periods)))
        assert stats[1][0] == pytest.approx(stats[0][0], abs=1)
        assert stats[1][1] == pytest.approx(stats[0][1], rel=0.01)
        assert stats[1][2] == pytest.approx(stats[0][2], abs=0.01)


# Every feature on the compiled path, each against the Python path.
FEATURES = [
    ("synaptic delay", "hco.yaml", ["synapses.0.delay=3e-3", "synapses.1.delay=1e-3"], 3.0),
    ("turn-on delay", "lif.yaml", ["neurons.U.turn_on_delay=2e-4"], 1.0),
    ("minimum OFF time", "lif.yaml", ["neurons.U.min_off_time=3e-3"], 1.0),
    ("re-trigger window, dendrite", "bursting.yaml", [], 1.0),
    ("resonant adaptation, pulse train", "resonant_burster.yaml", [], 2.0),
    ("membrane noise", "lif.yaml", ["neurons.U.I_noise=20e-6"], 1.0),
    ("pulse inputs (set/reset)", "autapse_memory.yaml", [], 3.0),
    ("drive level", "leg.yaml", ["inputs.0.level=0.3"], 3.0),
]


@pytest.mark.parametrize(("feature", "file", "overrides", "duration"), FEATURES)
def test_every_feature_through_the_compiled_path(
    examples: Path, feature: str, file: str, overrides: list[str], duration: float
) -> None:
    board = load_board(examples / file, overrides)
    assert_same_spikes(board, duration, seed=4)


def test_streaming_inputs_and_adc_equal_the_python_path(examples: Path) -> None:
    """advance in 0.5 ms ticks, set_drive, touchdown, inject and read_adc, in lockstep."""
    board = load_board(examples / "leg.yaml", ["probes.0.noise=0", "probes.1.noise=0"])
    runs = [Emulator(board, seed=2, backend=b) for b in ("python", "compiled")]
    for tick in range(4000):
        seen = []
        for emu in runs:
            if tick == 800:
                emu.set_drive(0.9)
            if tick % 500 == 250:
                emu.touchdown()
            if tick == 2000:
                emu.inject("F", 50e-6)
            emu.advance(0.0005)
            seen.append(
                (
                    [emu.read_adc(ch) for ch in emu.adc_channels],
                    [emu.voltage(i) for i in range(2)],
                    [emu.readout(i) for i in range(2)],
                    [emu.device_on(i) for i in range(2)],
                )
            )
        assert seen[0] == seen[1], tick
    assert spike_list(runs[0]) == spike_list(runs[1])
    assert runs[0].events_processed == runs[1].events_processed


def test_synapse_probe_reads_the_same_activation(examples: Path) -> None:
    board = load_board(examples / "hco.yaml", ["probes.0.node=synapse"])
    python, compiled = both(board, 1.0)
    assert compiled.node_value(0, "synapse") == python.node_value(0, "synapse")
    assert compiled.read_adc(0) == python.read_adc(0)


def test_a_long_pulse_train_grows_nothing_but_one_pulse(examples: Path) -> None:
    board = load_board(examples / "resonant_burster.yaml", ["inputs.0.count=1000000000"])
    emu = Emulator(board, backend="compiled")
    emu.advance(5.0)
    assert len(emu._sched) < 10


def test_unsupported_features_fall_back_and_say_why(examples: Path) -> None:
    emu = Emulator(load_board(examples / "memory.yaml"))
    assert emu.backend == "python"
    assert "two-stage" in (emu.backend_reason or "")
    with pytest.raises(ValueError, match="memory.yaml: cannot run compiled: two-stage"):
        Emulator(load_board(examples / "memory.yaml"), backend="compiled")


def test_recording_runs_on_the_python_path(examples: Path) -> None:
    emu = Emulator(load_board(examples / "lif.yaml"), record=True)
    assert emu.backend == "python" and "record" in (emu.backend_reason or "")
    assert Emulator(load_board(examples / "lif.yaml")).backend == "compiled"
    assert Emulator(load_board(examples / "lif.yaml"), backend="python").backend == "python"
    with pytest.raises(ValueError, match="backend must be one of"):
        Emulator(load_board(examples / "lif.yaml"), backend="gpu")

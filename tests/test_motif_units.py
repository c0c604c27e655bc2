"""The extended unit: dendrite compartment, device re-trigger window, resonant adaptation,
membrane noise: against the independent RK4 reference, closed forms and the motif numbers."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from fine_step import simulate_fine
from mnsu.analysis.rhythm import neuron_stats
from mnsu.circuit.board import BoardError, load_board
from mnsu.circuit.emulator import Emulator
from p0 import P0

RESONANT = [
    "neurons.U.adapt_a=5e-5",
    "neurons.U.adapt_tau=0.05",
    "neurons.U.adapt_q=3",
    "neurons.U.adapt_b=1e-5",
]


@pytest.mark.parametrize(
    ("name", "overrides", "duration"),
    [
        ("bursting.yaml", [], 0.4),
        ("lif.yaml", RESONANT, 0.5),
        ("resonant_burster.yaml", ["inputs.0.amplitude=0"], 0.5),
    ],
)
def test_spike_times_match_the_rk4_reference(
    examples: Path, name: str, overrides: list[str], duration: float
) -> None:
    board = load_board(examples / name, overrides)
    emu = Emulator(board)
    emu.advance(duration)
    reference = simulate_fine(board, duration, dt=10e-6)
    ours = sorted(t for s in emu.spikes for t in s)
    theirs = sorted(t for s in reference for t in s)
    assert len(ours) == len(theirs) > 10
    assert max(abs(a - b) for a, b in zip(ours, theirs, strict=True)) < 1e-6


def test_bursting_unit_bursts(examples: Path) -> None:
    emu = Emulator(load_board(examples / "bursting.yaml"))
    emu.advance(6.0)
    spikes = emu.spikes[0]
    stats = neuron_stats(spikes, emu.spike_ends[0], 6.0, 1.0, burst_gap=0.02)
    assert stats.spikes_per_burst is not None and stats.spikes_per_burst >= 3
    assert stats.period_cv is not None and stats.period_cv < 0.1
    isi = np.diff([t for t in spikes if t > 1.0])
    intra = isi[isi < 0.02]
    inter = isi[isi >= 0.02]
    assert inter.min() >= 3 * intra.max()  # every inter-burst gap >= 3x any intra-burst ISI
    assert len(intra) > 5 * len(inter)


def test_without_the_retrigger_window_the_two_compartment_unit_fires_tonically(
    examples: Path,
) -> None:
    emu = Emulator(load_board(examples / "bursting.yaml", ["neurons.S.retrigger_window=0"]))
    emu.advance(4.0)
    isi = np.diff([t for t in emu.spikes[0] if t > 1.0])
    assert len(isi) > 20
    assert isi.max() / isi.min() < 1.01  # one interval, repeated: tonic


def test_resonant_adaptation_bursts_at_its_own_frequency(examples: Path) -> None:
    emu = Emulator(load_board(examples / "resonant_burster.yaml", ["inputs.0.amplitude=0"]))
    emu.advance(10.0)
    stats = neuron_stats(emu.spikes[0], emu.spike_ends[0], 10.0, 2.0, burst_gap=0.03)
    assert stats.burst_period_s == pytest.approx(0.2422, rel=0.01)
    assert stats.period_cv is not None and stats.period_cv < 0.02
    # first order (adapt_q = 0) with the same constants does not burst
    plain = Emulator(
        load_board(
            examples / "resonant_burster.yaml", ["inputs.0.amplitude=0", "neurons.R.adapt_q=0"]
        )
    )
    plain.advance(10.0)
    stats = neuron_stats(plain.spikes[0], plain.spike_ends[0], 10.0, 2.0, burst_gap=0.03)
    assert stats.burst_period_s is None


def test_membrane_noise_has_the_closed_form_variance(examples: Path) -> None:
    emu = Emulator(
        load_board(examples / "lif.yaml", ["neurons.U.I_bias=0", "neurons.U.I_noise=20e-6"]), seed=3
    )
    samples = []
    for _ in range(20000):
        emu.advance(0.0013)
        samples.append(emu.voltage(0))
    r = 20e3 * 10e6 / (20e3 + 10e6)
    q = math.exp(-1e-3 / (r * 1e-6))
    # piecewise-constant current held 1 ms on an RC membrane
    expected = 20e-6 * r * math.sqrt((1 - q) / (1 + q))
    assert float(np.std(samples)) == pytest.approx(expected, rel=0.05)
    assert abs(float(np.mean(samples))) < 0.01


def test_noise_is_seeded(examples: Path) -> None:
    def run(seed: int) -> list[float]:
        emu = Emulator(
            load_board(examples / "autapse_memory.yaml", ["neurons.M.I_noise=50e-6"]), seed=seed
        )
        emu.advance(1.0)
        return emu.spikes[0]

    assert run(1) == run(1)
    assert run(1) != run(2)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_memory_survives_membrane_noise_for_10_s(examples: Path, seed: int) -> None:
    # 50 uA rms held 1 ms: ~160 mV rms on the membrane, 80x the ADC noise of leg.yaml
    board = load_board(
        examples / "autapse_memory.yaml", ["neurons.M.I_noise=50e-6", "inputs.1.start=100"]
    )
    emu = Emulator(board, seed=seed)
    emu.advance(10.6)
    spikes = np.array(emu.spikes[0])
    assert (spikes < 0.5).sum() == 0  # the silent state holds until the set pulse
    late = spikes[spikes > 10.0]
    assert len(late) > 30  # still firing ~80 Hz 10 s after the set pulse


def test_strong_noise_breaks_the_silent_state(examples: Path) -> None:
    board = load_board(examples / "autapse_memory.yaml", ["neurons.M.I_noise=150e-6"])
    emu = Emulator(board, seed=0)
    emu.advance(0.5)
    assert len(emu.spikes[0]) > 5  # noise alone set the memory before the pulse


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("C_d", "4 uF", r"neurons\.S\.R_d: missing: a dendrite \(C_d > 0\) needs"),
        ("R_c", "5 kohm", r"neurons\.S\.R_c: only used with a dendrite: set C_d too"),
        ("V_retrigger", "1.5 V", r"neurons\.S\.V_retrigger: must lie in \(1\.8, 3\] V"),
        ("adapt_q", 3, r"neurons\.S\.adapt_q: a resonant adaptive current needs adapt_a"),
        ("I_noise", "-1 uA", r"neurons\.S\.I_noise: must be >= 0"),
        ("noise_dt", "0 s", r"neurons\.S\.noise_dt: must be >= 1e-06 s"),
        ("noise_dt", "1 ns", r"neurons\.S\.noise_dt: must be >= 1e-06 s \(1 us\)"),
    ],
)
def test_errors_of_the_extended_keys(tmp_path: Path, key: str, value: object, message: str) -> None:
    neuron: dict[str, object] = {**P0, "retrigger_window": "3 ms", "V_retrigger": "2.2 V"}
    neuron[key] = value
    path = tmp_path / "b.yaml"
    path.write_text(yaml.safe_dump({"neurons": {"S": neuron}}))
    with pytest.raises(BoardError, match=message):
        load_board(path)


def test_phase_diagram_of_the_bursting_unit_shows_the_four_regimes(
    examples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mnsu.cli import main

    code = main(
        [
            "sweep",
            str(examples / "bursting.yaml"),
            "--param",
            "neurons.S.I_bias_d=400uA:500uA:3",
            "--param",
            "neurons.S.R_c=6kohm:16kohm:3",
            "--duration",
            "3",
            "--json",
            "--jobs",
            "2",
        ]
    )
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    counts = result["counts"]
    for regime in ("tonic", "fast", "burst-short", "burst-long"):
        assert counts.get(regime, 0) >= 1, counts
    # rows: R_c 6, 11, 16 kohm (the second parameter); columns: I_bias_d 400, 450, 500 uA
    assert result["map"][0][0] == "burst-long"  # weak drive, strong coupling
    assert result["map"][2][1] == "tonic"  # weak coupling
    assert result["map"][0][2] == "fast"  # strong drive, strong coupling

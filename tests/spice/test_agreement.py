"""The emulator against ngspice with the ideal device (real ngspice, tight tolerances).

The references here are ngspice's own integration of the netlist; the tolerances are the
issue's claims: one unit's rate within 0.1 % and spike width within 1 % at three currents;
HCO-P0 burst period within 1 % and spikes per burst within 2 %; the memory sets, holds and
resets at the same times. HCO spike times decorrelate after about one burst in any two
correct simulators, so the HCO is compared by its statistics.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mnsu.analysis.regimes import classify
from mnsu.analysis.rhythm import burst_overlap, find_bursts
from mnsu.circuit.board import load_board
from mnsu.spice.compare import compare, run_both, spice_trains

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("current", ["200 uA", "300 uA", "500 uA"])
def test_lif_rate_and_spike_width(current: str) -> None:
    board = load_board(EXAMPLES / "lif.yaml", [f"neurons.U.I_bias={current}"])
    result = compare(board, 0.12, max_step=1e-6, transient=0.02)
    emu, spice = result["emulator"]["neurons"]["U"], result["ngspice"]["neurons"]["U"]
    assert emu["spike_count"] >= 5
    assert spice["isi_rate_hz"] == pytest.approx(emu["isi_rate_hz"], rel=1e-3)
    assert spice["spike_width_s"] == pytest.approx(emu["spike_width_s"], rel=1e-2)


def test_hco_burst_period_and_spikes_per_burst() -> None:
    result = compare(load_board(EXAMPLES / "hco.yaml"), 10.0, max_step=5e-6, transient=1.5)
    for name in ("A", "B"):
        emu, spice = result["emulator"]["neurons"][name], result["ngspice"]["neurons"][name]
        assert spice["burst_period_s"] == pytest.approx(emu["burst_period_s"], rel=1e-2)
        assert spice["spikes_per_burst"] == pytest.approx(emu["spikes_per_burst"], rel=2e-2)
    assert result["ngspice"]["phase_lag"]["A->B"] == pytest.approx(0.5, abs=0.03)


def test_autapse_memory_sets_holds_and_resets_at_the_same_times() -> None:
    board = load_board(EXAMPLES / "autapse_memory.yaml")
    result = compare(board, 2.3, max_step=5e-6, transient=0.0)
    emu = result["emulator"]["neurons"]["M"]
    spice = result["ngspice"]["neurons"]["M"]
    assert emu["spike_count"] == spice["spike_count"] > 50
    # set by the pulse at 0.5 s (first spike within 1 ms of the emulator's), the persistent
    # rate in between within 0.5 %, the same number of spikes
    assert 0.5 < emu["first_spike_s"] < 0.52
    assert spice["first_spike_s"] == pytest.approx(emu["first_spike_s"], abs=1e-3)
    # the reset pulse starts at 2.0 s: both fall silent within one interval before it
    isi = 1.0 / emu["isi_rate_hz"]
    for figures in (emu, spice):
        assert 2.0 - isi < figures["last_spike_s"] < 2.0 + 1e-3
    assert spice["isi_rate_hz"] == pytest.approx(emu["isi_rate_hz"], rel=5e-3)


@pytest.mark.parametrize(
    ("board", "key", "currents", "duration"),
    [
        ("alif.yaml", "neurons.N.I0", ("55 uA", "65 uA", "97 uA"), 0.1),
        ("msn.yaml", "neurons.M.I0", ("80 uA", "92.4 uA", "120 uA"), 0.3),
    ],
    ids=["alif", "msn"],
)
def test_published_units_rate_and_spike_width(
    board: str, key: str, currents: tuple[str, ...], duration: float
) -> None:
    """The published aLIF (PRA25) and MSN (NCE23) units at three currents each."""
    for current in currents:
        result = compare(
            load_board(EXAMPLES / board, [f"{key}={current}"]),
            duration,
            max_step=1e-6,
            transient=0.02,
        )
        name = next(iter(result["emulator"]["neurons"]))
        emu, spice = result["emulator"]["neurons"][name], result["ngspice"]["neurons"][name]
        assert emu["spike_count"] >= 3, current
        assert spice["isi_rate_hz"] == pytest.approx(emu["isi_rate_hz"], rel=1e-3), current
        assert spice["spike_width_s"] == pytest.approx(emu["spike_width_s"], rel=1e-2), current


# The bursting neuron of NCE23 (examples/msbn.yaml) at its published points (Fig. 3 caption,
# Cs 0.1 uF): ngspice integrates the netlist's soma compartment Rs || Cs in series with M
# and classifies into the same regime as the emulator, with the FS rates close.
# (current A, Rs ohm, duration s, transient s, regime of the ideal device)
MSBN_POINTS = [
    (72.2e-6, 47.0, 0.6, 0.2, "tonic"),  # published TS
    (46.7e-6, 2.4e3, 0.5, 0.25, "fast"),  # published FS
    (75.1e-6, 2.4e3, 0.4, 0.2, "fast"),  # published IB2: the ideal device fires fast
    (38.7e-6, 3.0e3, 1.0, 0.6, "fast"),  # published IB1: the ideal device fires fast
]


@pytest.mark.parametrize(("current", "r_s", "duration", "transient", "expected"), MSBN_POINTS)
def test_msbn_regime_identical_at_the_published_points(
    current: float, r_s: float, duration: float, transient: float, expected: str
) -> None:
    board = load_board(EXAMPLES / "msbn.yaml", [f"neurons.B.I0={current}", f"neurons.B.Rs={r_s}"])
    both = run_both(board, duration, max_step=2e-6, transient=transient)
    spice = spice_trains(board, both.net, both.run)
    on_at_end = bool(both.run.vectors[both.net.device_current["B"]][-1] > board.neurons[0].I_hold)
    ours = classify(
        both.emulator.spikes[0],
        both.emulator.spike_ends[0],
        duration,
        transient,
        both.emulator.segments[0].on,
    )
    theirs = classify(spice.onsets[0], spice.ends[0], duration, transient, on_at_end)
    emu = both.result["emulator"]["neurons"]["B"]
    ng = both.result["ngspice"]["neurons"]["B"]
    print(
        f"{current * 1e6:.1f} uA, Rs {r_s:g}: emulator {ours.regime} {emu['isi_rate_hz']:.2f} Hz,"
        f" ngspice {theirs.regime} {ng['isi_rate_hz']:.2f} Hz"
    )
    assert ours.regime == theirs.regime == expected
    # FS at 1/ISI up to 1.4 kHz: the switching-time error per spike (~1 us at a 2 us step)
    # is up to 2 % of a 0.7 ms interval; the TS interval (52 ms) is held to the unit's 0.1 %
    tolerance = 1e-3 if expected == "tonic" else 2.5e-2
    assert ng["isi_rate_hz"] == pytest.approx(emu["isi_rate_hz"], rel=tolerance)


def test_published_cpg_type2_period_spikes_per_burst_and_no_overlap() -> None:
    # PRA25 Fig. 15 (examples/cpg_type2.yaml): two aLIF units, four two-stage synapses.
    board = load_board(EXAMPLES / "cpg_type2.yaml")
    duration, transient, gap = 6.0, 2.0, 0.05
    both = run_both(board, duration, max_step=5e-6, transient=transient, burst_gap=gap)
    spice = spice_trains(board, both.net, both.run)
    for name in ("N1", "N2"):
        emu = both.result["emulator"]["neurons"][name]
        ng = both.result["ngspice"]["neurons"][name]
        print(
            f"{name}: period {emu['burst_period_s']:.4f} / {ng['burst_period_s']:.4f} s, "
            f"spikes per burst {emu['spikes_per_burst']:.2f} / {ng['spikes_per_burst']:.2f}"
        )
        assert ng["burst_period_s"] == pytest.approx(emu["burst_period_s"], rel=1e-2)
        assert ng["spikes_per_burst"] == pytest.approx(emu["spikes_per_burst"], rel=2e-2)
    bursts = [
        find_bursts(spice.onsets[i], spice.ends[i], gap, (transient, duration)) for i in (0, 1)
    ]
    assert burst_overlap(bursts[0], bursts[1]) == 0.0  # no overlap in ngspice either

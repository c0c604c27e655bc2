"""The CPG types 1-3 of PRA25 (J. Wu, A. d'Hollande, H. Du, M. Rozenberg, Phys. Rev. Applied
23, 034030 (2025), Sec. IV, Figs. 14-16, Table III) as example boards (examples/cpg_type*.yaml),
with what the ideal device and the linear two-stage synapse make of them (docs/motifs.md).

Published: type 2 (two mutually inhibiting pacemakers) bursts in anti-phase with no overlap,
type 3 (two mutually inhibiting adapting neurons) alternates with overlapping bursts; the
neurons of type 3 adapt (tonic) when uncoupled. Periods are given only in the figures, so the
periods here are regression pins of mnsu's own figures, labelled so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mnsu.analysis.regimes import classify
from mnsu.analysis.rhythm import burst_overlap, find_bursts, neuron_stats, phase_lag
from mnsu.circuit.board import load_board
from mnsu.circuit.emulator import Emulator

DURATION = 20.0
TRANSIENT = 8.0
GAP = 0.05  # s: bursts split at silences longer than this (intra-burst ISIs are < 15 ms)


def run(examples: Path, name: str, *overrides: str) -> Emulator:
    emu = Emulator(load_board(examples / f"{name}.yaml", list(overrides)))
    emu.advance(DURATION)
    return emu


def rhythm(emu: Emulator) -> tuple[float, float, float, float]:
    """(period N1, period N2, overlap of N1's bursts with N2's, phase lag N1->N2)."""
    stats = [
        neuron_stats(emu.spikes[i], emu.spike_ends[i], DURATION, TRANSIENT, GAP) for i in (0, 1)
    ]
    bursts = [
        find_bursts(emu.spikes[i], emu.spike_ends[i], GAP, (TRANSIENT, DURATION)) for i in (0, 1)
    ]
    p1, p2 = stats[0].burst_period_s, stats[1].burst_period_s
    assert p1 is not None and p2 is not None, "both neurons burst"
    overlap = burst_overlap(bursts[0], bursts[1])
    lag = phase_lag(stats[0].onsets, stats[1].onsets)
    assert overlap is not None and lag is not None
    return p1, p2, overlap, lag


def uncoupled_regime(examples: Path, name: str, neuron: str) -> str:
    """The regime of one neuron with its projection cut (the other neuron silenced)."""
    other = "N2" if neuron == "N1" else "N1"
    emu = run(examples, name, f"neurons.{other}.I0=0")
    i = 0 if neuron == "N1" else 1
    return classify(
        emu.spikes[i], emu.spike_ends[i], DURATION, TRANSIENT, emu.segments[i].on
    ).regime


def test_type2_pacemakers_alternate_without_overlap(examples: Path) -> None:
    p1, p2, overlap, lag = rhythm(run(examples, "cpg_type2"))
    print(f"type 2: period {p1:.4f} / {p2:.4f} s, overlap {overlap:.3f}, lag {lag:.3f}")
    assert p1 == pytest.approx(p2, rel=1e-3)  # one common rhythm
    assert overlap == 0.0  # published: anti-phase bursts with no overlap
    assert 0.4 < lag < 0.7  # alternation (N1 and N2 differ in I0, so not exactly 0.5)
    assert 0.5 <= 1.0 / p1 <= 2.0  # a walking rhythm
    assert p1 == pytest.approx(1.2007, abs=0.002)  # regression pin (mnsu's own figure)


def test_type3_adapting_neurons_alternate_with_overlap(examples: Path) -> None:
    p1, p2, overlap, lag = rhythm(run(examples, "cpg_type3"))
    print(f"type 3: period {p1:.4f} / {p2:.4f} s, overlap {overlap:.3f}, lag {lag:.3f}")
    assert p1 == pytest.approx(p2, rel=1e-3)
    assert overlap > 0.1  # published: overlapping bursts (intrinsic escape)
    assert 0.4 < lag < 0.8
    assert 0.5 <= 1.0 / p1 <= 2.0
    assert p1 == pytest.approx(1.889, abs=0.003)  # regression pin (mnsu's own figure)


@pytest.mark.parametrize("neuron", ["N1", "N2"])
def test_type3_neurons_adapt_when_uncoupled(examples: Path, neuron: str) -> None:
    # published (Fig. 16a): each neuron alone is an adapting, tonically firing neuron
    regime = uncoupled_regime(examples, "cpg_type3", neuron)
    print(f"type 3, {neuron} alone: {regime}")
    assert regime in ("tonic", "fast")


@pytest.mark.parametrize("neuron", ["N1", "N2"])
def test_type2_neurons_alone_do_not_burst_with_the_ideal_device(
    examples: Path, neuron: str
) -> None:
    # Regression pin of a documented limitation: published (Fig. 15a), each neuron alone is a
    # pacemaking burster; with the ideal device and the linear synapse it adapts instead
    # (docs/motifs.md): the rhythm of cpg_type2 is made by the coupling.
    regime = uncoupled_regime(examples, "cpg_type2", neuron)
    print(f"type 2, {neuron} alone: {regime}")
    assert regime in ("tonic", "fast")


def test_type1_primary_silences_its_subordinate_but_does_not_burst(examples: Path) -> None:
    # Regression pin of a documented limitation: with Table III's Fig. 14 values N1 does not
    # burst with a period ~tau_ssi = 1 s (published) but fires doublets (ISIs ~20 and ~95 ms);
    # its 1 ms projection silences N2 (Eq. 28) for a few ms after each N1 spike.
    emu = run(examples, "cpg_type1")
    n1 = [t for t in emu.spikes[0] if t >= TRANSIENT]
    n2 = [t for t in emu.spikes[1] if t >= TRANSIENT]
    isis = sorted({round(b - a, 3) for a, b in zip(n1, n1[1:], strict=False)})
    print(f"type 1: N1 ISIs {isis} s; N2 {len(n2) / (DURATION - TRANSIENT):.1f} Hz")
    assert isis == pytest.approx([0.020, 0.095], abs=0.002)
    # no N2 spike within 2 ms of an N1 spike onset
    assert all(not (0.0 <= t2 - t1 < 0.002) for t1 in n1 for t2 in n2)
    # N2 alone at 46.5 uA (above I_min 45 uA) fires tonically
    assert uncoupled_regime(examples, "cpg_type1", "N2") in ("tonic", "fast")

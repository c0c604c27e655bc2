"""The host sets the firmware decoder's burst gap from the board: a fast burster is read right.

examples/bursting.yaml bursts every 83 ms with 54 ms silences: under the firmware's default
100 ms gap its bursts run together into one. The gap from mnsu.analysis.decoder_gap (the
valley of the board's own ISIs) lets the unmodified firmware under MicroPython see every burst.
"""

from __future__ import annotations

from pathlib import Path
from statistics import mean

from conftest import Host, unwrap_us
from mnsu import wire as c
from mnsu.analysis.decoder_gap import decoder_gap_ms
from mnsu.analysis.rhythm import neuron_stats
from mnsu.circuit.board import load_board
from mnsu.cosim.harness import CoSim

RUN_S = 3.0
TRANSIENT_S = 1.0


def firmware_burst_onsets(board_path: Path, gap_ms: float | None) -> tuple[list[float], CoSim]:
    sim = CoSim(load_board(board_path), seed=1)
    with sim:
        host = Host(sim)
        if gap_ms is not None:
            assert host.set_param("burst_gap_ms", gap_ms)[1] == c.PARAM_VALUE
        assert host.request(c.MODE, c.pack_mode(c.MODE_CPG))[1] == c.ACK
        host.run(RUN_S)
        events = host.events()
    onsets = unwrap_us([t for kind, ch, t in events if kind == c.EV_BURST_ON and ch == 0])
    return onsets, sim


def test_the_fast_burster_is_read_with_the_gap_the_host_sets(examples: Path) -> None:
    path = examples / "bursting.yaml"
    gap_ms = decoder_gap_ms(load_board(path))
    assert gap_ms is not None and 3.3 < gap_ms < 54.0  # between the ISIs and the silences
    fixed, _ = firmware_burst_onsets(path, None)
    assert len(fixed) <= 2  # the 100 ms default: one endless burst
    onsets, sim = firmware_burst_onsets(path, gap_ms)
    late = [t for t in onsets if t > TRANSIENT_S]
    emu = sim.emulator
    ref = neuron_stats(emu.spikes[0], emu.spike_ends[0], sim.t, TRANSIENT_S)
    assert ref.burst_period_s is not None
    assert abs(len(late) - len(ref.onsets)) <= 1
    period = mean(b - a for a, b in zip(late, late[1:], strict=False))
    # one firmware sample is 0.5 ms: onsets agree to a sample, the mean period to 1 %
    assert abs(period - ref.burst_period_s) <= 0.01 * ref.burst_period_s, (period, ref)

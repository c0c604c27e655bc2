"""Memory: the firmware fits a 128 KB heap and its control loop allocates nothing."""

from __future__ import annotations

from pathlib import Path

from conftest import Host
from mnsu import wire as c
from mnsu.cosim import CoSim

PROBE = Path(__file__).with_name("mpy_alloc_probe.py")


def test_control_loop_allocates_nothing() -> None:
    with CoSim(seed=1, entry=PROBE) as sim:
        sim.run_for(14.0)  # 4000 warm-up + 2000 + 20000 measured ticks at 2 kHz
        line = [ln for ln in sim.stderr_text().splitlines() if ln.startswith("ALLOC")]
        assert line, sim.stderr_text()
        short, long, gc_runs, spikes, free = (int(x) for x in line[0].split()[1:])
    assert spikes > 100  # the measured ticks decoded a live rhythm, sent telemetry, moved servos
    # Entering app.run() costs a fixed few bytes (its frame); the ticks themselves cost nothing:
    # 10x more ticks, not one byte more.
    assert long == short, f"{short} bytes over 2000 ticks, {long} over 20000"
    assert long <= 64
    assert gc_runs == 0
    assert free > 24 * 1024  # headroom above the 16 KB at which the loop collects


def test_runs_in_128k_heap_with_host_traffic() -> None:
    with CoSim(seed=3, heap="128K") as sim:
        host = Host(sim)
        assert host.request(c.MODE, c.pack_mode(c.MODE_HOST))[1] == c.ACK
        # steady command traffic allocates a little per command: the loop collects between
        # ticks and carries on
        for k in range(3000):
            host.send(c.JOINT_CMD, c.pack_joint_cmd((k % 60) - 30.0, 20.0))
            if k % 10 == 0:
                host.send(c.PARAM_GET, c.pack_param_get(k % 40))
            sim.run_for(0.002)
            if k % 100 == 0:
                host.poll()
        host.run(0.1)
        tel = host.last_telemetry()
        assert sim.running
        assert tel["mode"] == c.MODE_HOST and tel["overruns"] == 0
        assert tel["frames_ok"] >= 3300 and tel["nacks"] == 0
        assert tel["gc_runs"] >= 1  # the garbage was collected between ticks, not mid-tick
    # with a smaller heap the same firmware fails loudly, so 128K is a real bound
    with CoSim(seed=3, heap="48K") as small:
        try:
            small.run_for(0.5)
        except Exception as e:  # noqa: BLE001 - any failure is what we want to see
            assert "MemoryError" in str(e), str(e)
        else:
            raise AssertionError("firmware ran in a 48K heap: the 128K test bounds nothing")

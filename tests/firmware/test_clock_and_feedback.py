"""Tick wrap-around, determinism, the touch-down feedback path and the CPython switch."""

from __future__ import annotations

from conftest import Host
from mnsu import wire as c
from mnsu.cosim import CoSim

WRAP = 1 << 30


def scenario(ticks_start: int, interpreter: str = "micropython", seconds: float = 4.0) -> bytes:
    with CoSim(seed=5, ticks_start=ticks_start, interpreter=interpreter) as sim:  # type: ignore[arg-type]
        host = Host(sim)
        host.send(c.MODE, c.pack_mode(c.MODE_CPG))
        out = bytearray()
        for k in range(int(seconds * 10)):
            host.send(c.HEARTBEAT)
            if k == 15:
                sim.set_foot_contact(True)
            if k == 25:
                sim.set_foot_contact(False)
            sim.run_for(0.1)
            out += sim.read()
        return bytes(out)


def test_tick_wraparound_changes_nothing() -> None:
    base = scenario(0)
    # the firmware's ticks_us wraps (2**30 period) 1 s into the run
    wrapped = scenario(WRAP - 1_000_000)
    assert len(base) > 20000
    assert wrapped == base  # bit for bit: same frames, same times, same decisions
    frames = c.FrameSplitter().feed(base)
    tel = [c.unpack_telemetry(f[3]) for f in frames if f[0] == c.TELEMETRY]
    assert tel[-1]["overruns"] == 0 and tel[-1]["spikes0"] > 100


def test_touchdown_pulse_on_foot_contact() -> None:
    with CoSim(seed=2) as sim:
        host = Host(sim)
        assert host.request(c.MODE, c.pack_mode(c.MODE_CPG))[1] == c.ACK
        host.run(0.5)
        sim.set_foot_contact(True)
        t_contact = sim.t
        levels = []
        for _ in range(120):  # 60 ms tick by tick
            sim.step()
            levels.append((sim.t, sim.touchdown_level, sim.emulator._drive_level[:]))
        on = [t for t, lvl, _ in levels if lvl > 0.99]
        assert on, "no touch-down pulse"
        # debounce 3 ms, then a 20 ms pulse at amplitude 1.0 (one tick resolution)
        assert 0.003 <= on[0] - t_contact <= 0.0045
        assert 0.0195 <= on[-1] - on[0] + 0.0005 <= 0.0205
        host.run(0.05)
        kinds = [k for k, ch, t in host.events()]
        assert c.EV_CONTACT_ON in kinds and c.EV_TOUCHDOWN in kinds
        assert host.last_telemetry()["flags"] & c.FLAG_CONTACT
        # the emulator's extensor got the touch-down current while the pulse was on
        td_index = [i for i, s in enumerate(sim.board.inputs) if s.kind == "touchdown"][0]
        assert any(d[td_index] > 0.99 for t, lvl, d in levels)
        # disabled: contact is still reported, no pulse
        assert host.set_param("touchdown_enable", 0)[1] == c.PARAM_VALUE
        sim.set_foot_contact(False)
        host.run(0.05)
        sim.set_foot_contact(True)
        for _ in range(100):
            sim.step()
            assert sim.touchdown_level == 0.0
        host.run(0.02)
        assert host.last_telemetry()["flags"] & c.FLAG_CONTACT


def test_same_firmware_under_cpython_gives_the_same_stream() -> None:
    under_micropython = scenario(0, seconds=1.0)
    under_cpython = scenario(0, "cpython", seconds=1.0)
    assert len(under_micropython) > 5000
    assert under_cpython == under_micropython

"""The firmware with four legs under MicroPython (the quadruped board in the co-simulation):
every leg's channel pair decoded, every leg's servos driven, foot switches, touch-down outputs,
limits and safety per leg, no allocation in the tick, the MCP3208 driver's framing."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml
from mnsu_fw.mcp3208 import MCP3208

from conftest import Host
from mnsu import wire as c
from mnsu.cosim import CoSim

ROOT = Path(__file__).resolve().parents[2]
TROT = ROOT / "examples" / "quadruped_trot.yaml"
PROBE = ROOT / "tests" / "firmware" / "mpy_alloc_probe.py"
LEGS = ("LF", "RF", "LH", "RH")


def cpg(sim: CoSim, seconds: float) -> Host:
    host = Host(sim)
    assert host.request(c.MODE, c.pack_mode(c.MODE_CPG))[1] == c.ACK
    host.run(seconds)
    return host


def rises(log: list[tuple[float, float]], low: float, high: float) -> list[float]:
    """Times a pulse train climbs past `high` after it was below `low` (the burst envelope
    ripples: a hysteresis makes one rise per burst)."""
    out = []
    armed = False
    for t, us in log:
        if us < low:
            armed = True
        elif us >= high and armed:
            out.append(t)
            armed = False
    return out


def test_caps_reports_four_legs_and_eight_channels() -> None:
    with CoSim(TROT, seed=1) as sim:
        host = Host(sim)
        host.send(c.HELLO)
        host.run(0.05)
        caps = [c.unpack_caps(f[4]) for f in host.frames if f[1] == c.CAPS]
    assert caps and caps[-1]["n_servo"] == 8 and caps[-1]["n_adc"] == 8


def test_every_leg_decoded_and_driven_from_its_own_channels() -> None:
    with CoSim(TROT, seed=1) as sim:
        host = cpg(sim, 6.0)
        onsets: dict[int, list[float]] = defaultdict(list)
        for kind, ch, t_us in host.events():
            if kind == c.EV_BURST_ON:
                onsets[ch].append(t_us * 1e-6)
        knee: dict[int, list[tuple[float, float]]] = defaultdict(list)
        for t, servo, us in sim.servo_log:
            if servo % 2 == 1 and us > 0:
                knee[servo // 2].append((t - sim._t0, us))  # board time
        spikes = sim.emulator.spikes
        names = sim.board.neuron_names
    assert set(onsets) == set(range(8))
    period = 0.925  # the trot's burst period (tests/motifs/test_quadruped.py)
    for k, leg in enumerate(LEGS):
        flexor = onsets[2 * k]
        assert len(flexor) >= 5, (leg, flexor)
        # the firmware's burst onsets are the emulator's (the leg's own flexor neuron)
        ref = [t for t in spikes[names.index(leg)]]
        for t in flexor[1:]:
            assert min(abs(t - r) for r in ref) < 0.002, (leg, t)
        # the knee lifts with this leg's flexor burst, within a fifth of a cycle
        lifts = [t for t in rises(knee[k], 1650.0, 1800.0) if t > 1.0]
        assert len(lifts) >= 4, (leg, lifts)
        for t in lifts:
            lead = min(t - o for o in flexor if o <= t)
            assert 0.0 <= lead < 0.2 * period, (leg, t, lead)

    # trot: the diagonals (LF+RH, RF+LH) burst together, the others half a cycle apart
    def lag(a: int, b: int) -> float:
        la, lb = onsets[2 * a][2:], onsets[2 * b][2:]
        return sum(min((y - x) % period for y in lb) for x in la) / len(la) / period

    assert min(lag(0, 3), 1 - lag(0, 3)) < 0.05
    assert abs(lag(0, 1) - 0.5) < 0.05


def test_foot_switch_and_touchdown_per_leg() -> None:
    with CoSim(TROT, seed=1) as sim:
        host = Host(sim)
        host.run(0.2)
        sim.set_foot_contact(True, leg=2)  # LH lands
        sim.run_for(0.006)  # past the 3 ms debounce
        levels = [sim.touchdown_level_of(k) for k in range(4)]
        host.run(0.2)
        sim.set_foot_contact(False, leg=2)
        host.run(0.1)
        events = [(kind, ch) for kind, ch, _ in host.events() if kind >= c.EV_CONTACT_ON]
    assert levels[2] == pytest.approx(1.0, abs=1e-3)  # touchdown_amp 1.0
    assert levels[0] == levels[1] == levels[3] == 0.0
    assert events == [(c.EV_CONTACT_ON, 2), (c.EV_TOUCHDOWN, 2), (c.EV_CONTACT_OFF, 2)]


def narrow_rh(tmp_path: Path) -> Path:
    data: dict[str, Any] = yaml.safe_load(TROT.read_text())
    data["legs"]["RH"]["joints"] = {
        "hip": {"min": "-10 deg", "max": "10 deg", "neutral": "0 deg"},
        "knee": {"min": "0 deg", "max": "30 deg", "neutral": "10 deg"},
    }
    path = tmp_path / "narrow.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_hard_limits_hold_per_leg(tmp_path: Path) -> None:
    with CoSim(narrow_rh(tmp_path), seed=1) as sim:
        host = cpg(sim, 4.0)
        host.set_param("hip_amp_deg", 60.0)  # asks every hip for more than RH may travel
        host.run(2.0)
        pulses: dict[int, list[float]] = defaultdict(list)
        for _, servo, us in sim.servo_log:
            if us > 0:
                pulses[servo].append(us)
    us_per_deg = 2000.0 / 180.0
    rh_hip, rh_knee = pulses[6], pulses[7]
    assert 1500 - 10 * us_per_deg - 1 <= min(rh_hip) and max(rh_hip) <= 1500 + 10 * us_per_deg + 1
    assert max(rh_knee) <= 1500 + 30 * us_per_deg + 1
    lf_hip = pulses[0]
    assert min(lf_hip) < 1500 - 20 * us_per_deg  # the other legs use their wider travel


def test_estop_and_watchdog_act_on_every_leg() -> None:
    with CoSim(TROT, seed=1) as sim:
        host = cpg(sim, 2.0)
        host.run(0.6, heartbeat=None)  # silence: the 250 ms watchdog goes SAFE (neutral)
        safe = sim.servo_pulses()
        assert host.request(c.ESTOP)[1] == c.ACK
        host.run(0.1)
        limp = sim.servo_pulses()
        logs = [text for _, text in host.logs()]
    neutral = [1500.0, 1500.0 + 10 * 2000.0 / 180.0] * 4
    assert safe == pytest.approx(neutral, abs=1.0)
    assert limp == [0.0] * 8  # estop_pose limp
    assert any("watchdog" in text for text in logs)


def test_four_leg_tick_allocates_nothing() -> None:
    # four legs and the MCP3208 need ~20 KB more than one leg: a 160 KB heap (an RP2040's
    # MicroPython has ~190 KB; on a 128 KB ESP32 heap, freeze the modules into flash)
    with CoSim(TROT, seed=1, entry=PROBE, heap="160K") as sim:
        sim.run_for(14.0)
        line = [ln for ln in sim.stderr_text().splitlines() if ln.startswith("ALLOC")]
        assert line, sim.stderr_text()
        short, long, gc_runs, spikes, free = (int(x) for x in line[0].split()[1:])
    assert spikes > 100
    assert long == short, f"{short} bytes over 2000 ticks, {long} over 20000"
    assert long <= 64 and gc_runs == 0
    assert free > 16 * 1024


class Spi:
    """The bus side of an MCP3208 (datasheet DS21298 figure 6-1): checks each 3-byte command
    and answers the code of the channel asked for."""

    def __init__(self, cs: Pin, codes: list[int]) -> None:
        self.cs = cs
        self.codes = codes
        self.sent: list[bytes] = []

    def write_readinto(self, tx: bytearray, rx: bytearray) -> None:
        assert self.cs.level == 0, "exchange with chip select high"
        self.sent.append(bytes(tx))
        assert tx[0] >> 3 == 0 and tx[0] & 0x06 == 0x06  # start bit, single-ended
        ch = ((tx[0] & 1) << 2) | (tx[1] >> 6)
        code = self.codes[ch]
        rx[0], rx[1], rx[2] = 0xFF, 0xE0 | (code >> 8), code & 0xFF  # undriven bits high


class Pin:
    def __init__(self) -> None:
        self.level = 0

    def value(self, x: int) -> None:
        self.level = x


def test_mcp3208_framing_and_codes() -> None:
    codes = [0, 1, 0x800, 0xFFF, 0x123, 0xABC, 7, 4094]
    cs = Pin()
    spi = Spi(cs, codes)
    adc = MCP3208(spi, cs)  # the doubles stand in for machine.SPI and machine.Pin
    assert cs.level == 1
    assert [adc.read(ch) for ch in range(8)] == codes
    assert cs.level == 1
    assert spi.sent[5] == bytes([0x07, 0x40, 0x00])  # channel 5: D2 = 1, D1 D0 = 01
    assert spi.sent[2] == bytes([0x06, 0x80, 0x00])
    assert adc.read_u16(3) == 0xFFFF and adc.read_u16(2) == 0x8008

"""Deploy-time hard limits, the motion lock of the e-stop, its latch on flash, any params.json.

Each test reproduces a way a legal host could move a servo past its limits or while latched.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fuzz import HOSTILE_LIMITS, windows
from mnsu_fw import params as p

from conftest import Host, nack_error
from mnsu import wire as c
from mnsu.cosim import CoSim


def boot(tmp_path: Path, limits: dict[str, object] | None = None) -> tuple[CoSim, Host]:
    if limits is not None:
        (tmp_path / "limits.json").write_text(json.dumps(limits))
    sim = CoSim(seed=1, flash_dir=tmp_path)
    host = Host(sim)
    host.run(0.05)
    return sim, host


def test_calibration_refused_while_powered_and_cannot_jump_the_servo(tmp_path: Path) -> None:
    sim, host = boot(tmp_path, HOSTILE_LIMITS)
    with sim:
        win = windows(HOSTILE_LIMITS)
        assert host.request(c.MODE, c.pack_mode(c.MODE_HOST))[1] == c.ACK
        host.run(0.5)
        for name, value in (
            ("servo0_offset_deg", 45.0),
            ("servo0_reversed", 1),
            ("servo1_range_deg", 10),
        ):
            assert nack_error(host.set_param(name, value)) == c.ERR_SERVOS_POWERED
        assert nack_error(host.request(c.PARAM_DEFAULTS)) == c.ERR_SERVOS_POWERED
        # limp, the calibration can change; powered again, the pulse creeps back at the slew rate
        assert host.request(c.MODE, c.pack_mode(c.MODE_IDLE))[1] == c.ACK
        before = sim.servo_log[-1][2] if sim.servo_log else 0.0
        assert host.set_param("servo0_offset_deg", 45.0)[1] == c.PARAM_VALUE
        assert host.set_param("servo0_reversed", 0)[1] == c.PARAM_VALUE  # hard config: reversed
        start = len(sim.servo_log)
        assert host.request(c.MODE, c.pack_mode(c.MODE_HOST))[1] == c.ACK
        host.run(1.0)
        hip = [us for t, ch, us in sim.servo_log[start:] if ch == 0 and us > 0]
        assert hip and all(win[0].lo_us - 1 <= us <= win[0].hi_us + 1 for us in hip)
        steps = [abs(b - a) for a, b in zip(hip, hip[1:], strict=False)]
        assert max(steps) <= win[0].step_us
        del before


def test_host_limits_only_narrow_the_hard_ones(tmp_path: Path) -> None:
    sim, host = boot(tmp_path, HOSTILE_LIMITS)
    with sim:
        # the hard hip travel is -20..25 deg, the top speed 300 deg/s
        assert nack_error(host.set_param("hip_max_deg", 26.0)) == c.ERR_HARD_LIMIT
        assert nack_error(host.set_param("hip_min_deg", -21.0)) == c.ERR_HARD_LIMIT
        assert nack_error(host.set_param("slew_dps", 301.0)) == c.ERR_HARD_LIMIT
        assert nack_error(host.set_param("servo1_max_us", 2600.0)) == c.ERR_HARD_LIMIT
        assert host.set_param("hip_max_deg", 10.0)[1] == c.PARAM_VALUE
        # the defaults are the deploy-time values
        assert host.request(c.PARAM_DEFAULTS)[1] == c.ACK
        assert host.get_param("hip_max_deg") == pytest.approx(25.0)
        assert host.get_param("knee_neutral_deg") == pytest.approx(20.0)
        assert host.get_param("servo0_reversed") == 1
        assert host.get_param("slew_dps") == pytest.approx(300.0)


@pytest.mark.parametrize("pose", ["hold", "neutral"])
def test_estop_locks_motion(tmp_path: Path, pose: str) -> None:
    sim, host = boot(tmp_path)
    with sim:
        assert (
            host.set_param("estop_pose", ("hold", "neutral", "limp").index(pose))[1]
            == c.PARAM_VALUE
        )
        assert host.request(c.MODE, c.pack_mode(c.MODE_CPG))[1] == c.ACK
        host.run(1.5)
        assert host.request(c.ESTOP)[1] == c.ACK
        host.run(0.6)  # neutral: arrived
        held = sim.servo_pulses()
        assert all(us > 0 for us in held)
        start = len(sim.servo_log)
        writes = [
            ("hip_neutral_deg", 30.0),
            ("knee_neutral_deg", 60.0),
            ("hip_max_deg", 5.0),
            ("hip_min_deg", 1.0),
            ("servo0_offset_deg", 45.0),
            ("servo1_reversed", 1),
            ("estop_pose", 2),
            ("slew_dps", 1.0),
            ("hip_offset_deg", 20.0),
            ("mode", 1),
        ]
        for name, value in writes:
            assert nack_error(host.set_param(name, value)) == c.ERR_ESTOP_LATCHED, name
        assert nack_error(host.request(c.PARAM_DEFAULTS)) == c.ERR_ESTOP_LATCHED
        host.run(1.0)
        assert sim.servo_pulses() == held
        assert sim.servo_log[start:] == []  # not one pulse changed


def test_latch_survives_a_reset_and_only_estop_reset_clears_it(tmp_path: Path) -> None:
    sim, host = boot(tmp_path)
    with sim:
        assert host.request(c.MODE, c.pack_mode(c.MODE_CPG))[1] == c.ACK
        host.run(0.5)
        assert host.request(c.ESTOP)[1] == c.ACK
        assert (tmp_path / "estop.latch").exists()
        for _ in range(2):  # reset twice: still latched, limp
            sim.soft_reset()
            host = Host(sim)
            host.run(0.2)
            assert nack_error(host.request(c.MODE, c.pack_mode(c.MODE_CPG))) == c.ERR_ESTOP_LATCHED
            tel = host.last_telemetry()
            assert tel["mode"] == c.MODE_ESTOP and tel["flags"] & c.FLAG_ESTOP
            assert sim.servo_pulses() == [0.0, 0.0]
            assert any("latched before reset" in t for _, t in host.logs())
        assert host.request(c.ESTOP_RESET)[1] == c.ACK
        assert not (tmp_path / "estop.latch").exists()
        sim.soft_reset()
        host = Host(sim)
        host.run(0.1)
        assert host.request(c.MODE, c.pack_mode(c.MODE_CPG))[1] == c.ACK


@pytest.mark.parametrize(
    "content",
    [
        b"{" + b'"a": 1, ' * 5000 + b'"b": 2}',  # 40 KB of valid JSON
        b"[" * 3000 + b"]" * 3000,  # deep nesting
        bytes(range(256)) * 200,  # 51 KB of binary
        json.dumps({f"k{i}": i for i in range(300)}).encode()[:4000] + b"}",
        json.dumps({"hip_max_deg": 1e308, "slew_dps": -0.0, "watchdog_s": [1, 2]}).encode(),
    ],
)
def test_boots_on_any_params_file(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "params.json").write_bytes(content)
    sim, host = boot(tmp_path)
    with sim:
        host.send(c.HELLO)
        host.run(0.1)
        assert sim.running and any(f[1] == c.CAPS for f in host.frames)
        logs = [t for level, t in host.logs() if level == c.LOG_WARNING]
        assert any("params.json" in t for t in logs), logs
        assert host.get_param("hip_max_deg") == pytest.approx(p.defaults()[p.INDEX["hip_max_deg"]])
        assert host.request(c.MODE, c.pack_mode(c.MODE_CPG))[1] == c.ACK

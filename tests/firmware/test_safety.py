"""Modes and safety of the firmware under MicroPython: watchdog, e-stop latch, limits, slew."""

from __future__ import annotations

import math

import pytest

from conftest import Host, nack_error, pulse_to_deg
from mnsu import wire as c

SERVO_FRAME_S = 0.020
TICK_S = 0.0005
US_PER_DEG = 2000.0 / 180.0


def start_cpg(host: Host, seconds: float = 1.5) -> None:
    assert host.request(c.MODE, c.pack_mode(c.MODE_CPG))[1] == c.ACK
    host.run(seconds)


@pytest.mark.parametrize("pose", ["limp", "neutral", "hold"])
def test_watchdog_safe_pose_within_250_ms_plus_one_servo_frame(host: Host, pose: str) -> None:
    sim = host.sim
    pose_id = ("hold", "neutral", "limp").index(pose)
    assert host.set_param("safe_pose", pose_id)[1] == c.PARAM_VALUE
    start_cpg(host, 2.3)  # the leg is mid-swing/stance, away from neutral
    last_frame = sim.t  # the last heartbeat went in at this time (run() sends them)
    host.send(c.HEARTBEAT)
    sim.step()  # the firmware reads it at its next tick
    t_fed = sim.t
    assert t_fed - last_frame <= TICK_S + 1e-9
    before = sim.servo_pulses()
    log_start = len(sim.servo_log)
    host.run(0.6, heartbeat=None)
    tel = host.last_telemetry()
    assert tel["mode"] == c.MODE_SAFE
    assert any("watchdog" in text for _, text in host.logs())
    deadline = t_fed + 0.250 + SERVO_FRAME_S + TICK_S
    changes = sim.servo_log[log_start:]
    if pose == "limp":
        off = [t for t, ch, us in changes if us == 0.0]
        assert off and max(off[:2]) <= deadline and sim.servo_pulses() == [0.0, 0.0]
        assert min(off) > t_fed + 0.250  # and not before the timeout
    elif pose == "neutral":
        # target neutral (hip 0, knee 10 deg) from the deadline on, reached at the slew rate
        neutral = [1500.0, 1500.0 + 10 * US_PER_DEG]
        dist_deg = max(
            abs(pulse_to_deg(b) - pulse_to_deg(n)) for b, n in zip(before, neutral, strict=True)
        )
        assert dist_deg > 3.0  # the test would prove nothing from the neutral pose
        moving = [t for t, ch, us in changes]
        assert moving and min(moving) <= deadline
        reach = deadline + math.ceil(dist_deg / 8.0) * SERVO_FRAME_S  # 400 deg/s = 8 deg/frame
        sim.run_until(max(sim.t, reach))
        assert sim.servo_pulses() == pytest.approx(neutral, abs=1.0)
    else:
        # hold: pulses frozen from the timeout on, and still on
        held = sim.servo_pulses()
        assert all(us > 0 for us in held)
        assert [us for t, ch, us in changes if t > deadline] == []


def test_heartbeats_keep_the_watchdog_quiet(host: Host) -> None:
    start_cpg(host, 0.2)
    host.run(3.0, heartbeat=0.2)  # slower than a tick, faster than the 0.25 s timeout
    modes = [d["mode"] for t, d in host.telemetry()]
    assert c.MODE_SAFE not in modes and modes[-1] == c.MODE_CPG and len(modes) > 300


def test_estop_latches_through_any_command_and_reset_clears(host: Host) -> None:
    sim = host.sim
    start_cpg(host)
    assert sim.servo_pulses()[0] > 0
    assert host.request(c.ESTOP)[1] == c.ACK
    sim.run_for(SERVO_FRAME_S)
    assert sim.servo_pulses() == [0.0, 0.0]  # estop_pose default: limp
    # every way back is refused while latched
    assert nack_error(host.request(c.MODE, c.pack_mode(c.MODE_CPG))) == c.ERR_ESTOP_LATCHED
    assert nack_error(host.request(c.MODE, c.pack_mode(c.MODE_HOST))) == c.ERR_ESTOP_LATCHED
    assert nack_error(host.set_param("mode", c.MODE_HOST)) == c.ERR_ESTOP_LATCHED
    assert nack_error(host.request(c.JOINT_CMD, c.pack_joint_cmd(10.0, 20.0))) == (
        c.ERR_ESTOP_LATCHED
    )
    for k in range(200):  # a burst of everything, including a heartbeat storm
        host.send(
            (c.MODE, c.HEARTBEAT, c.JOINT_CMD, c.ESTOP)[k % 4],
            (c.pack_mode(k % 4), b"", c.pack_joint_cmd(5.0, 5.0), b"")[k % 4],
        )
    host.run(2.0)  # long past any watchdog
    tel = host.last_telemetry()
    assert tel["mode"] == c.MODE_ESTOP and tel["flags"] & c.FLAG_ESTOP
    assert sim.servo_pulses() == [0.0, 0.0]
    assert all(us == 0.0 for t, ch, us in sim.servo_log if t > 1.6)
    # reset clears the latch: IDLE, and the leg can be started again
    assert host.request(c.ESTOP_RESET)[1] == c.ACK
    host.run(0.05)
    assert host.last_telemetry()["mode"] == c.MODE_IDLE
    assert not host.last_telemetry()["flags"] & c.FLAG_ESTOP
    assert host.request(c.MODE, c.pack_mode(c.MODE_CPG))[1] == c.ACK
    host.run(0.1)
    assert sim.servo_pulses()[0] > 0


def test_joint_limits_and_slew_hold_under_hostile_commands(host: Host) -> None:
    sim = host.sim
    assert host.request(c.MODE, c.pack_mode(c.MODE_HOST))[1] == c.ACK
    nacks_before = host.last_telemetry()["nacks"] if host.telemetry() else 0
    hostile = [
        (1e6, 0.0, c.ERR_OUT_OF_RANGE),
        (-1e6, 10.0, c.ERR_OUT_OF_RANGE),
        (0.0, 71.0, c.ERR_OUT_OF_RANGE),  # knee max 70
        (35.01, 0.0, c.ERR_OUT_OF_RANGE),
        (math.nan, 0.0, c.ERR_NOT_FINITE),
        (0.0, math.inf, c.ERR_NOT_FINITE),
        (-math.inf, 0.0, c.ERR_NOT_FINITE),
        (3.4e38, 3.4e38, c.ERR_OUT_OF_RANGE),
    ]
    for hip, knee, err in hostile:
        assert nack_error(host.request(c.JOINT_CMD, c.pack_joint_cmd(hip, knee))) == err
    host.run(0.05)
    assert host.last_telemetry()["nacks"] - nacks_before == len(hostile)
    # limits themselves cannot be opened beyond the table nor crossed
    assert nack_error(host.set_param("hip_max_deg", 1e9)) == c.ERR_OUT_OF_RANGE
    assert nack_error(host.set_param("hip_max_deg", math.nan)) == c.ERR_NOT_FINITE
    assert nack_error(host.set_param("hip_min_deg", 50.0)) == c.ERR_INCONSISTENT  # > hip_max
    # bursts: full-range bang-bang every tick, several commands per tick
    log_start = len(sim.servo_log)
    for k in range(400):
        for j in range(3):
            sign = 1.0 if (k + j) % 2 else -1.0
            host.send(c.JOINT_CMD, c.pack_joint_cmd(sign * 35.0, 35.0 + sign * 35.0))
        sim.step()
    host.run(0.5)
    frames = sim.servo_log[log_start:]
    assert len(frames) > 10
    last = {0: sim.servo_log[log_start - 1][2] if log_start else 1500.0}
    for ch in (0, 1):
        seq = [us for t, c_, us in frames if c_ == ch]
        degs = [pulse_to_deg(us) for us in seq]
        lo, hi = ((-35.0, 35.0), (0.0, 70.0))[ch]
        assert all(lo - 0.1 <= d <= hi + 0.1 for d in degs), (ch, min(degs), max(degs))
        steps = [abs(b - a) for a, b in zip(degs, degs[1:], strict=False)]
        assert max(steps) <= 8.0 + 0.2, (ch, max(steps))  # 400 deg/s over a 20 ms frame
    del last
    # a slower slew limit takes effect at once
    assert host.set_param("slew_dps", 50.0)[1] == c.PARAM_VALUE
    start = len(sim.servo_log)
    for k in range(100):
        host.send(c.JOINT_CMD, c.pack_joint_cmd(35.0 if k % 2 else -35.0, 0.0))
        sim.run_for(0.01)
    host.run(0.2)
    degs = [pulse_to_deg(us) for t, ch, us in sim.servo_log[start:] if ch == 0]
    assert max(abs(b - a) for a, b in zip(degs, degs[1:], strict=False)) <= 1.0 + 0.2

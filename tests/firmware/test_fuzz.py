"""Property test: random CRC-valid host traffic cannot break the firmware's motion invariants.

Every servo frame of the real controller under MicroPython is checked against limits.json
(tests/firmware/fuzz.py states the three invariants). bench/fuzz_firmware.py runs 1e5+ frames.
"""

from __future__ import annotations

from fuzz import FOUR_LEG_LIMITS, run_fuzz


def test_invariants_hold_on_every_servo_frame_under_hostile_traffic() -> None:
    res = run_fuzz(seed=1, n_items=12000)
    print(
        f"firmware fuzz: {res.frames} servo frames, {res.latches} latches, {res.resets} resets, "
        f"{len(res.violations)} violations"
    )
    assert res.violations == [], res.violations
    assert res.frames >= 20000, res.stdout
    # the traffic exercised what the invariants are about
    assert res.powered > 2000 and res.latched > 2000 and res.latches > 50 and res.resets > 10
    assert 0.5 < res.max_step_ratio <= 1.0  # servos did move at (near) the slew limit


def test_invariants_hold_on_every_servo_of_four_legs() -> None:
    # a quadruped's eight servos, each leg with its own window; LEG_JOINT_CMD in the traffic
    res = run_fuzz(seed=2, n_items=6000, limits=FOUR_LEG_LIMITS)
    print(
        f"firmware fuzz, four legs: {res.frames} servo frames x 8 servos, {res.latches} latches, "
        f"{res.resets} resets, {len(res.violations)} violations"
    )
    assert res.violations == [], res.violations
    assert res.frames >= 10000, res.stdout
    assert res.powered > 8000 and res.latched > 1000 and res.latches > 20 and res.resets > 5
    assert 0.5 < res.max_step_ratio <= 1.0

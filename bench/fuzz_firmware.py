"""Firmware fuzzing at length: random CRC-valid host traffic, invariants on every servo frame.

Runs tests/firmware/fuzz.py (the same generator and checker as `make test`'s
tests/firmware/test_fuzz.py) for several seeds under MicroPython, against the hostile limits
of the test, against the limits `mnsu deploy` writes for examples/leg.yaml and against four
legs of hostile limits (eight servos, LEG_JOINT_CMD in the traffic), and prints the
counts: servo frames checked, powered, latched, latch episodes, resets, largest step over the
allowed step, violations.

    .venv/bin/python bench/fuzz_firmware.py [--items 40000] [--seeds 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "firmware"))

from fuzz import FOUR_LEG_LIMITS, HOSTILE_LIMITS, run_fuzz  # noqa: E402

from mnsu.circuit.board import load_board  # noqa: E402
from mnsu.robot.hard_limits import limits_for  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=40000, help="host items per run (40000)")
    ap.add_argument("--seeds", type=int, default=3, help="runs per set of limits (3)")
    args = ap.parse_args()
    configs = {
        "hostile": HOSTILE_LIMITS,
        "leg.yaml": limits_for(load_board(str(ROOT / "examples" / "leg.yaml"))),
        "four legs": FOUR_LEG_LIMITS,
    }
    total_frames = 0
    total_violations = 0
    for name, limits in configs.items():
        for seed in range(1, args.seeds + 1):
            t0 = time.perf_counter()
            r = run_fuzz(seed, args.items, limits, timeout_s=3600.0)
            wall = time.perf_counter() - t0
            total_frames += r.frames
            total_violations += len(r.violations)
            print(
                f"{name:10s} seed {seed}: {r.frames} servo frames, {r.powered} powered pulses, "
                f"{r.latched} latched frames in {r.latches} latches, {r.resets} resets, "
                f"max step {r.max_step_ratio:.3f} of the slew limit, "
                f"{len(r.violations)} violations, {wall:.1f} s"
            )
            for v in r.violations[:5]:
                print("   ", v)
    print(f"total: {total_frames} servo frames checked, {total_violations} violations")
    return 1 if total_violations else 0


if __name__ == "__main__":
    sys.exit(main())

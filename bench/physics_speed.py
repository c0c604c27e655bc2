"""Virtual board speed with the physics leg (MuJoCo) vs the kinematic leg, side by side in one
run: the same firmware under MicroPython, the same emulated CPG board, the same link and host.

    .venv/bin/python bench/physics_speed.py [--duration S] [--paced S]

Prints board seconds per wall second ("x real time") of a --fast walk of each leg, their
ratio, the share of the physics leg's own stepping in the wall time, and with --paced the rate
a real-time paced physics walk keeps (1.0 = real time).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import mnsu.robot.physics as physics
from mnsu.robot.walk import VirtualSettings, WalkSettings, walk

ROOT = Path(__file__).resolve().parent.parent
LEG = ROOT / "examples" / "leg.yaml"


def timed_steps() -> list[float]:
    """Patch PhysicsLeg._step to add up its wall time (one list per run)."""
    spent = [0.0]
    step = physics.PhysicsLeg._step

    def timed(self: physics.PhysicsLeg) -> None:
        t0 = time.perf_counter()
        step(self)
        spent[0] += time.perf_counter() - t0

    physics.PhysicsLeg._step = timed  # type: ignore[method-assign]
    return spent


def one(leg: str, duration: float, realtime: bool) -> dict[str, Any]:
    _, r = walk(
        LEG, WalkSettings(duration), virtual=VirtualSettings(realtime=realtime, leg_model=leg)
    )
    return r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=10.0, help="board time per walk, s (10)")
    ap.add_argument("--paced", type=float, default=0.0, help="also a paced physics walk, s")
    args = ap.parse_args()
    spent = timed_steps()
    phys = one("physics", args.duration, False)
    physics_share = spent[0] / phys["wall_s"]
    kin = one("kinematic", args.duration, False)
    rp, rk = phys["realtime_factor"], kin["realtime_factor"]
    print(f"fast, {args.duration:g} s of board time each (one process, same host load):")
    print(f"  physics leg (MuJoCo)  {rp:6.2f}x real time  ({phys['wall_s']:.1f} s wall)")
    print(f"  kinematic leg         {rk:6.2f}x real time  ({kin['wall_s']:.1f} s wall)")
    print(f"  physics / kinematic   {rp / rk:6.2f}")
    print(f"  MuJoCo stepping       {100 * physics_share:5.1f} % of the physics walk's wall time")
    if args.paced > 0:
        paced = one("physics", args.paced, True)
        print(
            f"paced physics walk     {paced['realtime_factor']:6.3f}x real time ({args.paced:g} s)"
        )


if __name__ == "__main__":
    main()

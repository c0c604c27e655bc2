"""The quadruped virtual board's real-time factor: emulator (8 units) + firmware for four legs
under MicroPython + the MuJoCo quadruped, with the host's link in the same process, walking
examples/quadruped_trot.yaml over the serial link as `mnsu demo` does; fast (as fast as it
goes) and paced at 1x (does it keep up?), side by side. Also the physics alone.

    .venv/bin/python bench/quadruped_speed.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from mnsu.circuit.board import load_board
from mnsu.robot.quadruped import PhysicsQuadruped
from mnsu.robot.quadruped_walk import SETTLE_S, quad_walk
from mnsu.robot.walk import VirtualSettings, WalkSettings

TROT = Path(__file__).resolve().parents[1] / "examples" / "quadruped_trot.yaml"


def physics_alone(seconds: float) -> float:
    quad = PhysicsQuadruped(load_board(TROT))
    wall = time.perf_counter()
    quad.advance(seconds)
    return seconds / (time.perf_counter() - wall)


def walk(seconds: float, realtime: bool) -> dict[str, float]:
    settings = WalkSettings(duration_s=seconds, telemetry_hz=100, wall_timeout_s=20 * seconds)
    wall = time.perf_counter()
    _, summary = quad_walk(TROT, settings, virtual=VirtualSettings(realtime=realtime))
    total = time.perf_counter() - wall
    return {
        "walk_realtime_factor": summary["realtime_factor"],
        "board_s_incl_settle": seconds + SETTLE_S,
        "wall_s_incl_settle": total,
        "frames_lost": summary["frames_lost"],
        "forward_speed_m_s": summary["walking"]["forward_speed_m_s"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0, help="board time of each walk, s")
    args = ap.parse_args()
    out = {
        "physics_alone_realtime_factor": physics_alone(args.seconds),
        "fast": walk(args.seconds, realtime=False),
        "paced_1x": walk(args.seconds, realtime=True),
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()

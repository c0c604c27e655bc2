"""Firmware speed, one leg against four: CPU per control tick (MicroPython unix port, 2 kHz;
examples/leg.yaml with 4 channels, examples/quadruped_trot.yaml with 8 channels through the
MCP3208 driver) and the co-simulation's realtime factor on each board, measured side by side
in one run.

    .venv/bin/python bench/firmware_speed.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from mnsu import wire as c
from mnsu.cosim import CoSim
from mnsu.paths import DEFAULT_BOARD

PROBE = Path(__file__).with_name("firmware_tick_probe.py")
QUAD = Path(__file__).resolve().parents[1] / "examples" / "quadruped_trot.yaml"


def tick_cpu(board: Path, n_channels: int) -> dict[str, int]:
    with tempfile.TemporaryDirectory() as flash:
        Path(flash, "params.json").write_text(json.dumps({"n_channels": n_channels}))
        with CoSim(board, seed=1, entry=PROBE, heap="1M", flash_dir=flash) as sim:
            sim.run_for(10.0)
            lines = [ln for ln in sim.stderr_text().splitlines() if ln.startswith("TICK")]
            if not lines:
                raise SystemExit("tick probe failed:\n" + sim.stderr_text())
    median, p99, worst, channels, n, legs = (int(x) for x in lines[0].split()[1:])
    return {
        "median_us": median,
        "p99_us": p99,
        "max_us": worst,
        "channels": channels,
        "n": n,
        "legs": legs,
    }


def realtime_factor(board: Path, seconds: float) -> dict[str, float]:
    with CoSim(board, seed=1) as sim:
        seq = 0
        sim.write(c.encode_frame(c.MODE, seq, 0, c.pack_mode(c.MODE_CPG)))
        wall0 = time.perf_counter()
        cpu0 = time.process_time()
        while sim.t < seconds:
            seq += 1
            sim.write(c.encode_frame(c.HEARTBEAT, seq, 0))
            sim.run_for(0.1)
            sim.read()
        wall = time.perf_counter() - wall0
        host_cpu = time.process_time() - cpu0
        return {
            "virtual_s": sim.t,
            "wall_s": wall,
            "realtime_factor": sim.t / wall,
            "host_cpu_per_tick_us": host_cpu / sim.syncs * 1e6,
            "wall_per_tick_us": wall / sim.syncs * 1e6,
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=10.0, help="virtual seconds to co-simulate")
    args = ap.parse_args()
    one = tick_cpu(DEFAULT_BOARD, 4)
    four = tick_cpu(QUAD, 8)
    rt1 = realtime_factor(DEFAULT_BOARD, args.seconds)
    rt4 = realtime_factor(QUAD, args.seconds)
    print(f"{'measure':<44}{'1 leg':>10}{'4 legs':>10}{'ratio':>8}")

    def row(name: str, a: float, b: float, fmt: str = ".0f") -> None:
        print(f"{name:<44}{a:>10{fmt}}{b:>10{fmt}}{b / a:>8.2f}")

    row("legs", one["legs"], four["legs"])
    row("ADC channels sampled", one["channels"], four["channels"])
    row("firmware tick CPU, median (us)", one["median_us"], four["median_us"])
    row("firmware tick CPU, p99 (us)", one["p99_us"], four["p99_us"])
    row("firmware tick CPU, max (us)", one["max_us"], four["max_us"])
    row("tick budget use at 2 kHz, median (%)", one["median_us"] / 5, four["median_us"] / 5, ".1f")
    row("tick budget use at 2 kHz, p99 (%)", one["p99_us"] / 5, four["p99_us"] / 5, ".1f")
    row("co-simulation realtime factor", rt1["realtime_factor"], rt4["realtime_factor"], ".2f")
    row("  wall per tick, both processes (us)", rt1["wall_per_tick_us"], rt4["wall_per_tick_us"])
    row(
        "  host (emulator+harness) CPU per tick (us)",
        rt1["host_cpu_per_tick_us"],
        rt4["host_cpu_per_tick_us"],
    )
    print(f"(ticks timed per board: {one['n']}; budget 500 us per tick at 2 kHz)")


if __name__ == "__main__":
    main()

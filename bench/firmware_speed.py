"""Firmware speed: CPU per control tick (MicroPython unix port, 2 kHz x 4 channels) and the
co-simulation's realtime factor on examples/leg.yaml, measured side by side in one run.

    .venv/bin/python bench/firmware_speed.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from mnsu_fw import codec as c

from mnsu.cosim import CoSim

PROBE = Path(__file__).with_name("firmware_tick_probe.py")


def tick_cpu() -> dict[str, int]:
    with tempfile.TemporaryDirectory() as flash:
        Path(flash, "params.json").write_text(json.dumps({"n_channels": 4}))
        with CoSim(seed=1, entry=PROBE, heap="1M", flash_dir=flash) as sim:
            sim.run_for(6.0)
            lines = [ln for ln in sim.stderr_text().splitlines() if ln.startswith("TICK")]
            if not lines:
                raise SystemExit("tick probe failed:\n" + sim.stderr_text())
    median, p99, worst, channels, n = (int(x) for x in lines[0].split()[1:])
    return {"median_us": median, "p99_us": p99, "max_us": worst, "channels": channels, "n": n}


def realtime_factor(seconds: float) -> dict[str, float]:
    with CoSim(seed=1) as sim:
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
    cpu = tick_cpu()
    rt = realtime_factor(args.seconds)
    print(f"{'measure':<44}{'value':>12}")
    print(f"{'firmware tick CPU, median (us)':<44}{cpu['median_us']:>12}")
    print(f"{'firmware tick CPU, p99 (us)':<44}{cpu['p99_us']:>12}")
    print(f"{'firmware tick CPU, max (us)':<44}{cpu['max_us']:>12}")
    print(f"{'  (channels, ticks timed; budget 500 us)':<44}{cpu['channels']:>6}{cpu['n']:>6}")
    print(f"{'co-simulation realtime factor (leg.yaml)':<44}{rt['realtime_factor']:>12.2f}")
    print(f"{'  wall per tick, both processes (us)':<44}{rt['wall_per_tick_us']:>12.1f}")
    print(f"{'  host (emulator+harness) CPU per tick (us)':<44}{rt['host_cpu_per_tick_us']:>12.1f}")
    print(
        f"{'tick budget use at 2 kHz (median/p99)':<44}"
        f"{cpu['median_us'] / 500:>6.1%}{cpu['p99_us'] / 500:>6.1%}"
    )


if __name__ == "__main__":
    main()

"""Virtual board soak: memory flat over long board time with 1 kHz telemetry.

Runs the virtual board (the firmware under MicroPython, the emulator, the leg) in this
process with --fast timing, in CPG mode with telemetry at 1000 Hz and heartbeats written
into the firmware's serial input, and prints this process's resident memory (VmRSS) after a
warm-up and at the end, the growth, the board time and the wall time. The firmware's own heap
is fixed (MicroPython, 128 KB). Without a host on the pty, the board's output is dropped, as
when nobody listens on a real port.

    .venv/bin/python bench/soak_virtual_board.py [--minutes 60] [--warmup 1]
"""

from __future__ import annotations

import argparse
import struct
import sys
import time

from mnsu_fw import params as p

from mnsu import wire as c
from mnsu.cosim.virtual_board import VirtualBoard


def rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def soak(minutes: float, warmup_min: float) -> tuple[int, int, float, float]:
    """(RSS after warm-up kB, RSS at the end kB, board time s, wall s)."""
    with VirtualBoard(realtime=False, host_lead_s=None) as vb:
        sim = vb.sim
        seq = 0

        def send(msg_type: int, payload: bytes = b"") -> None:
            nonlocal seq
            sim.write(c.encode_frame(msg_type, seq, 0, payload))
            seq += 1

        send(c.PARAM_SET, struct.pack("<Hf", p.INDEX["telemetry_hz"], 1000.0))
        send(c.PARAM_SET, struct.pack("<Hf", p.INDEX["watchdog_s"], 10.0))
        send(c.MODE, bytes([c.MODE_CPG]))
        wall0 = time.monotonic()
        after_warmup = 0
        t_end = minutes * 60.0
        while sim.t < t_end:
            send(c.HEARTBEAT)
            vb.run(min(t_end, sim.t + 2.0))
            if not after_warmup and sim.t >= warmup_min * 60.0:
                after_warmup = rss_kb()
        return after_warmup, rss_kb(), sim.t, time.monotonic() - wall0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=60.0, help="board time, min (60)")
    ap.add_argument("--warmup", type=float, default=1.0, help="board time before the first RSS")
    args = ap.parse_args()
    a, b, board_s, wall = soak(args.minutes, args.warmup)
    print(
        f"virtual board soak: {board_s:.0f} s board time in {wall:.0f} s wall, "
        f"RSS {a} kB after {args.warmup:g} min, {b} kB at the end, growth {b - a} kB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

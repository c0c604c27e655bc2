"""Firmware heap: bytes free in a 128 KB MicroPython heap after importing the firmware.

Runs the firmware (compiled with mpy-cross, as the virtual board runs it) under the MicroPython
unix port with `-X heapsize=128K` through the co-simulation (the `machine` double stands in for
the hardware and is imported first: on a board `machine` is built in and takes no heap),
imports every module of mnsu_fw, collects, and prints the heap free; then builds
the firmware as main.py does (app.build(): buffers, decoders, the parameter values) and prints
the heap free again.

    .venv/bin/python bench/firmware_heap.py
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from mnsu.cosim import CoSim
from mnsu.paths import DEVICE_DIR, FIRMWARE_PACKAGE

HEAP = "128K"
PROBE = """import gc
import sys
import machine  # the hardware: built into a board's firmware, a double here (not counted)
import time
gc.collect()
base = gc.mem_free()
{imports}
gc.collect()
imported = gc.mem_free()
from mnsu_fw import app
app.build()
gc.collect()
sys.stderr.write("HEAP %d %d %d\\n" % (base, imported, gc.mem_free()))
"""


def measure() -> tuple[int, int, int]:
    """(free before importing, after importing every mnsu_fw module, after app.build()) B."""
    modules = sorted(p.stem for p in (DEVICE_DIR / FIRMWARE_PACKAGE).glob("*.py"))
    imports = "\n".join(f"import {FIRMWARE_PACKAGE}.{m}" for m in modules if m != "__init__")
    with tempfile.TemporaryDirectory(prefix="mnsu-heap-") as tmp:
        probe = Path(tmp) / "heap_probe.py"
        probe.write_text(PROBE.format(imports=imports))
        with CoSim(seed=1, entry=probe, heap=HEAP) as sim:
            # the probe exits at once (the run ends in an error); its stderr says why
            with contextlib.suppress(Exception):
                sim.run_for(0.05)
            text = sim.stderr_text()
    line = next((ln for ln in text.splitlines() if ln.startswith("HEAP")), None)
    if line is None:
        raise SystemExit(f"the heap probe printed no HEAP line:\n{text}")
    base, imported, built = (int(x) for x in line.split()[1:])
    return base, imported, built


def main() -> None:
    base, imported, built = measure()
    print(f"heap {HEAP}: free before importing the firmware {base} B")
    print(f"heap {HEAP}: free after importing the firmware {imported} B")
    print(f"heap {HEAP}: free after app.build() {built} B")


if __name__ == "__main__":
    main()

# MicroPython probe run by test_heap.py through CoSim(entry=...): builds the firmware exactly
# as main.py does, warms it up, then counts heap bytes allocated over many control ticks.
# Result on stderr (stdout is the firmware's serial stream).
import gc
import sys

import micropython
from mnsu_fw import app

micropython.kbd_intr(-1)
ctrl, hw, link = app.build()
ctrl.set_mode(1)  # CPG: every part of the tick runs (decoding, mapping, servos, telemetry)
ctrl.watchdog_ticks = 1 << 29  # no host in this probe
app.run(ctrl, hw, link, 4000)


def measure(ticks):
    gc.collect()
    before = gc.mem_alloc()
    app.run(ctrl, hw, link, ticks)
    return gc.mem_alloc() - before


gc_runs = ctrl.gc_runs
short = measure(2000)
long = measure(20000)
sys.stderr.write(
    "ALLOC %d %d %d %d %d\n"
    % (short, long, ctrl.gc_runs - gc_runs, ctrl.decoders[0].spikes, gc.mem_free())
)
while True:  # keep serving ticks until the host stops us
    app.run(ctrl, hw, link, 1000)

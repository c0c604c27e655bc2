# MicroPython probe for bench/firmware_speed.py (run through CoSim(entry=...)): records the
# board's ADC readings for all 4 channels through the co-simulation, then replays them into
# the controller with the real clock (utime) to time the firmware's own work per tick.
import gc
import sys
from array import array

import utime
from mnsu_fw import app

N = 8000
ctrl, hw, link = app.build()
ctrl.set_mode(1)
ctrl.watchdog_ticks = 1 << 29
rec = array("H", bytes(2 * 4 * N))
app.run(ctrl, hw, link, 2000)  # settle
for k in range(N):
    app.run(ctrl, hw, link, 1)
    for i in range(4):
        rec[4 * k + i] = ctrl.adc[i]
dts = array("I", bytes(4 * N))
adc = ctrl.adc
gc.collect()
for k in range(N):
    for i in range(4):
        adc[i] = rec[4 * k + i]
    t0 = utime.ticks_us()
    ctrl.tick(1, 500, False)
    ctrl.out_n = 0  # telemetry encoded, not written: I/O is not firmware CPU
    dts[k] = utime.ticks_diff(utime.ticks_us(), t0)
s = sorted(dts)
sys.stderr.write(f"TICK {s[N // 2]} {s[N * 99 // 100]} {s[-1]} {ctrl.n_channels} {N}\n")
while True:
    app.run(ctrl, hw, link, 1000)

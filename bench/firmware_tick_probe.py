# MicroPython probe for bench/firmware_speed.py (run through CoSim(entry=...)): records the
# board's ADC readings for every channel it samples through the co-simulation, then replays
# them into the controller with the real clock (utime) to time the firmware's own work per
# tick (decoding every channel, every leg's mapping, telemetry encoding).
import gc
import sys
from array import array

import utime
from mnsu_fw import app

N = 8000
ctrl, hw, link = app.build()
ctrl.set_mode(1)
ctrl.watchdog_ticks = 1 << 29
C = ctrl.n_channels
rec = array("H", bytes(2 * C * N))
app.run(ctrl, hw, link, 2000)  # settle
for k in range(N):
    app.run(ctrl, hw, link, 1)
    for i in range(C):
        rec[C * k + i] = ctrl.adc[i]
dts = array("I", bytes(4 * N))
adc = ctrl.adc
gc.collect()
for k in range(N):
    for i in range(C):
        adc[i] = rec[C * k + i]
    t0 = utime.ticks_us()
    ctrl.tick(1, 500, False)
    ctrl.out_n = 0  # telemetry encoded, not written: I/O is not firmware CPU
    dts[k] = utime.ticks_diff(utime.ticks_us(), t0)
s = sorted(dts)
sys.stderr.write(f"TICK {s[N // 2]} {s[N * 99 // 100]} {s[-1]} {C} {N} {ctrl.n_legs}\n")
while True:
    app.run(ctrl, hw, link, 1000)

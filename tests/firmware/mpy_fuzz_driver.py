# MicroPython driver for the firmware fuzz test (tests/firmware/fuzz.py): the real controller
# (device/mnsu_fw, as app.build makes it, without the hardware edge) fed a script of host bytes.
#
# argv: SCRIPT OUT. SCRIPT is a sequence of records <HBH>: ticks to run first, kind, length,
# then `length` bytes: kind 0 = bytes from the host, 1 = firmware reset (a new controller from
# the same flash, the working directory), 2 = end. The ADC inputs alternate flexor and extensor
# spike bursts so that CPG mode moves the leg. OUT receives one <HHB> record per servo frame:
# hip pulse, knee pulse (us, 0 = limp), flags (1 latched, 2 first frame after a reset).
import gc
import struct
import sys

from mnsu_fw import hard_limits, param_store
from mnsu_fw.controller import Controller

HEAD = "<HBH"
HEAD_SIZE = 5


def build():
    limits, notes = hard_limits.load("limits.json")
    values, more = param_store.load("params.json", limits)
    return Controller(values, notes + more, "fuzz", "params.json", limits, "estop.latch")


def run(script_path, out_path):
    ctrl = build()
    src = open(script_path, "rb")
    out = open(out_path, "wb")
    rec = bytearray(5)
    tick = 0
    reset_flag = 2
    frames = 0
    while True:
        head = src.read(HEAD_SIZE)
        if len(head) < HEAD_SIZE:
            break
        ticks, kind, n = struct.unpack(HEAD, head)
        data = src.read(n) if n else b""
        for _ in range(ticks):
            phase = tick % 1200
            spiking = (tick >> 2) & 1
            ctrl.adc[0] = 60000 if spiking and phase < 500 else 200
            ctrl.adc[1] = 60000 if spiking and 600 <= phase < 1100 else 200
            ctrl.tick(1, ctrl.period_us, False)
            tick += 1
            ctrl.out_n = 0  # the device's output is not checked here
            if ctrl.servo_dirty:
                ctrl.servo_dirty = False
                p = ctrl.leg.pulse
                struct.pack_into("<HHB", rec, 0, p[0], p[1], (1 if ctrl.estop else 0) | reset_flag)
                out.write(rec)
                reset_flag = 0
                frames += 1
        if kind == 0:
            ctrl.receive(data, len(data))
            ctrl.out_n = 0
        elif kind == 1:
            ctrl = None  # a reset frees the old firmware's memory
            gc.collect()
            ctrl = build()
            reset_flag = 2
        else:
            break
    out.close()
    sys.stdout.write("FUZZ frames=%d ticks=%d\n" % (frames, tick))


run(sys.argv[1], sys.argv[2])

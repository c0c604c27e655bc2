# MicroPython driver for the firmware fuzz test (tests/firmware/fuzz.py): the real controller
# (device/mnsu_fw, as app.build makes it, without the hardware edge) fed a script of host bytes.
#
# argv: SCRIPT OUT. SCRIPT is a sequence of records <HBH>: ticks to run first, kind, length,
# then `length` bytes: kind 0 = bytes from the host, 1 = firmware reset (a new controller from
# the same flash, the working directory), 2 = end. The ADC inputs alternate flexor and extensor
# spike bursts so that CPG mode moves the leg. OUT receives one record per servo frame: every
# leg's hip and knee pulse (<H each, us, 0 = limp; 2 per leg of limits.json), then a flags
# byte (1 latched, 2 first frame after a reset).
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
    n_legs = ctrl.n_legs
    rec = bytearray(4 * n_legs + 1)
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
            for k in range(n_legs):  # each leg's flexor and extensor channels
                ctrl.adc[2 * k] = 60000 if spiking and phase < 500 else 200
                ctrl.adc[2 * k + 1] = 60000 if spiking and 600 <= phase < 1100 else 200
            ctrl.tick(1, ctrl.period_us, False)
            tick += 1
            ctrl.out_n = 0  # the device's output is not checked here
            if ctrl.servo_dirty:
                ctrl.servo_dirty = False
                for k in range(n_legs):
                    p = ctrl.legs[k].pulse
                    struct.pack_into("<HH", rec, 4 * k, p[0], p[1])
                rec[4 * n_legs] = (1 if ctrl.estop else 0) | reset_flag
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

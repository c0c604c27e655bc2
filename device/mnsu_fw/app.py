"""The control loop: fixed-rate sampling, the controller's tick, outputs and the serial link.

The loop body allocates nothing on the sampling path; the garbage collector runs only between
ticks, when free memory runs low (commands from the host allocate a little).
"""

import gc
import time

import micropython

from mnsu_fw import board_config, hard_limits, param_store
from mnsu_fw.controller import Controller
from mnsu_fw.hw import Hardware, from_config
from mnsu_fw.usb_link import UsbLink

RX_BYTES_PER_TICK = 48  # bounded serial work per tick keeps the loop at its rate
GC_FREE_MIN = 16 * 1024  # collect between ticks when less than this is free (a command
# allocates at most a few hundred bytes, and at most 48 bytes of commands arrive per tick)


def build() -> "tuple[Controller, Hardware, UsbLink]":
    cfg = board_config.current()
    path = str(cfg["params_file"])
    limits, notes = hard_limits.load(str(cfg["limits_file"]))
    values, more = param_store.load(path, limits)
    gc.collect()  # the file parsing's garbage, before the controller's buffers
    ctrl = Controller(values, notes + more, str(cfg["name"]), path, limits, str(cfg["latch_file"]))
    hw = from_config(cfg, ctrl.n_channels, ctrl.drive_hz, ctrl.n_legs)
    link = UsbLink()
    gc.collect()  # the boot's garbage (file parsing) before the loop starts
    return ctrl, hw, link


def run(ctrl: Controller, hw: Hardware, link: UsbLink, max_ticks: int = 0) -> None:
    """Run the loop until the host sends EXIT_TO_REPL (or for max_ticks ticks, benchmarks)."""
    ticks_us = time.ticks_us
    ticks_diff = time.ticks_diff
    ticks_add = time.ticks_add
    sleep_us = time.sleep_us
    adc = ctrl.adc
    period = ctrl.period_us
    now = ticks_us()
    deadline = ticks_add(now, period)
    last = now
    count = 0
    n_channels = ctrl.n_channels
    legs = ctrl.legs
    n_legs = hw.n_legs if hw.n_legs < ctrl.n_legs else ctrl.n_legs
    while True:
        wait = ticks_diff(deadline, ticks_us())
        if wait > 0:
            sleep_us(wait)
        start = ticks_us()
        late = ticks_diff(start, deadline)
        elapsed = 1
        if late >= period:
            # Missed ticks are not made up: count them and sample once, now.
            missed = late // period
            ctrl.overruns += 1
            elapsed += missed
            deadline = ticks_add(deadline, missed * period)
        deadline = ticks_add(deadline, period)
        if n_channels:
            hw.read_adcs(adc)
        ctrl.tick(elapsed, ticks_diff(start, last), hw.contact())
        last = start

        if ctrl.servo_dirty:
            ctrl.servo_dirty = False
            for k in range(n_legs):
                pulse = legs[k].pulse
                hw.set_servo_us(2 * k, pulse[0])
                hw.set_servo_us(2 * k + 1, pulse[1])
        hw.set_drive(ctrl.drive_duty, ctrl.drive_hz)
        hw.set_touchdown(ctrl.touchdown_mask, ctrl.touchdown_duty)

        n = link.read(RX_BYTES_PER_TICK)
        if n:
            ctrl.receive(link.buf, n)
            if ctrl.period_us != period or ctrl.n_channels != n_channels:
                # sample rate or channel count changed by a parameter set
                period = ctrl.period_us
                n_channels = ctrl.n_channels if ctrl.n_channels <= hw.n_channels else hw.n_channels
        if ctrl.out_n:
            link.write(ctrl.out, ctrl.out_n)
            ctrl.out_n = 0
        if ctrl.exit_requested:
            return  # EXIT_TO_REPL: main() turns the outputs off and gives Ctrl-C back

        body = ticks_diff(ticks_us(), start)
        if body > ctrl.max_loop_us:
            ctrl.max_loop_us = body
        if gc.mem_free() < GC_FREE_MIN:
            gc.collect()
            ctrl.gc_runs += 1
        if max_ticks:
            count += 1
            if count >= max_ticks:
                return


def main() -> None:
    # Binary frames may contain 0x03: it must not raise KeyboardInterrupt in the loop.
    micropython.kbd_intr(-1)
    gc.collect()
    ctrl, hw, link = build()
    try:
        run(ctrl, hw, link)
    finally:
        hw.all_off()
        micropython.kbd_intr(3)

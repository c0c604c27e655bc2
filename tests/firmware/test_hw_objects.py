"""`mnsu_fw.hw.Hardware` drives the objects it is given (micropython-lib style: no pin map, no
board name), under the real MicroPython interpreter with plain stand-ins for ADC, PWM and Pin."""

from __future__ import annotations

from conftest import run_micropython

SCRIPT = """
from mnsu_fw.hw import Hardware

class Adc:
    def __init__(self, v): self.v = v
    def read_u16(self): return self.v

class Pwm:
    def __init__(self): self.hz = 0; self.duty = None; self.ns = None
    def freq(self, hz): self.hz = hz
    def duty_u16(self, d): self.duty = d; self.ns = None
    def duty_ns(self, ns): self.ns = ns

class Pin:
    def __init__(self, v): self.v = v
    def value(self): return self.v

servos = [Pwm() for _ in range(4)]
drive, tds = Pwm(), [Pwm(), Pwm()]
hw = Hardware([Adc(100), Adc(200)], servos, drive, 20000, tds, [Pin(0), Pin(1)], True)
out = [0, 0]
hw.read_adcs(out)
hw.set_servo_us(3, 1500)
hw.set_drive(30000, 10000)
hw.set_touchdown(2, 65535)
print(hw.n_legs, hw.n_channels, out, hw.contact(), [s.duty for s in servos], servos[3].ns,
      drive.hz, drive.duty, [t.hz for t in tds], [t.duty for t in tds])
hw.all_off()
print([s.duty for s in servos], drive.duty, [t.duty for t in tds])
"""


def test_hardware_drives_the_objects_it_is_given() -> None:
    stdout = run_micropython(SCRIPT)
    first, second = stdout.splitlines()
    # 2 legs, 2 channels, the readings, leg 0's switch closed (active low), servos limp but
    # one at 1.5 ms, the drive and touch-down PWM at the new frequency, leg 1's pulse on
    assert first == (
        "2 2 [100, 200] 1 [0, 0, 0, 0] 1500000 10000 30000 [10000, 10000] [0, 65535]"
    ), first
    assert second == "[0, 0, 0, 0] 0 [0, 0]", second  # all off: limp, no drive, no pulse

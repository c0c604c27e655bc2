"""The hardware edge: the only module that imports `machine`.

ADC inputs (the MCU's own, or an MCP3208 on SPI when the board config has one and more channels
are wanted than the MCU's ADC pins), servo PWM, drive and touch-down PWM outputs and the foot
switches, set up from the board config for `n_legs` legs. Every method here is allocation-free.
"""

import machine

SERVO_PERIOD_NS = 20000000

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Hardware:
    def __init__(
        self, cfg: "dict[str, Any]", n_channels: int, drive_hz: int, n_legs: int = 1
    ) -> None:
        adc_pins = cfg["adc_pins"]
        servo_pins = cfg["servo_pins"]
        td_pins = cfg["touchdown_pins"]
        contact_pins = cfg["contact_pins"]
        assert isinstance(adc_pins, tuple) and isinstance(servo_pins, tuple)
        n_legs = min(n_legs, len(servo_pins) // 2, len(td_pins), len(contact_pins))
        self.n_legs = n_legs
        self.adcs = []
        self.adc = None  # the external ADC, when it reads the channels
        spi_cs = cfg.get("mcp3208")
        if n_channels > len(adc_pins) and spi_cs:
            # every channel from the external ADC (one converter, one time base), on its SPI
            # bus at MicroPython's defaults (1 MHz, mode 0, the bus's default pins)
            from mnsu_fw.mcp3208 import MCP3208  # only on boards that have one

            cs = machine.Pin(spi_cs[1], machine.Pin.OUT, value=1)
            self.adc = MCP3208(machine.SPI(spi_cs[0]), cs)
            self.n_channels = min(n_channels, 8)  # the MCP3208's channels
        else:
            for pin in adc_pins[:n_channels]:
                adc = machine.ADC(machine.Pin(pin))
                if cfg.get("adc_atten_11db"):
                    adc.atten(machine.ADC.ATTN_11DB)  # 0..~3.3 V input range
                self.adcs.append(adc)
            self.n_channels = len(self.adcs)
        servo_hz = cfg["servo_hz"]
        self.servos = []
        for pin in servo_pins[: 2 * n_legs]:
            pwm = machine.PWM(machine.Pin(pin))
            pwm.freq(servo_hz)
            pwm.duty_u16(0)  # limp until the controller says otherwise
            self.servos.append(pwm)
        self._servo_us = [0] * len(self.servos)
        self.drive = machine.PWM(machine.Pin(cfg["drive_pin"]))
        self.drive.freq(drive_hz)
        self.drive.duty_u16(0)
        self._drive_hz = drive_hz
        self._drive_duty = -1
        self.touchdown = []
        for pin in td_pins[:n_legs]:
            pwm = machine.PWM(machine.Pin(pin))
            pwm.freq(drive_hz)
            pwm.duty_u16(0)
            self.touchdown.append(pwm)
        self._touchdown_duty = [0] * n_legs
        self.contact_pins = [
            machine.Pin(p, machine.Pin.IN, machine.Pin.PULL_UP) for p in contact_pins[:n_legs]
        ]
        self._contact_low = bool(cfg["contact_active_low"])

    def read_adcs(self, out: "list[int]") -> None:
        ext = self.adc
        if ext is not None:
            for i in range(self.n_channels):
                out[i] = ext.read_u16(i)
            return
        adcs = self.adcs
        for i in range(self.n_channels):
            out[i] = adcs[i].read_u16()

    def contact(self) -> int:
        """Every leg's foot switch: bit k set while leg k's switch is closed."""
        bits = 0
        low = self._contact_low
        pins = self.contact_pins
        for k in range(self.n_legs):
            level = pins[k].value()
            if (level == 0) if low else (level == 1):
                bits |= 1 << k
        return bits

    def set_servo_us(self, channel: int, us: int) -> None:
        """Pulse width in microseconds; 0 stops the pulses (the servo goes limp)."""
        if us == self._servo_us[channel]:
            return
        self._servo_us[channel] = us
        if us:
            self.servos[channel].duty_ns(us * 1000)
        else:
            self.servos[channel].duty_u16(0)

    def set_drive(self, duty_u16: int, hz: int) -> None:
        if hz != self._drive_hz:
            self._drive_hz = hz
            self.drive.freq(hz)
            for k in range(self.n_legs):
                self.touchdown[k].freq(hz)
            self._drive_duty = -1
        if duty_u16 != self._drive_duty:
            self._drive_duty = duty_u16
            self.drive.duty_u16(duty_u16)

    def set_touchdown(self, mask: int, duty_u16: int) -> None:
        """Leg k's touch-down output at `duty_u16` while bit k of `mask` is set, else 0."""
        last = self._touchdown_duty
        for k in range(self.n_legs):
            duty = duty_u16 if (mask >> k) & 1 else 0
            if duty != last[k]:
                last[k] = duty
                self.touchdown[k].duty_u16(duty)

    def all_off(self) -> None:
        """Servos limp, drive and touch-down outputs at 0 (leaving the control loop)."""
        for i in range(len(self.servos)):
            self.set_servo_us(i, 0)
        self.drive.duty_u16(0)
        for k in range(self.n_legs):
            self.touchdown[k].duty_u16(0)

"""The hardware edge: the only module that imports `machine`.

ADC inputs, servo PWM, drive and touch-down PWM outputs and the foot switch, set up from the
board config. Every method here is allocation-free.
"""

import machine

SERVO_PERIOD_NS = 20000000

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Hardware:
    def __init__(self, cfg: "dict[str, Any]", n_channels: int, drive_hz: int) -> None:
        adc_pins = cfg["adc_pins"]
        servo_pins = cfg["servo_pins"]
        assert isinstance(adc_pins, tuple) and isinstance(servo_pins, tuple)
        self.adcs = []
        for pin in adc_pins[:n_channels]:
            adc = machine.ADC(machine.Pin(pin))
            if cfg["name"] == "esp32":
                adc.atten(machine.ADC.ATTN_11DB)  # 0..~3.3 V input range
            self.adcs.append(adc)
        self.n_channels = len(self.adcs)
        servo_hz = cfg["servo_hz"]
        self.servos = []
        for pin in servo_pins:
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
        self.touchdown = machine.PWM(machine.Pin(cfg["touchdown_pin"]))
        self.touchdown.freq(drive_hz)
        self.touchdown.duty_u16(0)
        self._touchdown_duty = 0
        self.contact_pin = machine.Pin(cfg["contact_pin"], machine.Pin.IN, machine.Pin.PULL_UP)
        self._contact_low = bool(cfg["contact_active_low"])

    def read_adcs(self, out: "list[int]") -> None:
        adcs = self.adcs
        for i in range(self.n_channels):
            out[i] = adcs[i].read_u16()

    def contact(self) -> bool:
        level = self.contact_pin.value()
        return (level == 0) if self._contact_low else (level == 1)

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
            self.touchdown.freq(hz)
            self._drive_duty = -1
        if duty_u16 != self._drive_duty:
            self._drive_duty = duty_u16
            self.drive.duty_u16(duty_u16)

    def set_touchdown(self, duty_u16: int) -> None:
        if duty_u16 != self._touchdown_duty:
            self._touchdown_duty = duty_u16
            self.touchdown.duty_u16(duty_u16)

    def all_off(self) -> None:
        """Servos limp, drive and touch-down outputs at 0 (leaving the control loop)."""
        for i in range(len(self.servos)):
            self.set_servo_us(i, 0)
        self.drive.duty_u16(0)
        self.touchdown.duty_u16(0)

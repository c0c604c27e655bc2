"""The hardware edge: the only module that imports `machine`.

`Hardware` drives the objects it is given (micropython-lib style: ADCs or an external ADC,
servo PWMs, the drive PWM, touch-down PWMs, foot-switch pins), so it runs on any board and
against any double; every method is allocation-free. `from_config` builds those objects from
a pin map (mnsu_fw.board_config) for `n_legs` legs: the MCU's own ADC pins, or an MCP3208 on
SPI when more channels are wanted than the MCU has ADC pins.
"""

import machine

SERVO_PERIOD_NS = 20000000

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Hardware:
    def __init__(
        self,
        adcs: "list[Any]",
        servos: "list[Any]",
        drive: "Any",
        drive_hz: int,
        touchdowns: "list[Any]",
        contacts: "list[Any]",
        contact_active_low: bool,
        ext_adc: "Any" = None,
        n_channels: int = 0,
    ) -> None:
        """adcs: one `read_u16()` input per channel, or ext_adc: one `read_u16(channel)`
        converter for `n_channels` channels. servos: hip, knee PWM of each leg; touchdowns and
        contacts (Pins, read with `value()`): one per leg. PWMs start at duty 0 (limp, off)."""
        self.n_legs = min(len(servos) // 2, len(touchdowns), len(contacts))
        self.adcs = adcs
        self.adc = ext_adc  # the external ADC, when it reads the channels
        self.n_channels = n_channels if ext_adc is not None else len(adcs)
        self.servos = servos
        for pwm in servos:
            pwm.duty_u16(0)  # limp until the controller says otherwise
        self._servo_us = [0] * len(servos)
        self.drive = drive
        drive.freq(drive_hz)
        drive.duty_u16(0)
        self._drive_hz = drive_hz
        self._drive_duty = -1
        self.touchdown = touchdowns
        for pwm in touchdowns:
            pwm.freq(drive_hz)
            pwm.duty_u16(0)
        self._touchdown_duty = [0] * len(touchdowns)
        self.contact_pins = contacts
        self._contact_low = bool(contact_active_low)

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


def from_config(cfg: "dict[str, Any]", n_channels: int, drive_hz: int, n_legs: int = 1) -> Hardware:
    """The Hardware of a pin map (mnsu_fw.board_config) for `n_legs` legs (at most what the
    map has pins for) and `n_channels` ADC channels."""
    adc_pins = cfg["adc_pins"]
    servo_pins = cfg["servo_pins"]
    td_pins = cfg["touchdown_pins"]
    contact_pins = cfg["contact_pins"]
    n_legs = min(n_legs, len(servo_pins) // 2, len(td_pins), len(contact_pins))
    adcs = []
    ext = None
    spi_cs = cfg.get("mcp3208")
    if n_channels > len(adc_pins) and spi_cs:
        # every channel from the external ADC (one converter, one time base), on its SPI
        # bus at MicroPython's defaults (1 MHz, mode 0, the bus's default pins)
        from mnsu_fw.mcp3208 import MCP3208  # only on boards that have one

        cs = machine.Pin(spi_cs[1], machine.Pin.OUT, value=1)
        ext = MCP3208(machine.SPI(spi_cs[0]), cs)
        n_channels = min(n_channels, 8)  # the MCP3208's channels
    else:
        for pin in adc_pins[:n_channels]:
            adc = machine.ADC(machine.Pin(pin))
            if cfg.get("adc_atten_11db"):
                adc.atten(machine.ADC.ATTN_11DB)  # 0..~3.3 V input range
            adcs.append(adc)
    servos = []
    for pin in servo_pins[: 2 * n_legs]:
        pwm = machine.PWM(machine.Pin(pin))
        pwm.freq(cfg["servo_hz"])
        servos.append(pwm)
    touchdowns = [machine.PWM(machine.Pin(pin)) for pin in td_pins[:n_legs]]
    contacts = [machine.Pin(p, machine.Pin.IN, machine.Pin.PULL_UP) for p in contact_pins[:n_legs]]
    drive = machine.PWM(machine.Pin(cfg["drive_pin"]))
    return Hardware(
        adcs,
        servos,
        drive,
        drive_hz,
        touchdowns,
        contacts,
        cfg["contact_active_low"],
        ext,
        n_channels,
    )

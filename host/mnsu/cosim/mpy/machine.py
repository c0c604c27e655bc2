"""`machine` double of the co-simulation: the RP2040's ADC, PWM, Pin and an MCP3208 on SPI,
backed by the emulator.

Shadows the built-in `machine` first on MICROPYPATH. Output changes (PWM duty, frequency, pin
levels) are queued with their virtual time and sent with the next ADC request, one round trip
per control tick over two pipes (fds in MNSU_COSIM_REQ_FD / MNSU_COSIM_RSP_FD). Never flush()
them: on MicroPython that is fsync, which fails on a pipe. Allocation-free after import. The
real `machine` is in flash; this one's names are qstrs on the firmware's heap, so its
constants are const() (no name at run time) and its state is few names.

Request records (little-endian):
    output: 0x01 kind:u8 pin:u8 value:u32 t_us:u64   kind 1 duty_u16, 2 duty_ns, 3 freq,
                                                          4 deinit, 5 pin level
    sync:   0x02 t_us:u64
Response to sync: 8 x u16 ADC readings (read_u16 scale; channels 0..3 are the RP2040's own ADC,
all 8 the MCP3208's), u32 input pin levels (bit = GPIO).
"""

import os
import struct
import sys
import time as _time

from micropython import const

_MICROPYTHON = sys.implementation.name == "micropython"
_REQ = open("/dev/fd/" + (os.getenv("MNSU_COSIM_REQ_FD") or "-1"), "wb", 0)
_RSP = open("/dev/fd/" + (os.getenv("MNSU_COSIM_RSP_FD") or "-1"), "rb", 0)
_PENDING_MAX = const(1020)  # 68 output records; more in one tick forces a sync
_pend = bytearray(_PENDING_MAX + 16)
_pend_n = 0
_rsp = bytearray(20)
_codes = [0] * 8
_inputs = 0xFFFFFFFF  # pull-ups: inputs read high until the host says otherwise
_synced_at = -1000000
_selected = [0]  # output pins driven low: the SPI device's chip select
_CONVERSION_US = const(2)  # an RP2040 ADC conversion
_FRESH_US = const(20)  # reads this close to the last sync share it (one control tick)

_OUT_DUTY_U16 = const(1)
_OUT_DUTY_NS = const(2)
_OUT_FREQ = const(3)
_OUT_DEINIT = const(4)
_OUT_PIN = const(5)


def _write(buf: "bytearray", n: int) -> None:
    if _MICROPYTHON:
        _REQ.write(buf, n)
    else:
        _REQ.write(memoryview(buf)[:n])


def _record(kind: int, pin: int, value: int) -> None:
    global _pend_n
    if _pend_n >= _PENDING_MAX:
        _sync()  # flush a long run of output changes with a sync
    struct.pack_into("<BBBIQ", _pend, _pend_n, 1, kind, pin, value, _time.now_us())
    _pend_n += 15


def _sync() -> None:
    """Send queued outputs and fetch the board's ADC readings and input pins now."""
    global _pend_n, _inputs, _synced_at
    now = _time.now_us()
    struct.pack_into("<BQ", _pend, _pend_n, 2, now)
    _write(_pend, _pend_n + 9)
    _pend_n = 0
    got = _RSP.readinto(_rsp)
    if got != 20:
        _read_rest(got)
    for i in range(8):
        _codes[i] = _rsp[2 * i] | (_rsp[2 * i + 1] << 8)
    _inputs = _rsp[16] | (_rsp[17] << 8) | (_rsp[18] << 16) | (_rsp[19] << 24)
    _synced_at = now


def _read_rest(got: "int | None") -> None:
    have = got or 0
    while have < 20:
        chunk = _RSP.read(20 - have)
        if not chunk:
            raise SystemExit("co-simulation host closed the pipe")
        for b in chunk:
            _rsp[have] = b
            have += 1


def _fresh() -> None:
    if _time.now_us() - _synced_at > _FRESH_US:
        _sync()


class Pin:
    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_FALLING = 4
    IRQ_RISING = 8

    def __init__(self, id: int, mode: int = -1, pull: int = -1, value: "int | None" = None) -> None:
        self.id = id
        self.mode = mode
        self._level = 0
        if mode == Pin.OUT:
            _selected[0] += 1  # an output starts low
        if value is not None:
            self.value(value)

    def init(self, mode: int = -1, pull: int = -1, value: "int | None" = None) -> None:
        self.mode = mode
        if value is not None:
            self.value(value)

    def value(self, x: "int | None" = None) -> int:
        if x is None:
            if self.mode == Pin.OUT:
                return self._level
            _fresh()
            return (_inputs >> self.id) & 1
        level = 1 if x else 0
        if self.mode == Pin.OUT and level != self._level:
            _selected[0] += -1 if level else 1
        self._level = level
        _record(_OUT_PIN, self.id, level)
        return level

    def __call__(self, x: "int | None" = None) -> int:
        return self.value(x)

    def on(self) -> None:
        self.value(1)

    def off(self) -> None:
        self.value(0)


def _pin_id(pin: "Pin | int") -> int:
    return pin.id if isinstance(pin, Pin) else pin


class ADC:
    ATTN_0DB = 0
    ATTN_11DB = 3
    CORE_TEMP = 4

    def __init__(self, pin: "Pin | int") -> None:
        n = _pin_id(pin)
        # rp2: ADC(0..3) or ADC(Pin(26..29))
        self.channel = n - 26 if n >= 26 else n
        if not 0 <= self.channel <= 3:
            raise ValueError("ADC: no channel for pin %d (GPIO 26..29 or channels 0..3)" % n)

    def read_u16(self) -> int:
        _fresh()
        _time.advance_us(_CONVERSION_US)
        return _codes[self.channel]

    def atten(self, value: int) -> None:
        pass


def SPI(id: int) -> "object":
    """An SPI bus with an MCP3208 on it (mcp3208_bus.py, imported only by a board that uses
    one: every name is a qstr on the firmware's heap, which the real `machine` keeps in flash)."""
    from mcp3208_bus import Bus

    return Bus(id)


class PWM:
    def __init__(
        self,
        pin: "Pin | int",
        freq: int = 0,
        duty_u16: int = -1,
        duty_ns: int = -1,
        invert: bool = False,
    ) -> None:
        self.pin = _pin_id(pin)
        self._freq = 0
        self._duty_u16 = 0
        self._duty_ns = 0
        self.init(freq, duty_u16, duty_ns)

    def init(self, freq: int = 0, duty_u16: int = -1, duty_ns: int = -1) -> None:
        if freq:
            self.freq(freq)
        if duty_u16 >= 0:
            self.duty_u16(duty_u16)
        if duty_ns >= 0:
            self.duty_ns(duty_ns)

    def freq(self, value: int = -1) -> int:
        if value < 0:
            return self._freq
        if not 8 <= value <= 62500000:
            raise ValueError("freq out of range")
        self._freq = value
        _record(_OUT_FREQ, self.pin, value)
        return value

    def duty_u16(self, value: int = -1) -> int:
        if value < 0:
            return self._duty_u16
        if value > 65535:
            raise ValueError("duty_u16 must be 0..65535")
        self._duty_u16 = value
        self._duty_ns = (value * 1000000000 // self._freq) >> 16 if self._freq else 0
        _record(_OUT_DUTY_U16, self.pin, value)
        return value

    def duty_ns(self, value: int = -1) -> int:
        if value < 0:
            return self._duty_ns
        self._duty_ns = value
        _record(_OUT_DUTY_NS, self.pin, value)
        return value

    def deinit(self) -> None:
        self._duty_u16 = 0
        self._duty_ns = 0
        _record(_OUT_DEINIT, self.pin, 0)


def freq(hz: int = 0) -> int:
    return 125000000


def unique_id() -> bytes:
    return b"mnsu-cosim"


def soft_reset() -> None:
    raise SystemExit("soft reset")


def reset() -> None:
    raise SystemExit("reset")


def idle() -> None:
    _time.advance_us(1)

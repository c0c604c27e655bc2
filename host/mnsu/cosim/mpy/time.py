"""Virtual clock of the co-simulation (MicroPython side; also imported by the CPython run).

Shadows the built-in `time` first on MICROPYPATH. Time only moves when the firmware sleeps,
reads the clock (1 us per ticks_us call, so busy-waits end) or converts an ADC channel; the
host side advances the circuit emulator to the same instant, so runs are deterministic. Ticks
wrap with the RP2040's period of 2**30 from a configurable start (MNSU_COSIM_TICKS_START).
"""

import os

PERIOD = 1 << 30
MASK = PERIOD - 1
HALF = PERIOD >> 1
EPOCH_2000 = 946684800  # the MicroPython epoch in Unix seconds

_start = int(os.getenv("MNSU_COSIM_TICKS_START") or "0") & MASK
_now = 0  # virtual microseconds since the firmware started


def now_us() -> int:
    """Virtual microseconds since start (not wrapped): the co-simulation's own clock."""
    return _now


def advance_us(us: int) -> None:
    global _now
    if us > 0:
        _now += us


def ticks_us() -> int:
    global _now
    _now += 1
    return (_start + _now) & MASK


def ticks_ms() -> int:
    return ((_start + _now) // 1000) & MASK


def ticks_cpu() -> int:
    return ticks_us()


def ticks_add(ticks: int, delta: int) -> int:
    return (ticks + delta) & MASK


def ticks_diff(a: int, b: int) -> int:
    return ((a - b + HALF) & MASK) - HALF


def sleep_us(us: int) -> None:
    global _now
    if us > 0:
        _now += us


def sleep_ms(ms: int) -> None:
    sleep_us(ms * 1000)


def sleep(seconds: float) -> None:
    sleep_us(int(seconds * 1000000))


def time() -> int:
    return _now // 1000000


def time_ns() -> int:
    return _now * 1000


def gmtime(secs: "int | None" = None) -> "tuple[int, ...]":
    import utime

    return utime.gmtime(time() if secs is None else secs)


localtime = gmtime

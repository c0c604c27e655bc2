"""The co-simulation's SPI bus with an MCP3208 on it (datasheet DS21298), for `machine.SPI`.

Every 3-byte exchange with the chip selected is one conversion; the answer is the channel's
code the `machine` double fetched at its last sync when that is less than 400 us old (one
control tick's 8 conversions share one round trip), else at a new sync.
A malformed command (no start bit, differential mode, another length) or an exchange without
the chip select low raises OSError, as garbage would on the real bus.
"""

import machine
import time as _time

from micropython import const


_SHARED_US = const(400)  # conversions this close to the last sync share its codes (8 take 192 us)


class Bus:
    def __init__(self, id: int) -> None:
        self.id = id  # at MicroPython's defaults: 1 MHz, mode 0, 8-bit words

    def write_readinto(self, tx: "bytearray", rx: "bytearray") -> None:
        bad = len(tx) != 3 or len(rx) != 3 or tx[0] & 0xF8 != 0 or tx[0] & 0x06 != 0x06
        if bad or not machine._selected[0]:
            raise OSError("MCP3208 double: not a single-ended conversion with chip select low")
        ch = ((tx[0] & 1) << 2) | (tx[1] >> 6)
        if _time.now_us() - machine._synced_at > _SHARED_US:
            machine._sync()
        _time.advance_us(24)  # 24 clocks at 1 MHz
        code = machine._codes[ch] >> 4
        rx[0] = 0
        rx[1] = (code >> 8) & 0x0F
        rx[2] = code & 0xFF

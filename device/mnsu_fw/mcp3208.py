"""MCP3208: Microchip's 8-channel, 12-bit SAR ADC on SPI (datasheet DS21298, section 6).

One conversion is a 3-byte exchange with chip select low (SPI mode 0,0): byte 0 carries five
leading zeros, the start bit, SGL/DIFF (1: single-ended) and D2; byte 1 carries D1 and D0 in
its top two bits; the ADC answers a null bit then B11..B0 in the low 4 bits of byte 1 and in
byte 2. At 1 MHz (the datasheet's limit at 2.7 V is 1 MHz, at 5 V 2 MHz) a conversion takes
24 us, 8 channels ~0.2 ms: 8 channels at 2 kHz fit the 0.5 ms tick.

The bus and the chip-select pin are arguments (a machine.SPI and a machine.Pin output), so the
pin map stays in board_config. Allocation-free after construction.
"""

TYPE_CHECKING = False
if TYPE_CHECKING:
    from machine import SPI, Pin


class MCP3208:
    def __init__(self, spi: "SPI", cs: "Pin") -> None:
        self.spi = spi
        self.cs = cs
        cs.value(1)
        self.buf = bytearray(3)  # command out
        self.raw = bytearray(3)  # answer in

    def read(self, channel: int) -> int:
        """The 12-bit code (0..4095) of single-ended `channel` (0..7)."""
        tx = self.buf
        tx[0] = 0x06 | ((channel >> 2) & 1)  # start, single-ended, D2
        tx[1] = (channel & 3) << 6  # D1 D0
        tx[2] = 0
        cs = self.cs
        cs.value(0)
        self.spi.write_readinto(tx, self.raw)
        cs.value(1)
        rx = self.raw
        return ((rx[1] & 0x0F) << 8) | rx[2]

    def read_u16(self, channel: int) -> int:
        """The code on machine.ADC.read_u16's 0..65535 scale (12 bits widened as the RP2040's)."""
        code = self.read(channel)
        return (code << 4) | (code >> 8)

"""The serial edge: USB CDC (or the co-simulation's pipes) through sys.stdin/sys.stdout.

Bytes are read one at a time while poll says more are waiting: a board's stdin read blocks
until all requested bytes arrive, so asking for more than one could stall the loop.
"""

import select
import sys


class UsbLink:
    def __init__(self) -> None:
        self._in = sys.stdin.buffer
        self._out = sys.stdout.buffer
        self._poll = select.poll()
        self._poll.register(sys.stdin, select.POLLIN)
        self.rx = bytearray(1)
        self.buf = bytearray(64)
        self.rx_bytes = 0
        # MicroPython streams take write(buf, n) and poll has the allocation-free ipoll; the
        # CPython run of the co-simulation uses the standard calls.
        self._micropython = sys.implementation.name == "micropython"

    def _readable(self) -> bool:
        if not self._micropython:
            return bool(self._poll.poll(0))
        # ipoll returns the poll object itself (always truthy): iterate, never test it.
        for _obj, event in self._poll.ipoll(0):
            if event & select.POLLIN:
                return True
        return False

    def read(self, limit: int) -> int:
        """Read up to `limit` (<= 64) waiting bytes into self.buf; returns how many."""
        n = 0
        rx = self.rx
        buf = self.buf
        while n < limit and self._readable():
            if not self._in.readinto(rx):  # rx is one byte long
                break  # end of file: the other side closed (co-simulation teardown)
            buf[n] = rx[0]
            n += 1
        self.rx_bytes += n
        return n

    def write(self, data: "bytearray", n: int) -> None:
        if n <= 0:
            return
        if self._micropython:
            self._out.write(data, n)
        else:
            self._out.write(memoryview(data)[:n])
            self._out.flush()

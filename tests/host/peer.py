"""A minimal board peer for link tests: speaks the shared codec on the master side of a pty.

It answers HELLO with CAPS (of a chosen protocol version), PARAM_GET/SET with PARAM_VALUE and
MODE with ACK, and sends telemetry frames with a virtual board clock when told to. Everything
runs in the calling thread (send_telemetry / serve), so tests control the timing.
"""

from __future__ import annotations

import os
import select
import struct
import tty

from mnsu_fw import params as p

from mnsu import wire as c


def telemetry_payload(ticks: int) -> bytes:
    values = dict.fromkeys(c.TELEMETRY_FIELDS, 0)
    values["mode"] = c.MODE_CPG
    values["ticks"] = ticks
    values["hip_cdeg"] = ticks % 3000 - 1500
    return c.pack_telemetry(values)


class Peer:
    def __init__(self, version: int = c.PROTOCOL_VERSION) -> None:
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        os.close(slave)
        self.version = version
        self.seq = 0
        self.t_us = 0
        self.splitter = c.FrameSplitter()
        self.received: list[tuple[int, int, int, bytes]] = []
        self.values = p.defaults()

    def close(self) -> None:
        os.close(self.master)

    def frame(self, msg_type: int, payload: bytes = b"") -> bytes:
        data = c.encode_frame(msg_type, self.seq, self.t_us, payload)
        if self.version != c.PROTOCOL_VERSION:  # re-frame with a foreign version byte
            raw = bytearray(c.cobs_decode(data[:-1]))
            raw[0] = self.version
            crc = c.crc16(raw[:-2])
            raw[-2:] = struct.pack("<H", crc)
            data = c.cobs_encode(bytes(raw)) + b"\x00"
        self.seq = (self.seq + 1) & 0xFFFF
        return data

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            select.select([], [self.master], [], 1.0)
            try:
                n = os.write(self.master, view)
            except BlockingIOError:
                continue
            view = view[n:]

    def send(self, msg_type: int, payload: bytes = b"") -> None:
        self.write(self.frame(msg_type, payload))

    def serve(self, timeout_s: float = 0.01) -> None:
        """Answer whatever the host sent (waits up to timeout_s for it)."""
        ready, _, _ = select.select([self.master], [], [], timeout_s)
        if not ready:
            return
        try:
            data = os.read(self.master, 4096)
        except OSError:
            return  # no host on the port
        for msg_type, seq, _, payload in self.splitter.feed(data):
            self.received.append((msg_type, seq, 0, payload))
            if msg_type == c.HELLO:
                caps = bytearray(c.pack_caps((0, 1, 0), 2, 2, 2000, p.COUNT, p.table_crc(), "peer"))
                caps[0] = self.version
                self.send(c.CAPS, bytes(caps))
            elif msg_type == c.PARAM_GET:
                (pid,) = struct.unpack("<H", payload)
                self.send(c.PARAM_VALUE, c.pack_param_value(seq, pid, self.values[pid]))
            elif msg_type == c.PARAM_SET:
                pid, value = c.unpack_param_set(payload)
                err, norm = p.check(self.values, pid, value)
                if err:
                    self.send(c.NACK, c.pack_nack(c.PARAM_SET, seq, err, pid))
                else:
                    self.values[pid] = norm
                    self.send(c.PARAM_VALUE, c.pack_param_value(seq, pid, norm))
            elif msg_type in (c.MODE, c.ESTOP, c.ESTOP_RESET, c.JOINT_CMD):
                self.send(c.ACK, c.pack_ack(msg_type, seq))

    def send_telemetry(self, ticks: int, dt_us: int) -> bytes:
        self.t_us = (self.t_us + dt_us) & 0xFFFFFFFF
        data = self.frame(c.TELEMETRY, telemetry_payload(ticks))
        self.write(data)
        return data

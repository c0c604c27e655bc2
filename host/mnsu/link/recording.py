"""Recordings of a link session (every byte in and out, with its time) and their replay.

The file format is described in docs/link.md.
"""

from __future__ import annotations

import json
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from mnsu.link.decoder import Decoder
from mnsu.link.errors import LinkError
from mnsu.protocol import Connection, Event, LogLine, Telemetry

RECORD_MAGIC = b"MNSUREC1\n"
_RECORD = struct.Struct("<cdI")  # direction b"r"/b"t"/b"c", t since start (s), length


class Recorder:
    """Writes every byte chunk in and out, with its time, to a file (see docs/link.md)."""

    def __init__(self, path: str | Path, header: dict[str, Any]) -> None:
        self.path = Path(path)
        self._f: IO[bytes] = open(self.path, "wb")  # noqa: SIM115 (closed in close())
        self._t0 = time.monotonic()
        self._lock = threading.Lock()
        self._f.write(RECORD_MAGIC)
        self._f.write(json.dumps(header).encode() + b"\n")

    def write(self, direction: bytes, data: bytes) -> None:
        with self._lock:
            if self._f.closed:
                return
            self._f.write(_RECORD.pack(direction, time.monotonic() - self._t0, len(data)))
            self._f.write(data)

    def close(self) -> None:
        with self._lock:
            self._f.close()


def read_recording(path: str | Path) -> tuple[dict[str, Any], list[tuple[str, float, bytes]]]:
    """A recording -> (header, [(direction 'r'/'t'/'c', t s, bytes), ...])."""
    data = Path(path).read_bytes()
    if not data.startswith(RECORD_MAGIC):
        raise LinkError(f"{path}: not an mnsu link recording (no {RECORD_MAGIC!r} magic)")
    end = data.index(b"\n", len(RECORD_MAGIC))
    header = json.loads(data[len(RECORD_MAGIC) : end])
    pos = end + 1
    out: list[tuple[str, float, bytes]] = []
    while pos < len(data):
        if pos + _RECORD.size > len(data):
            raise LinkError(f"{path}: truncated record header at byte {pos}")
        d, t, n = _RECORD.unpack_from(data, pos)
        pos += _RECORD.size
        if pos + n > len(data):
            raise LinkError(f"{path}: record at byte {pos} wants {n} bytes, file ends first")
        out.append((d.decode(), t, data[pos : pos + n]))
        pos += n
    return header, out


def replay(path: str | Path) -> Iterator[Telemetry | Event | LogLine | Connection]:
    """The messages of a recording, through the same decoder as the live link."""
    header, records = read_recording(path)
    dec = Decoder()
    t0 = float(header.get("t0_monotonic", 0.0))
    for direction, t, data in records:
        if direction == "c":
            info = json.loads(data)
            if info["state"] == "opened":
                dec.reopened()  # as the live link did: skip a cut frame at the start
                continue
            if info["state"] == "disconnected":
                dec.mark_offline_gap()
            yield Connection(info["state"], info.get("detail", ""), t0 + t)
        elif direction == "r":
            for frame in dec.feed(data, t0 + t):
                yield from dec.messages(frame, t0 + t)

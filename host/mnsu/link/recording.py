"""Recordings of a link session (every byte in and out, with its time) and their replay.

The file format is described in docs/link.md.
"""

from __future__ import annotations

import contextlib
import json
import math
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from mnsu import wire as codec
from mnsu.link.decoder import Decoder
from mnsu.link.errors import LinkError
from mnsu.protocol import Connection, LogLine, Message

RECORD_MAGIC = b"MNSUREC1\n"
_RECORD = struct.Struct("<cdI")  # direction b"r"/b"t"/b"c", t since start (s), length


class Recorder:
    """Writes every byte chunk in and out, with its time, to a file (see docs/link.md).

    Each record is flushed to the operating system as it is written, so a host killed at any
    moment leaves every complete record readable (a torn last record is reported on replay).
    A failing disk stops the recording (`error` says why), not the link.
    """

    def __init__(self, path: str | Path, header: dict[str, Any]) -> None:
        self.path = Path(path)
        self._f: IO[bytes] = open(self.path, "wb")  # noqa: SIM115 (closed in close())
        self._t0 = time.monotonic()
        self._lock = threading.Lock()
        self.error: str | None = None
        self._f.write(RECORD_MAGIC)
        self._f.write(json.dumps(header).encode() + b"\n")
        self._f.flush()

    def write(self, direction: bytes, data: bytes) -> None:
        with self._lock:
            if self._f.closed or self.error is not None:
                return
            try:
                self._f.write(_RECORD.pack(direction, time.monotonic() - self._t0, len(data)))
                self._f.write(data)
                self._f.flush()
            except OSError as exc:
                self.error = f"recording {self.path} stopped: {exc}"

    def close(self) -> None:
        with self._lock, contextlib.suppress(OSError):
            self._f.close()


@dataclass(frozen=True)
class Recording:
    """A recording read back: its header, every complete record, and what was left over."""

    header: dict[str, Any]
    records: list[tuple[str, float, bytes]]  # (direction 'r'/'t'/'c', t s, bytes)
    torn: str | None  # None, or why the file's tail is not a complete record (where, how long)


def load_recording(path: str | Path) -> Recording:
    """Every complete record of a recording; a torn or corrupt tail is reported, not raised.

    Raises LinkError when the file cannot be read or is not a recording at all.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise LinkError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if not data.startswith(RECORD_MAGIC):
        raise LinkError(f"{path}: not an mnsu link recording (no {RECORD_MAGIC!r} magic)")
    end = data.find(b"\n", len(RECORD_MAGIC))
    try:
        header = json.loads(data[len(RECORD_MAGIC) : end]) if end > 0 else None
    except (ValueError, RecursionError):
        header = None
    if not isinstance(header, dict):
        raise LinkError(f"{path}: header line after the magic is not a JSON object")
    pos = end + 1
    out: list[tuple[str, float, bytes]] = []
    torn = None
    while pos < len(data):
        if pos + _RECORD.size > len(data):
            torn = f"{len(data) - pos} bytes at byte {pos}: a cut record header"
            break
        d, t, n = _RECORD.unpack_from(data, pos)
        if d not in (b"r", b"t", b"c") or not math.isfinite(t):
            torn = f"{len(data) - pos} bytes at byte {pos}: not a record (direction {d!r})"
            break
        if pos + _RECORD.size + n > len(data):
            torn = f"{len(data) - pos} bytes at byte {pos}: a record of {n} bytes, cut"
            break
        pos += _RECORD.size
        out.append((d.decode(), t, data[pos : pos + n]))
        pos += n
    return Recording(header, out, torn)


def read_recording(path: str | Path) -> tuple[dict[str, Any], list[tuple[str, float, bytes]]]:
    """A recording -> (header, [(direction 'r'/'t'/'c', t s, bytes), ...]), complete records."""
    rec = load_recording(path)
    return rec.header, rec.records


def replay(path: str | Path) -> Iterator[Message]:
    """The messages of a recording, through the same decoder as the live link.

    A torn tail (the recording host was killed mid-record) ends the replay with a LogLine
    (LOG_WARNING) that says where and how long it was.
    """
    rec = load_recording(path)
    dec = Decoder()
    t0 = float(rec.header.get("t0_monotonic", 0.0))
    t = 0.0
    for direction, t, data in rec.records:
        if direction == "c":
            try:
                info = json.loads(data)
                state, detail = str(info["state"]), str(info.get("detail", ""))
            except (ValueError, KeyError, TypeError):
                dec.stats.decode_errors += 1
                continue
            if state == "opened":
                dec.reopened()  # as the live link did: skip a cut frame at the start
                continue
            if state == "disconnected":
                dec.mark_offline_gap()
            yield Connection(state, detail, t0 + t)
        elif direction == "r":
            for frame in dec.feed(data, t0 + t):
                yield from dec.messages(frame, t0 + t)
    if rec.torn is not None:
        yield LogLine(codec.LOG_WARNING, f"{path}: torn tail ignored: {rec.torn}", -1, t0 + t)

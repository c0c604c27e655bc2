"""Queues of link messages for consumers on other threads."""

from __future__ import annotations

import queue
from collections.abc import Iterable, Iterator

from mnsu.protocol import KINDS, Message


class Subscription:
    """A queue of messages of some kinds; lives until closed, across reconnects.

    `maxsize` 0 = unbounded. When bounded and full, the oldest message is dropped and counted
    in `dropped` (the reader thread never blocks on a slow consumer).
    """

    def __init__(self, kinds: Iterable[str], maxsize: int = 0) -> None:
        self.kinds = frozenset(kinds)
        unknown = self.kinds - set(KINDS)
        if unknown:
            raise ValueError(f"unknown message kinds {sorted(unknown)}; known: {list(KINDS)}")
        self._q: queue.Queue[Message] = queue.Queue(maxsize)
        self.dropped = 0
        self.closed = False

    def _put(self, msg: Message) -> None:
        while True:
            try:
                self._q.put_nowait(msg)
                return
            except queue.Full:
                try:
                    self._q.get_nowait()
                    self.dropped += 1
                except queue.Empty:
                    pass

    def get(self, timeout_s: float | None = None) -> Message | None:
        """Next message, or None after `timeout_s` seconds (None: wait forever)."""
        try:
            return self._q.get(timeout=timeout_s)
        except queue.Empty:
            return None

    def drain(self) -> list[Message]:
        """Every message waiting now, without blocking."""
        out: list[Message] = []
        while True:
            try:
                out.append(self._q.get_nowait())
            except queue.Empty:
                return out

    def iter(self, timeout_s: float) -> Iterator[Message]:
        """Messages until none arrives for `timeout_s` seconds."""
        while True:
            msg = self.get(timeout_s)
            if msg is None:
                return
            yield msg

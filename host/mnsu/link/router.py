"""Several host tools on one board: the frame routing of `mnsu serve` (pure logic, no I/O).

The board sees one host. Its frames go to every client, byte for byte, except the answers to
requests (ACK, NACK, PARAM_VALUE): the client that sent the request gets the answer with its
own request sequence number put back, every other client gets an empty HEARTBEAT frame with the
same sequence number in its place, so that each client sees the board's sequence without gaps
(a lost frame is still counted as lost). HELLO is answered here with the board's CAPS, so a
client joining never disturbs the others. Requests from the clients are renumbered with one
sequence counter towards the board (its host sequence-gap counter stays at 0) and remembered
until their answer comes back; frames from a client that fail framing or CRC are dropped here,
never sent to the board.

Each client's sequence numbers are the board's plus an offset (0 unless the client said HELLO
more than once): at offset 0 board frames pass through as they came.
"""

from __future__ import annotations

import struct
from collections import OrderedDict
from dataclasses import dataclass, field

from mnsu import wire as codec

ANSWERS = (codec.ACK, codec.NACK, codec.PARAM_VALUE)
PENDING_MAX = 4096  # requests awaiting an answer; the oldest are forgotten beyond this


class Blocks:
    """Bytes -> COBS blocks (the bytes between 0x00 delimiters); oversized blocks dropped."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._dropping = False
        self.oversize = 0

    def feed(self, data: bytes) -> list[bytes]:
        parts = data.split(b"\x00")
        blocks: list[bytes] = []
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if not self._dropping:
                self._buf += part
            if len(self._buf) > codec.MAX_ENCODED:
                self._buf.clear()
                if not self._dropping:
                    self.oversize += 1
                self._dropping = True
            if last:
                return blocks
            if self._buf:
                blocks.append(bytes(self._buf))
                self._buf.clear()
            self._dropping = False
        return blocks


@dataclass
class Client:
    """One attached tool: its byte splitter, sequence offset and counters."""

    cid: int
    name: str
    blocks: Blocks = field(default_factory=Blocks)
    offset: int = 0  # this client's frame seq minus the board's
    hellos: int = 0
    frames_out: int = 0  # frames sent to the client
    requests: int = 0  # frames forwarded to the board
    answers: int = 0
    bad_frames: int = 0  # frames from the client that failed COBS/CRC/version


@dataclass
class RouterStats:
    board_frames: int = 0
    board_bad: int = 0  # board frames that failed COBS/CRC/version (dropped here)
    requests: int = 0
    answers_routed: int = 0
    answers_unclaimed: int = 0  # answers whose request is unknown (or its client gone)


class Router:
    """See the module docstring. `board_frames` / `client_frames` return the bytes to write."""

    def __init__(self) -> None:
        self.clients: dict[int, Client] = {}
        self.stats = RouterStats()
        self.caps: bytes | None = None  # the board's last CAPS payload
        self._board_blocks = Blocks()
        self._pending: OrderedDict[int, tuple[int, int]] = OrderedDict()
        self._seq = 0  # towards the board
        self._last_seq = 0  # the board's last frame
        self._last_t_us = 0
        self._next_cid = 0

    # ------------------------------------------------------------ clients
    def add_client(self, name: str) -> Client:
        c = Client(self._next_cid, name)
        # the first CAPS this client gets carries the board's last seq: no gap after it
        c.offset = -1
        self._next_cid += 1
        self.clients[c.cid] = c
        return c

    def remove_client(self, cid: int) -> None:
        self.clients.pop(cid, None)

    # ------------------------------------------------------------ towards the board
    def hello(self) -> bytes:
        """The server's own HELLO (with a leading delimiter that ends any partial frame)."""
        return b"\x00" + self._to_board(codec.HELLO, b"")

    def _to_board(self, msg_type: int, payload: bytes) -> bytes:
        seq = self._seq
        self._seq = (seq + 1) & 0xFFFF
        return codec.encode_frame(msg_type, seq, 0, payload)

    def client_frames(self, cid: int, data: bytes) -> tuple[bytes, bytes]:
        """Bytes from a client -> (bytes for the board, bytes back to that client)."""
        c = self.clients[cid]
        board = bytearray()
        back = bytearray()
        for block in c.blocks.feed(data):
            try:
                msg_type, cseq, _, payload = codec.decode_frame(block)
            except codec.CodecError:
                c.bad_frames += 1
                continue
            if msg_type == codec.HELLO and self.caps is not None:
                c.offset += 1  # one frame more than the board sent, numbered as its last
                back += self._frame_for(c, codec.CAPS, self._last_seq, self._last_t_us, self.caps)
                c.hellos += 1
                continue
            if msg_type != codec.HEARTBEAT:
                self._pending[self._seq] = (cid, cseq)
                while len(self._pending) > PENDING_MAX:
                    self._pending.popitem(last=False)
            board += self._to_board(msg_type, payload)
            c.requests += 1
            self.stats.requests += 1
        return bytes(board), bytes(back)

    # ------------------------------------------------------------ from the board
    def board_frames(self, data: bytes) -> dict[int, bytes]:
        """Bytes from the board -> {client id: bytes to send it}."""
        out: dict[int, bytearray] = {cid: bytearray() for cid in self.clients}
        for block in self._board_blocks.feed(data):
            try:
                msg_type, seq, t_us, payload = codec.decode_frame(block)
            except codec.CodecError:
                self.stats.board_bad += 1
                continue
            self.stats.board_frames += 1
            self._last_seq, self._last_t_us = seq, t_us
            if msg_type == codec.CAPS:
                self.caps = payload  # the answer to the server's HELLO: clients get it on theirs
                self._fill(out, seq, t_us, None)
                continue
            if msg_type in ANSWERS:
                self._route_answer(out, msg_type, seq, t_us, payload)
                continue
            raw = block + b"\x00"
            for cid, c in self.clients.items():
                if c.offset == 0:
                    out[cid] += raw
                else:
                    out[cid] += self._frame_for(c, msg_type, seq, t_us, payload)
                c.frames_out += 1
        return {cid: bytes(b) for cid, b in out.items() if b}

    def _route_answer(
        self, out: dict[int, bytearray], msg_type: int, seq: int, t_us: int, payload: bytes
    ) -> None:
        at = 0 if msg_type == codec.PARAM_VALUE else 1  # offset of the request seq
        ref = struct.unpack_from("<H", payload, at)[0] if len(payload) >= at + 2 else -1
        owner = self._pending.pop(ref, None)
        target = self.clients.get(owner[0]) if owner is not None else None
        if owner is None or target is None:
            self.stats.answers_unclaimed += 1
            self._fill(out, seq, t_us, None)
            return
        answer = bytearray(payload)
        struct.pack_into("<H", answer, at, owner[1])
        out[target.cid] += self._frame_for(target, msg_type, seq, t_us, bytes(answer))
        target.frames_out += 1
        target.answers += 1
        self.stats.answers_routed += 1
        self._fill(out, seq, t_us, target.cid)

    def _fill(self, out: dict[int, bytearray], seq: int, t_us: int, skip: int | None) -> None:
        """An empty HEARTBEAT in place of a frame meant for another client (or for no one)."""
        for cid, c in self.clients.items():
            if cid != skip:
                out[cid] += self._frame_for(c, codec.HEARTBEAT, seq, t_us, b"")
                c.frames_out += 1

    @staticmethod
    def _frame_for(c: Client, msg_type: int, seq: int, t_us: int, payload: bytes) -> bytes:
        return codec.encode_frame(msg_type, (seq + c.offset) & 0xFFFF, t_us, payload)

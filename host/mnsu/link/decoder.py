"""Bytes from the board -> checked frames -> typed messages, with the link statistics.

No I/O: the live link (`mnsu.link.client`) and the replay of a recording
(`mnsu.link.recording`) feed the same Decoder.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from mnsu import wire as codec
from mnsu.protocol import (
    BoardTime,
    Caps,
    Connection,
    Event,
    Legs,
    LogLine,
    Message,
    Telemetry,
    event_name,
)

# The board clock is a u32 of microseconds: it wraps every 71.6 min. A clock that goes back by
# more than this, not from within this of the wrap, means the board restarted.
_WRAP_US = 1 << 32
_WRAP_MARGIN_US = 60_000_000


@dataclass
class LinkStats:
    """Link health counters (all since the Link was created)."""

    frames_received: int = 0  # good frames (CRC and COBS valid, right version)
    frames_lost: int = 0  # board frames missing by sequence number while connected
    frames_missed_offline: int = 0  # board frames sent while the port was gone
    crc_errors: int = 0
    bad_frames: int = 0  # malformed COBS, too short, oversized, wrong version
    decode_errors: int = 0  # good frames whose payload did not unpack (any exception)
    board_resets: int = 0  # the board restarted (its clock went back): not counted as lost
    resyncs: int = 0  # frames recovered from behind garbage in the same block
    skipped_bytes: int = 0  # a cut frame's tail before the first delimiter after a (re)open
    bytes_received: int = 0
    frames_sent: int = 0
    heartbeats_sent: int = 0
    # longest host time between two heartbeats of one connection (s); the board's watchdog
    # trips when it exceeds watchdog_s. A reader may set it back to 0 to measure per period.
    heartbeat_gap_max_s: float = 0.0
    heartbeat_gap_last_s: float = 0.0  # the latest such gap (never reset by readers)
    nacks: int = 0
    connects: int = 0  # successful handshakes (the first one included)
    disconnects: int = 0
    last_rx_host_t: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Decoder:
    """Bytes -> checked frames -> typed messages, with the link statistics. No I/O.

    The same path serves the live link and the replay of a recording.
    """

    def __init__(self, stats: LinkStats | None = None) -> None:
        self.stats = stats if stats is not None else LinkStats()
        self._buf = bytearray()
        self._skip_to_delimiter = False
        self._overflow = False
        self._last_seq: int | None = None
        self._last_t_us: int | None = None
        self._clock = BoardTime()
        self._offline = False
        self.last_board_time: float | None = None  # board time of the last good frame (s)
        self.foreign_version: int | None = None  # last protocol version seen that is not ours
        self.caps: Caps | None = None

    def reopened(self) -> None:
        """The port was (re)opened: the first block may be the tail of a cut frame."""
        self._buf.clear()
        self._skip_to_delimiter = True
        self._overflow = False

    def mark_offline_gap(self) -> None:
        """The next sequence gap spans a disconnection: count it as missed offline."""
        self._offline = True

    def feed(self, data: bytes, t_host: float) -> list[tuple[int, int, int, bytes]]:
        """Consume bytes; return good frames (type, seq, t_us, payload)."""
        st = self.stats
        st.bytes_received += len(data)
        frames: list[tuple[int, int, int, bytes]] = []
        buf = self._buf
        start = 0
        while True:
            k = data.find(0, start)
            if k < 0:
                buf += data[start:]
                if len(buf) > codec.MAX_ENCODED:
                    # Too long for one frame: garbage, but a good frame may end it. Keep only
                    # what could still be that frame (its delimiter has not arrived yet).
                    del buf[: len(buf) - codec.MAX_ENCODED]
                    if not self._overflow:
                        st.bad_frames += 1
                    self._overflow = True
                return frames
            if buf:
                block = bytes(buf) + data[start:k]
                buf.clear()
            else:
                block = data[start:k]
            start = k + 1
            overflow = self._overflow
            self._overflow = False
            if len(block) > codec.MAX_ENCODED:  # garbage in one read: only the tail can matter
                block = block[len(block) - codec.MAX_ENCODED :]
                if not overflow:
                    st.bad_frames += 1
                overflow = True
            if block:
                if self._skip_to_delimiter and _check_block(block) in ("cobs", "crc", "short"):
                    st.skipped_bytes += len(block)  # the tail of a frame cut by the (re)open
                else:
                    self._block(block, frames, counted=overflow)
                self._skip_to_delimiter = False

    def _block(
        self, block: bytes, frames: list[tuple[int, int, int, bytes]], counted: bool = False
    ) -> None:
        """One delimited block: a frame, a frame behind garbage, or garbage (counted once)."""
        st = self.stats
        result = _check_block(block)
        if isinstance(result, tuple):
            frames.append(result)
            st.frames_received += 1
            return
        # A bad block: garbage may sit in front of a good frame. Try the suffixes whose COBS
        # code chain ends exactly at the block's end, longest first.
        for i in _cobs_starts(block):
            found = _check_block(block[i:])
            if isinstance(found, tuple) and found[0] in codec.MESSAGE_NAMES:
                frames.append(found)
                st.frames_received += 1
                st.resyncs += 1
                return
        if counted:
            return
        if result == "crc":
            st.crc_errors += 1
        else:
            st.bad_frames += 1
            if isinstance(result, int):
                self.foreign_version = result

    def sequence(self, seq: int) -> None:
        """Account for a board frame's sequence number."""
        last = self._last_seq
        if last is not None:
            gap = (seq - last - 1) & 0xFFFF
            if gap:
                if self._offline:
                    self.stats.frames_missed_offline += gap
                else:
                    self.stats.frames_lost += gap
        self._offline = False
        self._last_seq = seq

    def board_time(self, t_us: int) -> float:
        """Unwrap the board's 32-bit microsecond clock (s)."""
        return self._clock.unwrap(t_us) * 1e-6

    def _restarted(self, t_us: int) -> bool:
        """True when the board clock went back (the board reset), not forward over its wrap."""
        last = self._last_t_us
        self._last_t_us = t_us
        if last is None or t_us >= last:
            return False
        return not (last > _WRAP_US - _WRAP_MARGIN_US and t_us < _WRAP_MARGIN_US)

    def messages(self, frame: tuple[int, int, int, bytes], t_host: float) -> list[Message]:
        """Typed messages of one board frame (telemetry, events, logs); updates caps.

        A board reset (its clock went back) comes first as Connection('board_reset'); the
        sequence numbers start afresh then, so nothing is counted as lost. A payload that does
        not unpack, whatever the exception, is counted in decode_errors and gives nothing.
        """
        msg_type, seq, t_us, payload = frame
        reset: list[Message] = []
        if self._restarted(t_us):
            before = self.last_board_time or 0.0
            self.stats.board_resets += 1
            self._last_seq = None
            self._clock = BoardTime()
            detail = f"board clock went back from {before:.3f} s to {t_us * 1e-6:.3f} s"
            reset.append(Connection("board_reset", detail, t_host))
        self.sequence(seq)
        bt = self.board_time(t_us)
        self.last_board_time = bt
        return reset + self._typed(msg_type, seq, t_us, bt, payload, t_host)

    def _typed(
        self, msg_type: int, seq: int, t_us: int, bt: float, payload: bytes, t_host: float
    ) -> list[Message]:
        try:
            if msg_type == codec.TELEMETRY:
                return [Telemetry(seq, t_host, bt, codec.unpack_telemetry(payload))]
            if msg_type == codec.EVENTS:
                out: list[Message] = []
                for kind, ch, ev_us in codec.unpack_events(payload):
                    # event times are within ~ms before the frame: unwrap against it
                    ev_bt = self._clock.nearest(ev_us) * 1e-6
                    out.append(Event(event_name(kind), ch, ev_us, ev_bt, seq, t_host))
                return out
            if msg_type == codec.LEGS:
                return [Legs(seq, t_host, bt, tuple(codec.unpack_legs(payload)))]
            if msg_type == codec.LOG:
                level, text = codec.unpack_log(payload)
                return [LogLine(level, text, seq, t_host)]
            if msg_type == codec.CAPS:
                c = codec.unpack_caps(payload)
                self.caps = Caps(
                    protocol=int(c["protocol"]),  # type: ignore[call-overload]
                    fw_version=(
                        int(c["fw_major"]),  # type: ignore[call-overload]
                        int(c["fw_minor"]),  # type: ignore[call-overload]
                        int(c["fw_patch"]),  # type: ignore[call-overload]
                    ),
                    n_adc=int(c["n_adc"]),  # type: ignore[call-overload]
                    n_servo=int(c["n_servo"]),  # type: ignore[call-overload]
                    sample_rate_hz=int(c["sample_rate_hz"]),  # type: ignore[call-overload]
                    n_params=int(c["n_params"]),  # type: ignore[call-overload]
                    params_crc=int(c["params_crc"]),  # type: ignore[call-overload]
                    board=str(c["board"]),
                )
        except Exception:  # noqa: BLE001 - any payload: CodecError, UnicodeError, struct.error
            self.stats.decode_errors += 1
        return []


def _cobs_starts(block: bytes) -> list[int]:
    """Offsets i > 0 from which block[i:] is a COBS chain ending exactly at the end (O(n))."""
    n = len(block)
    reach = bytearray(n + 1)
    reach[n] = 1
    starts = []
    lowest = max(1, n - codec.MAX_ENCODED)
    for i in range(n - 1, lowest - 1, -1):
        j = i + block[i]
        if j <= n and reach[j]:
            reach[i] = 1
            if n - i >= codec.HEADER_SIZE + codec.CRC_SIZE + 1:
                starts.append(i)
    starts.reverse()
    return starts


def _check_block(block: bytes) -> tuple[int, int, int, bytes] | str | int:
    """A frame tuple, or why not: 'cobs', 'short', 'long', 'crc', or the foreign version."""
    if len(block) > codec.MAX_ENCODED:
        return "long"
    try:
        raw = codec.cobs_decode(block)
    except codec.CodecError:
        return "cobs"
    m = len(raw)
    why = codec.check_frame(raw, m)
    if why == codec.TOO_SHORT:
        return "short"
    if why == codec.BAD_CRC:
        return "crc"
    version, msg_type, seq, t_us = struct.unpack_from(codec.HEADER_FORMAT, raw, 0)
    if why == codec.BAD_VERSION:
        return int(version)
    return msg_type, seq, t_us, raw[codec.HEADER_SIZE : m - codec.CRC_SIZE]

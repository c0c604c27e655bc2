"""Host side of the mnsu serial link: a typed, thread-safe client over pyserial.

    with Link("/dev/ttyACM0") as link:          # or any pyserial URL, or a pty path
        print(link.caps.board, link.caps.sample_rate_hz)
        link.set_param("telemetry_hz", 200)     # checked against the firmware's table first
        link.set_mode("cpg")
        sub = link.subscribe(("telemetry", "events"))
        for msg in sub.iter(timeout_s=5.0):
            ...

One background thread reads the port, splits and checks frames with the shared codec
(`mnsu_fw.codec`), answers nothing by itself except heartbeats, and hands each message to the
subscriptions (queues that live as long as the Link, so a reconnect loses nothing already
received) and the callbacks. When the port disappears (unplug, pty closed) the thread closes
it, retries opening the same path with exponential backoff, and on success repeats the HELLO
handshake; it never sends a reset and never toggles anything on the board. Sequence gaps while
connected count as `frames_lost`; the frames the board sent while the port was gone count as
`frames_missed_offline`.

Times: `t_host` is time.monotonic() (s) at reception; `board_time_s` is the board's
microsecond clock unwrapped past its 32-bit wrap (s). Angles in degrees.
"""

from __future__ import annotations

import contextlib
import json
import math
import queue
import struct
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import serial
from mnsu_fw import codec, params

# ----------------------------------------------------------------------------- errors


class LinkError(RuntimeError):
    """Base class of link failures; the message says what and where."""


class LinkTimeout(LinkError):
    """The board did not answer within the time given."""


class ProtocolVersionError(LinkError):
    """The board speaks another protocol version than this host."""


class ParamTableError(LinkError):
    """The board's parameter table differs from the one this host was built with."""


class ParamError(LinkError, ValueError):
    """A parameter name or value refused (by the host table check or by the board's NACK)."""


class CommandRefused(LinkError):
    """The board answered NACK; `error` is the codec's ERR_* code."""

    def __init__(self, message: str, error: int, detail: int) -> None:
        super().__init__(message)
        self.error = error
        self.detail = detail


class Disconnected(LinkError):
    """The port is gone (the link is reconnecting) or the link is closed."""


# ----------------------------------------------------------------------------- messages


@dataclass(frozen=True)
class Caps:
    """The board's answer to HELLO."""

    protocol: int
    fw_version: tuple[int, int, int]
    n_adc: int
    n_servo: int
    sample_rate_hz: int
    n_params: int
    params_crc: int
    board: str


@dataclass(frozen=True)
class Telemetry:
    """One TELEMETRY frame. Raw integer fields are in `fields` (docs/protocol.md)."""

    seq: int
    t_host: float
    board_time_s: float
    fields: dict[str, int]

    @property
    def mode(self) -> str:
        m = self.fields["mode"]
        return codec.MODE_NAMES[m] if m < len(codec.MODE_NAMES) else f"mode{m}"

    @property
    def contact(self) -> bool:
        return bool(self.fields["flags"] & codec.FLAG_CONTACT)

    @property
    def estop(self) -> bool:
        return bool(self.fields["flags"] & codec.FLAG_ESTOP)

    @property
    def locked(self) -> bool:
        return bool(self.fields["flags"] & codec.FLAG_LOCKED)

    @property
    def servos_on(self) -> bool:
        return bool(self.fields["flags"] & codec.FLAG_SERVOS_ON)

    @property
    def hip_deg(self) -> float:
        """Hip angle commanded after limits and slew (deg)."""
        return self.fields["hip_cdeg"] / 100.0

    @property
    def knee_deg(self) -> float:
        return self.fields["knee_cdeg"] / 100.0

    @property
    def phase(self) -> float:
        """Rhythm phase (cycles, 0..1; 0 = flexor burst onset)."""
        return self.fields["phase_u16"] / 65536.0

    @property
    def freq_hz(self) -> float:
        """Rhythm frequency (Hz); 0 when not locked."""
        return self.fields["freq_mhz"] / 1000.0

    @property
    def envelopes(self) -> tuple[float, float]:
        """(flexor, extensor) burst envelopes, 0..~1."""
        return self.fields["env_flexor_q15"] / 32768.0, self.fields["env_extensor_q15"] / 32768.0

    @property
    def adc(self) -> tuple[int, int, int, int]:
        """Latest ADC reads, 0..65535."""
        f = self.fields
        return f["adc0"], f["adc1"], f["adc2"], f["adc3"]

    @property
    def pulses_us(self) -> tuple[int, int]:
        return self.fields["pulse0_us"], self.fields["pulse1_us"]


@dataclass(frozen=True)
class Event:
    """One board event (spike, burst_on, burst_off, contact_on, contact_off, touchdown)."""

    kind: str
    channel: int
    t_us: int
    board_time_s: float
    seq: int
    t_host: float


@dataclass(frozen=True)
class LogLine:
    level: int
    text: str
    seq: int
    t_host: float


@dataclass(frozen=True)
class Connection:
    """A link state change: 'connected' (after the handshake) or 'disconnected' (with why)."""

    state: str
    detail: str
    t_host: float


Message = Telemetry | Event | LogLine | Connection
KINDS = ("telemetry", "event", "log", "connection")


def _kind(msg: Message) -> str:
    if isinstance(msg, Telemetry):
        return "telemetry"
    if isinstance(msg, Event):
        return "event"
    if isinstance(msg, LogLine):
        return "log"
    return "connection"


@dataclass
class LinkStats:
    """Link health counters (all since the Link was created)."""

    frames_received: int = 0  # good frames (CRC and COBS valid, right version)
    frames_lost: int = 0  # board frames missing by sequence number while connected
    frames_missed_offline: int = 0  # board frames sent while the port was gone
    crc_errors: int = 0
    bad_frames: int = 0  # malformed COBS, too short, oversized, wrong version
    decode_errors: int = 0  # good frames whose payload did not unpack
    resyncs: int = 0  # frames recovered from behind garbage in the same block
    skipped_bytes: int = 0  # a cut frame's tail before the first delimiter after a (re)open
    bytes_received: int = 0
    frames_sent: int = 0
    heartbeats_sent: int = 0
    nacks: int = 0
    connects: int = 0  # successful handshakes (the first one included)
    disconnects: int = 0
    last_rx_host_t: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


# ----------------------------------------------------------------------------- subscriptions


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


# ----------------------------------------------------------------------------- recording

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


# ----------------------------------------------------------------------------- decoder


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
        self._t_unwrap = 0  # added to t_us after each 32-bit wrap
        self._last_t_us: int | None = None
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
                    buf.clear()
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
            if self._overflow:
                self._overflow = False
                continue
            if block:
                if self._skip_to_delimiter and _check_block(block) in ("cobs", "crc", "short"):
                    st.skipped_bytes += len(block)  # the tail of a frame cut by the (re)open
                else:
                    self._block(block, frames)
                self._skip_to_delimiter = False

    def _block(self, block: bytes, frames: list[tuple[int, int, int, bytes]]) -> None:
        st = self.stats
        result = _check_block(block)
        if isinstance(result, tuple):
            frames.append(result)
            st.frames_received += 1
            return
        # A bad block: garbage may sit in front of a good frame. Try the suffixes.
        for i in range(1, len(block) - codec.HEADER_SIZE - codec.CRC_SIZE + 1):
            found = _check_block(block[i:])
            if isinstance(found, tuple) and found[0] in codec.MESSAGE_NAMES:
                frames.append(found)
                st.frames_received += 1
                st.resyncs += 1
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
        last = self._last_t_us
        if last is not None and t_us < last and last - t_us > 0x80000000:
            self._t_unwrap += 0x100000000
        self._last_t_us = t_us
        return (t_us + self._t_unwrap) * 1e-6

    def messages(
        self, frame: tuple[int, int, int, bytes], t_host: float
    ) -> list[Telemetry | Event | LogLine]:
        """Typed messages of one board frame (telemetry, events, logs); updates caps."""
        msg_type, seq, t_us, payload = frame
        self.sequence(seq)
        bt = self.board_time(t_us)
        self.last_board_time = bt
        try:
            if msg_type == codec.TELEMETRY:
                return [Telemetry(seq, t_host, bt, codec.unpack_telemetry(payload))]
            if msg_type == codec.EVENTS:
                out: list[Telemetry | Event | LogLine] = []
                for kind, ch, ev_us in codec.unpack_events(payload):
                    # event times are within ~ms before the frame: unwrap against it
                    ev_bt = bt - ((t_us - ev_us) & 0xFFFFFFFF) * 1e-6
                    name = codec.EVENT_NAMES.get(kind, f"event{kind}")
                    out.append(Event(name, ch, ev_us, ev_bt, seq, t_host))
                return out
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
        except codec.CodecError:
            self.stats.decode_errors += 1
        return []


def _check_block(block: bytes) -> tuple[int, int, int, bytes] | str | int:
    """A frame tuple, or why not: 'cobs', 'short', 'long', 'crc', or the foreign version."""
    if len(block) > codec.MAX_ENCODED:
        return "long"
    try:
        raw = codec.cobs_decode(block)
    except codec.CodecError:
        return "cobs"
    m = len(raw)
    if m < codec.HEADER_SIZE + codec.CRC_SIZE:
        return "short"
    if (raw[m - 2] | (raw[m - 1] << 8)) != codec.crc16(raw[: m - 2]):
        return "crc"
    version, msg_type, seq, t_us = struct.unpack_from(codec.HEADER_FORMAT, raw, 0)
    if version != codec.PROTOCOL_VERSION:
        return int(version)
    return msg_type, seq, t_us, raw[codec.HEADER_SIZE : m - codec.CRC_SIZE]


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


# ----------------------------------------------------------------------------- parameters


def param_info(name: str) -> dict[str, object]:
    """The firmware table's row for `name` (id, type, default, min, max, unit, ...)."""
    pid = params.INDEX.get(name)
    if pid is None:
        raise ParamError(f"unknown parameter {name!r}; known: {', '.join(params.NAMES)}")
    return params.describe(pid)


def check_param(name: str, value: float | int | bool | str) -> float:
    """Validate a value for `name` against the firmware's table; returns the wire value.

    Enum parameters also take their choice names ("cpg"). Raises ParamError naming the limit.
    """
    info = param_info(name)
    pid = int(info["id"])  # type: ignore[call-overload]
    if isinstance(value, str):
        choices = params.CHOICES.get(name)
        if choices is None or value not in choices:
            raise ParamError(
                f"parameter {name}: {value!r} is not a choice"
                + (f"; choices: {', '.join(choices)}" if choices else " (numeric parameter)")
            )
        value = choices.index(value)
    v = float(value)
    if not math.isfinite(v):
        raise ParamError(f"parameter {name}: value must be finite, got {value!r}")
    lo, hi, unit = info["min"], info["max"], info["unit"]
    if info["type"] != "f" and v != int(v):
        raise ParamError(f"parameter {name}: must be a whole number, got {value!r}")
    err, _ = params.check(_table_values(), pid, v)
    if err == codec.ERR_OUT_OF_RANGE:
        raise ParamError(f"parameter {name}: {value!r} outside [{lo}, {hi}] {unit}".rstrip())
    # ERR_INCONSISTENT depends on the board's current values: the board decides.
    return v


def _table_values() -> list[float | int]:
    """Values for the range check: every ordered pair made maximally loose."""
    values = params.defaults()
    for low, high in params.ORDERED:
        values[params.INDEX[low]] = params.TABLE[params.INDEX[low]][params.MIN] - 1e9
        values[params.INDEX[high]] = params.TABLE[params.INDEX[high]][params.MAX] + 1e9
    return values


# ----------------------------------------------------------------------------- the link

MODES = {name: i for i, name in enumerate(codec.MODE_NAMES[:4])}


class Link:
    """A connection to an mnsu board (or the virtual board) over a serial port.

    port: a device path, a pty path or a pyserial URL (loop://, socket://...).
    heartbeat_s: HEARTBEAT period (s), in host time and also in board time as seen in the
        frames received, so a faster-than-real-time virtual board stays fed.
    reconnect: reopen the port after it disappears, with backoff from `backoff_s` doubling to
        `backoff_max_s`. record: write a recording of the session to this file.
    check_params_crc: refuse a board whose parameter table differs from this host's.
    """

    def __init__(
        self,
        port: str,
        *,
        baudrate: int = 115200,
        heartbeat_s: float = 0.05,
        reconnect: bool = True,
        backoff_s: float = 0.02,
        backoff_max_s: float = 0.1,
        hello_timeout_s: float = 2.0,
        record: str | Path | None = None,
        check_params_crc: bool = True,
        connect: bool = True,
    ) -> None:
        self.port = port
        self.baudrate = baudrate
        self.heartbeat_s = heartbeat_s
        self.reconnect = reconnect
        self.backoff_s = backoff_s
        self.backoff_max_s = backoff_max_s
        self.hello_timeout_s = hello_timeout_s
        self.check_params_crc = check_params_crc
        self.stats = LinkStats()
        self._dec = Decoder(self.stats)
        self._ser: serial.SerialBase | None = None
        self._wlock = threading.Lock()
        self._slock = threading.Lock()
        self._seq = 0
        self._subs: list[Subscription] = []
        self._callbacks: list[tuple[frozenset[str], Callable[[Message], None]]] = []
        self._pending: dict[int, tuple[threading.Event, list[tuple[int, bytes]]]] = {}
        self._caps_event = threading.Event()
        self._connected = threading.Event()
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None
        self._fatal: LinkError | None = None
        self._last_hb_host = 0.0
        self._last_hb_board: float | None = None
        self._board_now: float | None = None
        self._hello_sent_at = 0.0
        self.caps: Caps | None = None
        self.recorder = (
            Recorder(record, {"port": port, "t0_monotonic": time.monotonic()}) if record else None
        )
        if connect:
            self.connect()

    # ------------------------------------------------------------------ lifecycle
    def connect(self, timeout_s: float | None = None) -> Caps:
        """Open the port and complete the HELLO/CAPS handshake; returns the capabilities.

        Raises ProtocolVersionError, ParamTableError, LinkTimeout or LinkError (port cannot
        be opened) with a message naming the port.
        """
        self._open()
        self._thread = threading.Thread(target=self._run, name=f"mnsu-link {self.port}")
        self._thread.daemon = True
        self._thread.start()
        try:
            return self.wait_connected(self.hello_timeout_s if timeout_s is None else timeout_s)
        except LinkError:
            self.close()  # no reader may linger on the port (it would steal another's bytes)
            raise

    def wait_connected(self, timeout_s: float) -> Caps:
        """Block until the handshake is complete (after connect or a reconnect)."""
        deadline = time.monotonic() + timeout_s
        while not self._connected.wait(0.01):
            if self._fatal is not None:
                raise self._fatal
            if time.monotonic() > deadline:
                extra = ""
                if self._dec.foreign_version is not None:
                    extra = f" (it sent frames of protocol version {self._dec.foreign_version})"
                raise LinkTimeout(
                    f"{self.port}: no CAPS answer to HELLO within {timeout_s:g} s{extra}; "
                    "is the mnsu firmware running on this port?"
                )
        if self._fatal is not None:
            raise self._fatal
        assert self.caps is not None
        return self.caps

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def close(self) -> None:
        """Stop the reader thread and close the port (and the recording)."""
        self._closing.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)
        self._close_port()
        if self.recorder is not None:
            self.recorder.close()
        for sub in self._subs:
            sub.closed = True

    def __enter__(self) -> Link:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ receiving
    def subscribe(self, kinds: Iterable[str] = KINDS, maxsize: int = 0) -> Subscription:
        """A new queue of the given kinds (telemetry, event, log, connection)."""
        sub = Subscription(kinds, maxsize)
        with self._slock:
            self._subs.append(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._slock:
            if sub in self._subs:
                self._subs.remove(sub)
        sub.closed = True

    def on(self, kinds: Iterable[str], callback: Callable[[Message], None]) -> None:
        """Call `callback(msg)` on the reader thread for every message of these kinds.

        Keep it short; an exception in it is logged to the link's log kind, not raised.
        """
        with self._slock:
            self._callbacks.append((frozenset(kinds), callback))

    def telemetry(self, timeout_s: float = 1.0) -> Iterator[Telemetry]:
        """Telemetry frames from now on, until none arrives for `timeout_s` seconds."""
        sub = self.subscribe(("telemetry",))
        try:
            for msg in sub.iter(timeout_s):
                assert isinstance(msg, Telemetry)
                yield msg
        finally:
            self.unsubscribe(sub)

    # ------------------------------------------------------------------ commands
    def get_param(self, name: str, timeout_s: float = 1.0) -> float:
        """The board's current value of parameter `name` (float; whole for int/enum)."""
        pid = int(param_info(name)["id"])  # type: ignore[call-overload]
        kind, payload = self._request(codec.PARAM_GET, codec.pack_param_get(pid), timeout_s)
        return self._param_answer(name, kind, payload)

    def set_param(
        self, name: str, value: float | int | bool | str, timeout_s: float = 1.0
    ) -> float:
        """Set parameter `name` (checked against the table first); returns the applied value.

        Raises ParamError before sending if the host table refuses it, CommandRefused if the
        board does (e.g. an inconsistent joint limit).
        """
        v = check_param(name, value)
        pid = int(param_info(name)["id"])  # type: ignore[call-overload]
        kind, payload = self._request(codec.PARAM_SET, codec.pack_param_set(pid, v), timeout_s)
        return self._param_answer(name, kind, payload)

    def _param_answer(self, name: str, kind: int, payload: bytes) -> float:
        if kind != codec.PARAM_VALUE:
            raise LinkError(f"{self.port}: answer to a {name} request was {kind}")
        _, _, value = codec.unpack_param_value(payload)
        return float(value)

    def set_mode(self, mode: str | int, timeout_s: float = 1.0) -> None:
        """Request a mode: idle, cpg, host or hold (estop and safe are entered, not set)."""
        m = MODES.get(mode) if isinstance(mode, str) else mode
        if m is None or m not in MODES.values():
            raise ParamError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        self._request(codec.MODE, codec.pack_mode(m), timeout_s)

    def joint_command(self, hip_deg: float, knee_deg: float, timeout_s: float = 1.0) -> None:
        """Command the joints (deg) in HOST mode; the board applies limits and slew."""
        for what, v in (("hip_deg", hip_deg), ("knee_deg", knee_deg)):
            if not math.isfinite(v):
                raise ParamError(f"joint command {what} must be finite, got {v!r}")
        self._request(codec.JOINT_CMD, codec.pack_joint_cmd(hip_deg, knee_deg), timeout_s)

    def estop(self, timeout_s: float = 1.0) -> None:
        """Latch the board's e-stop (cleared only by reset_estop)."""
        self._request(codec.ESTOP, b"", timeout_s)

    def reset_estop(self, timeout_s: float = 1.0) -> None:
        """Clear the e-stop latch; the board enters IDLE."""
        self._request(codec.ESTOP_RESET, b"", timeout_s)

    def save_params(self, timeout_s: float = 2.0) -> None:
        """Write the board's parameters to its flash."""
        self._request(codec.PARAM_SAVE, b"", timeout_s)

    def default_params(self, timeout_s: float = 1.0) -> None:
        """Every parameter back to its default on the board (not saved)."""
        self._request(codec.PARAM_DEFAULTS, b"", timeout_s)

    def heartbeat(self) -> None:
        self._send(codec.HEARTBEAT, b"")
        self.stats.heartbeats_sent += 1

    def send_raw(self, data: bytes) -> None:
        """Write bytes as they are (tests, tools); counted in nothing."""
        self._write(data)

    # ------------------------------------------------------------------ internals
    def _request(self, msg_type: int, payload: bytes, timeout_s: float) -> tuple[int, bytes]:
        done = threading.Event()
        box: list[tuple[int, bytes]] = []
        with self._wlock:
            seq = self._seq
            self._pending[seq] = (done, box)
        try:
            self._send(msg_type, payload, seq=seq)
            if not done.wait(timeout_s):
                name = codec.MESSAGE_NAMES.get(msg_type, str(msg_type))
                raise LinkTimeout(
                    f"{self.port}: no answer to {name} (seq {seq}) in {timeout_s:g} s"
                )
        finally:
            with self._wlock:
                self._pending.pop(seq, None)
        kind, answer = box[0]
        if kind == codec.NACK:
            ref_type, _, error, detail = codec.unpack_nack(answer)
            what = codec.MESSAGE_NAMES.get(ref_type, str(ref_type))
            why = codec.ERROR_NAMES.get(error, f"error {error}")
            if ref_type in (codec.PARAM_SET, codec.PARAM_GET) and detail < params.COUNT:
                what += f" {params.NAMES[detail]}"
            raise CommandRefused(f"{self.port}: board refused {what}: {why}", error, detail)
        return kind, answer

    def _send(self, msg_type: int, payload: bytes, seq: int | None = None) -> None:
        with self._wlock:
            if seq is None:
                seq = self._seq
            self._seq = (seq + 1) & 0xFFFF
            frame = codec.encode_frame(msg_type, seq, 0, payload)
            self._write_locked(frame)
            self.stats.frames_sent += 1

    def _write(self, data: bytes) -> None:
        with self._wlock:
            self._write_locked(data)

    def _write_locked(self, data: bytes) -> None:
        ser = self._ser
        if ser is None or self._closing.is_set():
            raise Disconnected(f"{self.port}: not connected (reconnecting or closed)")
        try:
            ser.write(data)
        except (serial.SerialException, OSError) as exc:
            raise Disconnected(f"{self.port}: write failed: {exc}") from exc
        if self.recorder is not None:
            self.recorder.write(b"t", data)

    def _open(self) -> None:
        try:
            ser = serial.serial_for_url(self.port, baudrate=self.baudrate, timeout=0.02)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise LinkError(f"cannot open {self.port}: {exc}") from exc
        with self._wlock:
            self._ser = ser
        self._dec.reopened()
        if self.recorder is not None:
            self.recorder.write(b"c", json.dumps({"state": "opened", "detail": ""}).encode())
        self._send_hello()

    def _send_hello(self) -> None:
        self._caps_event.clear()
        self._hello_sent_at = time.monotonic()
        try:
            # A leading delimiter ends whatever partial frame the board may hold.
            self._write(b"\x00")
            self._send(codec.HELLO, b"")
        except Disconnected:
            pass

    def _close_port(self) -> None:
        with self._wlock:
            ser, self._ser = self._ser, None
        if ser is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                ser.close()

    def _run(self) -> None:
        backoff = self.backoff_s
        while not self._closing.is_set():
            ser = self._ser
            if ser is None:
                if not self.reconnect:
                    return
                time.sleep(backoff)
                try:
                    self._open()
                    backoff = self.backoff_s
                except LinkError:
                    backoff = min(backoff * 2, self.backoff_max_s)
                continue
            try:
                data = ser.read(int(getattr(ser, "in_waiting", 0)) or 1)
            except (serial.SerialException, OSError, TypeError) as exc:
                if self._closing.is_set():
                    return
                self._lost(str(exc))
                continue
            now = time.monotonic()
            if data:
                if self.recorder is not None:
                    self.recorder.write(b"r", data)
                self._receive(data, now)
            self._housekeeping(now)

    def _lost(self, why: str) -> None:
        self._close_port()
        self.stats.disconnects += 1
        self._connected.clear()
        self._dec.mark_offline_gap()
        self._event_conn("disconnected", why)

    def _event_conn(self, state: str, detail: str) -> None:
        if self.recorder is not None:
            self.recorder.write(b"c", json.dumps({"state": state, "detail": detail}).encode())
        self._dispatch(Connection(state, detail, time.monotonic()))

    def _housekeeping(self, now: float) -> None:
        if not self._connected.is_set():
            if self._ser is not None and now - self._hello_sent_at > 0.25:
                self._send_hello()  # the board may have missed it (booting, cut line)
            return
        due = now - self._last_hb_host >= self.heartbeat_s
        board = self._board_now
        if not due and board is not None:
            last = self._last_hb_board
            due = last is None or board - last >= self.heartbeat_s
        if due:
            try:
                self.heartbeat()
            except Disconnected:
                return
            self._last_hb_host = now
            self._last_hb_board = board

    def _receive(self, data: bytes, now: float) -> None:
        self.stats.last_rx_host_t = now
        frames = self._dec.feed(data, now)
        foreign = self._dec.foreign_version
        if foreign is not None and not self._connected.is_set() and self._fatal is None:
            self._fatal = ProtocolVersionError(
                f"{self.port}: board speaks protocol version {foreign}, this host speaks "
                f"{codec.PROTOCOL_VERSION}; update the firmware (mnsu deploy) or the host"
            )
            self._closing.set()
            return
        for frame in frames:
            msg_type = frame[0]
            msgs = self._dec.messages(frame, now)
            self._board_now = self._dec.last_board_time
            if msg_type == codec.CAPS:
                self._handshake()
            elif msg_type in (codec.ACK, codec.NACK, codec.PARAM_VALUE):
                self._answer(msg_type, frame[3])
            for msg in msgs:
                self._dispatch(msg)
            self._housekeeping(now)

    def _handshake(self) -> None:
        caps = self._dec.caps
        if caps is None:
            return
        if caps.protocol != codec.PROTOCOL_VERSION:
            self._fatal = ProtocolVersionError(
                f"{self.port}: board speaks protocol version {caps.protocol}, "
                f"this host speaks {codec.PROTOCOL_VERSION}; update the firmware (mnsu deploy) "
                "or the host"
            )
        elif self.check_params_crc and (
            caps.params_crc != params.table_crc() or caps.n_params != params.COUNT
        ):
            self._fatal = ParamTableError(
                f"{self.port}: board parameter table has {caps.n_params} rows, CRC "
                f"0x{caps.params_crc:04X}; this host has {params.COUNT} rows, CRC "
                f"0x{params.table_crc():04X}; deploy matching firmware (mnsu deploy)"
            )
        self.caps = caps
        if self._fatal is not None:
            self._closing.set()
            self._connected.set()
            return
        first = self.stats.connects == 0
        self.stats.connects += 1
        self._last_hb_host = time.monotonic()
        self._last_hb_board = self._board_now
        self._connected.set()
        self._event_conn("connected", "handshake" if first else "reconnected")

    def _answer(self, msg_type: int, payload: bytes) -> None:
        try:
            if msg_type == codec.PARAM_VALUE:
                ref = codec.unpack_param_value(payload)[0]
            elif msg_type == codec.ACK:
                ref = codec.unpack_ack(payload)[1]
            else:
                ref = codec.unpack_nack(payload)[1]
                self.stats.nacks += 1
        except codec.CodecError:
            self.stats.decode_errors += 1
            return
        with self._wlock:
            pending = self._pending.get(ref)
        if pending is not None:
            pending[1].append((msg_type, payload))
            pending[0].set()

    def _dispatch(self, msg: Message) -> None:
        kind = _kind(msg)
        with self._slock:
            subs = [s for s in self._subs if kind in s.kinds]
            callbacks = [cb for kinds, cb in self._callbacks if kind in kinds]
        for sub in subs:
            sub._put(msg)
        for cb in callbacks:
            try:
                cb(msg)
            except Exception as exc:  # a user callback must not kill the reader
                if kind != "log":
                    self._dispatch(LogLine(codec.LOG_ERROR, f"callback failed: {exc!r}", -1, 0.0))

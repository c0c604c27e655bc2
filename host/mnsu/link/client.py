"""Host side of the mnsu serial link: a typed, thread-safe client over pyserial.

    with Link("/dev/ttyACM0") as link:          # or any pyserial URL, or a pty path
        print(link.caps.board, link.caps.sample_rate_hz)
        link.set_param("telemetry_hz", 200)     # checked against the firmware's table first
        link.set_mode("cpg")
        sub = link.subscribe(("telemetry", "events"))
        for msg in sub.iter(timeout_s=5.0):
            ...

One background thread reads the port, splits and checks frames with the shared codec
(`mnsu.wire`), answers nothing by itself except heartbeats, and hands each message to the
subscriptions (queues that live as long as the Link, so a reconnect loses nothing already
received) and the callbacks. When the port disappears (unplug, pty closed) the thread closes
it, retries opening the same path with exponential backoff, and on success repeats the HELLO
handshake; it never sends a reset and never toggles anything on the board. Sequence gaps while
connected count as `frames_lost`; the frames the board sent while the port was gone count as
`frames_missed_offline`.

Times: `t_host` is time.monotonic() (s) at reception; `board_time_s` is the board's
microsecond clock unwrapped past its 32-bit wrap (s). Angles in degrees.

One concern, the live Link: its reader thread (connection supervision, reconnect, heartbeat)
and the requests it serves; frames and statistics are decoder.py's, queues subscription.py's,
recordings recording.py's, multi-request jobs operations.py's.
"""

from __future__ import annotations

import contextlib
import json
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType

import serial
from mnsu_fw import params

from mnsu import parameters
from mnsu import wire as codec
from mnsu.link.decoder import Decoder, LinkStats
from mnsu.link.errors import (
    CommandRefused,
    Disconnected,
    LinkError,
    LinkTimeout,
    ParamError,
    ParamTableError,
    ProtocolVersionError,
)
from mnsu.link.port_lock import PortLock
from mnsu.link.recording import Recorder
from mnsu.link.subscription import Subscription
from mnsu.protocol import KINDS, MODES, Caps, Connection, LogLine, Message, Telemetry, message_kind


def check_param(name: str, value: float | int | bool | str) -> float:
    """Validate a value for `name` against the firmware's table; returns the wire value.

    Enum parameters also take their choice names ("cpg"). Raises ParamError with the reason
    (`mnsu.parameters.refusal`).
    """
    try:
        return parameters.check_param(name, value)
    except parameters.ParamError as exc:
        raise ParamError(str(exc)) from None


def _param(name: str) -> parameters.Param:
    try:
        return parameters.param(name)
    except parameters.ParamError as exc:
        raise ParamError(str(exc)) from None


def _read_chunk(ser: serial.SerialBase) -> bytes:
    """The bytes waiting on the port: at least one, or none after the port's read timeout.

    A device or pty says how many bytes wait; a socket:// port (`mnsu serve`) only whether
    any do, so after its first byte the rest is taken without waiting (one byte per call
    could not keep up with 1 kHz telemetry).
    """
    n = int(getattr(ser, "in_waiting", 0))
    if n > 1 or not type(ser).__module__.endswith("protocol_socket"):
        return bytes(ser.read(n or 1))
    data = bytes(ser.read(1))
    if data:
        timeout = ser.timeout
        ser.timeout = 0
        try:
            data += ser.read(65536)
        finally:
            ser.timeout = timeout
    return data


class Link:
    """A connection to an mnsu board (or the virtual board) over a serial port.

    port: a device path, a pty path or a pyserial URL (loop://, socket://...).
    heartbeat_s: HEARTBEAT period (s), in host time and also in board time as seen in the
        frames received, so a faster-than-real-time virtual board stays fed.
    reconnect: reopen the port after it disappears, with backoff from `backoff_s` doubling to
        `backoff_max_s`. record: write a recording of the session to this file.
    check_params_crc: refuse a board whose parameter table differs from this host's.
    lock: take the port's advisory lock (mnsu.link.port_lock) for the Link's lifetime, so a
        second mnsu process on the same port fails with "port busy" instead of both breaking.
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
        lock: bool = True,
    ) -> None:
        self.port = port
        self.baudrate = baudrate
        self.heartbeat_s = heartbeat_s
        self.reconnect = reconnect
        self.backoff_s = backoff_s
        self.backoff_max_s = backoff_max_s
        self.hello_timeout_s = hello_timeout_s
        self.check_params_crc = check_params_crc
        self.lock = lock
        self._port_lock: PortLock | None = None
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
        self._last_hb_connects = 0  # stats.connects when the last heartbeat was sent
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
        be opened) with a message naming the port, PortBusy when another process holds it.
        """
        if self.lock and self._port_lock is None:
            self._port_lock = PortLock(self.port).acquire()
        try:
            self._open()
        except BaseException:
            # a port that cannot be opened keeps no lock, so a retry is not told 'busy';
            # only the lock: the Link stays usable for that retry (its subscribers stay open)
            if self._port_lock is not None:
                self._port_lock.release()
                self._port_lock = None
            raise
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
        """Handshake done and the reader running (False while reconnecting or after close)."""
        thread = self._thread
        return self._connected.is_set() and thread is not None and thread.is_alive()

    def close(self) -> None:
        """Stop the reader thread and close the port (and the recording)."""
        self._closing.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)
        self._close_port()
        if self._port_lock is not None:
            self._port_lock.release()
            self._port_lock = None
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
        pid = _param(name).pid
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
        pid = _param(name).pid
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

    def exit_to_repl(self, timeout_s: float = 1.0) -> None:
        """Stop the board's control loop and return it to the MicroPython REPL (redeploying).

        The board refuses (CommandRefused) while its servo outputs are on, or when it speaks
        another protocol version. After the ACK the board no longer speaks the protocol.
        """
        self._request(codec.EXIT_TO_REPL, codec.pack_exit_to_repl(), timeout_s)

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
            # A leading delimiter ends whatever line noise the board holds, so a burst of noise
            # costs nothing but itself, not the next command.
            frame = b"\x00" + codec.encode_frame(msg_type, seq, 0, payload)
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
                data = _read_chunk(ser)
            except (serial.SerialException, OSError, TypeError) as exc:
                if self._closing.is_set():
                    return
                self._lost(str(exc))
                continue
            now = time.monotonic()
            try:
                if data:
                    if self.recorder is not None:
                        self.recorder.write(b"r", data)
                    self._receive(data, now)
                self._housekeeping(now)
            except (serial.SerialException, OSError) as exc:  # the recording's disk, a write
                if self._closing.is_set():
                    return
                self._lost(f"{type(exc).__name__}: {exc}")
            except Exception as exc:  # noqa: BLE001 - the reader survives any byte sequence
                self.stats.decode_errors += 1
                self._dispatch(LogLine(codec.LOG_ERROR, f"reader: {exc!r} (counted)", -1, now))

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
            if self._last_hb_connects == self.stats.connects and self._last_hb_host > 0:
                gap = now - self._last_hb_host
                self.stats.heartbeat_gap_max_s = max(self.stats.heartbeat_gap_max_s, gap)
                self.stats.heartbeat_gap_last_s = gap
            self._last_hb_host = now
            self._last_hb_connects = self.stats.connects
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
        except Exception:  # noqa: BLE001 - any payload
            self.stats.decode_errors += 1
            return
        with self._wlock:
            pending = self._pending.get(ref)
        if pending is not None:
            pending[1].append((msg_type, payload))
            pending[0].set()

    def _dispatch(self, msg: Message) -> None:
        kind = message_kind(msg)
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

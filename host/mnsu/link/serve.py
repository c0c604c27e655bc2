"""`mnsu serve`: own a board's serial port and share it with local tools over a loopback socket.

    server = Server("/dev/ttyACM0", listen=("127.0.0.1", 5790))
    server.open()           # lock the port, open it, HELLO -> CAPS
    print(server.url)       # socket://127.0.0.1:5790: pass it as --port to any mnsu tool
    server.run(stop)        # until stop.set()

One thread, one selector: the board's port, the listening socket and every client. Frame
routing is mnsu.link.router.Router. Clients are read whenever they send; what the board sends
is queued per client and written as the client's socket accepts it. A client whose queue passes
`max_queue` bytes (it stopped reading) is disconnected, so one stuck tool cannot exhaust memory
or stall the others. While the board's port is gone (unplugged), every client is disconnected
and new ones are turned away until it is back (their links reconnect by themselves).
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import serial

from mnsu.link.errors import LinkError, LinkTimeout
from mnsu.link.port_lock import PortLock
from mnsu.link.router import Client, Router

DEFAULT_LISTEN = ("127.0.0.1", 5790)
MAX_QUEUE = 8 << 20  # bytes queued for one client before it is disconnected
HELLO_EVERY_S = 0.25
REOPEN_EVERY_S = 0.2


@dataclass
class _Peer:
    sock: socket.socket
    client: Client
    queue: bytearray = field(default_factory=bytearray)


def _log(text: str) -> None:
    print(f"mnsu serve: {text}", file=sys.stderr, flush=True)


class Server:
    def __init__(
        self,
        port: str,
        *,
        listen: tuple[str, int] = DEFAULT_LISTEN,
        baudrate: int = 115200,
        max_queue: int = MAX_QUEUE,
        log: Callable[[str], None] = _log,
    ) -> None:
        self.port = port
        self.baudrate = baudrate
        self.max_queue = max_queue
        self.log = log
        self.router = Router()
        self._sel = selectors.DefaultSelector()
        self._listener = socket.create_server(listen, reuse_port=False)
        self._listener.setblocking(False)
        host, lport = self._listener.getsockname()[:2]
        self.url = f"socket://{host}:{lport}"
        self._lock = PortLock(port, served=self.url)
        self._ser: serial.SerialBase | None = None
        self._peers: dict[int, _Peer] = {}
        self._hello_at = 0.0
        self._reopen_at = 0.0
        self.clients_served = 0
        self.board_losses = 0

    # ------------------------------------------------------------ lifecycle
    def open(self, timeout_s: float = 3.0) -> None:
        """Lock and open the board's port and wait for its CAPS; LinkError says why not."""
        try:
            self._lock.acquire()
            self._open_board()
        except BaseException:
            self.close()
            raise
        self._sel.register(self._listener, selectors.EVENT_READ, "listen")
        deadline = time.monotonic() + timeout_s
        while self.router.caps is None:
            if time.monotonic() > deadline:
                self.close()
                raise LinkTimeout(
                    f"{self.port}: no CAPS answer to HELLO within {timeout_s:g} s; "
                    "is the mnsu firmware running on this port?"
                )
            self.step(0.02)

    def _open_board(self) -> None:
        try:
            ser = serial.serial_for_url(self.port, baudrate=self.baudrate, timeout=0)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise LinkError(f"cannot open {self.port}: {exc}") from exc
        self._ser = ser
        self.router.caps = None
        self._sel.register(ser.fileno(), selectors.EVENT_READ, "board")
        self._hello()

    def _hello(self) -> None:
        self._hello_at = time.monotonic()
        self._board_write(self.router.hello())

    def close(self) -> None:
        for cid in list(self._peers):
            self._drop(cid, "server stopping")
        with contextlib.suppress(KeyError, ValueError):
            self._sel.unregister(self._listener)
        self._listener.close()
        self._close_board()
        self._sel.close()
        self._lock.release()

    def _close_board(self) -> None:
        ser, self._ser = self._ser, None
        if ser is not None:
            with contextlib.suppress(KeyError, ValueError, OSError):
                self._sel.unregister(ser.fileno())
            with contextlib.suppress(serial.SerialException, OSError):
                ser.close()

    # ------------------------------------------------------------ the loop
    def run(self, stop: threading.Event, duration_s: float | None = None) -> None:
        end = None if duration_s is None else time.monotonic() + duration_s
        while not stop.is_set() and (end is None or time.monotonic() < end):
            self.step(0.05)

    def step(self, timeout_s: float) -> None:
        """Wait up to timeout_s for I/O and handle it."""
        now = time.monotonic()
        if self._ser is None and now >= self._reopen_at:
            self._reopen_at = now + REOPEN_EVERY_S
            with contextlib.suppress(LinkError):
                self._open_board()
                self.log(f"{self.port} is back")
        elif (
            self._ser is not None
            and self.router.caps is None
            and now - self._hello_at > (HELLO_EVERY_S)
        ):
            self._hello()
        for key, events in self._sel.select(timeout_s):
            what = key.data
            if what == "board":
                self._board_readable()
            elif what == "listen":
                self._accept()
            elif isinstance(what, int) and what in self._peers:
                if events & selectors.EVENT_READ:
                    self._client_readable(what)
                if events & selectors.EVENT_WRITE and what in self._peers:
                    self._flush(what)

    # ------------------------------------------------------------ board side
    def _board_readable(self) -> None:
        ser = self._ser
        if ser is None:
            return
        try:
            data = ser.read(max(1, int(getattr(ser, "in_waiting", 0))))
        except (serial.SerialException, OSError, TypeError) as exc:
            self._board_lost(str(exc))
            return
        if not data:
            return
        for cid, out in self.router.board_frames(data).items():
            peer = self._peers.get(cid)
            if peer is not None:
                peer.queue += out
                self._flush(cid)

    def _board_write(self, data: bytes) -> None:
        ser = self._ser
        if ser is None or not data:
            return
        try:
            ser.write(data)
        except (serial.SerialException, OSError) as exc:
            self._board_lost(str(exc))

    def _board_lost(self, why: str) -> None:
        self.board_losses += 1
        self._close_board()
        self.log(f"{self.port} lost ({why}); clients disconnected until it is back")
        for cid in list(self._peers):
            self._drop(cid, "board port lost")
        self._reopen_at = time.monotonic() + REOPEN_EVERY_S

    # ------------------------------------------------------------ client side
    def _accept(self) -> None:
        try:
            sock, addr = self._listener.accept()
        except OSError:
            return
        if self._ser is None or self.router.caps is None:
            sock.close()  # no board now: the client's link retries
            return
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        client = self.router.add_client(f"{addr[0]}:{addr[1]}")
        self._peers[client.cid] = _Peer(sock, client)
        self._sel.register(sock, selectors.EVENT_READ, client.cid)
        self.clients_served += 1
        self.log(f"client {client.cid} attached from {client.name}")

    def _client_readable(self, cid: int) -> None:
        peer = self._peers[cid]
        try:
            data = peer.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError as exc:
            self._drop(cid, str(exc))
            return
        if not data:
            self._drop(cid, "closed by the client")
            return
        board, back = self.router.client_frames(cid, data)
        self._board_write(board)
        if back:
            peer.queue += back
            self._flush(cid)

    def _flush(self, cid: int) -> None:
        peer = self._peers[cid]
        if peer.queue:
            try:
                n = peer.sock.send(peer.queue)
                del peer.queue[:n]
            except BlockingIOError:
                pass
            except OSError as exc:
                self._drop(cid, str(exc))
                return
        if len(peer.queue) > self.max_queue:
            self._drop(cid, f"not reading ({len(peer.queue)} bytes queued)")
            return
        want = selectors.EVENT_READ | (selectors.EVENT_WRITE if peer.queue else 0)
        self._sel.modify(peer.sock, want, cid)

    def _drop(self, cid: int, why: str) -> None:
        peer = self._peers.pop(cid, None)
        if peer is None:
            return
        self.router.remove_client(cid)
        with contextlib.suppress(KeyError, ValueError):
            self._sel.unregister(peer.sock)
        peer.sock.close()
        c = peer.client
        self.log(
            f"client {cid} left ({why}): {c.frames_out} frames sent to it, {c.requests} "
            f"frames from it to the board, {c.answers} answers, {c.bad_frames} bad frames"
        )

    def summary(self) -> dict[str, object]:
        st = self.router.stats
        return {
            "port": self.port,
            "url": self.url,
            "board_frames": st.board_frames,
            "board_bad_frames": st.board_bad,
            "requests": st.requests,
            "answers_routed": st.answers_routed,
            "answers_unclaimed": st.answers_unclaimed,
            "clients_served": self.clients_served,
            "board_losses": self.board_losses,
        }

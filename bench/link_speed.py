"""Link speed: decode throughput on one core and send-to-callback latency over a pty.

Prints, side by side in one run: frames/s of the host Decoder (typed messages) and of the
codec's bare FrameSplitter on the same byte stream, and the latency from the moment a peer
writes a telemetry frame into a pseudo-terminal to the moment the Link's callback runs
(median and p99 over 2000 frames sent at 1 kHz).
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from host.peer import Peer  # noqa: E402
from mnsu import wire as c  # noqa: E402
from mnsu.link import Decoder, Link, Message, Telemetry  # noqa: E402


def throughput(n: int = 20000) -> tuple[float, float]:
    peer_frames = b"".join(
        c.encode_frame(c.TELEMETRY, k & 0xFFFF, k * 1000, _payload(k)) for k in range(n)
    )
    dec = Decoder()
    t0 = time.perf_counter()
    got = 0
    for i in range(0, len(peer_frames), 4096):
        for frame in dec.feed(peer_frames[i : i + 4096], 0.0):
            got += len(dec.messages(frame, 0.0))
    t_dec = time.perf_counter() - t0
    assert got == n, got
    sp = c.FrameSplitter()
    t0 = time.perf_counter()
    k = 0
    for i in range(0, len(peer_frames), 4096):
        k += len(sp.feed(peer_frames[i : i + 4096]))
    t_split = time.perf_counter() - t0
    assert k == n
    return n / t_dec, n / t_split


def _payload(k: int) -> bytes:
    values = dict.fromkeys(c.TELEMETRY_FIELDS, 0)
    values["ticks"] = k
    return c.pack_telemetry(values)


def latency(n: int = 2000) -> list[float]:
    peer = Peer()
    sent: dict[int, float] = {}
    lat: list[float] = []
    done = threading.Event()

    def on_msg(msg: Message) -> None:
        if isinstance(msg, Telemetry):
            t = sent.get(msg.fields["ticks"])
            if t is not None:
                lat.append(time.perf_counter() - t)
            if len(lat) >= n:
                done.set()

    link = Link(peer.path, connect=False)
    link.on(("telemetry",), on_msg)
    link._open()
    link._thread = threading.Thread(target=link._run, daemon=True)
    link._thread.start()
    deadline = time.monotonic() + 3
    while not link.connected and time.monotonic() < deadline:
        peer.serve(0.01)
    for k in range(n):
        data = peer.frame(c.TELEMETRY, _payload(k))
        sent[k] = time.perf_counter()
        os.write(peer.master, data)
        peer.serve(0.001)  # ~1 kHz, answering heartbeats
    done.wait(5)
    link.close()
    peer.close()
    return lat


def main() -> None:
    dec, split = throughput()
    print(f"decode (Decoder -> typed messages): {dec:10.0f} frames/s on one core")
    print(f"split  (codec FrameSplitter only):  {split:10.0f} frames/s  (ratio {dec / split:.2f})")
    lat = sorted(latency())
    p99 = lat[int(0.99 * (len(lat) - 1))]
    print(
        f"pty send -> Link callback: median {statistics.median(lat) * 1e6:.0f} us, "
        f"p99 {p99 * 1e6:.0f} us over {len(lat)} frames at ~1 kHz"
    )


if __name__ == "__main__":
    main()

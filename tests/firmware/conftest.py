"""A minimal host for the firmware tests: frames in, frames out, over a CoSim byte stream."""

from __future__ import annotations

import math
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mnsu_fw import params as p

from mnsu import wire as c
from mnsu.cosim import CoSim
from mnsu.protocol import BoardTime

Frame = tuple[float, int, int, int, bytes]  # (host time s, type, seq, t_us, payload)


class Host:
    def __init__(self, sim: CoSim) -> None:
        self.sim = sim
        self.seq = 0
        self.splitter = c.FrameSplitter()
        self.frames: list[Frame] = []

    def send(self, msg_type: int, payload: bytes = b"") -> int:
        seq = self.seq
        self.sim.write(c.encode_frame(msg_type, seq, 0, payload))
        self.seq = (self.seq + 1) & 0xFFFF
        return seq

    def poll(self) -> None:
        t = self.sim.t
        for f in self.splitter.feed(self.sim.read()):
            self.frames.append((t, *f))

    def run(self, seconds: float, heartbeat: float | None = 0.1) -> None:
        """Run the co-simulation, sending a heartbeat every `heartbeat` s (None: silence)."""
        end = self.sim.t + seconds
        step = heartbeat if heartbeat else 0.05
        while self.sim.t < end - 1e-9:
            if heartbeat:
                self.send(c.HEARTBEAT)
            self.sim.run_until(min(end, self.sim.t + step))
            self.poll()

    def request(self, msg_type: int, payload: bytes = b"") -> Frame:
        """Send one request and return the device's answer to it (ACK, NACK or PARAM_VALUE)."""
        seq = self.send(msg_type, payload)
        for _ in range(100):
            self.sim.run_for(0.001)
            self.poll()
            reply = self.reply_to(seq)
            if reply is not None:
                return reply
        raise AssertionError(f"no reply to {c.MESSAGE_NAMES.get(msg_type)} seq {seq} in 0.1 s")

    def reply_to(self, seq: int) -> Frame | None:
        for f in self.frames:
            kind, payload = f[1], f[4]
            if kind in (c.ACK, c.NACK) and struct.unpack_from("<H", payload, 1)[0] == seq:
                return f
            if kind == c.PARAM_VALUE and struct.unpack_from("<H", payload, 0)[0] == seq:
                return f
        return None

    def set_param(self, name: str, value: float) -> Frame:
        return self.request(c.PARAM_SET, c.pack_param_set(p.INDEX[name], value))

    def get_param(self, name: str) -> float:
        f = self.request(c.PARAM_GET, c.pack_param_get(p.INDEX[name]))
        assert f[1] == c.PARAM_VALUE, f
        return c.unpack_param_value(f[4])[2]

    def telemetry(self) -> list[tuple[float, dict[str, int]]]:
        return [(f[0], c.unpack_telemetry(f[4])) for f in self.frames if f[1] == c.TELEMETRY]

    def last_telemetry(self) -> dict[str, int]:
        tel = self.telemetry()
        assert tel, "no telemetry received"
        return tel[-1][1]

    def events(self) -> list[tuple[int, int, int]]:
        out: list[tuple[int, int, int]] = []
        for f in self.frames:
            if f[1] == c.EVENTS:
                out += c.unpack_events(f[4])
        return out

    def logs(self) -> list[tuple[int, str]]:
        return [c.unpack_log(f[4]) for f in self.frames if f[1] == c.LOG]


ROOT = Path(__file__).resolve().parents[2]
MICROPYTHON = ROOT / ".venv" / "bin" / "micropython"


def run_micropython(script: str) -> str:
    """Run `script` under the MicroPython unix port (128 KB heap, device/ on its path);
    its stdout, after asserting it exited cleanly."""
    proc = subprocess.run(
        [str(MICROPYTHON), "-X", "heapsize=128K", "-c", script],
        env={"MICROPYPATH": str(ROOT / "device")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def nack_error(frame: Frame) -> int:
    assert frame[1] == c.NACK, f"expected NACK, got {c.MESSAGE_NAMES.get(frame[1])}"
    return c.unpack_nack(frame[4])[2]


def burst_onsets(spikes: list[float], gap: float = 0.1) -> list[float]:
    """Reference analysis: a spike preceded by more than `gap` s of silence starts a burst."""
    return [t for k, t in enumerate(spikes) if k == 0 or t - spikes[k - 1] > gap]


def unwrap_us(values: list[int]) -> list[float]:
    """u32 microsecond stamps -> seconds, unwrapped past 2**32 (mnsu.protocol.BoardTime)."""
    clock = BoardTime()
    return [clock.unwrap(v) * 1e-6 for v in values]


def pulse_to_deg(us: float) -> float:
    """Default calibration: 500..2500 us over 180 deg, centred at 1500 us."""
    return (us - 1500.0) * 180.0 / 2000.0


@pytest.fixture
def sim() -> Iterator[CoSim]:
    with CoSim(seed=1) as s:
        yield s


@pytest.fixture
def host(sim: CoSim) -> Host:
    return Host(sim)


def finite(x: Any) -> bool:
    return isinstance(x, float) and math.isfinite(x)

"""Firmware fuzzing: random CRC-valid host traffic against the real controller under MicroPython.

`generate` writes a script of host traffic (every message type, every parameter at hostile
values, e-stops, resets and garbage interleaved); `run_fuzz` runs it through
mpy_fuzz_driver.py under the MicroPython unix port and checks three invariants on every servo
frame, computed here from limits.json alone (not from the firmware's own numbers):

1. inside the hard limits: a pulse is 0 (limp) or inside the window that the joint's
   mechanical travel gives through the deploy-time calibration, within the servo's end stops;
2. within slew: between two powered frames (limp frames in between included) the pulse moves
   at most slew_dps * 20 ms in pulse units (a reset starts afresh: the position is unknown);
3. no motion while latched: while the e-stop is latched a limp servo stays limp and a powered
   one never reverses (it holds, or goes straight to the neutral pose).
"""

from __future__ import annotations

import json
import math
import os
import random
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mnsu_fw import params as p

from mnsu import wire as c
from mnsu.cosim.harness import compiled_firmware

DRIVER = Path(__file__).with_name("mpy_fuzz_driver.py")
HEAD = struct.Struct("<HBH")
SERVO_FRAME_S = 0.020

# Narrow, asymmetric, with a reversed servo: limits that bite (see test_fuzz.py).
HOSTILE_LIMITS: dict[str, Any] = {
    "slew_dps": 300.0,
    "joints": [
        {
            "min_deg": -20.0,
            "max_deg": 25.0,
            "neutral_deg": 5.0,
            "min_us": 600.0,
            "max_us": 2400.0,
            "range_deg": 170.0,
            "offset_deg": 10.0,
            "reversed": 1,
        },
        {
            "min_deg": 5.0,
            "max_deg": 60.0,
            "neutral_deg": 20.0,
            "min_us": 500.0,
            "max_us": 2500.0,
            "range_deg": 270.0,
            "offset_deg": -5.0,
            "reversed": 0,
        },
    ],
}


@dataclass
class Window:
    lo_us: float
    hi_us: float
    step_us: float  # largest pulse change per servo frame at the hard slew limit


def _leg_variant(joint: dict[str, Any], k: int) -> dict[str, Any]:
    """Leg k's copy of a joint: each leg its own window (a pulse from the wrong leg shows)."""
    out = dict(joint)
    out["min_deg"] = joint["min_deg"] + 3.0 * k
    out["max_deg"] = joint["max_deg"] - 2.0 * k
    out["offset_deg"] = joint["offset_deg"] - 4.0 * k
    out["reversed"] = (joint["reversed"] + k) % 2
    return out


# Four legs (eight servos, joint 2k + j is leg k's hip or knee): the deploy-time limits of a
# quadruped board, each leg with its own window and calibration.
FOUR_LEG_LIMITS: dict[str, Any] = {
    "slew_dps": 300.0,
    "joints": [_leg_variant(j, k) for k in range(4) for j in HOSTILE_LIMITS["joints"]],
}


def windows(limits: dict[str, Any]) -> list[Window]:
    """Reference: each servo's allowed pulses and step, from the limits' physical meaning."""
    out = []
    for joint in limits["joints"]:
        span = joint["max_us"] - joint["min_us"]
        centre = (joint["max_us"] + joint["min_us"]) / 2.0
        sign = -1.0 if joint["reversed"] else 1.0
        us_per_deg = span / joint["range_deg"]

        def pulse(
            deg: float,
            joint: Any = joint,
            c0: float = centre,
            s: float = sign,
            k: float = us_per_deg,
        ) -> float:
            us = c0 + s * (deg + joint["offset_deg"]) * k
            clamped: float = min(max(us, joint["min_us"]), joint["max_us"])
            return clamped

        a, b = pulse(joint["min_deg"]), pulse(joint["max_deg"])
        out.append(Window(min(a, b), max(a, b), limits["slew_dps"] * SERVO_FRAME_S * us_per_deg))
    return out


def hostile_value(rng: random.Random, pid: int, limits: dict[str, Any]) -> float:
    if pid >= p.COUNT:
        return rng.uniform(-10, 10)
    row = p.TABLE[pid]
    lo, hi = float(row[p.MIN]), float(row[p.MAX])
    edges = [lo, hi, lo - 1, hi + 1, float(row[p.DEFAULT]), 0.0, 1.0, 0.5, -1.0]
    edges += [1e30, -1e30, 3.4e38, math.nan, math.inf, -math.inf, 1e-30]
    edges += [float(limits["slew_dps"]) + 1.0, 90.0, -90.0, 45.0, -45.0]
    if rng.random() < 0.4:
        return rng.uniform(lo, hi)
    return rng.choice(edges)


def _frame(rng: random.Random, seq: int, limits: dict[str, Any]) -> bytes:
    r = rng.random()
    if r < 0.32:
        pid = rng.randrange(p.COUNT + 3)
        return c.encode_frame(
            c.PARAM_SET, seq, 0, struct.pack("<Hf", pid, _f32(hostile_value(rng, pid, limits)))
        )
    if r < 0.52:
        vals = [-1e9, 1e9, math.nan, math.inf, 0.0, 25.0, -20.0, 60.0, 5.0, 89.9]
        hip = rng.uniform(-100, 100) if rng.random() < 0.6 else rng.choice(vals)
        knee = rng.uniform(-100, 100) if rng.random() < 0.6 else rng.choice(vals)
        if rng.random() < 0.4:  # one leg of several (an index past the last gets a NACK)
            leg = rng.randrange(len(limits["joints"]) // 2 + 2)
            return c.encode_frame(
                c.LEG_JOINT_CMD, seq, 0, c.pack_leg_joint_cmd(leg, _f32(hip), _f32(knee))
            )
        return c.encode_frame(c.JOINT_CMD, seq, 0, struct.pack("<ff", _f32(hip), _f32(knee)))
    if r < 0.64:
        return c.encode_frame(c.MODE, seq, 0, bytes([rng.choice([0, 1, 2, 3, 1, 2, 4, 5, 255])]))
    if r < 0.72:
        return c.encode_frame(c.HEARTBEAT, seq, 0)
    if r < 0.77:
        return c.encode_frame(c.ESTOP, seq, 0)
    if r < 0.82:
        return c.encode_frame(c.ESTOP_RESET, seq, 0)
    if r < 0.86:
        return c.encode_frame(c.PARAM_DEFAULTS, seq, 0)
    if r < 0.89:
        return c.encode_frame(c.PARAM_GET, seq, 0, struct.pack("<H", rng.randrange(p.COUNT + 3)))
    if r < 0.895:
        return c.encode_frame(c.PARAM_SAVE, seq, 0)
    if r < 0.91:
        return c.encode_frame(c.HELLO, seq, 0)
    if r < 0.95:  # a known type with a wrong length, or an unknown type
        kind = rng.choice([c.PARAM_SET, c.JOINT_CMD, c.LEG_JOINT_CMD, c.MODE, 0x7F, 0x00, 0xEE])
        return c.encode_frame(
            kind, seq, 0, bytes(rng.randrange(256) for _ in range(rng.randrange(12)))
        )
    return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40)))  # line noise


def _f32(x: float) -> float:
    """x as float32 can carry it (huge values become infinities, as on the wire)."""
    try:
        return float(struct.unpack("<f", struct.pack("<f", x))[0])
    except OverflowError:
        return math.copysign(math.inf, x)


def generate(path: Path, seed: int, n_items: int, limits: dict[str, Any]) -> dict[str, int]:
    """Write a traffic script of `n_items` host items; returns how many of each kind."""
    rng = random.Random(seed)
    counts = {"frames": 0, "resets": 0}
    with path.open("wb") as f:
        # start at a low sample rate: more servo frames per tick of interpreter time
        first = c.encode_frame(
            c.PARAM_SET, 0, 0, struct.pack("<Hf", p.INDEX["sample_rate_hz"], 500.0)
        )
        f.write(HEAD.pack(0, 0, len(first)) + first)
        for k in range(n_items):
            ticks = rng.choice([0, 0, 1, 2, 5, 10, 20, 40, 80]) if rng.random() < 0.97 else 2000
            if rng.random() < 0.003:
                f.write(HEAD.pack(ticks, 1, 0))
                counts["resets"] += 1
                continue
            data = _frame(rng, (k + 1) & 0xFFFF, limits)
            f.write(HEAD.pack(ticks, 0, len(data)) + data)
            counts["frames"] += 1
        f.write(HEAD.pack(0, 2, 0))
    return counts


@dataclass
class Result:
    frames: int = 0  # servo frames checked
    powered: int = 0
    latched: int = 0  # servo frames while latched
    latches: int = 0  # latch episodes
    resets: int = 0
    max_step_ratio: float = 0.0  # largest step / allowed step
    violations: list[str] = field(default_factory=list)
    stdout: str = ""


def check(records: bytes, limits: dict[str, Any]) -> Result:
    win = windows(limits)
    n = len(win)
    frame = struct.Struct(f"<{n}HB")
    res = Result()
    last: list[int | None] = [None] * n  # last powered pulse since the last reset
    prev = [0] * n
    direction = [0] * n
    was_latched = False
    for i in range(0, len(records) - frame.size + 1, frame.size):
        *pulses, flags = frame.unpack_from(records, i)
        res.frames += 1
        latched = bool(flags & 1)
        if flags & 2:
            res.resets += 1
            last = [None] * n
            prev = [0] * n
        if latched and not was_latched:
            res.latches += 1
            direction = [0] * n
        if latched:
            res.latched += 1
        for j, us in enumerate(pulses):
            w = win[j]
            if us:
                res.powered += 1
                if not w.lo_us - 1 <= us <= w.hi_us + 1:
                    res.violations.append(f"frame {res.frames}: servo {j} {us} us outside {w}")
                before = last[j]
                if before is not None:
                    step = abs(us - before)
                    res.max_step_ratio = max(res.max_step_ratio, step / w.step_us)
                    if step > w.step_us:
                        res.violations.append(
                            f"frame {res.frames}: servo {j} step {step} us > {w.step_us:.1f}"
                        )
                last[j] = us
            if latched and was_latched:
                if us and not prev[j]:
                    res.violations.append(f"frame {res.frames}: servo {j} powered up while latched")
                if us and prev[j] and us != prev[j]:
                    d = 1 if us > prev[j] else -1
                    if direction[j] and d != direction[j]:
                        res.violations.append(
                            f"frame {res.frames}: servo {j} reversed while latched"
                        )
                    direction[j] = d
            prev[j] = us
        was_latched = latched
        if len(res.violations) > 20:
            break
    return res


def run_fuzz(
    seed: int, n_items: int, limits: dict[str, Any] | None = None, timeout_s: float = 600.0
) -> Result:
    """Generate, run under MicroPython, check; limits.json on the flash is `limits`."""
    limits = limits or HOSTILE_LIMITS
    heap = "128K" if len(limits["joints"]) <= 2 else "192K"  # four legs need 160 KB
    exe = Path(sys.executable).with_name("micropython")
    with tempfile.TemporaryDirectory(prefix="mnsu-fuzz-") as tmp:
        flash = Path(tmp)
        (flash / "limits.json").write_text(json.dumps(limits))
        script = flash / "traffic.bin"
        generate(script, seed, n_items, limits)
        out = flash / "frames.bin"
        env = {"MICROPYPATH": str(compiled_firmware()), "PATH": os.environ.get("PATH", "")}
        proc = subprocess.run(
            [str(exe), "-X", f"heapsize={heap}", str(DRIVER), str(script), str(out)],
            cwd=flash,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
        if proc.returncode != 0:
            raise AssertionError(
                f"fuzz driver failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
            )
        res = check(out.read_bytes(), limits)
        res.stdout = proc.stdout.strip()
        return res

"""Deploy-time hard limits: joint travel, servo end stops and calibration, top speed.

`mnsu deploy` writes them from the board file into `limits.json` on the board's flash; no
message on the link writes that file. Every servo pulse the firmware puts out is clamped into
the pulse window these limits give (the joint's mechanical travel through the deploy-time
calibration, inside the servo's end stops) and moves at most `slew_dps` per servo frame in pulse
space. Host-settable limits (hip_min_deg, slew_dps, servoN_min_us, ...) can only narrow them.

limits.json: {"slew_dps": 400, "joints": [JOINT, JOINT, ...]}: hip and knee of each leg the
board drives (2, 4, 6 or 8 joints: one to four legs; joint 2k + j is leg k's hip (j = 0) or
knee (j = 1)), each JOINT {"min_deg", "max_deg", "neutral_deg", "min_us", "max_us",
"range_deg", "offset_deg", "reversed"}. The number of legs is a deploy-time fact: it sets
which servo, touch-down and foot-switch pins the firmware uses. The first leg's calibration
is also the servo0_*/servo1_* parameters' (host-tunable, narrowed); the other legs keep the
calibration deployed here. A missing file gives the built-in limits (the parameter table's
defaults); a corrupt one gives them too, with a LOG line saying why.

Written in the MicroPython subset.
"""

import os

from mnsu_fw import params
from mnsu_fw.leg import Servo

FILE = "limits.json"
MAX_FILE_BYTES = 4096  # a four-leg limits.json is ~1500 bytes
JOINT_NAMES = ("hip", "knee")
JOINT_KEYS = (
    "min_deg",
    "max_deg",
    "neutral_deg",
    "min_us",
    "max_us",
    "range_deg",
    "offset_deg",
    "reversed",
)


def _key(j: int, key: str) -> str:
    """The parameter that carries a joint's value of `key` (hip_min_deg, servo0_min_us, ...)."""
    if key in ("min_deg", "max_deg", "neutral_deg"):
        return "%s_%s" % (JOINT_NAMES[j], key)
    return "servo%d_%s" % (j, key)


def builtin() -> "dict[str, object]":
    """The limits used without a limits.json: the parameter table's defaults."""
    d = params.defaults()
    joints = [{k: d[params.INDEX[_key(j, k)]] for k in JOINT_KEYS} for j in range(2)]
    return {"slew_dps": d[params.INDEX["slew_dps"]], "joints": joints}


def validate(data: object) -> "str | None":
    """None when `data` is a usable limits object, else what is wrong with it."""
    if not isinstance(data, dict) or not isinstance(data.get("joints"), list):
        return "not an object with a joints list"
    joints = data["joints"]
    n = len(joints)
    if n not in (2, 4, 6, 8) or not all(isinstance(x, dict) for x in joints):
        return "joints must be 2, 4, 6 or 8 objects (hip, knee of each leg)"
    checks = [("slew_dps", data.get("slew_dps"))]
    for j in range(n):
        checks += [(_key(j % 2, k), joints[j].get(k)) for k in JOINT_KEYS]
    for name, value in checks:
        row = params.TABLE[params.INDEX[name]]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return "%s missing or not a number" % name
        if not row[params.MIN] <= value <= row[params.MAX]:  # also False for NaN
            return "%s = %r outside %r..%r" % (name, value, row[params.MIN], row[params.MAX])
    for j in range(n):
        x = joints[j]
        if not (x["min_deg"] <= x["neutral_deg"] <= x["max_deg"] and x["min_deg"] < x["max_deg"]):
            return "joint %d: need min_deg <= neutral_deg <= max_deg, min < max" % j
        if not x["min_us"] < x["max_us"]:
            return "joint %d: need min_us < max_us" % j
    return None


def load(path: str) -> "tuple[HardLimits, list[str]]":
    """The limits in `path`, or the built-in ones and the reason (never raises)."""
    try:
        size = os.stat(path)[6]
    except OSError:
        return HardLimits(builtin()), ["%s missing: built-in hard limits" % path]
    why = "larger than %d bytes" % MAX_FILE_BYTES
    if size <= MAX_FILE_BYTES:
        try:
            import json

            with open(path, "rb") as f:
                data = json.loads(f.read().decode())
            why = validate(data) or ""
            if not why:
                return HardLimits(data), []
        except Exception as e:  # noqa: BLE001 - any content: OSError, ValueError, MemoryError
            why = "unreadable (%s)" % type(e).__name__
    return HardLimits(builtin()), ["%s corrupt (%s): built-in hard limits" % (path, why)]


def _cdeg(deg: float) -> int:
    return int(round(deg * 100.0))


class HardLimits:
    """The deploy-time limits as the integers the servo stage uses."""

    def __init__(self, data: "dict[str, object]") -> None:
        self.data = data
        self.slew_dps = float(data["slew_dps"])  # type: ignore[arg-type]
        joints = data["joints"]
        assert isinstance(joints, list)
        n = len(joints)
        self.n_legs = n // 2
        self.lo_cdeg = [_cdeg(x["min_deg"]) for x in joints]
        self.hi_cdeg = [_cdeg(x["max_deg"]) for x in joints]
        self.min_us = [int(x["min_us"]) for x in joints]
        self.max_us = [int(x["max_us"]) for x in joints]
        self.window_lo_us = [0] * n  # the pulses a servo may ever get
        self.window_hi_us = [0] * n
        self.us_per_deg = [0.0] * n
        self.servos = [Servo() for _ in range(n)]  # the deployed calibration of every servo
        for j in range(n):
            x = joints[j]
            servo = self.servos[j]
            servo.configure(
                self.min_us[j],
                self.max_us[j],
                _cdeg(x["range_deg"]),
                _cdeg(x["offset_deg"]),
                bool(x["reversed"]),
            )
            # Servo.pulse_us keeps a pulse inside the end stops
            a = servo.pulse_us(self.lo_cdeg[j])
            b = servo.pulse_us(self.hi_cdeg[j])
            self.window_lo_us[j] = min(a, b)
            self.window_hi_us[j] = max(a, b)
            self.us_per_deg[j] = (self.max_us[j] - self.min_us[j]) * 100.0 / servo.range_cdeg

    def step_us(self, j: int, dps: float, frame_s: float) -> int:
        """The largest pulse change per servo frame for joint j at `dps` (at least 1 us)."""
        return max(1, int(min(dps, self.slew_dps) * frame_s * self.us_per_deg[j]))

    def defaults(self) -> "list[float | int]":
        """The parameter defaults with the deploy-time joint limits, neutral pose, calibration
        and top speed in place of the table's."""
        values = params.defaults()
        joints = self.data["joints"]
        assert isinstance(joints, list)
        for j in range(2):
            for key in JOINT_KEYS:
                v = joints[j][key]
                values[params.INDEX[_key(j, key)]] = int(v) if key == "reversed" else float(v)
        pid = params.INDEX["slew_dps"]
        values[pid] = min(float(values[pid]), self.slew_dps)
        return values

    def check(self, name: str, value: "float | int") -> bool:
        """True when a host-settable limit stays inside (narrows) the hard one (joint limits:
        of some leg; each leg's limits in force are the host's narrowed by its own)."""
        if name == "slew_dps":
            return value <= self.slew_dps
        for j in range(2):
            if name == _key(j, "min_deg"):
                return _cdeg(value) >= min(self.lo_cdeg[j::2])
            if name == _key(j, "max_deg"):
                return _cdeg(value) <= max(self.hi_cdeg[j::2])
            if name == _key(j, "min_us"):
                return value >= self.min_us[j]
            if name == _key(j, "max_us"):
                return value <= self.max_us[j]
        return True

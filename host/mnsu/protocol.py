"""The board protocol seen from the host: typed messages and every field's physical meaning.

The byte layout of each message is the firmware's (`mnsu_fw.codec`, with the host's half in
`mnsu.wire`; docs/protocol.md). This
module is the one home on the host of what the integers mean:

- angles travel in centidegrees (`cdeg_to_deg`), envelopes in Q15 (`q15_to_unit`), the rhythm
  phase as a u16 fraction of a cycle (`phase_to_cycles`), frequencies in mHz (`mhz_to_hz`);
- ADC reads travel on the u16 scale of MicroPython's `ADC.read_u16` (`adc_to_volts`);
- the flag bits, mode, event and safe-pose names;
- the board's 32-bit microsecond clock, unwrapped (`BoardTime`).

The link (`mnsu.link`), the CLI and the ROS bridge read telemetry through these functions only.
The parameter table's host view (descriptions, validation wording) is `mnsu.parameters`.
"""

from __future__ import annotations

from dataclasses import dataclass

from mnsu_fw import params

from mnsu import wire as codec
from mnsu.parameters import CHOICES

# ----------------------------------------------------------------------------- field scaling

CDEG_PER_DEG = 100  # telemetry angles: centidegrees
Q15_ONE = 32768  # burst envelopes: 32768 = 1.0
PHASE_CYCLE = 65536  # rhythm phase: 65536 = one cycle
ADC_FULL_SCALE = 65536  # read_u16 scale: code / 2**16 of vref, as the ADC's floor(V/vref*2**bits)


def cdeg_to_deg(cdeg: int) -> float:
    """A telemetry angle (centidegrees) in degrees."""
    return cdeg / CDEG_PER_DEG


def q15_to_unit(q15: int) -> float:
    """A Q15 telemetry value (32768 = 1.0) as a float."""
    return q15 / Q15_ONE


def phase_to_cycles(phase_u16: int) -> float:
    """The rhythm phase field (u16) in cycles, 0..1 (0 = flexor burst onset)."""
    return phase_u16 / PHASE_CYCLE


def mhz_to_hz(freq_mhz: int) -> float:
    """The rhythm frequency field (mHz) in Hz."""
    return freq_mhz / 1000.0


def adc_to_volts(adc_u16: int, vref_v: float) -> float:
    """An ADC read on the u16 scale as the voltage at the ADC pin (V).

    The converter reads code = floor(V / vref * 2**bits) and read_u16 widens the code to
    16 bits, so V = u16 / 2**16 * vref (the lower edge of the code's bin).
    """
    return adc_u16 / ADC_FULL_SCALE * vref_v


def has_flag(flags: int, bit: int) -> bool:
    """Whether telemetry `flags` has `bit` (codec.FLAG_*) set."""
    return bool(flags & bit)


def mode_name(mode: int) -> str:
    """The name of a mode number ('idle', 'cpg', ...; 'mode<N>' for an unknown one)."""
    return codec.MODE_NAMES[mode] if 0 <= mode < len(codec.MODE_NAMES) else f"mode{mode}"


# The modes a host may request by name (estop and safe are entered, not set).
MODES = {name: i for i, name in enumerate(CHOICES["mode"])}


def event_name(kind: int) -> str:
    """The name of an event kind ('spike', 'burst_on', ...; 'event<N>' for an unknown one)."""
    return codec.EVENT_NAMES.get(kind, f"event{kind}")


# The poses a board takes on watchdog (`safe_pose`) or e-stop (`estop_pose`).
POSE_HOLD = params.POSE_HOLD
POSE_NEUTRAL = params.POSE_NEUTRAL
POSE_LIMP = params.POSE_LIMP
POSE_NAMES = CHOICES["safe_pose"]


def pose_name(pose: int) -> str:
    """'hold', 'neutral' or 'limp' ('pose<N>' for an unknown number)."""
    return POSE_NAMES[pose] if 0 <= pose < len(POSE_NAMES) else f"pose{pose}"


# ----------------------------------------------------------------------------- board time

_WRAP = 1 << 32
_HALF = 1 << 31


class BoardTime:
    """The board's u32 microsecond clock (wraps every 71.6 min) unwrapped into a growing count.

    Each step is taken as the nearest one modulo 2**32 (serial-number arithmetic, RFC 1982):
    a step back of less than 35.8 min is a step back (a board reset), not a wrap.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget the clock (a board reset or a reconnect)."""
        self._last_raw: int | None = None
        self._us = 0

    @property
    def started(self) -> bool:
        return self._last_raw is not None

    def nearest(self, raw_us: int) -> int:
        """Unwrapped time (us) of `raw_us` nearest to the last one, without updating."""
        raw_us &= _WRAP - 1
        if self._last_raw is None:
            return raw_us
        delta = (raw_us - self._last_raw) % _WRAP
        if delta >= _HALF:
            delta -= _WRAP
        return self._us + delta

    def unwrap(self, raw_us: int) -> int:
        """Unwrapped time (us) of the next frame's `raw_us`; becomes the new reference."""
        self._us = self.nearest(raw_us)
        self._last_raw = raw_us & (_WRAP - 1)
        return self._us


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
        return mode_name(self.fields["mode"])

    @property
    def contact(self) -> bool:
        return has_flag(self.fields["flags"], codec.FLAG_CONTACT)

    @property
    def estop(self) -> bool:
        return has_flag(self.fields["flags"], codec.FLAG_ESTOP)

    @property
    def locked(self) -> bool:
        return has_flag(self.fields["flags"], codec.FLAG_LOCKED)

    @property
    def servos_on(self) -> bool:
        return has_flag(self.fields["flags"], codec.FLAG_SERVOS_ON)

    @property
    def hip_deg(self) -> float:
        """Hip angle commanded after limits and slew (deg)."""
        return cdeg_to_deg(self.fields["hip_cdeg"])

    @property
    def knee_deg(self) -> float:
        return cdeg_to_deg(self.fields["knee_cdeg"])

    @property
    def phase(self) -> float:
        """Rhythm phase (cycles, 0..1; 0 = flexor burst onset)."""
        return phase_to_cycles(self.fields["phase_u16"])

    @property
    def freq_hz(self) -> float:
        """Rhythm frequency (Hz); 0 when not locked."""
        return mhz_to_hz(self.fields["freq_mhz"])

    @property
    def envelopes(self) -> tuple[float, float]:
        """(flexor, extensor) burst envelopes, 0..~1."""
        f = self.fields
        return q15_to_unit(f["env_flexor_q15"]), q15_to_unit(f["env_extensor_q15"])

    @property
    def adc(self) -> tuple[int, int, int, int]:
        """Latest ADC reads on the u16 scale, 0..65535 (`adc_volts` for volts)."""
        f = self.fields
        return f["adc0"], f["adc1"], f["adc2"], f["adc3"]

    def adc_volts(self, channel: int, vref_v: float) -> float:
        """Latest read of ADC `channel` as the voltage at the pin (V)."""
        return adc_to_volts(self.fields[f"adc{channel}"], vref_v)

    @property
    def pulses_us(self) -> tuple[int, int]:
        return self.fields["pulse0_us"], self.fields["pulse1_us"]


@dataclass(frozen=True)
class Legs:
    """One LEGS frame (boards with more than one leg, after each TELEMETRY): per leg, in the
    board file's order, the raw fields of codec.LEG_FIELDS."""

    seq: int
    t_host: float
    board_time_s: float
    legs: tuple[dict[str, int], ...]

    def contact(self, leg: int) -> bool:
        return has_flag(self.legs[leg]["flags"], codec.FLAG_CONTACT)

    def joints_deg(self, leg: int) -> tuple[float, float]:
        """(hip, knee) of `leg` after limits and slew (deg)."""
        f = self.legs[leg]
        return cdeg_to_deg(f["hip_cdeg"]), cdeg_to_deg(f["knee_cdeg"])

    def envelopes(self, leg: int) -> tuple[float, float]:
        f = self.legs[leg]
        return q15_to_unit(f["env_flexor_q15"]), q15_to_unit(f["env_extensor_q15"])

    def pulses_us(self, leg: int) -> tuple[int, int]:
        return self.legs[leg]["pulse0_us"], self.legs[leg]["pulse1_us"]


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


Message = Telemetry | Event | LogLine | Connection | Legs
KINDS = ("telemetry", "event", "log", "connection", "legs")


def message_kind(msg: Message) -> str:
    """'telemetry', 'event', 'log', 'connection' or 'legs'."""
    if isinstance(msg, Telemetry):
        return "telemetry"
    if isinstance(msg, Legs):
        return "legs"
    if isinstance(msg, Event):
        return "event"
    if isinstance(msg, LogLine):
        return "log"
    return "connection"

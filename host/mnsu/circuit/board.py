"""Board files: the YAML description of a CPG board (neurons, synapses, inputs, probes, leg).

Every value is in SI units, given as a number or as a string with a unit ("20 kohm").
Errors name the file, the key path and the expected form.

One concern, the board-file format: the specs a board file describes (dataclasses) and the
reader that checks every key into them; the YAML syntax itself is board_yaml.py, quantities
with units units.py.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from mnsu.circuit.board_yaml import BoardYamlError, load_yaml
from mnsu.circuit.units import UnitError, parse_quantity


class BoardError(ValueError):
    """A board file that cannot be used; the message names the file and the key path."""


@dataclass(frozen=True)
class NeuronSpec:
    """One memristive unit: RC membrane plus the thyristor+resistor device M (SI units)."""

    name: str
    model: str
    C: float
    R_leak: float
    V_th: float
    V_on: float
    R_on: float
    I_hold: float
    R_off: float
    I_bias: float
    adapt_a: float
    adapt_b: float
    adapt_tau: float
    V0: float
    turn_on_delay: float
    min_off_time: float
    V_retrigger: float
    retrigger_window: float
    adapt_q: float
    C_d: float
    R_d: float
    R_c: float
    I_bias_d: float
    V0_d: float
    I_noise: float
    noise_dt: float
    # A soma compartment R_series || C_series in series with M, between M and ground (the
    # bursting neuron of NCE23): M switches on the voltage across itself, V - Vs.
    C_series: float = 0.0
    R_series: float = math.inf
    # The readout node is the voltage I_M * R_read: R_on for the didactic `lif` unit, the
    # axon-hillock resistor Ra for the published `alif` unit (Vap = Vm Ra/(Rm[S] + Ra)).
    R_read: float = 0.0

    @property
    def V_off(self) -> float:
        """Membrane voltage at which the ON device's current falls to the holding current."""
        return self.V_on + self.I_hold * self.R_on


@dataclass(frozen=True)
class SynapseSpec:
    """Synaptic current circuit.

    `saturating` (the didactic P0 boards): I = W*s, s jumps by alpha*(1-s) per presynaptic
    spike and decays with tau. `rall` (the published circuit, PRA25 Eqs. 11-12): a rectangular
    current I_delta = sign*V_plus/R_W while the presynaptic spike Vap exceeds theta, leaky
    integrated by `stages` (1: exponential, 2: alpha) stages of tau_s = Rs*Cs; the last stage's
    current flows into the postsynaptic membrane.
    """

    pre: str
    post: str
    W: float
    tau: float
    alpha: float
    delay: float
    model: str = "saturating"
    I_delta: float = 0.0  # signed: < 0 for an inhibitory synapse
    theta: float = 0.7
    stages: int = 2
    R_s: float = 0.0  # the output resistor: a probe reads the current as volts across it


@dataclass(frozen=True)
class InputSpec:
    """An input current into one or more neurons.

    kinds: `step` (from `start`, for `duration` or forever), `pulse` (from `start` for `duration`,
    repeated every `period` for `count` pulses), `drive` (a descending drive: `amplitude` times
    a level 0..1 that the firmware sets), `touchdown` (a current pulse of `amplitude` for
    `duration` that the firmware fires on foot contact).
    """

    name: str
    targets: tuple[str, ...]
    kind: str
    start: float
    duration: float
    amplitude: float
    period: float
    count: int
    level: float


@dataclass(frozen=True)
class ProbeSpec:
    """One ADC channel: which node it reads and the analog front end before the converter."""

    adc: int
    neuron: str
    node: str
    gain: float
    offset: float
    vref: float
    bits: int
    noise: float


@dataclass(frozen=True)
class JointSpec:
    name: str
    min_deg: float
    max_deg: float
    neutral_deg: float


@dataclass(frozen=True)
class ServoSpec:
    """A hobby position servo as the physics leg sees it (defaults: an MG996R-class servo).

    Pulse to angle as the firmware's servo calibration maps it: `min_pulse`..`max_pulse` (s)
    spans `range_deg`, centred on 0 deg. `torque` (N m) is the stall torque (the actuator's
    force limit), `speed_dps` the no-load speed (deg/s), `gain` the position gain (N m/rad) and
    `damping` the velocity gain (N m s/rad) of its internal loop, `armature` the gearbox's
    reflected rotor inertia (kg m^2).
    """

    min_pulse: float = 500e-6
    max_pulse: float = 2500e-6
    range_deg: float = 180.0
    torque: float = 1.0
    speed_dps: float = 360.0
    gain: float = 20.0
    damping: float = 0.4
    armature: float = 2e-4

    def pulse_to_deg(self, pulse_s: float) -> float:
        """Joint angle (deg) a pulse of `pulse_s` seconds commands (clamped to the travel)."""
        centre = 0.5 * (self.min_pulse + self.max_pulse)
        half = 0.5 * (self.max_pulse - self.min_pulse)
        frac = min(max((pulse_s - centre) / half, -1.0), 1.0)
        return frac * 0.5 * self.range_deg


@dataclass(frozen=True)
class RigSpec:
    """The single-leg test rig: the hip rides a carriage that slides freely forward and up/down.

    `support` is the fraction of the robot's weight a counterweight carries; a spring of
    `stiffness` (N/m) pulls the hip towards `height` (m above the floor; 0: the height of the
    hip with the leg straight and the foot on the floor); `damping` (N s/m) is the vertical and
    `drag` (N s/m) the forward friction of the carriage's guides.
    """

    support: float = 0.5
    height: float = 0.0
    stiffness: float = 300.0
    damping: float = 20.0
    drag: float = 1.0


@dataclass(frozen=True)
class BodySpec:
    """The trunk of a robot with several legs (the board file's `body`): a box of `length`
    (x, forward), `width` (y) and `height` (z) and `mass`, the hips at its four lower corners
    (front/hind by the leg name's F/H, left/right by its L/R: LF, RF, LH, RH)."""

    mass: float = 0.6
    length: float = 0.24
    width: float = 0.12
    height: float = 0.04


_Part = TypeVar("_Part", ServoSpec, RigSpec, BodySpec)


@dataclass(frozen=True)
class LegSpec:
    """The leg: CPG neurons, joints, link lengths and (for the physics model) masses, foot,
    servo and rig. See README's board-file table."""

    flexor: str
    extensor: str
    joints: tuple[JointSpec, ...]
    thigh_length: float
    shank_length: float
    hip_height: float
    carriage_mass: float = 0.25
    thigh_mass: float = 0.06
    shank_mass: float = 0.03
    foot_radius: float = 0.01
    foot_friction: float = 1.0
    contact_threshold: float = 0.2
    servo: ServoSpec = field(default_factory=ServoSpec)
    rig: RigSpec = field(default_factory=RigSpec)
    gait: tuple[tuple[str, float], ...] = ()  # firmware parameters the demo sets (name, value)
    name: str = "leg"  # "leg" for a board's `leg`, the key (LF, RF, ...) in its `legs`

    @property
    def length(self) -> float:
        """Thigh plus shank (m): the body length walking speeds are measured in."""
        return self.thigh_length + self.shank_length

    @property
    def mass(self) -> float:
        """Carriage, thigh and shank (kg)."""
        return self.carriage_mass + self.thigh_mass + self.shank_mass


@dataclass(frozen=True)
class Board:
    name: str
    neurons: tuple[NeuronSpec, ...]
    synapses: tuple[SynapseSpec, ...]
    inputs: tuple[InputSpec, ...]
    probes: tuple[ProbeSpec, ...]
    leg: LegSpec | None
    source: str = "<board>"
    # every leg in firmware order: (leg,) for a `leg` board, the `legs` section's otherwise
    legs: tuple[LegSpec, ...] = ()
    body: BodySpec | None = None  # the trunk of a board with `legs` (physics; default values)
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def neuron_index(self, name: str) -> int:
        for i, neuron in enumerate(self.neurons):
            if neuron.name == name:
                return i
        raise KeyError(name)

    @property
    def neuron_names(self) -> list[str]:
        return [n.name for n in self.neurons]


# key -> (unit, default or None when required)
NEURON_KEYS: dict[str, tuple[str, float | str | None]] = {
    "model": ("model", "lif"),
    "C": ("F", None),
    "R_leak": ("ohm", None),
    "V_th": ("V", None),
    "V_on": ("V", None),
    "R_on": ("ohm", None),
    "I_hold": ("A", None),
    "R_off": ("ohm", math.inf),
    "I_bias": ("A", 0.0),
    "adapt_a": ("S", 0.0),
    "adapt_b": ("A", 0.0),
    "adapt_tau": ("s", 0.0),
    "V0": ("V", 0.0),
    "turn_on_delay": ("s", 0.0),
    "min_off_time": ("s", 0.0),
    "V_retrigger": ("V", 0.0),
    "retrigger_window": ("s", 0.0),
    "adapt_q": ("", 0.0),
    "C_d": ("F", 0.0),
    "R_d": ("ohm", math.inf),
    "R_c": ("ohm", math.inf),
    "I_bias_d": ("A", 0.0),
    "V0_d": ("V", 0.0),
    "I_noise": ("A", 0.0),
    "noise_dt": ("s", 1e-3),
    "C_series": ("F", 0.0),
    "R_series": ("ohm", math.inf),
}
NEURON_MODELS = ("lif", "alif")
# The published analog LIF (aLIF) unit [J. Wu et al., Phys. Rev. Applied 23, 034030 (2025),
# Eqs. 7-8]: Cm dVm/dt = -(Vm - V_T*S)/(Rm[S] + Ra) + I0, Vap = I_M*Ra, with the device M
# (thyristor + anode-gate resistor) as Rm[hi] (OFF) or Rm[lo] (ON) in series with the
# axon-hillock resistor Ra. These keys are the board's names for it; `alif_to_lif` maps them
# onto the one exact membrane model (C, R_leak = inf, R_off, R_on, V_on).
ALIF_KEYS: dict[str, tuple[str, float | None]] = {
    "Cm": ("F", None),
    "Rm_hi": ("ohm", None),
    "Rm_lo": ("ohm", None),
    "Ra": ("ohm", None),
    "V_T": ("V", 0.0),
    "I0": ("A", 0.0),
    # the bursting neuron's soma compartment Rs || Cs in series with M [NCE23 Fig. 3]
    "Rs": ("ohm", math.inf),
    "Cs": ("F", 0.0),
}
# lif keys an alif unit takes as they are (the rest are its own or the didactic unit's)
ALIF_SHARED = (
    "V_th",
    "I_hold",
    "V0",
    "turn_on_delay",
    "min_off_time",
    "adapt_a",
    "adapt_b",
    "adapt_tau",
    "I_noise",
    "noise_dt",
    "V_retrigger",
    "retrigger_window",
)
SYNAPSE_KEYS: dict[str, tuple[str, float | None]] = {
    "W": ("A", None),
    "tau": ("s", None),
    "alpha": ("", 0.5),
    "delay": ("s", 0.0),
}
SYNAPSE_MODELS = ("saturating", "rall")
# The published two-stage synapse [PRA25 Eqs. 11-12, Figs. 3-4, 19-20, Table III]
RALL_KEYS: dict[str, tuple[str, float | None]] = {
    "R_W": ("ohm", None),  # sets the pulse: I_delta = V_plus/R_W
    "V_plus": ("V", 4.0),  # the current source's supply (PRA25 Appendix: ~4 V)
    "Rs": ("ohm", None),
    "Cs": ("F", None),
    "theta": ("V", 0.7),  # the MOSFET gate threshold the spike must exceed
}
RALL_SIGNS = ("excitatory", "inhibitory")
INPUT_KINDS = ("step", "pulse", "drive", "touchdown")
INPUT_KEYS = (
    "name",
    "target",
    "kind",
    "start",
    "duration",
    "amplitude",
    "period",
    "count",
    "level",
)
PROBE_KEYS = ("adc", "neuron", "node", "gain", "offset", "vref", "bits", "noise")
PROBE_NODES = ("membrane", "readout", "synapse")
MIN_NOISE_DT_S = 1e-6  # the shortest noise update step a board file may ask for

LEG_KEYS = (
    "flexor",
    "extensor",
    "joints",
    "thigh_length",
    "shank_length",
    "hip_height",
    "carriage_mass",
    "thigh_mass",
    "shank_mass",
    "foot_radius",
    "foot_friction",
    "contact_threshold",
    "servo",
    "rig",
    "gait",
)
# key -> (unit, lowest allowed value, value must exceed it rather than reach it)
SERVO_KEYS: dict[str, tuple[str, float, bool]] = {
    "min_pulse": ("s", 0.0, True),
    "max_pulse": ("s", 0.0, True),
    "range": ("deg", 0.0, True),
    "torque": ("Nm", 0.0, True),
    "speed": ("deg/s", 0.0, True),
    "gain": ("Nm/rad", 0.0, True),
    "damping": ("Nms/rad", 0.0, False),
    "armature": ("", 0.0, False),  # kg m^2, as a plain number
}
RIG_KEYS: dict[str, tuple[str, float, bool]] = {
    "support": ("", 0.0, False),
    "height": ("m", 0.0, False),
    "stiffness": ("N/m", 0.0, False),
    "damping": ("Ns/m", 0.0, False),
    "drag": ("Ns/m", 0.0, False),
}
JOINT_KEYS = ("min", "max", "neutral")
TOP_KEYS = (
    "name",
    "defaults",
    "neurons",
    "synapses",
    "inputs",
    "probes",
    "leg",
    "legs",
    "body",
)
BODY_KEYS: dict[str, tuple[str, float, bool]] = {
    "mass": ("kg", 0.0, True),
    "length": ("m", 0.0, True),
    "width": ("m", 0.0, True),
    "height": ("m", 0.0, True),
}
MAX_LEGS = 4  # the firmware drives up to four legs (eight ADC channels, eight servos)
LEGS_COMMON = "common"  # the `legs` key whose leg keys every leg shares


class _Reader:
    """Validates one board file; every error carries the file name and key path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, message: str) -> BoardError:
        return BoardError(f"{self.source}: {path}: {message}")

    def mapping(self, value: object, path: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(path, f"expected a mapping of keys to values, got {value!r}")
        for key in value:
            if not isinstance(key, str):
                raise self.fail(path, f"keys must be names, got {key!r}")
        return value

    def sequence(self, value: object, path: str) -> Sequence[Any]:
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list, got {value!r}")
        return value

    def known_keys(self, value: Mapping[str, Any], allowed: Sequence[str], path: str) -> None:
        for key in value:
            if key not in allowed:
                raise self.fail(
                    f"{path}.{key}" if path else key,
                    f"unknown key; expected one of: {', '.join(allowed)}",
                )

    def quantity(self, value: object, unit: str, path: str) -> float:
        try:
            number = parse_quantity(value, unit)
        except UnitError as exc:
            raise self.fail(path, str(exc)) from None
        why = absurd(number, unit)
        if why is not None:
            raise self.fail(path, why)
        return number

    def quantities(
        self,
        values: Mapping[str, Any],
        keys: Mapping[str, tuple[str, float | None]],
        path: str,
        missing: str,
    ) -> dict[str, float]:
        """Each key's value in its unit, or its default (None: required, else `missing`)."""
        parsed: dict[str, float] = {}
        for key, (unit, default) in keys.items():
            if key in values:
                parsed[key] = self.quantity(values[key], unit, f"{path}.{key}")
            elif default is None:
                raise self.fail(f"{path}.{key}", missing)
            else:
                parsed[key] = default
        return parsed

    def name(self, value: object, path: str, known: Sequence[str] | None = None) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(path, f"expected a neuron name, got {value!r}")
        if known is not None and value not in known:
            raise self.fail(
                path, f"unknown neuron {value!r}; the board has: {', '.join(known) or 'none'}"
            )
        return value

    def integer(self, value: object, path: str, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
                value = int(value)
            else:
                raise self.fail(path, f"expected a whole number {low}..{high}, got {value!r}")
        if not low <= value <= high:
            raise self.fail(path, f"expected a whole number {low}..{high}, got {value}")
        return value

    def check(self, ok: bool, path: str, message: str) -> None:
        if not ok:
            raise self.fail(path, message)


# Refusals of physically absurd values (not plausibility warnings): no board of memristive
# units on a bench has a current above 10 A, a voltage above 1 kV, a resistance above 1 Tohm, a
# capacitance above 10 F or a time above 1e6 s. Such a value cannot be meant and would make the
# emulator's work unbounded (a 1e30 A bias is ~1e30 events per second).
ABSURD_ABOVE: dict[str, float] = {"A": 10.0, "V": 1e3, "ohm": 1e12, "F": 10.0, "s": 1e6, "S": 1e3}


def absurd(number: float, unit: str) -> str | None:
    """Why a value in `unit` is physically absurd (with the accepted range), or None."""
    if math.isnan(number):
        return "must be a number, got NaN"
    limit = ABSURD_ABOVE.get(unit)
    if limit is not None and math.isfinite(number) and abs(number) > limit:
        return f"{number:g} {unit} is physically absurd: accepted |value| <= {limit:g} {unit}"
    return None


def load_board(path: str | Path, overrides: Sequence[str] = ()) -> Board:
    """Read and validate a board file; `overrides` are "KEY.PATH=VALUE" strings (--set)."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BoardError(f"{source}: cannot read the board file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise BoardError(f"{source}: not a text file (byte {exc.start} is not UTF-8)") from None
    try:
        raw = load_yaml(text)
    except BoardYamlError as exc:
        raise BoardError(f"{source}: {exc}") from None
    except yaml.YAMLError as exc:
        one_line = " ".join(str(exc).split())
        raise BoardError(f"{source}: not valid YAML: {one_line}") from None
    raw = apply_overrides(raw, overrides, source)
    return parse_board(raw, source)


def apply_overrides(raw: object, overrides: Sequence[str], source: str) -> Any:
    """Set values in the raw board mapping from "a.b.c=VALUE" strings (lists index by number)."""
    if not overrides:
        return raw
    data = copy.deepcopy(raw)
    for item in overrides:
        key_path, sep, text = item.partition("=")
        if not sep or not key_path:
            raise BoardError(f"{source}: --set {item!r}: expected KEY.PATH=VALUE")
        keys = key_path.split(".")
        node: Any = data
        for depth, key in enumerate(keys):
            last = depth == len(keys) - 1
            where = ".".join(keys[: depth + 1])
            if isinstance(node, list):
                if not key.isdigit() or int(key) >= len(node):
                    raise BoardError(f"{source}: --set {where}: no list item {key!r}")
                index = int(key)
                if last:
                    node[index] = yaml.safe_load(text)
                else:
                    node = node[index]
            elif isinstance(node, dict):
                if last:
                    node[key] = yaml.safe_load(text)
                else:
                    if key not in node:
                        raise BoardError(f"{source}: --set {where}: no such key in the board")
                    node = node[key]
            else:
                raise BoardError(f"{source}: --set {where}: cannot set inside {node!r}")
    return data


def parse_board(raw: object, source: str = "<board>") -> Board:
    """Validate a board mapping (as read from YAML) and return the typed Board."""
    r = _Reader(source)
    if raw is None:
        raise r.fail("(top level)", "the board file is empty")
    top = r.mapping(raw, "(top level)")
    r.known_keys(top, TOP_KEYS, "")
    name = top.get("name", Path(source).stem)
    r.check(isinstance(name, str), "name", f"expected a text name, got {name!r}")

    defaults = r.mapping(top.get("defaults", {}) or {}, "defaults")
    r.known_keys(defaults, (*NEURON_KEYS, *ALIF_KEYS), "defaults")
    if "neurons" not in top:
        raise r.fail("neurons", "missing; a board needs at least one neuron")
    neurons_raw = r.mapping(top["neurons"], "neurons")
    r.check(len(neurons_raw) > 0, "neurons", "a board needs at least one neuron")
    neurons = tuple(
        _neuron(r, str(n), {**defaults, **r.mapping(v or {}, f"neurons.{n}")})
        for n, v in neurons_raw.items()
    )
    names = [n.name for n in neurons]

    synapses = tuple(
        _synapse(r, i, r.mapping(s, f"synapses[{i}]"), names)
        for i, s in enumerate(r.sequence(top.get("synapses", []) or [], "synapses"))
    )
    thetas: dict[str, tuple[int, float]] = {}
    for i, syn in enumerate(synapses):
        if syn.model == "rall":
            first = thetas.setdefault(syn.pre, (i, syn.theta))
            r.check(
                first[1] == syn.theta,
                f"synapses[{i}].theta",
                f"the synapses of one neuron share its spike threshold: synapses[{first[0]}] "
                f"from {syn.pre!r} has theta {first[1]:g} V, this one {syn.theta:g} V",
            )
    inputs = tuple(
        _input(r, i, r.mapping(s, f"inputs[{i}]"), names)
        for i, s in enumerate(r.sequence(top.get("inputs", []) or [], "inputs"))
    )
    probes = tuple(
        _probe(r, i, r.mapping(s, f"probes[{i}]"), names)
        for i, s in enumerate(r.sequence(top.get("probes", []) or [], "probes"))
    )
    seen: dict[int, int] = {}
    for i, probe in enumerate(probes):
        r.check(
            probe.adc not in seen,
            f"probes[{i}].adc",
            f"ADC channel {probe.adc} is already read by probes[{seen.get(probe.adc)}]",
        )
        seen[probe.adc] = i
    input_names = [i.name for i in inputs]
    for i, name_i in enumerate(input_names):
        r.check(input_names.index(name_i) == i, f"inputs[{i}].name", f"duplicate name {name_i!r}")
    leg = _leg(r, r.mapping(top["leg"], "leg"), names) if top.get("leg") is not None else None
    if leg is not None and top.get("legs") is not None:
        raise r.fail("legs", "give either `leg` (one leg) or `legs` (one to four), not both")
    legs: tuple[LegSpec, ...] = (leg,) if leg is not None else ()
    if top.get("legs") is not None:
        legs = _legs(r, r.mapping(top["legs"], "legs"), names)
    if legs:
        _check_leg_channels(r, legs, probes, "leg" if leg is not None else "legs")
    body = None
    if top.get("body") is not None:
        r.check(top.get("legs") is not None, "body", "a `body` needs a `legs` section")
        body = _leg_part(r, top["body"], "body", BODY_KEYS, BodySpec())
    return Board(
        name=name,
        neurons=neurons,
        synapses=synapses,
        inputs=inputs,
        probes=probes,
        leg=leg,
        source=source,
        raw=top,
        legs=legs,
        body=body,
    )


def alif_to_lif(r: _Reader, path: str, values: Mapping[str, Any]) -> dict[str, float]:
    """The lif values of a published aLIF unit: R_off = Rm_hi + Ra, R_on = Rm_lo + Ra, V_on =
    V_T, no separate leak (Rm[hi] is the leak), readout across Ra (R_read)."""
    r.known_keys(values, ("model", *ALIF_KEYS, *ALIF_SHARED), path)
    keys = dict(ALIF_KEYS)
    if "Cs" in values:
        keys["Ra"] = ("ohm", 0.0)  # the soma compartment replaces the load resistor
    parsed = r.quantities(values, keys, path, "missing (set it here or in `defaults`)")
    for key in ("Cm", "Rm_hi", "Rm_lo"):
        r.check(parsed[key] > 0, f"{path}.{key}", f"must be > 0, got {parsed[key]:g}")
    r.check(parsed["Ra"] >= 0, f"{path}.Ra", f"must be >= 0, got {parsed['Ra']:g}")
    r.check(
        "Cs" in values or parsed["Ra"] > 0, f"{path}.Ra", "must be > 0 (the spike is read on it)"
    )
    r.check(
        parsed["Rm_lo"] < parsed["Rm_hi"],
        f"{path}.Rm_lo",
        f"must be below Rm_hi ({parsed['Rm_hi']:g} ohm), got {parsed['Rm_lo']:g}",
    )
    return dict(
        C=parsed["Cm"],
        R_leak=math.inf,
        R_off=parsed["Rm_hi"] + parsed["Ra"],
        R_on=parsed["Rm_lo"] + parsed["Ra"],
        V_on=parsed["V_T"],
        I_bias=parsed["I0"],
        R_read=parsed["Ra"],
        C_series=parsed["Cs"],
        R_series=parsed["Rs"],
    )


def _neuron(r: _Reader, name: str, values: Mapping[str, Any]) -> NeuronSpec:
    path = f"neurons.{name}"
    model = values.get("model", "lif")
    r.check(
        model in NEURON_MODELS,
        f"{path}.model",
        f"unknown model {model!r}; expected one of: {', '.join(NEURON_MODELS)}",
    )
    fixed: dict[str, float] = {}  # values given by the aLIF keys
    if model == "alif":
        fixed = alif_to_lif(r, path, values)
        values = {key: values[key] for key in ALIF_SHARED if key in values}
    else:
        r.known_keys(values, tuple(NEURON_KEYS), path)
    parsed: dict[str, Any] = {}
    for key, (unit, default) in NEURON_KEYS.items():
        if key == "model":
            parsed[key] = model
            continue
        if key in fixed:
            parsed[key] = fixed[key]
            continue
        if key not in values:
            if default is None:
                raise r.fail(f"{path}.{key}", "missing (set it here or in `defaults`)")
            parsed[key] = default
            continue
        parsed[key] = r.quantity(values[key], unit, f"{path}.{key}")
    for key in ("C", "R_leak", "R_on", "R_off"):
        r.check(parsed[key] > 0, f"{path}.{key}", f"must be > 0, got {parsed[key]:g}")
    for key in (
        "I_hold",
        "adapt_tau",
        "turn_on_delay",
        "min_off_time",
        "retrigger_window",
        "adapt_q",
        "C_d",
        "I_noise",
    ):
        r.check(parsed[key] >= 0, f"{path}.{key}", f"must be >= 0, got {parsed[key]:g}")
    if parsed["C_series"] > 0 or math.isfinite(parsed["R_series"]):
        names = ("Cs", "Rs") if model == "alif" else ("C_series", "R_series")
        r.check(
            parsed["C_series"] > 0 and 0 < parsed["R_series"] < math.inf,
            f"{path}.{names[0]}",
            f"the series soma needs both {names[0]} > 0 and a finite {names[1]} > 0",
        )
        r.check(
            parsed["C_d"] == 0 and parsed["adapt_a"] == 0 and parsed["adapt_b"] == 0,
            f"{path}.{names[0]}",
            "a series soma does not combine with a dendrite or adaptation",
        )
    noise_dt = parsed["noise_dt"]
    # one noise event per noise_dt: below 1 us a second of board time is > 1e6 events
    r.check(
        noise_dt >= MIN_NOISE_DT_S,
        f"{path}.noise_dt",
        f"must be >= {MIN_NOISE_DT_S:g} s (1 us), got {noise_dt:g}",
    )
    if parsed["C_d"] > 0:
        for key in ("R_d", "R_c"):
            r.check(
                math.isfinite(parsed[key]),
                f"{path}.{key}",
                "missing: a dendrite (C_d > 0) needs a finite R_d and R_c",
            )
            r.check(parsed[key] > 0, f"{path}.{key}", f"must be > 0, got {parsed[key]:g}")
    else:
        for key in ("R_d", "R_c", "I_bias_d", "V0_d"):
            r.check(key not in values, f"{path}.{key}", "only used with a dendrite: set C_d too")
    if parsed["adapt_q"] > 0:
        r.check(
            parsed["adapt_a"] != 0 or parsed["adapt_b"] != 0,
            f"{path}.adapt_q",
            "a resonant adaptive current needs adapt_a or adapt_b",
        )
    if parsed["adapt_a"] != 0 or parsed["adapt_b"] != 0:
        r.check(
            parsed["adapt_tau"] > 0,
            f"{path}.adapt_tau",
            "must be > 0 s when adapt_a or adapt_b is set",
        )
    v_off = parsed["V_on"] + parsed["I_hold"] * parsed["R_on"]
    r.check(
        parsed["V_th"] > v_off,
        f"{path}.V_th",
        f"must be above the turn-off voltage V_on + I_hold*R_on = {v_off:g} V, "
        f"got {parsed['V_th']:g} V",
    )
    if parsed["retrigger_window"] > 0:
        r.check(
            v_off < parsed["V_retrigger"] <= parsed["V_th"],
            f"{path}.V_retrigger",
            f"must lie in ({v_off:g}, {parsed['V_th']:g}] V (between the turn-off voltage and "
            f"V_th) when retrigger_window is set, got {parsed['V_retrigger']:g} V",
        )
    return NeuronSpec(name=name, R_read=fixed.get("R_read", parsed["R_on"]), **parsed)


def _synapse(r: _Reader, i: int, values: Mapping[str, Any], names: list[str]) -> SynapseSpec:
    path = f"synapses[{i}]"
    model = values.get("model", "saturating")
    r.check(
        model in SYNAPSE_MODELS,
        f"{path}.model",
        f"unknown model {model!r}; expected one of: {', '.join(SYNAPSE_MODELS)}",
    )
    if model == "rall":
        r.known_keys(values, ("pre", "post", "model", "sign", "stages", *RALL_KEYS), path)
    else:
        r.known_keys(values, ("pre", "post", "model", *SYNAPSE_KEYS), path)
    for key in ("pre", "post"):
        if key not in values:
            raise r.fail(f"{path}.{key}", "missing (a neuron name)")
    pre = r.name(values["pre"], f"{path}.pre", names)
    post = r.name(values["post"], f"{path}.post", names)
    if model == "rall":
        return _rall_synapse(r, path, values, pre, post)
    parsed = r.quantities(values, SYNAPSE_KEYS, path, "missing")
    r.check(parsed["tau"] > 0, f"{path}.tau", f"must be > 0 s, got {parsed['tau']:g}")
    r.check(
        0 < parsed["alpha"] <= 1, f"{path}.alpha", f"must be in (0, 1], got {parsed['alpha']:g}"
    )
    r.check(parsed["delay"] >= 0, f"{path}.delay", f"must be >= 0 s, got {parsed['delay']:g}")
    return SynapseSpec(
        pre=pre,
        post=post,
        W=parsed["W"],
        tau=parsed["tau"],
        alpha=parsed["alpha"],
        delay=parsed["delay"],
    )


def _rall_synapse(
    r: _Reader, path: str, values: Mapping[str, Any], pre: str, post: str
) -> SynapseSpec:
    parsed = r.quantities(values, RALL_KEYS, path, "missing")
    for key in ("R_W", "V_plus", "Rs", "Cs", "theta"):
        r.check(parsed[key] > 0, f"{path}.{key}", f"must be > 0, got {parsed[key]:g}")
    sign = values.get("sign", "excitatory")
    r.check(
        sign in RALL_SIGNS,
        f"{path}.sign",
        f"expected one of: {', '.join(RALL_SIGNS)}; got {sign!r}",
    )
    stages = r.integer(values.get("stages", 2), f"{path}.stages", 1, 2)
    i_delta = parsed["V_plus"] / parsed["R_W"] * (1.0 if sign == "excitatory" else -1.0)
    return SynapseSpec(
        pre=pre,
        post=post,
        W=i_delta,
        tau=parsed["Rs"] * parsed["Cs"],
        alpha=1.0,
        delay=0.0,
        model="rall",
        I_delta=i_delta,
        theta=parsed["theta"],
        stages=stages,
        R_s=parsed["Rs"],
    )


def _input(r: _Reader, i: int, values: Mapping[str, Any], names: list[str]) -> InputSpec:
    path = f"inputs[{i}]"
    r.known_keys(values, INPUT_KEYS, path)
    kind = values.get("kind")
    r.check(
        kind in INPUT_KINDS,
        f"{path}.kind",
        f"expected one of: {', '.join(INPUT_KINDS)}; got {kind!r}",
    )
    if "target" not in values:
        raise r.fail(f"{path}.target", "missing (a neuron name or a list of names)")
    target = values["target"]
    targets = target if isinstance(target, list) else [target]
    r.check(len(targets) > 0, f"{path}.target", "needs at least one neuron")
    parsed_targets = tuple(r.name(t, f"{path}.target", names) for t in targets)
    if "amplitude" not in values:
        raise r.fail(f"{path}.amplitude", "missing (a current, e.g. '200 uA')")
    amplitude = r.quantity(values["amplitude"], "A", f"{path}.amplitude")
    start = r.quantity(values.get("start", 0.0), "s", f"{path}.start")
    r.check(start >= 0, f"{path}.start", f"must be >= 0 s, got {start:g}")
    if kind in ("pulse", "touchdown") and "duration" not in values:
        raise r.fail(f"{path}.duration", f"missing (a {kind} needs a width, e.g. '20 ms')")
    duration = (
        r.quantity(values["duration"], "s", f"{path}.duration")
        if "duration" in values
        else math.inf
    )
    r.check(duration > 0, f"{path}.duration", f"must be > 0 s, got {duration:g}")
    count = r.integer(values.get("count", 1), f"{path}.count", 1, 10**9)
    period = r.quantity(values.get("period", 0.0), "s", f"{path}.period")
    if count > 1:
        r.check(kind == "pulse", f"{path}.count", "only a pulse input repeats")
        r.check(
            period > duration,
            f"{path}.period",
            f"must be longer than the duration {duration:g} s for a pulse train, got {period:g}",
        )
    level = r.quantity(values.get("level", 1.0), "", f"{path}.level")
    r.check(0 <= level <= 1, f"{path}.level", f"must be in 0..1, got {level:g}")
    name = values.get("name", f"{kind}{i}")
    r.check(isinstance(name, str) and name != "", f"{path}.name", f"expected a name, got {name!r}")
    return InputSpec(
        name=name,
        targets=parsed_targets,
        kind=str(kind),
        start=start,
        duration=duration,
        amplitude=amplitude,
        period=period,
        count=count,
        level=level,
    )


def _probe(r: _Reader, i: int, values: Mapping[str, Any], names: list[str]) -> ProbeSpec:
    path = f"probes[{i}]"
    r.known_keys(values, PROBE_KEYS, path)
    for key in ("adc", "neuron"):
        if key not in values:
            raise r.fail(f"{path}.{key}", "missing")
    adc = r.integer(values["adc"], f"{path}.adc", 0, 15)
    neuron = r.name(values["neuron"], f"{path}.neuron", names)
    node = values.get("node", "readout")
    r.check(
        node in PROBE_NODES,
        f"{path}.node",
        f"expected one of: {', '.join(PROBE_NODES)}; got {node!r}",
    )
    gain = r.quantity(values.get("gain", 1.0), "", f"{path}.gain")
    offset = r.quantity(values.get("offset", 0.0), "V", f"{path}.offset")
    vref = r.quantity(values.get("vref", 3.3), "V", f"{path}.vref")
    r.check(vref > 0, f"{path}.vref", f"must be > 0 V, got {vref:g}")
    bits = r.integer(values.get("bits", 12), f"{path}.bits", 1, 16)
    noise = r.quantity(values.get("noise", 0.0), "V", f"{path}.noise")
    r.check(noise >= 0, f"{path}.noise", f"must be >= 0 V (rms), got {noise:g}")
    return ProbeSpec(
        adc=adc,
        neuron=neuron,
        node=str(node),
        gain=gain,
        offset=offset,
        vref=vref,
        bits=bits,
        noise=noise,
    )


def _leg(
    r: _Reader,
    values: Mapping[str, Any],
    names: list[str],
    path: str = "leg",
    leg_name: str = "leg",
) -> LegSpec:
    r.known_keys(values, LEG_KEYS, path)
    for key in ("flexor", "extensor"):
        if key not in values:
            raise r.fail(f"{path}.{key}", "missing (a neuron name)")
    joints_raw = r.mapping(values.get("joints", {}) or {}, f"{path}.joints")
    joints = []
    for jname, jvalues in joints_raw.items():
        jpath = f"{path}.joints.{jname}"
        jv = r.mapping(jvalues, jpath)
        r.known_keys(jv, JOINT_KEYS, jpath)
        for key in ("min", "max"):
            if key not in jv:
                raise r.fail(f"{jpath}.{key}", "missing (an angle, e.g. '-30 deg')")
        lo = r.quantity(jv["min"], "deg", f"{jpath}.min")
        hi = r.quantity(jv["max"], "deg", f"{jpath}.max")
        r.check(lo < hi, f"{jpath}.max", f"must be above min ({lo:g} deg), got {hi:g} deg")
        neutral = r.quantity(jv.get("neutral", (lo + hi) / 2), "deg", f"{jpath}.neutral")
        r.check(
            lo <= neutral <= hi,
            f"{jpath}.neutral",
            f"must lie within min..max ({lo:g}..{hi:g} deg), got {neutral:g}",
        )
        joints.append(JointSpec(str(jname), lo, hi, neutral))
    base = LegSpec("", "", (), 0.1, 0.1, 0.17)
    sizes: dict[str, float] = {}
    for key, unit in (
        ("thigh_length", "m"),
        ("shank_length", "m"),
        ("hip_height", "m"),
        ("carriage_mass", "kg"),
        ("thigh_mass", "kg"),
        ("shank_mass", "kg"),
        ("foot_radius", "m"),
        ("foot_friction", ""),
        ("contact_threshold", "N"),
    ):
        sizes[key] = r.quantity(values.get(key, getattr(base, key)), unit, f"{path}.{key}")
        r.check(sizes[key] > 0, f"{path}.{key}", f"must be > 0 {unit}, got {sizes[key]:g}".strip())
    servo = _leg_part(r, values.get("servo"), f"{path}.servo", SERVO_KEYS, ServoSpec())
    r.check(
        servo.min_pulse < servo.max_pulse,
        f"{path}.servo.max_pulse",
        f"must be above min_pulse ({servo.min_pulse:g} s), got {servo.max_pulse:g} s",
    )
    rig = _leg_part(r, values.get("rig"), f"{path}.rig", RIG_KEYS, RigSpec())
    r.check(rig.support <= 1.0, f"{path}.rig.support", f"must be 0..1, got {rig.support:g}")
    gait = _gait(r, values.get("gait"), f"{path}.gait")
    return LegSpec(
        name=leg_name,
        flexor=r.name(values["flexor"], f"{path}.flexor", names),
        extensor=r.name(values["extensor"], f"{path}.extensor", names),
        joints=tuple(joints),
        servo=servo,
        rig=rig,
        gait=gait,
        **sizes,
    )


def _legs(r: _Reader, values: Mapping[str, Any], names: list[str]) -> tuple[LegSpec, ...]:
    """The `legs` section: `common` (leg keys every leg shares, optional) and one to four legs
    by name, each its leg keys over `common` (a key a leg gives replaces the common one)."""
    common = r.mapping(values.get(LEGS_COMMON) or {}, f"legs.{LEGS_COMMON}")
    r.known_keys(common, LEG_KEYS, f"legs.{LEGS_COMMON}")
    leg_names = [k for k in values if k != LEGS_COMMON]
    if not leg_names:
        raise r.fail("legs", f"no legs; give 1..{MAX_LEGS} legs by name (LF, RF, LH, RH)")
    r.check(
        len(leg_names) <= MAX_LEGS,
        "legs",
        f"{len(leg_names)} legs; the firmware drives at most {MAX_LEGS}",
    )
    legs = []
    used: dict[str, str] = {}
    for leg_name in leg_names:
        path = f"legs.{leg_name}"
        r.check(leg_name.isidentifier(), path, "a leg name is a word (LF, RF, LH, RH)")
        own = r.mapping(values[leg_name] or {}, path)
        r.known_keys(own, LEG_KEYS, path)
        merged = {**common, **own}
        spec = _leg(r, merged, names, path, leg_name)
        for role in ("flexor", "extensor"):
            neuron = getattr(spec, role)
            r.check(
                neuron not in used,
                f"{path}.{role}",
                f"neuron {neuron!r} already drives legs.{used.get(neuron)}",
            )
            used[neuron] = leg_name
        legs.append(spec)
    return tuple(legs)


def _check_leg_channels(
    r: _Reader, legs: tuple[LegSpec, ...], probes: tuple[ProbeSpec, ...], path: str
) -> None:
    """Each leg's flexor and extensor need a probe (an ADC channel); the firmware reads leg k
    on the first leg's channels plus 2k (flexor_channel + 2k, extensor_channel + 2k)."""
    adc = {p.neuron: p.adc for p in probes if p.node == "readout"}
    if len(legs) == 1 and path == "leg":
        return  # one leg: any channels (the firmware's flexor_channel/extensor_channel)
    first: tuple[int, int] | None = None
    for k, spec in enumerate(legs):
        lpath = f"{path}.{spec.name}"
        pair = []
        for role in ("flexor", "extensor"):
            neuron = getattr(spec, role)
            if neuron not in adc:
                raise r.fail(
                    f"{lpath}.{role}",
                    f"neuron {neuron!r} has no readout probe (the firmware reads it on an ADC)",
                )
            pair.append(adc[neuron])
        if first is None:
            first = (pair[0], pair[1])
            r.check(
                max(first) + 2 * (len(legs) - 1) < 8,
                f"{lpath}.flexor",
                f"ADC channels {first[0]}, {first[1]} leave no room for {len(legs)} legs in 8",
            )
        want = (first[0] + 2 * k, first[1] + 2 * k)
        r.check(
            (pair[0], pair[1]) == want,
            lpath,
            f"reads ADC {pair[0]} (flexor) and {pair[1]} (extensor); leg {k} must be on "
            f"{want[0]} and {want[1]} (the first leg's channels + {2 * k})",
        )


def _gait(r: _Reader, raw: object, path: str = "leg.gait") -> tuple[tuple[str, float], ...]:
    """The leg's gait calibration: firmware parameters (name -> number within the firmware's
    table), set by `mnsu demo` before it starts the CPG."""
    from mnsu_fw import params

    values = r.mapping(raw or {}, path)
    out = []
    base = path
    for name, value in values.items():
        path = f"{base}.{name}"
        if name not in params.INDEX:
            raise r.fail(path, "not a firmware parameter (see `mnsu_fw.params`)")
        row = params.TABLE[params.INDEX[name]]
        v = r.quantity(value, "", path)
        lo, hi = row[params.MIN], row[params.MAX]
        r.check(lo <= v <= hi, path, f"must be {lo:g}..{hi:g}, got {v:g}")
        out.append((name, v))
    return tuple(out)


# board-file key -> field of ServoSpec / RigSpec where the names differ
_PART_FIELDS = {"range": "range_deg", "speed": "speed_dps"}


def _leg_part(
    r: _Reader,
    raw: object,
    path: str,
    keys: Mapping[str, tuple[str, float, bool]],
    default: _Part,
) -> _Part:
    """Read the leg's `servo` or `rig` mapping (or the `body`) over `default` (every key
    optional)."""
    values = r.mapping(raw or {}, path)
    r.known_keys(values, list(keys), path)
    fields: dict[str, float] = {}
    for key, (unit, low, strict) in keys.items():
        name = _PART_FIELDS.get(key, key)
        if key not in values:
            continue
        v = r.quantity(values[key], unit, f"{path}.{key}")
        ok = v > low if strict else v >= low
        r.check(ok, f"{path}.{key}", f"must be {'>' if strict else '>='} {low:g}, got {v:g}")
        fields[name] = v
    return dataclasses.replace(default, **fields)

"""A board file as a self-contained ngspice netlist.

Per unit: the membrane capacitor C (initial V0), the leak R_leak, the bias and input current
sources, and the device M from the membrane to ground (or to the bursting neuron's soma
compartment Rs || Cs in series with it) through a 0 V source that measures its current;
adaptation, a dendrite and synapses where the board has them. Every state variable
that is not a voltage (synaptic activation s, adaptation current w) is the voltage of a
capacitor node, in the same units as the board (w in amperes is w volts on its node).

The device, `ideal`: the emulator's law (ON from V_th, OFF below V_off = V_on + I_hold*R_on,
where the ON current falls to I_hold; V_on and R_on in series when ON, R_off when OFF) as a
behavioural current switched by a latched 0/1 state node q (a smooth regenerative threshold, so
ngspice never meets a jump). `scr`: the two-transistor thyristor of mnsu.spice.scr (or a user
subcircuit) with the board's R_on from its cathode to ground as the readout resistor; q is then
the device current above I_hold.

The emulator's events are instantaneous jumps (s += alpha*(1 - s), w += adapt_b at each
turn-on). Here the positive part of dq/dt, kick(t), integrates to exactly 1 per turn-on, so
w gains exactly adapt_b, and the synapse, written for u = -ln(1 - s),
    du/dt = r*kick(t) - (exp(u) - 1)/tau,   r = -ln(1 - alpha)
multiplies 1 - s by exactly 1 - alpha per spike (linear in kick: exact in any integration
rule), spread over the ~0.5 us of the switching.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from mnsu.circuit.board import Board, InputSpec, NeuronSpec, SynapseSpec
from mnsu.spice import scr

DEVICES = ("ideal", "scr")
# Width of the device's switching thresholds (V): its state follows a tanh step this wide.
SWITCH_WIDTH = 1e-5
# Time constant of the device's 0/1 state node (s): the device switches within a few of them.
# 0.2 us halves the rate error of 20 ns at a 2 us step (ngspice then resolves the switching);
# measured: one unit's 1/ISI within 3e-4 at 1 us and 4e-4 at 2 us (mnsu spice).
STATE_TAU = 2e-7
# Edge time of input steps and pulses (s): a PWL ramp this long starts at each edge.
EDGE_TIME = 1e-9
# Shunt to ground on pure integrator nodes (a DC path ngspice needs; time constant >= 1e12 s).
SHUNT = 1e12
# alpha = 1 sets s to 1 - exp(-MAX_JUMP_RATE) at each spike (1 - 1e-13).
MAX_JUMP_RATE = 30.0
# Most PWL points one input source may have (pulse trains beyond the duration are dropped).
MAX_PWL_POINTS = 400_000
# ngspice's transient tolerances (documented in docs/spice.md): relative 1e-6, currents 1e-12 A,
# voltages 1 nV, charge 1e-16 C; trapezoidal integration with the local-error factor trtol 1
# (default 7): the time error then shrinks with the largest step, --max-step.
OPTIONS = ".options reltol=1e-6 abstol=1e-12 vntol=1e-9 chgtol=1e-16 method=trap trtol=1"


class NetlistError(ValueError):
    """A board feature that a netlist cannot express; the message names it and says why."""


@dataclass(frozen=True)
class Netlist:
    text: str
    # neuron name -> ngspice vector of the device current (A, anode to cathode)
    device_current: dict[str, str]
    # neuron name -> {"membrane": vector, "readout": vector, ...}
    nodes: dict[str, dict[str, str]]
    saved: list[str] = field(default_factory=list)


def node_names(board: Board) -> list[str]:
    """One ngspice-safe, distinct (case-insensitive) name per neuron."""
    out: list[str] = []
    for i, name in enumerate(board.neuron_names):
        clean = re.sub(r"[^a-z0-9_]", "_", name.lower()) or "n"
        if clean in out:
            clean = f"{clean}_{i}"
        out.append(clean)
    return out


def check_expressible(board: Board) -> None:
    """Raise NetlistError for board features a deterministic netlist cannot express."""
    for spec in board.neurons:
        where = f"{board.source}: neurons.{spec.name}"
        if spec.I_noise > 0.0:
            raise NetlistError(
                f"{where}.I_noise: membrane noise is a random current drawn by the emulator; "
                "a netlist cannot reproduce it (set I_noise to 0 for the netlist)"
            )
        for key in ("turn_on_delay", "min_off_time", "retrigger_window"):
            if getattr(spec, key) > 0.0:
                raise NetlistError(
                    f"{where}.{key}: a device timer is an emulator event with no circuit "
                    "element behind it (it is a hypothesis about the part); mnsu netlist "
                    "writes no timers"
                )


def build(
    board: Board,
    duration: float,
    device: str = "ideal",
    max_step: float = 2e-6,
    scr_model: str | None = None,
) -> Netlist:
    """The netlist of `board` with a transient analysis of `duration` seconds."""
    if device not in DEVICES:
        raise NetlistError(f"unknown device {device!r}; expected one of: {', '.join(DEVICES)}")
    if not duration > 0.0 or not math.isfinite(duration):
        raise NetlistError(f"duration must be a positive number of seconds, got {duration!r}")
    if not 0.0 < max_step <= duration:
        raise NetlistError(f"max step must be in (0, duration], got {max_step!r}")
    check_expressible(board)
    names = node_names(board)
    key = dict(zip(board.neuron_names, names, strict=True))
    lines = [
        f"* mnsu board {board.name!r} from {board.source}, device {device}",
        "* generated by `mnsu netlist`: units SI, node voltages in volts; s and w as node voltages",
    ]
    device_current: dict[str, str] = {}
    nodes: dict[str, dict[str, str]] = {}
    models: list[str] = []
    user_text = ""
    scr_name = scr.SUBCKT_NAME
    if device == "scr" and scr_model is not None:
        user_text, scr_name = scr.user_model(scr_model)
    elif device == "scr":
        models.append(scr.BJT_MODELS)

    for spec, n in zip(board.neurons, names, strict=True):
        lines.append(f"\n* ---- unit {spec.name}")
        mem = f"mem_{n}"
        lines.append(f"C_{n} {mem} 0 {spec.C:.10g} ic={spec.V0:.10g}")
        if math.isfinite(spec.R_leak):  # an aLIF unit has no leak apart from its device
            lines.append(f"Rleak_{n} {mem} 0 {spec.R_leak:.10g}")
        if spec.I_bias != 0.0:
            lines.append(f"Ibias_{n} 0 {mem} DC {spec.I_bias:.10g}")
        lines.append(f"Vdev_{n} {mem} dev_{n} 0")
        # the device's low side: ground, or the bursting neuron's soma Rs || Cs in series with
        # M [NCE23 Fig. 3], whose voltage the device's current charges
        low = _low_side(spec, n)
        if low != "0":
            lines.append(f"* soma compartment Rs || Cs in series with M (read on v({low}))")
            lines.append(f"Cs_{n} {low} 0 {spec.C_series:.10g} ic=0")
            lines.append(f"Rs_{n} {low} 0 {spec.R_series:.10g}")
        if device == "ideal":
            lines += _ideal_device(spec, n)
        else:
            if scr_model is None:
                values = scr.design(spec)
                models.append(scr.subcircuit(f"{scr.SUBCKT_NAME}_{n}", values))
                lines.append(
                    f"* R_m {values.R_m:.6g} ohm, R_gk {values.R_gk:.6g} ohm "
                    f"(trigger V_th {spec.V_th:g} V, holding I_hold {spec.I_hold:g} A)"
                )
                lines.append(f"Xm_{n} dev_{n} cat_{n} {scr.SUBCKT_NAME}_{n}")
            else:
                lines.append(f"Xm_{n} dev_{n} cat_{n} {scr_name}")
            lines.append(f"Ron_{n} cat_{n} {low} {spec.R_on:.10g}")
            # the ON state q: the device current above the holding current
            level = _step(f"i(Vdev_{n}) - {spec.I_hold:.10g}", 0.01 * spec.I_hold)
            lines.append(f"Bq_{n} 0 q_{n} I = {level}")
            lines += _state_node(n, False)
        if spec.adapt_a != 0.0 or spec.adapt_b != 0.0:
            lines += _adaptation(spec, n)
        if spec.C_d > 0.0:
            d = f"dend_{n}"
            lines.append(f"Cd_{n} {d} 0 {spec.C_d:.10g} ic={spec.V0_d:.10g}")
            lines.append(f"Rd_{n} {d} 0 {spec.R_d:.10g}")
            lines.append(f"Rc_{n} {mem} {d} {spec.R_c:.10g}")
            if spec.I_bias_d != 0.0:
                lines.append(f"Ibiasd_{n} 0 {d} DC {spec.I_bias_d:.10g}")
        device_current[spec.name] = f"i(vdev_{n})"
        nodes[spec.name] = {
            "membrane": f"v({mem})",
            "readout": f"i(vdev_{n})",  # times R_read
        }
        if low != "0":
            nodes[spec.name]["soma"] = f"v({low})"

    synapse_node: dict[str, str] = {}
    for k, syn in enumerate(board.synapses):
        pre, post = key[syn.pre], key[syn.post]
        s = f"syn{k}_{pre}_{post}"
        lines.append(
            f"\n* ---- synapse {k}: {syn.pre} -> {syn.post}, W {syn.W:g} A, tau {syn.tau:g} s"
        )
        if syn.model == "rall":
            lines += _rall(syn, k, board.neurons[board.neuron_index(syn.pre)], pre, post, s)
            synapse_node.setdefault(syn.pre, f"v({s})")
            continue
        kick = _kick(pre)
        if syn.delay > 0.0:
            # a matched lossless line delays the presynaptic state q by exactly `delay`
            d = f"{pre}_d{k}"
            lines.append(f"Ebuf{k} buf{k} 0 q_{pre} 0 1")
            lines.append(f"Tdel{k} buf{k} 0 qd_{d} 0 Z0=1 TD={syn.delay:.10g}")
            lines.append(f"Rterm{k} qd_{d} 0 1")
            lines.append(f"Bqd{k} 0 q_{d} I = v(qd_{d})")
            lines += _state_node(d, False)
            kick = _kick(d)
        rate = -math.log(1.0 - syn.alpha) if syn.alpha < 1.0 else MAX_JUMP_RATE
        # u = -ln(1 - s): du = rate*dq at a turn-on (linear, so exact in any integration
        # rule), and ds/dt = -s/tau becomes du/dt = -(exp(u) - 1)/tau
        u = f"u{k}_{pre}_{post}"
        lines.append(f"Cu{k} {u} 0 1 ic=0")
        lines.append(f"Ru{k} {u} 0 {SHUNT:g}")
        lines.append(f"Bu{k} 0 {u} I = {rate:.10g}*{kick} - (exp(v({u})) - 1)/{syn.tau:.10g}")
        lines.append(f"Bs{k} {s} 0 V = 1 - exp(-v({u}))")
        lines.append(f"Bsyn{k} 0 mem_{post} I = {syn.W:.10g}*v({s})")
        synapse_node.setdefault(syn.pre, f"v({s})")
    for name, vec in synapse_node.items():
        nodes[name]["synapse"] = vec

    lines.append("\n* ---- inputs")
    for k, spec_in in enumerate(board.inputs):
        lines += _input(spec_in, k, key, duration)

    saved = list(device_current.values())
    for probe in board.probes:
        found = nodes[probe.neuron].get(probe.node)
        if found is None:
            raise NetlistError(
                f"{board.source}: probes (adc {probe.adc}): neuron {probe.neuron!r} has no "
                "outgoing synapse to read"
            )
        if found not in saved:
            saved.append(found)
    lines.append("\n* ---- models")
    lines += models
    if user_text:
        lines.append(f"* user SCR model from {scr_model}")
        lines.append(user_text.rstrip("\n"))
    lines.append("\n* ---- analysis")
    lines.append(OPTIONS)
    lines.append(f".tran {max_step:.6g} {duration:.10g} 0 {max_step:.6g} uic")
    lines.append(".save " + " ".join(saved))
    lines.append(".end")
    return Netlist(
        text="\n".join(lines) + "\n", device_current=device_current, nodes=nodes, saved=saved
    )


def _low_side(spec: NeuronSpec, n: str) -> str:
    """The node M's cathode side returns to: ground, or the unit's series soma."""
    return f"soma_{n}" if spec.C_series > 0.0 else "0"


def _ideal_device(spec: NeuronSpec, n: str) -> list[str]:
    """The emulator's device law as a behavioural current switched by a latched state q.

    q follows one regenerative threshold, V_th while q = 0 and V_off once q = 1 (the
    hysteresis), through a smooth step SWITCH_WIDTH wide on an RC of STATE_TAU: the device
    switches within ~0.5 us of the threshold crossing, with no discontinuity for ngspice.
    """
    mem = f"mem_{n}"
    low = _low_side(spec, n)
    across = f"v({mem})" if low == "0" else f"v({mem}) - v({low})"  # the voltage across M
    out = f"v(dev_{n})" if low == "0" else f"v(dev_{n}) - v({low})"
    # The loop q -> threshold -> q flips once its gain band*2/SWITCH_WIDTH*exp(-2x/width)
    # reaches 1, a distance x = width/2*ln(2*band/width) before the threshold in the direction
    # V moves (53 uV for the P0 unit): both thresholds move out by x so that it flips at them.
    band = spec.V_th - spec.V_off
    early = 0.5 * SWITCH_WIDTH * math.log(2.0 * band / SWITCH_WIDTH)
    early = 0.5 * SWITCH_WIDTH * math.log(2.0 * (band + 2.0 * early) / SWITCH_WIDTH)
    target = _step(
        f"{across} - {spec.V_th + early:.10g} + {band + 2.0 * early:.10g}*v(q_{n})",
        SWITCH_WIDTH,
    )
    current = f"v(q_{n})*({out} - {spec.V_on:.10g})/{spec.R_on:.10g}"
    if math.isfinite(spec.R_off):
        current += f" + (1 - v(q_{n}))*({out})/{spec.R_off:.10g}"
    return [
        f"* ideal device: ON from V_th {spec.V_th:g} V, OFF below V_off {spec.V_off:g} V",
        f"Bq_{n} 0 q_{n} I = {target}",
        *_state_node(n, spec.V_th <= spec.V0),
        f"Bm_{n} dev_{n} {low} I = {current}",
    ]


def _step(x: str, width: float) -> str:
    """A smooth 0..1 step of the expression x over about +-width (ngspice needs no jumps)."""
    return f"0.5*(1 + tanh(({x})/{width:.6g}))"


def _state_node(n: str, on: bool) -> list[str]:
    """The 0/1 state q on an RC of STATE_TAU; its charging current measures the turn-on."""
    return [
        f"Rq_{n} q_{n} 0 1",
        f"Vq_{n} q_{n} qc_{n} 0",
        f"Cq_{n} qc_{n} 0 {STATE_TAU:g} ic={1 if on else 0}",
    ]


def _kick(n: str) -> str:
    """kick(t) of unit n: the positive part of dq/dt, which integrates to 1 per turn-on."""
    return f"max(i(Vq_{n}), 0)/{STATE_TAU:g}"


def _rall(syn: SynapseSpec, k: int, pre_spec: NeuronSpec, pre: str, post: str, s: str) -> list[str]:
    """The published two-stage synapse: I_delta while the presynaptic readout I_M*R_read
    exceeds theta, leaky-integrated by one or two stages of tau_s (currents as node volts);
    the last stage's current flows into the postsynaptic membrane."""
    gate = _step(f"i(Vdev_{pre})*{pre_spec.R_read:.10g} - {syn.theta:.10g}", SWITCH_WIDTH)
    first = s if syn.stages == 1 else f"is1_{k}"
    out = [
        f"* two-stage synapse: I_delta {syn.I_delta:g} A while readout > theta {syn.theta:g} V",
        f"Cr1_{k} {first} 0 1 ic=0",
        f"Rr1_{k} {first} 0 {SHUNT:g}",
        f"Br1_{k} 0 {first} I = ({syn.I_delta:.10g}*{gate} - v({first}))/{syn.tau:.10g}",
    ]
    if syn.stages == 2:
        out += [
            f"Cr2_{k} {s} 0 1 ic=0",
            f"Rr2_{k} {s} 0 {SHUNT:g}",
            f"Br2_{k} 0 {s} I = (v({first}) - v({s}))/{syn.tau:.10g}",
        ]
    out.append(f"Bsyn{k} 0 mem_{post} I = v({s})")
    return out


def _adaptation(spec: NeuronSpec, n: str) -> list[str]:
    mem = f"mem_{n}"
    w = f"w_{n}"
    kick = _kick(n)
    out = ["* adaptation w (A as V): tau_w dw/dt = a*V - w, w += adapt_b at each turn-on"]
    if spec.adapt_q > 0.0:
        omega = 1.0 / spec.adapt_tau
        u = f"u_{n}"
        out += [
            f"Cw_{n} {w} 0 1 ic=0",
            f"Rw_{n} {w} 0 {SHUNT:g}",
            f"Bw_{n} 0 {w} I = v({u}) + {spec.adapt_b:.10g}*{kick}",
            f"Cu_{n} {u} 0 1 ic=0",
            f"Ru_{n} {u} 0 {SHUNT:g}",
            f"Bu_{n} 0 {u} I = {omega * omega:.10g}*({spec.adapt_a:.10g}*v({mem}) - v({w}))"
            f" - {omega / spec.adapt_q:.10g}*v({u})",
        ]
    else:
        out += [
            f"Cw_{n} {w} 0 {spec.adapt_tau:.10g} ic=0",
            f"Rw_{n} {w} 0 1",
            f"Bw_{n} 0 {w} I = {spec.adapt_a:.10g}*v({mem}) + "
            f"{spec.adapt_b * spec.adapt_tau:.10g}*{kick}",
        ]
    out.append(f"Bwm_{n} {mem} 0 I = v({w})")
    return out


def _input(spec: InputSpec, k: int, key: dict[str, str], duration: float) -> list[str]:
    """Current sources of one input into each of its targets."""
    if spec.kind == "drive":
        value = f"DC {spec.amplitude * spec.level:.10g}"
        note = f"drive {spec.name!r}: amplitude x level {spec.level:g} (the level set at run time)"
    elif spec.kind == "touchdown":
        return [f"* touchdown {spec.name!r}: fired at run time by the firmware; off here"]
    else:
        points = _pwl_points(spec, duration)
        if len(points) > MAX_PWL_POINTS:
            raise NetlistError(
                f"inputs[{k}] ({spec.name}): {len(points)} PWL points within the duration; "
                f"at most {MAX_PWL_POINTS}"
            )
        value = "PWL(" + " ".join(f"{t:.12g} {a:.10g}" for t, a in points) + ")"
        note = f"{spec.kind} {spec.name!r}"
    out = [f"* {note}"]
    for target in spec.targets:
        out.append(f"Iin{k}_{key[target]} 0 mem_{key[target]} {value}")
    return out


def _pwl_points(spec: InputSpec, duration: float) -> list[tuple[float, float]]:
    """(time, amplitude) corners of a step or pulse train, edges EDGE_TIME long."""
    points: list[tuple[float, float]] = [(0.0, 0.0)]
    for p in range(spec.count):
        begin = spec.start + p * spec.period
        if begin > duration:
            break
        if begin == 0.0:
            points[-1] = (0.0, spec.amplitude)
        else:
            points += [(begin, 0.0), (begin + EDGE_TIME, spec.amplitude)]
        end = begin + spec.duration
        if math.isfinite(end) and end <= duration:
            points += [(end, spec.amplitude), (end + EDGE_TIME, 0.0)]
    return points

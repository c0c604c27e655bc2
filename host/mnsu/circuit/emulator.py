"""Event-exact emulator of a memristive CPG board, with a streaming API for co-simulation.

Every unit is integrated in closed form between events (see unit_dynamics); the only events are
device switching (V reaches V_th while OFF, or V_off while ON), delayed synaptic arrivals, input
edges and device timers. Events are processed strictly in time order, so the result does not
depend on how `advance` is called (one call of 20 s or 40,000 calls of 0.5 ms give the same
spikes).

Streaming use (the firmware co-simulation, every 0.5 ms tick):

    emu = Emulator(load_board("examples/leg.yaml"), seed=1)
    emu.set_drive(0.8)          # descending drive level 0..1
    emu.advance(0.0005)
    codes = [emu.read_adc(ch) for ch in emu.adc_channels]
    emu.set_touchdown_level(1.0)  # foot contact: touch-down current on (0.0: off)
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mnsu.circuit.adc import adc_code
from mnsu.circuit.board import Board, ProbeSpec
from mnsu.circuit.unit_dynamics import Segment, UnitModel, rebase

# Scheduled event kinds
_INPUT_EDGE = 0  # (units, delta current)
_SYN_ARRIVE = 1  # synapse index
_DEVICE_ON = 2  # unit index (turn-on delay elapsed)
_RECOVER = 3  # unit index (minimum OFF time elapsed)
_PULSE_END = 4  # (input index, version)
_NOISE = 5  # unit index: draw the next membrane-noise current
_WINDOW_END = 6  # unit index: the device's re-trigger window after turn-off closes
_TRAIN_ONSET = 7  # (input index, pulse number): a step/pulse input's next onset

# Which event loop runs: "auto" (compiled where the board's features allow, else Python),
# "compiled" (an error if it cannot), "python" (the reference path).
BACKENDS = ("auto", "compiled", "python")

# Smallest look-ahead (s) when rounding leaves a check with no step at all.
_MIN_LOOKAHEAD = 1e-12


@dataclass
class RallSynapse:
    """A two-stage synapse: pulse I_delta (signed) into stage slot `slot` of unit `post`."""

    pre: int
    post: int
    I_delta: float
    slot: int  # its stages in the postsynaptic unit's state (UnitModel.rall_index)
    spec: int  # index in board.synapses


@dataclass
class Synapse:
    pre: int
    post: int
    W: float
    tau: float
    alpha: float
    delay: float
    group: int  # tau group index in the post unit
    s: float = 0.0  # activation at time ts
    ts: float = 0.0
    jumps: list[tuple[float, float]] = field(default_factory=list)  # (time, s after jump)

    def activation(self, t: float) -> float:
        return self.s * math.exp(-(t - self.ts) / self.tau)


class _SegmentView:
    """Unit i's current segment on the compiled path: `on`, `value(t)` and `voltage(t)`."""

    def __init__(self, emu: Emulator, i: int) -> None:
        self._emu = emu
        self._i = i

    @property
    def on(self) -> bool:
        return bool(self._emu._a.seg_on[self._i])

    def voltage(self, t: float) -> float:
        return float(self._emu._kernel.seg_voltage(self._emu._k, self._i, t))

    def value(self, t: float) -> list[float]:
        emu = self._emu
        out = np.zeros(emu.models[self._i].size)
        emu._kernel.seg_value(emu._k, self._i, t, out)
        return [float(x) for x in out]


class _HeapView:
    """The number of scheduled events on the compiled path (len(emu._sched))."""

    def __init__(self, emu: Emulator) -> None:
        self._emu = emu

    def __len__(self) -> int:
        return int(self._emu._a.ist[self._emu._kernel.I_HSIZE])


class Emulator:
    """The board in software: set inputs, advance time, read spikes, nodes and ADC codes."""

    def __init__(
        self, board: Board, seed: int = 0, record: bool = False, backend: str = "auto"
    ) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
        self.board = board
        self.names = board.neuron_names
        self.record = record
        self.t = 0.0
        self._rng = random.Random(seed)
        self.seed = seed
        n = len(board.neurons)
        index = {name: i for i, name in enumerate(self.names)}

        # Saturating synapses grouped by their time constant at each postsynaptic unit;
        # two-stage (Rall) synapses each own their stage currents in the postsynaptic unit.
        tau_groups: list[list[float]] = [[] for _ in range(n)]
        rall: list[list[tuple[float, int]]] = [[] for _ in range(n)]
        self.synapses: list[Synapse] = []
        self.rall_synapses: list[RallSynapse] = []
        for number, syn_spec in enumerate(board.synapses):
            post = index[syn_spec.post]
            if syn_spec.model == "rall":
                self.rall_synapses.append(
                    RallSynapse(
                        index[syn_spec.pre], post, syn_spec.I_delta, len(rall[post]), number
                    )
                )
                rall[post].append((syn_spec.tau, syn_spec.stages))
                continue
            if syn_spec.tau not in tau_groups[post]:
                tau_groups[post].append(syn_spec.tau)
            self.synapses.append(
                Synapse(
                    pre=index[syn_spec.pre],
                    post=post,
                    W=syn_spec.W,
                    tau=syn_spec.tau,
                    alpha=syn_spec.alpha,
                    delay=syn_spec.delay,
                    group=tau_groups[post].index(syn_spec.tau),
                )
            )
        self.models = [
            UnitModel(spec, tau_groups[i], rall[i]) for i, spec in enumerate(board.neurons)
        ]
        # Running sums of synaptic input per postsynaptic unit and tau group: the group's
        # current is W-weighted activations summed, sum_k W_k*s_k(t), kept as one value at
        # one time (every synapse in a group decays with the same tau), so a spike costs
        # O(fan-out) instead of re-summing every incoming synapse of every target.
        self._group_sum = [[0.0] * len(groups) for groups in tau_groups]
        self._group_time = [[0.0] * len(groups) for groups in tau_groups]
        self._group_tau = [list(groups) for groups in tau_groups]
        self._incoming: list[list[Synapse]] = [[] for _ in range(n)]
        self._outgoing: list[list[Synapse]] = [[] for _ in range(n)]
        for syn in self.synapses:
            self._incoming[syn.post].append(syn)
            self._outgoing[syn.pre].append(syn)
        # The presynaptic side of the two-stage synapses: a unit's pulse is on while its spike
        # Vap = I_M*R_read exceeds theta, i.e. while ON with V above V_pulse.
        self._rall_out: list[list[RallSynapse]] = [[] for _ in range(n)]
        self._pulse_level = [math.inf] * n  # V at which Vap = theta (ON state)
        for rsyn in self.rall_synapses:
            self._rall_out[rsyn.pre].append(rsyn)
            model = self.models[rsyn.pre]
            theta = board.synapses[rsyn.spec].theta
            self._pulse_level[rsyn.pre] = model.V_on + theta / model.read_on
        self._pulsing = [False] * n
        self._pulses: list[list[float]] = [[0.0] * len(rall[i]) for i in range(n)]
        self.pulse_times: list[list[tuple[float, float]]] = [[] for _ in range(n)]

        # Constant input current of each unit (bias + active inputs + external injection).
        self.current = [spec.I_bias for spec in board.neurons]
        self._external = [0.0] * n
        self.inputs = list(board.inputs)
        self._input_targets = [tuple(index[t] for t in spec.targets) for spec in self.inputs]
        # Level (0..1) of each drive and touch-down input; current = amplitude * level.
        self._drive_level = [spec.level if spec.kind == "drive" else 0.0 for spec in self.inputs]
        self._pulse_version = [0] * len(self.inputs)

        self.segments = [Segment() for _ in range(n)]
        self.spikes: list[list[float]] = [[] for _ in range(n)]  # OFF->ON times
        self.spike_ends: list[list[float]] = [[] for _ in range(n)]  # ON->OFF times
        self.history: list[list[Segment]] = [[] for _ in range(n)]
        self._version = [0] * n
        self._blocked = [False] * n  # waiting for a turn-on delay or the minimum OFF time
        self._checks: list[tuple[float, int, int, bool]] = []  # (time, unit, version, crossing)
        self._sched: list[tuple[float, int, int, Any]] = []  # (time, seq, kind, data)
        self._seq = 0
        self.events_processed = 0

        # Membrane noise: a piecewise-constant Gaussian current, redrawn every noise_dt.
        self._noise_rng = random.Random(f"membrane-noise-{seed}")
        self._noise = [0.0] * n
        self._retrigger_until = [-math.inf] * n
        for i, model in enumerate(self.models):
            self._restart(i, 0.0, model.initial_state(), False)
            if model.spec.I_noise > 0.0:
                self._schedule(0.0, _NOISE, i)
        for k, spec in enumerate(self.inputs):
            targets = self._input_targets[k]
            if spec.kind == "drive":
                self._add_current(targets, spec.amplitude * spec.level)
            elif spec.kind in ("step", "pulse") and spec.count > 0:
                # Lazily: each onset schedules its end and the next onset, so a train of any
                # count costs memory for one pulse at a time.
                self._schedule(spec.start, _TRAIN_ONSET, (k, 0))
        self._synapse_number = {id(syn): k for k, syn in enumerate(self.synapses)}
        self.probes: dict[int, ProbeSpec] = {p.adc: p for p in board.probes}
        self._probe_synapse: dict[int, Synapse] = {}
        self._probe_rall: dict[int, int] = {}  # ADC channel -> two-stage synapse number
        for probe in board.probes:
            if probe.node == "synapse":
                out = self._outgoing[index[probe.neuron]]
                rall_out = [
                    k for k, r in enumerate(self.rall_synapses) if r.pre == index[probe.neuron]
                ]
                if not out and rall_out:
                    self._probe_rall[probe.adc] = rall_out[0]
                    continue
                if not out:
                    raise ValueError(
                        f"{board.source}: probes (adc {probe.adc}): neuron {probe.neuron!r} "
                        "has no outgoing synapse to read"
                    )
                self._probe_synapse[probe.adc] = out[0]

        # The compiled event loop (mnsu.circuit.kernel) where the board's features allow it:
        # `backend` says which path runs, `backend_reason` why the Python one (None if not).
        self.backend = "python"
        self.backend_reason: str | None = "backend='python' asked for"
        self._k: Any = None
        if backend != "python":
            from mnsu.circuit import kernel

            reason = kernel.unsupported(self)
            if reason is not None and backend == "compiled":
                raise ValueError(f"{board.source}: cannot run compiled: {reason}")
            self.backend_reason = reason
            if reason is None:
                self._start_compiled()

    # ----------------------------------------------------------------- streaming API
    @property
    def adc_channels(self) -> list[int]:
        return sorted(self.probes)

    def advance(self, dt: float) -> None:
        """Advance board time by dt seconds, processing every event on the way."""
        if not dt >= 0.0:
            raise ValueError(f"advance: dt must be >= 0 s, got {dt!r}")
        self.advance_to(self.t + dt)

    def advance_to(self, t_end: float) -> None:
        if self._k is not None:
            self._advance_compiled(t_end)
            return
        checks = self._checks
        sched = self._sched
        version = self._version
        while True:
            while checks and checks[0][2] != version[checks[0][1]]:
                heapq.heappop(checks)
            tc = checks[0][0] if checks else math.inf
            ts = sched[0][0] if sched else math.inf
            if tc <= ts:
                if tc > t_end:
                    break
                _, unit, _, crossing = heapq.heappop(checks)
                self.t = tc
                if crossing:
                    self._check(unit, tc)
                else:  # only a look-ahead: plan the next look (most checks)
                    self._plan_check(unit, tc)
            else:
                if ts > t_end:
                    break
                _, _, kind, data = heapq.heappop(sched)
                self.t = ts
                self._handle(kind, data, ts)
            self.events_processed += 1
        self.t = t_end

    def voltage(self, neuron: int) -> float:
        """Membrane voltage of unit `neuron` now (V)."""
        if self._k is not None:
            return float(self._kernel.seg_voltage(self._k, neuron, self.t))
        if self.models[neuron].series:  # segments track V - Vs there
            return self.segments[neuron].value(self.t)[0]
        return self.segments[neuron].voltage(self.t)

    def node_value(self, neuron: int, node: str) -> float:
        """Value of a node now: membrane (V), readout I_M*R_read (V), or synapse activation."""
        if node == "membrane":
            return self.voltage(neuron)
        if node == "readout":
            return self.readout(neuron)
        if node == "synapse":
            out = self._outgoing[neuron]
            if out:
                return self._activation(out[0])
            for k, rsyn in enumerate(self.rall_synapses):
                if rsyn.pre == neuron:
                    return self.synapse_current(k) * self.board.synapses[rsyn.spec].R_s
            return 0.0
        raise ValueError(f"unknown node {node!r}; expected membrane, readout or synapse")

    def synapse_current(self, k: int) -> float:
        """Output current (A, signed) of two-stage synapse k (numbered among the board's
        two-stage synapses): the last stage's current into the postsynaptic membrane."""
        rsyn = self.rall_synapses[k]
        model = self.models[rsyn.post]
        return self.segments[rsyn.post].value(self.t)[model.rall_index[rsyn.slot][1]]

    def readout(self, neuron: int) -> float:
        """Readout voltage I_M * R_read of unit `neuron` now (V): across Ra for an aLIF unit,
        the soma voltage Vs for a unit with a series soma."""
        if self._k is not None:
            return float(self._kernel.readout(self._k, neuron, self.t))
        seg = self.segments[neuron]
        model = self.models[neuron]
        if model.series:  # the bursting neuron is read on its soma compartment (NCE23)
            return seg.value(self.t)[model.idx_s]
        return model.readout(seg.voltage(self.t), seg.on)

    def read_adc(self, channel: int) -> int:
        """The code the microcontroller's ADC reads on `channel` now."""
        probe = self.probes.get(channel)
        if probe is None:
            raise KeyError(f"no probe on ADC channel {channel}; board has {self.adc_channels}")
        neuron = self.names.index(probe.neuron)
        if channel in self._probe_rall:
            k = self._probe_rall[channel]
            volts = self.synapse_current(k) * self.board.synapses[self.rall_synapses[k].spec].R_s
        elif probe.node == "synapse":
            volts = self._activation(self._probe_synapse[channel])
        elif probe.node == "membrane":
            volts = self.voltage(neuron)
        else:
            volts = self.readout(neuron)
        noise = self._rng.gauss(0.0, probe.noise) if probe.noise > 0.0 else 0.0
        return adc_code(probe, volts, noise)

    def set_drive(self, level: float, name: str | None = None) -> None:
        """Set the descending drive level (0..1) of every drive input, or of the named one."""
        self._set_levels("drive", level, name)

    def set_touchdown_level(self, level: float, name: str | None = None) -> None:
        """Set the touch-down output level (0..1; the firmware raises it for the pulse width)."""
        self._set_levels("touchdown", level, name)

    def drive_level(self, name: str | None = None) -> float:
        return self._drive_level[self._level_inputs("drive", name)[0]]

    def touchdown(self, duration: float | None = None, level: float = 1.0) -> None:
        """Fire a touch-down pulse: `level` for `duration` s (default: the board's width)."""
        for k in self._level_inputs("touchdown", None):
            width = self.inputs[k].duration if duration is None else duration
            if not width > 0.0:
                raise ValueError(f"touch-down width must be > 0 s, got {width!r}")
            self._set_level(k, level)
            self._pulse_version[k] += 1
            if self._k is not None:
                self._a.pulse_version[k] = self._pulse_version[k]
                self._kernel.schedule(
                    self._k, self.t + width, _PULSE_END, k, self._pulse_version[k], 0.0
                )
                continue
            self._schedule(self.t + width, _PULSE_END, (k, self._pulse_version[k]))

    def _level_inputs(self, kind: str, name: str | None) -> list[int]:
        found = [
            k
            for k, spec in enumerate(self.inputs)
            if spec.kind == kind and (name is None or spec.name == name)
        ]
        if not found:
            raise KeyError(f"board has no {kind} input{f' named {name!r}' if name else ''}")
        return found

    def _set_levels(self, kind: str, level: float, name: str | None) -> None:
        if not 0.0 <= level <= 1.0:  # also rejects NaN
            raise ValueError(f"{kind} level must be in 0..1, got {level!r}")
        for k in self._level_inputs(kind, name):
            self._set_level(k, level)

    def _set_level(self, k: int, level: float) -> None:
        if self._k is not None:
            self._ensure_room()
            self._kernel.set_level(self._k, k, level, self.t)
            self._drive_level[k] = level
            return
        delta = self.inputs[k].amplitude * (level - self._drive_level[k])
        self._drive_level[k] = level
        if delta != 0.0:
            self._add_current(self._input_targets[k], delta)

    def inject(self, neuron: int | str, amps: float) -> None:
        """Set an external current (A) into a neuron, replacing the previous injection."""
        if isinstance(neuron, str):
            if neuron not in self.names:
                raise KeyError(f"no neuron {neuron!r}; the board has {', '.join(self.names)}")
            i = self.names.index(neuron)
        elif 0 <= neuron < len(self.names):
            i = neuron
        else:
            raise IndexError(f"no neuron number {neuron}; the board has {len(self.names)}")
        if not math.isfinite(amps):
            raise ValueError(f"injected current must be finite, got {amps!r}")
        delta = amps - self._external[i]
        self._external[i] = amps
        if delta != 0.0:
            if self._k is not None:
                self._ensure_room()
                self._kernel.add_unit_current(self._k, i, delta, self.t)
                return
            self._add_current((i,), delta)

    def device_on(self, neuron: int) -> bool:
        """Whether unit `neuron`'s device is ON now."""
        if self._k is not None:
            return bool(self._a.seg_on[neuron])
        return self.segments[neuron].on

    # ----------------------------------------------------------------- compiled path
    def _start_compiled(self) -> None:
        from mnsu.circuit import kernel

        self._kernel = kernel
        k, self._a, x0, self._max_push = kernel.build(self)
        self._k = k
        noisy = np.array([m.spec.I_noise > 0.0 for m in self.models], dtype=np.int64)
        if noisy.any():
            self._refill_noise()
        kernel.init(k, x0, noisy)
        for number, spec in enumerate(self.inputs):
            self._ensure_room()
            if spec.kind == "drive":
                self._a.in_level[number] = spec.level
                kernel.add_current(self._k, number, spec.amplitude * spec.level, 0.0)
            elif spec.kind in ("step", "pulse") and spec.count > 0:
                kernel.schedule(self._k, spec.start, _TRAIN_ONSET, number, 0, 0.0)
        self._drain()
        self.backend = "compiled"
        # The Python path's public views, backed by the kernel's arrays
        self.current = self._a.current
        self.segments = [_SegmentView(self, i) for i in range(len(self.models))]  # type: ignore[misc]
        self._sched = _HeapView(self)  # type: ignore[assignment]

    def _refill_noise(self) -> None:
        """Pre-draw the membrane noise: the Python path's gauss(0, sigma) is 0 + z*sigma."""
        k = self._a
        ptr, avail = int(k.ist[self._kernel.I_NZPTR]), int(k.ist[self._kernel.I_NZN])
        rest = k.noise_z[ptr:avail].copy()
        k.noise_z[: len(rest)] = rest
        gauss = self._noise_rng.gauss
        for j in range(len(rest), len(k.noise_z)):
            k.noise_z[j] = gauss(0.0, 1.0)
        k.ist[self._kernel.I_NZPTR] = 0
        k.ist[self._kernel.I_NZN] = len(k.noise_z)

    def _ensure_room(self) -> None:
        kernel = self._kernel
        if self._a.ist[kernel.I_HSIZE] + self._max_push + 2 > self._a.h_t.shape[0]:
            self._a = kernel.grow_heap(self._k, self._a)

    def _drain(self) -> None:
        k = self._a
        count = int(k.ist[self._kernel.I_NSPIKE])
        if count:
            units = k.sp_unit[:count].tolist()
            times = k.sp_t[:count].tolist()
            kinds = k.sp_kind[:count].tolist()
            for unit, t, kind in zip(units, times, kinds, strict=True):
                (self.spike_ends if kind else self.spikes)[unit].append(t)
            k.ist[self._kernel.I_NSPIKE] = 0
        self.events_processed = int(k.ist[self._kernel.I_EVENTS])

    def _advance_compiled(self, t_end: float) -> None:
        kernel = self._kernel
        while True:
            code = kernel.run(self._k, t_end, self._max_push)
            if code == kernel.GROW_HEAP:
                self._a = kernel.grow_heap(self._k, self._a)
            elif code == kernel.NEED_NOISE:
                self._refill_noise()
            self._drain()
            if code == kernel.DONE:
                break
        self.t = t_end

    def _activation(self, syn: Synapse) -> float:
        if self._k is None:
            return syn.activation(self.t)
        k = self._a
        number = self._synapse_number[id(syn)]
        return float(k.syn_s[number]) * math.exp(-(self.t - float(k.syn_ts[number])) / syn.tau)

    # ----------------------------------------------------------------- internals
    def _schedule(self, t: float, kind: int, data: Any) -> None:
        self._seq += 1
        heapq.heappush(self._sched, (t, self._seq, kind, data))

    def _add_current(self, units: tuple[int, ...], delta: float) -> None:
        t = self.t
        for i in units:
            self.current[i] += delta
            self._restart(i, t, self.segments[i].value(t), self.segments[i].on)

    def _syn_currents(self, i: int, t: float) -> list[float]:
        """Synaptic current of each tau group of unit i at t (A), from the running sums."""
        exp = math.exp
        return [
            total * exp(-(t - t_sum) / tau) if total != 0.0 else 0.0
            for total, t_sum, tau in zip(
                self._group_sum[i], self._group_time[i], self._group_tau[i], strict=True
            )
        ]

    def _restart(self, i: int, t: float, x: list[float], on: bool) -> None:
        # rebase sets every slot, so skip Segment.__init__'s empty lists (hot path)
        seg = Segment.__new__(Segment)
        rebase(
            self.models[i],
            seg,
            t,
            x,
            on,
            self.current[i],
            self._syn_currents(i, t),
            self._pulses[i],
        )
        self.segments[i] = seg
        if self.record:
            self.history[i].append(seg)
        self._version[i] += 1
        if not self._blocked[i]:
            self._plan_check(i, t)

    def _plan_check(self, i: int, t: float) -> None:
        """Queue the next look at unit i: a known crossing time, or a provably safe time."""
        seg = self.segments[i]
        model = self.models[i]
        if seg.on:
            level = model.V_off
            if self._pulsing[i] and self._pulse_level[i] > level:
                level = self._pulse_level[i]  # the pulse ends first, when Vap falls to theta
            when, crossing = seg.next_event(t, level, -1.0)
        elif t < self._retrigger_until[i]:
            # just after turn-off the device re-triggers at the lower V_retrigger
            when, crossing = seg.next_event(t, model.spec.V_retrigger, 1.0)
        else:
            when, crossing = seg.next_event(t, model.V_th, 1.0)
        if when != math.inf:
            if not crossing and when <= t:
                when = t + _MIN_LOOKAHEAD  # rounding left no step: force progress
            heapq.heappush(self._checks, (when, i, self._version[i], crossing))

    def _check(self, i: int, t: float) -> None:
        """Unit i's device switches at t (a crossing check fell due)."""
        seg = self.segments[i]
        x = seg.value(t)
        spec = self.models[i].spec
        if seg.on and self._pulsing[i] and self._pulse_level[i] > self.models[i].V_off:
            self._set_pulse(i, t, False)
            self._version[i] += 1
            self._plan_check(i, t)
        elif seg.on:
            self._switch_off(i, t, x)
        elif spec.turn_on_delay > 0.0:
            self._blocked[i] = True
            self._version[i] += 1
            self._schedule(t + spec.turn_on_delay, _DEVICE_ON, i)
        else:
            self._switch_on(i, t, x)

    def _switch_on(self, i: int, t: float, x: list[float]) -> None:
        self.spikes[i].append(t)
        model = self.models[i]
        if model.idx_w >= 0:
            x[model.idx_w] += model.spec.adapt_b
        self._restart(i, t, x, True)
        if self._rall_out[i] and x[0] > self._pulse_level[i]:
            self._set_pulse(i, t, True)
        touched: list[int] = []
        for syn in self._outgoing[i]:
            if syn.delay > 0.0:
                self._schedule(t + syn.delay, _SYN_ARRIVE, syn)
            else:
                self._syn_jump(syn, t)
                if syn.post not in touched:
                    touched.append(syn.post)
        for post in touched:
            seg = self.segments[post]
            self._restart(post, t, seg.value(t), seg.on)

    def _set_pulse(self, i: int, t: float, on: bool) -> None:
        """Start or end unit i's presynaptic pulse: every two-stage synapse from i feeds
        (or stops feeding) I_delta into its first stage."""
        self._pulsing[i] = on
        if on:
            self.pulse_times[i].append((t, math.inf))
        else:
            start, _ = self.pulse_times[i][-1]
            self.pulse_times[i][-1] = (start, t)
        posts: list[int] = []
        for rsyn in self._rall_out[i]:
            self._pulses[rsyn.post][rsyn.slot] = rsyn.I_delta if on else 0.0
            if rsyn.post not in posts:
                posts.append(rsyn.post)
        for post in posts:
            seg = self.segments[post]
            self._restart(post, t, seg.value(t), seg.on)
        if i not in posts and not self._blocked[i]:
            self._version[i] += 1  # its next event level changed (V_pulse or V_off)
            self._plan_check(i, t)

    def _switch_off(self, i: int, t: float, x: list[float]) -> None:
        if self._pulsing[i]:
            self._set_pulse(i, t, False)
            x = self.segments[i].value(t)
        self.spike_ends[i].append(t)
        spec = self.models[i].spec
        if spec.min_off_time > 0.0:
            self._blocked[i] = True
            self._schedule(t + spec.min_off_time, _RECOVER, i)
        if spec.retrigger_window > 0.0:
            self._retrigger_until[i] = t + spec.retrigger_window
            self._schedule(t + spec.retrigger_window, _WINDOW_END, i)
        self._restart(i, t, x, False)

    def _syn_jump(self, syn: Synapse, t: float) -> None:
        s = syn.activation(t)
        syn.s = s + syn.alpha * (1.0 - s)
        syn.ts = t
        sums = self._group_sum[syn.post]
        times = self._group_time[syn.post]
        g = syn.group
        decayed = sums[g] * math.exp(-(t - times[g]) / syn.tau) if sums[g] != 0.0 else 0.0
        sums[g] = decayed + syn.W * (syn.s - s)
        times[g] = t
        if self.record:
            syn.jumps.append((t, syn.s))

    def _handle(self, kind: int, data: Any, t: float) -> None:
        if kind == _INPUT_EDGE:
            units, delta = data
            self._add_current(units, delta)
        elif kind == _TRAIN_ONSET:
            k, p = data
            spec = self.inputs[k]
            targets = self._input_targets[k]
            begin = spec.start + p * spec.period
            self._add_current(targets, spec.amplitude)
            if math.isfinite(spec.duration):
                self._schedule(begin + spec.duration, _INPUT_EDGE, (targets, -spec.amplitude))
            if p + 1 < spec.count:
                self._schedule(spec.start + (p + 1) * spec.period, _TRAIN_ONSET, (k, p + 1))
        elif kind == _SYN_ARRIVE:
            assert isinstance(data, Synapse)
            self._syn_jump(data, t)
            seg = self.segments[data.post]
            self._restart(data.post, t, seg.value(t), seg.on)
        elif kind == _DEVICE_ON:
            assert isinstance(data, int)
            self._blocked[data] = False
            self._switch_on(data, t, self.segments[data].value(t))
        elif kind == _RECOVER:
            assert isinstance(data, int)
            self._blocked[data] = False
            self._version[data] += 1
            self._plan_check(data, t)
        elif kind == _PULSE_END:
            k, version = data
            if version == self._pulse_version[k]:
                self._set_level(k, 0.0)
        elif kind == _NOISE:
            i = data
            spec = self.models[i].spec
            draw = self._noise_rng.gauss(0.0, spec.I_noise)
            self._add_current((i,), draw - self._noise[i])
            self._noise[i] = draw
            self._schedule(t + spec.noise_dt, _NOISE, i)
        elif kind == _WINDOW_END:
            i = data
            if not self._blocked[i] and not self.segments[i].on and t >= self._retrigger_until[i]:
                self._version[i] += 1
                self._plan_check(i, t)

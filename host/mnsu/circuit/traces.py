"""Node traces sampled from a recorded run (Emulator(record=True)), evaluated in closed form."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

from mnsu.circuit.adc import adc_codes
from mnsu.circuit.emulator import Emulator
from mnsu.circuit.unit_dynamics import Segment

FloatArray = NDArray[np.float64]


def sample_times(duration: float, rate_hz: float) -> FloatArray:
    """Sample instants 0, 1/rate, ... up to duration (s)."""
    if rate_hz <= 0:
        raise ValueError(f"trace rate must be > 0 Hz, got {rate_hz}")
    n = int(np.floor(duration * rate_hz + 1e-9)) + 1
    return np.arange(n, dtype=np.float64) / rate_hz


def _spans(emu: Emulator, neuron: int, times: FloatArray) -> Iterator[tuple[int, int, Segment]]:
    """(lo, hi, segment): the samples times[lo:hi] lie in that recorded segment of the unit."""
    history = emu.history[neuron]
    if not history:
        raise ValueError("the emulator did not record segments: create it with record=True")
    starts = np.array([seg.t0 for seg in history])
    # the last segment that starts at or before each sample
    idx = np.clip(np.searchsorted(starts, times, side="right") - 1, 0, len(history) - 1)
    bounds = np.flatnonzero(np.diff(idx)) + 1
    for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(times)], strict=True):
        if lo != hi:
            yield int(lo), int(hi), history[int(idx[lo])]


def _evaluate(
    const: float, reals: list[float], pairs: list[complex], seg: Segment, dt: FloatArray
) -> FloatArray:
    x = np.full(dt.shape, const)
    for c, r in zip(reals, seg.rr, strict=True):
        x += c * np.exp(r * dt)
    for cz, rz in zip(pairs, seg.cr, strict=True):
        x += 2.0 * (cz * np.exp(rz * dt)).real
    return x


def membrane_and_on(emu: Emulator, neuron: int, times: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Membrane voltage (V) and device state (1.0 = ON) of one unit at `times`."""
    volts = np.empty_like(times)
    on = np.zeros_like(times)
    series = emu.models[neuron].series  # segments' V lists hold V - Vs there
    for lo, hi, seg in _spans(emu, neuron, times):
        dt = times[lo:hi] - seg.t0
        if series:
            volts[lo:hi] = _evaluate(seg.xc[0], seg.rx[0], seg.cx[0], seg, dt)
        else:
            volts[lo:hi] = _evaluate(seg.vc, seg.rv, seg.cv, seg, dt)
        on[lo:hi] = 1.0 if seg.on else 0.0
    return volts, on


NODES = ("membrane", "readout", "dendrite", "adaptation", "synapse")
NODE_UNITS = {"membrane": "V", "readout": "V", "dendrite": "V", "adaptation": "A", "synapse": ""}


def has_node(emu: Emulator, neuron: int, node: str) -> bool:
    """Whether the unit has this node (a dendrite, adaptation, an outgoing synapse)."""
    model = emu.models[neuron]
    if node == "dendrite":
        return model.idx_d >= 0
    if node == "adaptation":
        return model.idx_w >= 0
    if node == "synapse":
        return any(syn.pre == neuron for syn in emu.synapses) or any(
            rsyn.pre == neuron for rsyn in emu.rall_synapses
        )
    return node in NODES


def state_trace(emu: Emulator, neuron: int, index: int, times: FloatArray) -> FloatArray:
    """State variable `index` of one unit (UnitModel's state vector) at `times`."""
    out = np.empty_like(times)
    for lo, hi, seg in _spans(emu, neuron, times):
        dt = times[lo:hi] - seg.t0
        out[lo:hi] = _evaluate(seg.xc[index], seg.rx[index], seg.cx[index], seg, dt)
    return out


def readout(emu: Emulator, neuron: int, times: FloatArray) -> FloatArray:
    """Readout voltage I_M*R_read (V) of one unit at `times`."""
    model = emu.models[neuron]
    if model.series:
        return state_trace(emu, neuron, model.idx_s, times)
    volts, on = membrane_and_on(emu, neuron, times)
    return model.readout(volts, on > 0.5)


def synapse_activation(emu: Emulator, synapse: int, times: FloatArray) -> FloatArray:
    """Activation s (0..1) of one synapse at `times`."""
    syn = emu.synapses[synapse]
    if not syn.jumps:
        return np.zeros_like(times)
    jump_t = np.array([t for t, _ in syn.jumps])
    jump_s = np.array([s for _, s in syn.jumps])
    idx = np.searchsorted(jump_t, times, side="right") - 1
    valid = idx >= 0
    out = np.zeros_like(times)
    k = idx[valid]
    out[valid] = jump_s[k] * np.exp(-(times[valid] - jump_t[k]) / syn.tau)
    return out


def synapse_current(emu: Emulator, k: int, times: FloatArray) -> FloatArray:
    """Output current (A) of two-stage synapse k at `times` (Emulator.synapse_current)."""
    rsyn = emu.rall_synapses[k]
    last = emu.models[rsyn.post].rall_index[rsyn.slot][1]
    return state_trace(emu, rsyn.post, last, times)


def node_trace(emu: Emulator, neuron: int, node: str, times: FloatArray) -> FloatArray:
    if node == "membrane":
        return membrane_and_on(emu, neuron, times)[0]
    if node == "readout":
        return readout(emu, neuron, times)
    if node == "synapse":
        for k, syn in enumerate(emu.synapses):
            if syn.pre == neuron:
                return synapse_activation(emu, k, times)
        for k, rsyn in enumerate(emu.rall_synapses):
            if rsyn.pre == neuron:  # volts across Rs, as the probe reads them
                return synapse_current(emu, k, times) * emu.board.synapses[rsyn.spec].R_s
        return np.zeros_like(times)
    if node == "dendrite" and emu.models[neuron].idx_d >= 0:
        return state_trace(emu, neuron, emu.models[neuron].idx_d, times)
    if node == "adaptation" and emu.models[neuron].idx_w >= 0:
        return state_trace(emu, neuron, emu.models[neuron].idx_w, times)
    if node in ("dendrite", "adaptation"):
        raise ValueError(f"neuron {emu.names[neuron]!r} has no {node}")
    raise ValueError(f"unknown node {node!r}; expected one of {', '.join(NODES)}")


def adc_trace(emu: Emulator, channel: int, times: FloatArray, seed: int = 0) -> NDArray[np.int64]:
    """ADC codes on `channel` at `times`, with the probe's noise drawn from `seed`."""
    probe = emu.probes[channel]
    volts = node_trace(emu, emu.names.index(probe.neuron), probe.node, times)
    noise = None
    if probe.noise > 0:
        noise = np.random.default_rng([seed, channel]).normal(0.0, probe.noise, times.shape)
    return adc_codes(probe, volts, noise)

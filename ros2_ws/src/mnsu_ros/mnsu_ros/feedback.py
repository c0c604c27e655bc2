"""Board telemetry and events as the values of the bridge's ROS messages (pure, no rclpy).

Telemetry arrives as a mapping of the wire's field names (`mnsu_fw.codec.TELEMETRY_FIELDS`)
to integers; these functions turn it into SI values with the host's one scaling of each field
(`mnsu.protocol`). `cpg/neurons` carries, for each neuron (one per sampled ADC channel), three
numbers: its readout voltage (V), its cumulative spike count, and its burst envelope (0..1;
NaN for a channel that is neither the flexor nor the extensor channel). The layout has one
dimension per neuron whose label is the neuron's name.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mnsu_fw import codec

from mnsu.protocol import adc_to_volts, cdeg_to_deg, event_name, q15_to_unit

NEURON_FIELDS = ("readout_v", "spike_count", "burst_envelope")


def joint_positions_rad(tel: Mapping[str, int]) -> tuple[float, float]:
    """Hip and knee angles commanded by the board after limits and slew (rad)."""
    return (math.radians(cdeg_to_deg(tel["hip_cdeg"])), math.radians(cdeg_to_deg(tel["knee_cdeg"])))


@dataclass(frozen=True)
class NeuronChannel:
    name: str
    channel: int  # ADC channel


def neuron_values(
    tel: Mapping[str, int],
    neurons: Sequence[NeuronChannel],
    adc_vref_v: float,
    flexor_channel: int,
    extensor_channel: int,
) -> list[float]:
    """[readout_v, spike_count, burst_envelope] per neuron, concatenated in `neurons` order."""
    out: list[float] = []
    for n in neurons:
        volts = adc_to_volts(tel[f"adc{n.channel}"], adc_vref_v)
        spikes = float(tel[f"spikes{n.channel}"])
        if n.channel == flexor_channel:
            env = q15_to_unit(tel["env_flexor_q15"])
        elif n.channel == extensor_channel:
            env = q15_to_unit(tel["env_extensor_q15"])
        else:
            env = math.nan
        out.extend((volts, spikes, env))
    return out


def default_neurons(probe_neurons: Mapping[int, str], n_channels: int) -> list[NeuronChannel]:
    """Neuron names per sampled channel: from the board file's probes, else `ch<N>`."""
    return [NeuronChannel(probe_neurons.get(ch, f"ch{ch}"), ch) for ch in range(n_channels)]


def event_json(
    kind: int,
    channel: int,
    board_time_us: int,
    stamp_ns: int | None,
    neurons: Sequence[NeuronChannel],
) -> str:
    """One board event as a JSON line for `cpg/events`."""
    record: dict[str, object] = {"event": event_name(kind), "board_time_us": board_time_us}
    if kind in (codec.EV_SPIKE, codec.EV_BURST_ON, codec.EV_BURST_OFF):
        record["channel"] = channel
        record["neuron"] = next((n.name for n in neurons if n.channel == channel), f"ch{channel}")
    record["stamp"] = None if stamp_ns is None else round(stamp_ns * 1e-9, 9)
    return json.dumps(record, separators=(",", ":"))

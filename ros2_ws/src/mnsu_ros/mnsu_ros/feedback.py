"""Board telemetry and events as the values of the bridge's ROS messages (pure, no rclpy).

Telemetry arrives as a mapping of the wire's field names (`mnsu.wire.TELEMETRY_FIELDS`)
to integers; these functions turn it into SI values with the host's one scaling of each field
(`mnsu.protocol`). `cpg/neurons` (mnsu_msgs/NeuronState)
carries, for each neuron (one per sampled ADC channel), its readout voltage (V), its
cumulative spike count, and its burst envelope (0..1; NaN for a channel that is neither the
flexor nor the extensor channel). `cpg/events` (mnsu_msgs/CpgEvent) carries one board event
with its kind, name, board time and, for spikes and bursts, the channel and neuron.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mnsu import wire as codec
from mnsu.protocol import adc_to_volts, cdeg_to_deg, q15_to_unit


def joint_positions_rad(tel: Mapping[str, int]) -> tuple[float, float]:
    """Hip and knee angles commanded by the board after limits and slew (rad)."""
    return (math.radians(cdeg_to_deg(tel["hip_cdeg"])), math.radians(cdeg_to_deg(tel["knee_cdeg"])))


@dataclass(frozen=True)
class NeuronChannel:
    name: str
    channel: int  # ADC channel


@dataclass(frozen=True)
class NeuronReading:
    name: str
    channel: int
    readout_v: float
    spike_count: int
    burst_envelope: float  # NaN: neither the flexor nor the extensor channel


def neuron_readings(
    tel: Mapping[str, int],
    neurons: Sequence[NeuronChannel],
    adc_vref_v: float,
    flexor_channel: int,
    extensor_channel: int,
) -> list[NeuronReading]:
    """One reading per neuron, in `neurons` order."""
    out: list[NeuronReading] = []
    for n in neurons:
        volts = adc_to_volts(tel[f"adc{n.channel}"], adc_vref_v)
        if n.channel == flexor_channel:
            env = q15_to_unit(tel["env_flexor_q15"])
        elif n.channel == extensor_channel:
            env = q15_to_unit(tel["env_extensor_q15"])
        else:
            env = math.nan
        out.append(NeuronReading(n.name, n.channel, volts, tel[f"spikes{n.channel}"], env))
    return out


def default_neurons(probe_neurons: Mapping[int, str], n_channels: int) -> list[NeuronChannel]:
    """Neuron names per sampled channel: from the board file's probes, else `ch<N>`."""
    return [NeuronChannel(probe_neurons.get(ch, f"ch{ch}"), ch) for ch in range(n_channels)]


@dataclass(frozen=True)
class EventInfo:
    kind: int  # codec.EV_* (mnsu_msgs/CpgEvent constants)
    name: str
    channel: int  # -1: not a spike or burst event
    neuron: str  # "" likewise


def event_info(kind_name: str, channel: int, neurons: Sequence[NeuronChannel]) -> EventInfo:
    """A board event (its name as the link decodes it) with its neuron for the message."""
    kind = next((k for k, v in codec.EVENT_NAMES.items() if v == kind_name), 0)
    if kind in (codec.EV_SPIKE, codec.EV_BURST_ON, codec.EV_BURST_OFF):
        neuron = next((n.name for n in neurons if n.channel == channel), f"ch{channel}")
        return EventInfo(kind, kind_name, channel, neuron)
    return EventInfo(kind, kind_name, -1, "")

"""A walk of the quadruped board over the serial link, and its gait analysis.

`quad_walk` runs a board with a `legs` section (the virtual board with the physics quadruped
when no port is given): it configures the board as the single-leg walk does (the first leg's
gait calibration and channels; leg k reads the first leg's channels + 2k), switches it to CPG
mode and collects TELEMETRY, LEGS and events for a stretch of board time.

`analyse_quad` turns that into the gait, with the first leg as reference: from the foot
switches each leg reports in LEGS, the step frequency and every leg's stance phase
(`contact_phases`: the contact signals' Fourier component at their common peak near the CPG's
frequency), and the lag of every leg's stance behind the first leg's; from the burst events the
same lag of every leg's flexor burst onsets in the first leg's flexor cycles (the CPG's burst
lags); and the difference of the two per leg (cycles, circular, in -0.5..0.5). With the
physics quadruped, `quad_walking_metrics` measures the trunk: forward speed, lateral drift,
heading drift, roll/pitch/height ranges, falls, cost of transport.

`emulator_lags` runs the board in the emulator alone (no firmware, no feedback): the burst lags
of the CPG the gait is compared against in the tests.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mnsu.analysis.decoder_gap import decoder_gap_ms
from mnsu.analysis.rhythm import neuron_stats, phase_lag
from mnsu.circuit.board import Board, BoardError
from mnsu.circuit.emulator import Emulator
from mnsu.link import Event, Link, LinkError, LogLine, Telemetry
from mnsu.protocol import Legs
from mnsu.robot.description import GRAVITY_M_S2
from mnsu.robot.leg import contact_edges
from mnsu.robot.quadruped import QuadSample
from mnsu.robot.walk import (
    SILENCE_S,
    TRANSIENT_S,
    Progress,
    VirtualSettings,
    WalkSettings,
    linked,
    next_message,
    onset_frequency,
    open_board,
    window_events,
)
from mnsu.robot.walking import BOUNCE_S

SETTLE_S = 6.0  # the virtual board's CPG runs this long (legs standing) before the walk


@dataclass(frozen=True)
class QuadChannels:
    """Per leg (board order) its name and the ADC channels of its flexor and extensor."""

    names: tuple[str, ...]
    flexor: tuple[int, ...]
    extensor: tuple[int, ...]
    burst_gap_ms: float | None = None


def quad_channels(board: Board) -> QuadChannels:
    """Every leg's flexor and extensor readout channels; BoardError for a board of < 2 legs."""
    if len(board.legs) < 2:
        raise BoardError(f"{board.source}: no `legs` section of two or more legs")
    adc = {p.neuron: p.adc for p in board.probes if p.node == "readout"}
    return QuadChannels(
        tuple(leg.name for leg in board.legs),
        tuple(adc[leg.flexor] for leg in board.legs),
        tuple(adc[leg.extensor] for leg in board.legs),
        decoder_gap_ms(board),
    )


@dataclass
class QuadWalk:
    """What a quadruped walk collected (times in board seconds from the CPG start)."""

    channels: QuadChannels
    t: list[float] = field(default_factory=list)  # LEGS frames
    contacts: list[tuple[bool, ...]] = field(default_factory=list)
    joints_deg: list[tuple[float, ...]] = field(default_factory=list)  # hip, knee per leg
    envelopes: list[tuple[float, ...]] = field(default_factory=list)  # flexor, extensor per leg
    events: list[tuple[str, int, float]] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    t_start: float = 0.0
    t_end: float = 0.0
    physics_trace: list[QuadSample] = field(default_factory=list)  # board time


def configure_quad(
    link: Link, channels: QuadChannels, settings: WalkSettings, gait: Sequence[tuple[str, float]]
) -> None:
    """The walk's parameters (not saved), then CPG mode."""
    for name, value in gait:
        link.set_param(name, value)
    if channels.burst_gap_ms is not None:
        link.set_param("burst_gap_ms", channels.burst_gap_ms)
    if settings.drive is not None:
        link.set_param("drive_level", settings.drive)
    link.set_param("flexor_channel", channels.flexor[0])
    link.set_param("extensor_channel", channels.extensor[0])
    link.set_param("telemetry_hz", settings.telemetry_hz)
    link.set_param("touchdown_enable", 1 if settings.touchdown else 0)
    link.set_param("spike_events", 0)
    for name, value in settings.board_params.items():
        link.set_param(name, value)
    link.set_mode("cpg")


def wait_board_time(link: Link, t_s: float, wall_timeout_s: float) -> None:
    """Until the board's clock reads `t_s` (the CPG network settling while the legs stand)."""
    sub = link.subscribe(("telemetry",))
    link.set_param("telemetry_hz", 10)
    wall_end = time.monotonic() + wall_timeout_s
    try:
        while True:
            msg = sub.get(timeout_s=SILENCE_S)
            if msg is None or time.monotonic() > wall_end:
                raise LinkError(f"{link.port}: no telemetry while waiting for the CPG to settle")
            if isinstance(msg, Telemetry) and msg.board_time_s >= t_s:
                return
    finally:
        link.unsubscribe(sub)


def collect_quad(
    link: Link,
    channels: QuadChannels,
    settings: WalkSettings,
    gait: Sequence[tuple[str, float]],
    progress: Progress | None = None,
    settle_s: float = 0.0,
) -> QuadWalk:
    """Configure, walk for `settings.duration_s` of board time, back to IDLE. With settle_s,
    the board stays in IDLE (legs standing) until its clock reads settle_s: a network started
    from its initial values needs a few cycles to reach its gait (mnsu simulate --transient)."""
    if settle_s > 0.0:
        wait_board_time(link, settle_s, settings.wall_timeout_s)
    sub = link.subscribe(("telemetry", "event", "log", "legs"))
    configure_quad(link, channels, settings, gait)
    data = QuadWalk(channels)
    raw_events: list[Event] = []
    t_start: float | None = None
    t_end = math.inf
    wall_end = time.monotonic() + settings.wall_timeout_s
    while True:
        msg = next_message(link, sub, wall_end, settings.wall_timeout_s)
        if isinstance(msg, LogLine):
            data.logs.append(msg.text)
        elif isinstance(msg, Event):
            raw_events.append(msg)
        elif isinstance(msg, Telemetry):
            if msg.mode != "cpg":
                if t_start is None:
                    continue
                raise LinkError(f"{link.port}: board left CPG mode ({msg.mode}); {data.logs}")
            if t_start is None:
                t_start = msg.board_time_s
                t_end = t_start + settings.duration_s
            if msg.board_time_s > t_end:
                break
            if progress is not None:
                progress(msg, msg.board_time_s - t_start, link.stats)
        elif isinstance(msg, Legs) and t_start is not None:
            n = len(msg.legs)
            if n != len(channels.names):
                raise LinkError(
                    f"{link.port}: the board drives {n} legs, the board file has "
                    f"{len(channels.names)} (deploy it with this board file)"
                )
            data.t.append(msg.board_time_s - t_start)
            data.contacts.append(tuple(msg.contact(k) for k in range(n)))
            data.joints_deg.append(tuple(v for k in range(n) for v in msg.joints_deg(k)))
            data.envelopes.append(tuple(v for k in range(n) for v in msg.envelopes(k)))
    link.set_mode("idle")
    assert t_start is not None
    data.t_start, data.t_end = t_start, t_end
    data.events = window_events(raw_events, t_start, t_end)
    return data


def lag_error(a: float | None, b: float | None) -> float | None:
    """a - b in cycles, wrapped into -0.5..0.5 (None when either is missing)."""
    if a is None or b is None:
        return None
    return (a - b + 0.5) % 1.0 - 0.5


def contact_phases(
    t: Sequence[float], contacts: Sequence[Sequence[bool]], f_lo: float, f_hi: float
) -> tuple[float, list[float]]:
    """The step frequency (Hz) and every leg's stance phase (cycles) from the foot switches.

    The frequency is the peak in f_lo..f_hi of the legs' summed contact spectra (a grid of
    1 mHz); each leg's phase is the angle of its contact signal's Fourier component there,
    so a leg whose stance starts a quarter cycle after another's is 0.25 cycles later. A
    stance's chatter (a foot rocking on and off the floor) moves the phase little: it weighs
    as its share of the stance.
    """
    tt = np.asarray(t, dtype=float)
    c = np.asarray(contacts, dtype=float)  # samples x legs
    c = c - c.mean(axis=0)
    freqs = np.arange(f_lo, f_hi, 0.001)
    basis = np.exp(-2j * np.pi * np.outer(freqs, tt))  # freqs x samples
    z = basis @ c  # freqs x legs
    f = float(freqs[int(np.argmax(np.sum(np.abs(z) ** 2, axis=1)))])
    zf = np.exp(-2j * np.pi * f * tt) @ c
    return f, [float((-np.angle(v) / (2 * np.pi)) % 1.0) for v in zf]


def analyse_quad(data: QuadWalk, after_s: float = TRANSIENT_S) -> dict[str, Any]:
    """Gait from the foot switches and the CPG's burst lags (see the module docstring)."""
    ch = data.channels
    keep = [i for i, t in enumerate(data.t) if t >= after_s]
    t = [data.t[i] for i in keep]
    contacts = [data.contacts[i] for i in keep]
    legs: dict[str, dict[str, Any]] = {}
    bursts: list[list[float]] = []
    span = t[-1] - t[0] if len(t) > 1 else 0.0
    for k, name in enumerate(ch.names):
        contact = [c[k] for c in contacts]
        td, _ = contact_edges(t, contact, BOUNCE_S)
        stance = sum(b - a for a, b, c in zip(t, t[1:], contact[:-1], strict=False) if c)
        onsets = [e for kind, c, e in data.events if kind == "burst_on" and c == ch.flexor[k]]
        bursts.append([e for e in onsets if e >= after_s])
        legs[name] = {
            "touchdowns": len(td),
            "duty_factor": stance / span if span > 0 else None,
            "cpg_frequency_hz": onset_frequency(bursts[-1]),
        }
    cpg_f = legs[ch.names[0]]["cpg_frequency_hz"]
    step_f: float | None = None
    phases: list[float] = []
    if len(t) > 10 and cpg_f is not None and any(any(c) for c in contacts):
        step_f, phases = contact_phases(t, contacts, 0.5 * cpg_f, 2.0 * cpg_f)
    worst = 0.0
    for k, name in enumerate(ch.names):
        gait_lag = (phases[k] - phases[0]) % 1.0 if phases else None
        cpg_lag = phase_lag(bursts[0], bursts[k]) if k else 0.0
        err = lag_error(gait_lag, cpg_lag)
        legs[name].update(
            {"gait_lag_cycles": gait_lag, "cpg_lag_cycles": cpg_lag, "lag_error_cycles": err}
        )
        worst = max(worst, abs(err)) if err is not None else math.inf
    return {
        "reference_leg": ch.names[0],
        "legs": legs,
        "step_frequency_hz": step_f,
        "cpg_frequency_hz": cpg_f,
        "step_to_cpg_ratio": step_f / cpg_f if step_f and cpg_f else None,
        "max_lag_error_cycles": worst,
        "frames": len(data.t),
    }


def emulator_lags(
    board: Board, duration_s: float = 20.0, transient_s: float = 5.0
) -> dict[str, float | None]:
    """Burst lags of every leg's flexor in the first leg's flexor cycles, from the emulator
    alone (the board's default drive level, no touch-down feedback)."""
    emu = Emulator(board)
    emu.advance_to(duration_s)
    onsets = []
    for leg in board.legs:
        i = board.neuron_index(leg.flexor)
        onsets.append(neuron_stats(emu.spikes[i], emu.spike_ends[i], duration_s, transient_s))
    out: dict[str, float | None] = {}
    for leg, stats in zip(board.legs, onsets, strict=True):
        out[leg.name] = phase_lag(onsets[0].onsets, stats.onsets)
    return out


def quad_walking_metrics(
    trace: Sequence[QuadSample],
    t0: float,
    t1: float,
    mass_kg: float,
    falls: Sequence[float],
    falls_from: float | None = None,
) -> dict[str, Any]:
    """The trunk's figures over samples with t0 <= t <= t1 (physics quadruped); falls count
    from `falls_from` (default t0) to t1."""
    f0 = t0 if falls_from is None else falls_from
    window = [s for s in trace if t0 <= s.t <= t1]
    if len(window) < 2:
        raise ValueError(f"quad_walking_metrics: fewer than 2 samples in {t0:g}..{t1:g} s")
    first, last = window[0], window[-1]
    duration = last.t - first.t
    distance = last.x - first.x
    work = sum(b.power_w * (b.t - a.t) for a, b in zip(window, window[1:], strict=False))
    yaw = [s.yaw_deg for s in window]
    # unwrap the heading so a turn past +-180 deg counts in full
    unwrapped = [yaw[0]]
    for y in yaw[1:]:
        d = (y - unwrapped[-1] + 180.0) % 360.0 - 180.0
        unwrapped.append(unwrapped[-1] + d)
    return {
        "duration_s": duration,
        "distance_m": distance,
        "forward_speed_m_s": distance / duration,
        "lateral_drift_m": last.y - first.y,
        "heading_drift_deg": unwrapped[-1] - unwrapped[0],
        "roll_min_deg": min(s.roll_deg for s in window),
        "roll_max_deg": max(s.roll_deg for s in window),
        "pitch_min_deg": min(s.pitch_deg for s in window),
        "pitch_max_deg": max(s.pitch_deg for s in window),
        "height_min_m": min(s.z for s in window),
        "height_max_m": max(s.z for s in window),
        "work_j": work,
        "cost_of_transport": work / (mass_kg * GRAVITY_M_S2 * distance) if distance > 0 else None,
        "falls": sum(1 for f in falls if f0 <= f <= t1),
        "fell": any(f0 <= f <= t1 for f in falls),
    }


def quad_walk(
    board_file: str | Path,
    settings: WalkSettings,
    port: str | None = None,
    virtual: VirtualSettings | None = None,
    record: str | Path | None = None,
    progress: Progress | None = None,
    overrides: Sequence[str] = (),
) -> tuple[QuadWalk, dict[str, Any]]:
    """Walk the quadruped board on `port`, or the virtual board with the physics quadruped."""
    if not settings.duration_s > TRANSIENT_S + 1.0:
        raise ValueError(
            f"--duration must be > {TRANSIENT_S + 1.0:g} s, got {settings.duration_s:g}"
        )
    if settings.pushes:
        raise ValueError("--push is for the single leg's rig")
    board, port, vb = open_board(board_file, port, virtual, overrides)
    channels = quad_channels(board)
    wall0 = time.monotonic()
    with linked(port, vb, record) as link:
        data = collect_quad(
            link,
            channels,
            settings,
            board.legs[0].gait,
            progress,
            SETTLE_S if vb is not None else 0.0,
        )
        stats = link.stats.as_dict()
        caps = link.caps
    wall = time.monotonic() - wall0
    summary = analyse_quad(data)
    duration = data.t_end - data.t_start
    summary.update(
        {
            "port": "virtual" if vb is not None else port,
            "board": caps.board if caps else None,
            "legs_count": len(channels.names),
            "duration_s": duration,
            "wall_s": wall,
            "realtime_factor": duration / wall if wall > 0 else None,
            "frames_received": stats["frames_received"],
            "frames_lost": stats["frames_lost"],
            "crc_errors": stats["crc_errors"],
            "reconnects": max(0, stats["connects"] - 1),
            "touchdown_feedback": settings.touchdown,
            "board_logs": data.logs,
        }
    )
    quad = vb.quadruped if vb is not None else None
    if quad is not None:
        summary["walking"] = quad_walking_metrics(
            quad.trace,
            data.t_start + TRANSIENT_S,
            data.t_end,
            quad.mass,
            quad.falls,
            falls_from=data.t_start,
        )
        data.physics_trace = [s for s in quad.trace if data.t_start <= s.t <= data.t_end]
    return data, summary

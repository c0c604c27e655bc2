"""A walk of the CPG leg over the serial link (real or virtual board), and its gait analysis.

`walk` configures the board (gait calibration, telemetry, touch-down feedback, the flexor and
extensor channels of the board file), switches it to CPG mode, collects telemetry and events
for a stretch of board time, and returns a `Walk` that `analyse` turns into gait figures.
Everything comes through the link; the board file only says which ADC channel reads which
neuron (its probes and `leg` section) and the leg's geometry.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mnsu.analysis.decoder_gap import decoder_gap_ms
from mnsu.circuit.board import Board, BoardError, ProbeSpec, load_board
from mnsu.link import Event, Link, LinkError, LinkStats, LogLine, Message, Telemetry
from mnsu.link.subscription import Subscription
from mnsu.robot.leg import circular_spread, event_phases, forward_kinematics, gait_metrics
from mnsu.robot.physics import Sample
from mnsu.robot.push_response import WINDOW_S, push_response
from mnsu.robot.walking import BOUNCE_S, walking_metrics

if TYPE_CHECKING:  # the virtual board (MicroPython, MuJoCo) is imported only when used
    from mnsu.cosim.virtual_board import VirtualBoard

TRANSIENT_S = 1.5  # start of the analysis window (board time after the mode switch)
SILENCE_S = 3.0  # no telemetry this long: the link is given up


@dataclass(frozen=True)
class LegChannels:
    """The ADC probes of the leg's flexor and extensor neurons (from the board file)."""

    flexor: ProbeSpec
    extensor: ProbeSpec
    # the decoder's burst gap in the valley of the board's own ISIs (mnsu.analysis.decoder_gap);
    # None: the firmware's default
    burst_gap_ms: float | None = None


def leg_channels(board: Board) -> LegChannels:
    """The readout probes of `leg.flexor` and `leg.extensor`; BoardError when one is missing."""
    if board.leg is None:
        raise BoardError(f"{board.source}: no `leg` section: nothing to walk")
    found: dict[str, ProbeSpec] = {}
    for role, neuron in (("flexor", board.leg.flexor), ("extensor", board.leg.extensor)):
        probe = next(
            (p for p in board.probes if p.neuron == neuron and p.node == "readout" and p.adc < 4),
            None,
        )
        if probe is None:
            raise BoardError(
                f"{board.source}: leg.{role} {neuron} has no `readout` probe on ADC 0..3"
            )
        found[role] = probe
    return LegChannels(found["flexor"], found["extensor"], decoder_gap_ms(board))


@dataclass(frozen=True)
class WalkSettings:
    duration_s: float = 20.0  # board time to collect
    telemetry_hz: int = 200
    touchdown: bool = False  # touch-down feedback pulse into the extensor
    wall_timeout_s: float = 120.0
    drive: float | None = None  # descending drive level 0..1 (None: the firmware's)
    # board parameters set after the walk's own (name -> value in the table's unit; not saved)
    board_params: dict[str, float] = field(default_factory=dict)
    # pushes on the physics leg's carriage: (s after the walk's start, impulse N s)
    pushes: tuple[tuple[float, float], ...] = ()


@dataclass
class Walk:
    """What a walk collected over the link (times in board seconds from the CPG start)."""

    channels: LegChannels
    t: list[float] = field(default_factory=list)
    contact: list[bool] = field(default_factory=list)
    hip: list[float] = field(default_factory=list)
    knee: list[float] = field(default_factory=list)
    readout_v: list[tuple[float, float]] = field(default_factory=list)  # flexor, extensor ADC
    env: list[tuple[float, float]] = field(default_factory=list)
    events: list[tuple[str, int, float]] = field(default_factory=list)  # kind, ch, t (s)
    logs: list[str] = field(default_factory=list)
    t_start: float = 0.0  # board time of the first CPG frame (s)
    t_end: float = 0.0
    physics_trace: list[Sample] = field(default_factory=list)  # the physics leg (board time)


Progress = Callable[[Telemetry, float, LinkStats], None]  # frame, t since start (s), stats


def configure(
    link: Link,
    channels: LegChannels,
    settings: WalkSettings,
    gait: Sequence[tuple[str, float]] = (),
) -> None:
    """Send the walk's parameters (not saved) and switch the board to CPG mode: first the
    board file's gait calibration (`leg.gait`: firmware parameter name, value)."""
    for name, value in gait:
        link.set_param(name, value)
    if channels.burst_gap_ms is not None:
        link.set_param("burst_gap_ms", channels.burst_gap_ms)
    if settings.drive is not None:
        link.set_param("drive_level", settings.drive)
    link.set_param("flexor_channel", channels.flexor.adc)
    link.set_param("extensor_channel", channels.extensor.adc)
    link.set_param("telemetry_hz", settings.telemetry_hz)
    link.set_param("touchdown_enable", 1 if settings.touchdown else 0)
    link.set_param("spike_events", 1)
    for name, value in settings.board_params.items():
        link.set_param(name, value)
    link.set_mode("cpg")


def next_message(link: Link, sub: Subscription, wall_end: float, wall_timeout_s: float) -> Message:
    """The walk's next message; LinkError when the board falls silent for SILENCE_S or the
    walk has run past its wall-clock budget (`wall_end`, time.monotonic)."""
    msg = sub.get(timeout_s=SILENCE_S)
    if msg is None:
        raise LinkError(
            f"{link.port}: no telemetry for {SILENCE_S:g} s (stats {link.stats.as_dict()})"
        )
    if time.monotonic() > wall_end:
        raise LinkError(f"{link.port}: demo took longer than {wall_timeout_s:g} s wall")
    return msg


def collect(
    link: Link,
    channels: LegChannels,
    settings: WalkSettings,
    progress: Progress | None = None,
    gait: Sequence[tuple[str, float]] = (),
    on_start: Callable[[float], None] | None = None,
) -> Walk:
    """Configure the board, walk for `settings.duration_s` of board time, back to IDLE.
    `on_start` is called with the board time of the first CPG frame."""
    sub = link.subscribe(("telemetry", "event", "log"))
    configure(link, channels, settings, gait)
    data = Walk(channels)
    flex, ext = channels.flexor, channels.extensor
    raw_events: list[Event] = []
    t_start: float | None = None
    t_end = math.inf
    wall_end = time.monotonic() + settings.wall_timeout_s
    while True:
        msg = next_message(link, sub, wall_end, settings.wall_timeout_s)
        if isinstance(msg, LogLine):
            data.logs.append(msg.text)
            continue
        if isinstance(msg, Event):
            raw_events.append(msg)
            continue
        assert isinstance(msg, Telemetry)
        if msg.mode != "cpg":
            if t_start is None:
                continue  # the mode switch has not reached telemetry yet
            raise LinkError(f"{link.port}: board left CPG mode ({msg.mode}); logs: {data.logs}")
        if t_start is None:
            t_start = msg.board_time_s
            t_end = t_start + settings.duration_s
            if on_start is not None:
                on_start(t_start)
        if msg.board_time_s > t_end:
            break
        data.t.append(msg.board_time_s - t_start)
        data.contact.append(msg.contact)
        data.hip.append(msg.hip_deg)
        data.knee.append(msg.knee_deg)
        data.readout_v.append(
            (msg.adc_volts(flex.adc, flex.vref), msg.adc_volts(ext.adc, ext.vref))
        )
        data.env.append(msg.envelopes)
        if progress is not None:
            progress(msg, msg.board_time_s - t_start, link.stats)
    link.set_mode("idle")
    assert t_start is not None
    data.t_start, data.t_end = t_start, t_end
    data.events = window_events(raw_events, t_start, t_end)
    return data


def _onsets(
    events: Sequence[tuple[str, int, float]], kind: str, channel: int, after: float
) -> list[float]:
    return [t for k, ch, t in events if k == kind and ch == channel and t >= after]


def window_events(
    events: Sequence[Event], t_start: float, t_end: float
) -> list[tuple[str, int, float]]:
    """(kind, channel, time since t_start) of the events between t_start and t_end (board s)."""
    return [
        (e.kind, e.channel, e.board_time_s - t_start)
        for e in events
        if t_start <= e.board_time_s <= t_end
    ]


def onset_frequency(onsets: Sequence[float]) -> float | None:
    """Onsets per second over the span of `onsets` (None for fewer than two)."""
    if len(onsets) < 2:
        return None
    return (len(onsets) - 1) / (onsets[-1] - onsets[0])


def analyse(data: Walk, board: Board, min_phase_s: float = 0.02) -> dict[str, Any]:
    """Gait and rhythm figures of a walk after the transient (TRANSIENT_S); contact phases
    shorter than min_phase_s merge into their neighbours (switch chatter, foot bounce)."""
    leg = board.leg
    assert leg is not None
    keep = [i for i, t in enumerate(data.t) if t >= TRANSIENT_S]
    t = [data.t[i] for i in keep]
    contact = [data.contact[i] for i in keep]
    feet = [
        forward_kinematics(
            data.hip[i], data.knee[i], leg.thigh_length, leg.shank_length, leg.hip_height
        )
        for i in keep
    ]
    gait = gait_metrics(
        t, contact, [p[0] for p in feet], [p[1] for p in feet], min_phase_s=min_phase_s
    )
    flex = _onsets(data.events, "burst_on", data.channels.flexor.adc, TRANSIENT_S)
    ext = _onsets(data.events, "burst_on", data.channels.extensor.adc, TRANSIENT_S)
    cpg_f = onset_frequency(flex)
    phases = event_phases(gait.touchdowns, ext)
    return {
        "step_frequency_hz": gait.step_frequency_hz,
        "cpg_frequency_hz": cpg_f,
        "step_to_cpg_ratio": (
            gait.step_frequency_hz / cpg_f if gait.step_frequency_hz and cpg_f else None
        ),
        "duty_factor": gait.duty_factor,
        "stride_length_m": gait.stride_length_m,
        "step_height_m": gait.step_height_m,
        "steps": gait.steps,
        "step_period_cv": gait.step_period_cv,
        "touchdown_phase_spread_cycles": circular_spread(phases) if phases else None,
        "flexor_bursts": len(flex),
        "extensor_bursts": len(ext),
        "spikes": sum(1 for e in data.events if e[0] == "spike"),
        "telemetry_frames": len(data.t),
    }


@dataclass(frozen=True)
class VirtualSettings:
    """How to run the virtual board when no port is given.

    leg_model: "physics" (MuJoCo, the leg walks on its rig) or "kinematic" (on a stand).
    """

    seed: int = 1
    realtime: bool = False
    terrain_m: float = 0.0
    leg_model: str = "physics"


def open_board(
    board_file: str | Path,
    port: str | None,
    virtual: VirtualSettings | None,
    overrides: Sequence[str],
) -> tuple[Board, str, VirtualBoard | None]:
    """The board and the port to walk it on: `port` as given, or (port None) a virtual board
    built from the board file, not yet started (see `linked`)."""
    if port is not None:
        return load_board(board_file, overrides), port, None
    from mnsu.cosim.virtual_board import VirtualBoard

    v = virtual or VirtualSettings()
    vb = VirtualBoard(
        load_board(board_file, overrides),
        seed=v.seed,
        realtime=v.realtime,
        terrain_m=v.terrain_m,
        leg_model=v.leg_model,
    )
    return vb.board, vb.path, vb


@contextmanager
def linked(port: str, vb: VirtualBoard | None, record: str | Path | None) -> Iterator[Link]:
    """A Link to `port` for the walk; the virtual board `vb` (if any) runs for as long."""
    if vb is not None:
        vb.start()
    try:
        with Link(port, record=record) as link:
            yield link
    finally:
        if vb is not None:
            vb.stop()


def walk(
    board_file: str | Path,
    settings: WalkSettings,
    port: str | None = None,
    virtual: VirtualSettings | None = None,
    record: str | Path | None = None,
    progress: Progress | None = None,
    overrides: Sequence[str] = (),
) -> tuple[Walk, dict[str, Any]]:
    """Walk the board on `port`, or the virtual board of `board_file` when port is None.

    `overrides` are --set KEY.PATH=VALUE strings for the board file. Returns the collected
    walk and its summary: `analyse` figures, link counters, timing, and for the physics leg
    `walking` (mnsu.robot.walking figures measured in the physics world).
    """
    if not settings.duration_s > TRANSIENT_S + 1.0:
        raise ValueError(
            f"--duration must be > {TRANSIENT_S + 1.0:g} s, got {settings.duration_s:g}"
        )
    if settings.pushes:
        leg_model = (virtual or VirtualSettings()).leg_model
        if port is not None or leg_model != "physics":
            raise ValueError(
                "--push needs the virtual board's physics leg (no --port, --leg physics)"
            )
        for at, impulse in settings.pushes:
            if not (WINDOW_S <= at <= settings.duration_s - WINDOW_S and math.isfinite(impulse)):
                raise ValueError(
                    f"--push {at:g}:{impulse:g}: the time must be within {WINDOW_S:g} s.."
                    f"{settings.duration_s - WINDOW_S:g} s of the walk (its response is measured "
                    f"over {WINDOW_S:g} s either side) and the impulse finite"
                )
    board, port, vb = open_board(board_file, port, virtual, overrides)
    channels = leg_channels(board)
    wall0 = time.monotonic()
    with linked(port, vb, record) as link:
        assert board.leg is not None  # leg_channels() checked
        start = None
        if vb is not None and settings.pushes:
            board_vb = vb

            def start(t0: float) -> None:
                for at, impulse in settings.pushes:
                    board_vb.schedule_push(t0 + at, impulse)

        data = collect(link, channels, settings, progress, board.leg.gait, start)
        stats = link.stats.as_dict()
        caps = link.caps
    wall = time.monotonic() - wall0
    physics = vb.physics if vb is not None else None
    summary = analyse(data, board, BOUNCE_S if physics is not None else 0.02)
    duration = data.t_end - data.t_start
    summary.update(
        {
            "port": "virtual" if vb is not None else port,
            "board": caps.board if caps else None,
            "duration_s": duration,
            "wall_s": wall,
            "realtime_factor": duration / wall if wall > 0 else None,
            "frames_received": stats["frames_received"],
            "frames_lost": stats["frames_lost"],
            "frames_missed_offline": stats["frames_missed_offline"],
            "crc_errors": stats["crc_errors"],
            "bad_frames": stats["bad_frames"],
            "reconnects": max(0, stats["connects"] - 1),
            "touchdown_feedback": settings.touchdown,
            "board_logs": data.logs,
            "leg_model": (virtual or VirtualSettings()).leg_model if vb is not None else "real",
        }
    )
    if physics is not None and board.leg is not None:
        leg = board.leg
        figures = walking_metrics(
            physics.trace,
            data.t_start + TRANSIENT_S,
            data.t_end,
            physics.mass,
            leg.length,
            leg.foot_radius,
            physics.falls,
        ).as_dict()
        cpg = summary.get("cpg_frequency_hz")
        f = figures["step_frequency_hz"]
        figures["step_to_cpg_ratio"] = f / cpg if f and cpg else None
        summary["walking"] = figures
        ext = [
            data.t_start + t for t in _onsets(data.events, "burst_on", channels.extensor.adc, 0.0)
        ]
        summary["pushes"] = (
            [
                push_response(physics.trace, ext, at, impulse).as_dict()
                for at, impulse in vb.pushes_applied
            ]
            if vb is not None
            else []
        )
        data.physics_trace = [s for s in physics.trace if data.t_start <= s.t <= data.t_end]
    return data, summary

"""`mnsu demo`: the main job. The CPG walks the leg; the host watches over the serial link.

Without --port it starts the virtual board (emulated leg board + the firmware under MicroPython
+ the leg model) behind a pty; with --port it talks to a real board. Either way everything the
summary and the plot show comes through the link: telemetry (ADC reads, burst envelopes, joint
angles, foot contact) and events (spikes, burst onsets/offsets, contact).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mnsu.circuit.board import BoardError, LegSpec, load_board
from mnsu.cosim.harness import DEFAULT_BOARD
from mnsu.link import Event, LinkError, LogLine, Telemetry
from mnsu.link import Link as SerialLink
from mnsu.robot.leg import circular_spread, event_phases, forward_kinematics, gait_metrics

# Gait calibration the demo applies (not saved to flash): a smoother burst envelope and a knee
# mapping that clears the ground in swing for the example leg's geometry.
GAIT_PARAMS: dict[str, float] = {
    "env_tau_ms": 100.0,
    "env_step": 0.5,
    "knee_offset_deg": 0.0,
    "knee_amp_deg": 45.0,
}
TRANSIENT_S = 1.5  # start of the analysis window (board time after the mode switch)


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help="walk the leg with the CPG (virtual board, or a real one with --port)",
        description="Run the CPG leg for --duration seconds of board time: the firmware maps "
        "flexor/extensor bursts to hip/knee servos; the host prints live progress, a summary "
        "and writes a plot. Without --port the virtual board runs behind a pseudo-terminal.",
    )
    p.add_argument("--duration", type=float, default=20.0, help="board time to run, s (20)")
    p.add_argument("--port", help="serial port of a real board (default: the virtual board)")
    p.add_argument("--board", default=str(DEFAULT_BOARD), help="board file of the virtual board")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--plot", default="out/demo.png", help="PNG path (out/demo.png)")
    p.add_argument(
        "--touchdown",
        choices=("on", "off"),
        default="off",
        help="touch-down feedback pulse into the extensor (phase reset); off: free CPG (off)",
    )
    p.add_argument("--telemetry-hz", type=int, default=200, help="telemetry rate, Hz (200)")
    p.add_argument("--realtime", action="store_true", help="pace the virtual board at 1x")
    p.add_argument(
        "--terrain", type=float, default=0.0, help="virtual uneven ground: +- height, m (0)"
    )
    p.add_argument("--seed", type=int, default=1, help="virtual board noise seed (1)")
    p.add_argument("--record", help="record the link session to this file")
    p.add_argument(
        "--wall-timeout", type=float, default=120.0, help="give up after this wall time, s"
    )
    p.set_defaults(func=run)


@dataclass
class Run:
    """What the demo collected over the link."""

    t: list[float] = field(default_factory=list)
    contact: list[bool] = field(default_factory=list)
    hip: list[float] = field(default_factory=list)
    knee: list[float] = field(default_factory=list)
    adc: list[tuple[int, int]] = field(default_factory=list)
    env: list[tuple[float, float]] = field(default_factory=list)
    events: list[tuple[str, int, float]] = field(default_factory=list)  # kind, ch, t (s)
    logs: list[str] = field(default_factory=list)


def run(args: argparse.Namespace) -> int:
    try:
        result = demo(args)
    except (LinkError, BoardError, OSError, RuntimeError) as exc:
        print(f"mnsu demo: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result))
    else:
        print_summary(result)
    return 0


def demo(args: argparse.Namespace) -> dict[str, Any]:
    if not args.duration > TRANSIENT_S + 1.0:
        raise RuntimeError(f"--duration must be > {TRANSIENT_S + 1.0:g} s, got {args.duration:g}")
    vb = None
    leg_spec: LegSpec | None = None
    if args.port is None:
        from mnsu.cosim.virtual_board import VirtualBoard

        vb = VirtualBoard(
            args.board, seed=args.seed, realtime=args.realtime, terrain_m=args.terrain
        )
        leg_spec = vb.board.leg
        port = vb.path
        vb.start()
    else:
        port = args.port
        leg_spec = load_board(args.board).leg
    wall0 = time.monotonic()
    try:
        with SerialLink(port, record=args.record) as link:
            data, t_start, t_end = collect(link, args)
            stats = link.stats.as_dict()
            caps = link.caps
    finally:
        if vb is not None:
            vb.stop()
    wall = time.monotonic() - wall0
    result = analyse(data, t_start, t_end, leg_spec)
    result.update(
        {
            "port": "virtual" if vb is not None else port,
            "board": caps.board if caps else None,
            "duration_s": t_end - t_start,
            "wall_s": wall,
            "realtime_factor": (t_end - t_start) / wall if wall > 0 else None,
            "frames_received": stats["frames_received"],
            "frames_lost": stats["frames_lost"],
            "frames_missed_offline": stats["frames_missed_offline"],
            "crc_errors": stats["crc_errors"],
            "bad_frames": stats["bad_frames"],
            "reconnects": max(0, stats["connects"] - 1),
            "touchdown_feedback": args.touchdown == "on",
            "board_logs": data.logs,
        }
    )
    result["plot"] = str(plot(data, t_start, t_end, result, Path(args.plot)))
    return result


def collect(link: SerialLink, args: argparse.Namespace) -> tuple[Run, float, float]:
    sub = link.subscribe(("telemetry", "event", "log"))
    for name, value in GAIT_PARAMS.items():
        link.set_param(name, value)
    link.set_param("telemetry_hz", args.telemetry_hz)
    link.set_param("touchdown_enable", 1 if args.touchdown == "on" else 0)
    link.set_param("spike_events", 1)
    link.set_mode("cpg")
    data = Run()
    raw_events: list[Event] = []
    t_start: float | None = None
    t_end = math.inf
    last_print = -math.inf
    wall_end = time.monotonic() + args.wall_timeout
    quiet = not sys.stderr.isatty() and args.json
    while True:
        msg = sub.get(timeout_s=3.0)
        if msg is None:
            raise LinkError(f"{link.port}: no telemetry for 3 s (stats {link.stats.as_dict()})")
        if time.monotonic() > wall_end:
            raise LinkError(f"{link.port}: demo took longer than {args.wall_timeout:g} s wall")
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
            t_end = t_start + args.duration
        if msg.board_time_s > t_end:
            break
        f = msg.fields
        data.t.append(msg.board_time_s - t_start)
        data.contact.append(msg.contact)
        data.hip.append(msg.hip_deg)
        data.knee.append(msg.knee_deg)
        data.adc.append((f["adc0"], f["adc1"]))
        data.env.append(msg.envelopes)
        if msg.board_time_s - last_print >= 1.0 and not quiet:
            last_print = msg.board_time_s
            st = link.stats
            print(
                f"t={msg.board_time_s - t_start:5.1f} s  rhythm {msg.freq_hz:4.2f} Hz  "
                f"phase {msg.phase:4.2f}  hip {msg.hip_deg:+6.1f} deg  knee {msg.knee_deg:5.1f} "
                f"deg  contact {'yes' if msg.contact else 'no '}  frames {st.frames_received} "
                f"lost {st.frames_lost} crc {st.crc_errors}",
                file=sys.stderr,
                flush=True,
            )
    link.set_mode("idle")
    assert t_start is not None
    data.events = [
        (e.kind, e.channel, e.board_time_s - t_start)
        for e in raw_events
        if t_start <= e.board_time_s <= t_end
    ]
    return data, t_start, t_end


def _onsets(
    events: Sequence[tuple[str, int, float]], kind: str, channel: int, after: float
) -> list[float]:
    return [t for k, ch, t in events if k == kind and ch == channel and t >= after]


def _frequency(onsets: Sequence[float]) -> float | None:
    if len(onsets) < 2:
        return None
    return (len(onsets) - 1) / (onsets[-1] - onsets[0])


def analyse(data: Run, t_start: float, t_end: float, leg: LegSpec | None) -> dict[str, Any]:
    keep = [i for i, t in enumerate(data.t) if t >= TRANSIENT_S]
    t = [data.t[i] for i in keep]
    contact = [data.contact[i] for i in keep]
    foot_x: list[float] | None = None
    foot_y: list[float] | None = None
    if leg is not None:
        feet = [
            forward_kinematics(
                data.hip[i], data.knee[i], leg.thigh_length, leg.shank_length, leg.hip_height
            )
            for i in keep
        ]
        foot_x = [p[0] for p in feet]
        foot_y = [p[1] for p in feet]
    gait = gait_metrics(t, contact, foot_x, foot_y)
    flex = _onsets(data.events, "burst_on", 0, TRANSIENT_S)
    ext = _onsets(data.events, "burst_on", 1, TRANSIENT_S)
    cpg_f = _frequency(flex)
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


def print_summary(r: dict[str, Any]) -> None:
    def num(key: str, fmt: str) -> str:
        v = r.get(key)
        return "n/a" if v is None else format(v, fmt)

    print(
        f"board {r['board']} on {r['port']}: {num('duration_s', '.1f')} s of board time in "
        f"{num('wall_s', '.1f')} s wall ({num('realtime_factor', '.1f')}x real time)"
    )
    print(
        f"  CPG (flexor bursts)   {num('cpg_frequency_hz', '.3f')} Hz, "
        f"{r['flexor_bursts']} flexor / {r['extensor_bursts']} extensor bursts"
    )
    print(
        f"  stepping              {num('step_frequency_hz', '.3f')} Hz "
        f"(x{num('step_to_cpg_ratio', '.3f')} of the CPG), {r['steps']} steps"
    )
    print(f"  duty factor (stance)  {num('duty_factor', '.3f')}")
    print(
        f"  stride / step height  {num('stride_length_m', '.3f')} m / "
        f"{num('step_height_m', '.3f')} m"
    )
    print(
        f"  touch-down phase      spread {num('touchdown_phase_spread_cycles', '.4f')} cycles "
        f"(feedback {'on' if r['touchdown_feedback'] else 'off'})"
    )
    print(
        f"  link                  {r['frames_received']} frames, {r['frames_lost']} lost, "
        f"{r['crc_errors']} CRC errors, {r['reconnects']} reconnects"
    )
    print(f"  plot                  {r['plot']}")


def plot(data: Run, t_start: float, t_end: float, r: dict[str, Any], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(4, 1, figsize=(11, 9), sharex=True)
    t = data.t
    ax = axes[0]
    ax.plot(t, [a[0] / 65535 * 3.3 for a in data.adc], lw=0.5, color="C0", label="flexor ADC (V)")
    ax.plot(t, [a[1] / 65535 * 3.3 for a in data.adc], lw=0.5, color="C1", label="extensor ADC (V)")
    ax.plot(t, [e[0] for e in data.env], lw=1.2, color="C0", ls="--", label="flexor envelope")
    ax.plot(t, [e[1] for e in data.env], lw=1.2, color="C1", ls="--", label="extensor envelope")
    ax.set_ylabel("neurons")
    ax.legend(loc="upper right", fontsize=7, ncol=4)
    ax = axes[1]
    for ch, colour, name in ((0, "C0", "flexor"), (1, "C1", "extensor")):
        on = None
        for kind, c, te in data.events:
            if c != ch:
                continue
            if kind == "burst_on":
                on = te
            elif kind == "burst_off" and on is not None:
                ax.axvspan(
                    on, te, ymin=0.5 * ch, ymax=0.5 * ch + 0.5, color=colour, alpha=0.25, lw=0
                )
                on = None
        spikes = [te for kind, c, te in data.events if kind == "spike" and c == ch]
        ax.plot(spikes, [0.25 + 0.5 * ch] * len(spikes), "|", color=colour, ms=8, label=name)
    ax.set_yticks([0.25, 0.75], ["flexor", "extensor"])
    ax.set_ylim(0, 1)
    ax.set_ylabel("bursts")
    ax = axes[2]
    ax.plot(t, data.hip, color="C2", label="hip (deg)")
    ax.plot(t, data.knee, color="C3", label="knee (deg)")
    ax.set_ylabel("joints (deg)")
    ax.legend(loc="upper right", fontsize=7)
    ax = axes[3]
    ax.fill_between(
        t, [1.0 if c else 0.0 for c in data.contact], step="post", color="C4", alpha=0.5
    )
    ax.set_ylabel("foot contact")
    ax.set_xlabel("board time (s)")
    sf = r.get("step_frequency_hz")
    cf = r.get("cpg_frequency_hz")
    df = r.get("duty_factor")
    fig.suptitle(
        f"mnsu demo: stepping {sf or 0:.3f} Hz, CPG {cf or 0:.3f} Hz, duty {df or 0:.2f}, "
        f"{r['frames_lost']} frames lost"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path

"""Watch a walk: an animation of the physics leg on its rig with the neuron readouts beside it.

`animate_walk(data, leg, path)` writes a GIF (Pillow) or, for .mp4, an MPEG-4 file when an
ffmpeg is on PATH. The leg is drawn from the simulated poses (a stick figure: carriage, thigh,
shank, foot; the camera follows the carriage), so it needs no GL and works on every machine;
the right-hand panel shows the flexor and extensor readouts with a cursor at the frame's time.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.animation import FFMpegWriter, FuncAnimation, PillowWriter
from matplotlib.artist import Artist

from mnsu import plot  # noqa: F401 - mnsu.plot picks the backend (Agg) for every figure
from mnsu.circuit.board import LegSpec
from mnsu.robot.physics import Sample
from mnsu.robot.walk import Walk

FPS = 10
WINDOW_S = 3.0  # readout panel: this much board time up to the frame


def leg_points(s: Sample, leg: LegSpec) -> list[tuple[float, float]]:
    """Hip, knee and foot centre (x, z) in the world frame for a sample (module conventions of
    mnsu.robot.description: hip positive = foot back, knee positive = shank forward)."""
    h = math.radians(s.hip_deg)
    shank = math.radians(s.hip_deg - s.knee_deg)
    hip = (s.x, s.z)
    knee = (hip[0] - leg.thigh_length * math.sin(h), hip[1] - leg.thigh_length * math.cos(h))
    foot = (
        knee[0] - leg.shank_length * math.sin(shank),
        knee[1] - leg.shank_length * math.cos(shank),
    )
    return [hip, knee, foot]


def animate_walk(data: Walk, leg: LegSpec, path: str | Path, fps: int = FPS) -> Path:
    """Write the animation of `data` (a physics walk) to `path` (.gif, or .mp4 with ffmpeg)."""
    if not data.physics_trace:
        raise ValueError("the animation needs the physics leg (mnsu demo --leg physics)")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() not in (".gif", ".mp4"):
        raise ValueError(f"{out}: the animation is written as .gif or .mp4")
    if out.suffix.lower() == ".mp4" and shutil.which("ffmpeg") is None:
        raise ValueError(f"{out}: writing .mp4 needs ffmpeg on PATH; use a .gif")
    trace = data.physics_trace
    step = max(1, round(1.0 / fps / (trace[1].t - trace[0].t))) if len(trace) > 1 else 1
    frames = trace[::step]
    fig, (ax_leg, ax_n) = plt.subplots(
        1, 2, figsize=(9, 3.6), gridspec_kw={"width_ratios": [1.1, 1.0]}
    )
    span = 2.2 * leg.length
    (floor,) = ax_leg.plot([], [], color="0.4", lw=2)
    (stick,) = ax_leg.plot([], [], "-o", color="C1", lw=4, ms=5)
    (body,) = ax_leg.plot([], [], "s", color="C0", ms=16)
    marks = ax_leg.scatter([], [], marker="|", color="0.5", s=60)
    title = ax_leg.set_title("")
    ax_leg.set_aspect("equal")
    ax_leg.set_xlabel("x (m)")
    ax_leg.set_ylabel("z (m)")
    t_rel = data.t
    ax_n.plot(t_rel, [v[0] for v in data.readout_v], lw=0.6, color="C0", label="flexor")
    ax_n.plot(t_rel, [v[1] for v in data.readout_v], lw=0.6, color="C1", label="extensor")
    ax_n.set_xlabel("board time (s)")
    ax_n.set_ylabel("readout (V)")
    ax_n.legend(loc="upper right", fontsize=7)
    cursor = ax_n.axvline(0.0, color="k", lw=1)
    fig.tight_layout()

    def draw(k: int) -> list[Artist]:
        s = frames[k]
        pts = leg_points(s, leg)
        stick.set_data([p[0] for p in pts], [p[1] for p in pts])
        body.set_data([s.x], [s.z])
        lo = s.x - span / 2
        ax_leg.set_xlim(lo, lo + span)
        ax_leg.set_ylim(-0.02, 1.1 * span / 2)
        floor.set_data([lo, lo + span], [0.0, 0.0])
        ticks = [lo + i * 0.05 - (lo % 0.05) for i in range(int(span / 0.05) + 2)]
        marks.set_offsets([(x, 0.0) for x in ticks])
        stick.set_color("C3" if s.contact else "C1")
        t = s.t - data.t_start
        title.set_text(f"t = {t:4.1f} s   x = {s.x:+.2f} m   {'stance' if s.contact else 'swing'}")
        ax_n.set_xlim(max(0.0, t - WINDOW_S), max(WINDOW_S, t))
        cursor.set_xdata([t, t])
        return [stick, body, floor, marks, title, cursor]

    anim = FuncAnimation(fig, draw, frames=len(frames), interval=1000 / fps)
    writer = PillowWriter(fps=fps) if out.suffix.lower() == ".gif" else FFMpegWriter(fps=fps)
    anim.save(str(out), writer=writer, dpi=70)
    plt.close(fig)
    return out

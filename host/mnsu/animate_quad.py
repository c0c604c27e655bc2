"""Watch the quadruped: a video of the physics quadruped and a PNG of its gait.

`animate_quad(data, xml, path)` renders the physics trace's poses with MuJoCo's offscreen
renderer (the model's `side` camera follows the trunk) where a GL backend exists (EGL on a
headless machine, mnsu.robot), otherwise draws a side-view stick figure of the same poses with
matplotlib; a GIF (Pillow) or, for .mp4, MPEG-4 with ffmpeg on PATH. `plot_quad` writes the
gait diagram (every leg's foot switch from LEGS), the flexor envelopes and the trunk's path.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import mujoco  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from mnsu.robot.quadruped_walk import QuadWalk  # noqa: E402

FPS = 10
WIDTH, HEIGHT = 480, 320


def _frames(data: QuadWalk, fps: int) -> list[tuple[float, ...]]:
    trace = data.physics_trace
    if len(trace) < 2:
        raise ValueError("the animation needs the physics quadruped (the virtual board)")
    step = max(1, round(1.0 / fps / (trace[1].t - trace[0].t)))
    return [s.qpos for s in trace[::step]]


def _render_gl(model: mujoco.MjModel, poses: list[tuple[float, ...]]) -> list[np.ndarray]:
    data = mujoco.MjData(model)
    renderer = mujoco.Renderer(model, HEIGHT, WIDTH)
    try:
        images = []
        for qpos in poses:
            data.qpos[:] = qpos
            mujoco.mj_forward(model, data)
            renderer.update_scene(data, camera="side")
            images.append(renderer.render().copy())
        return images
    finally:
        renderer.close()


def _render_sticks(model: mujoco.MjModel, poses: list[tuple[float, ...]]) -> list[np.ndarray]:
    """Side view (x-z) of the trunk and every leg's hip, knee and foot, camera on the trunk."""
    data = mujoco.MjData(model)
    names = [model.body(i).name for i in range(model.nbody)]
    legs = sorted({n.split("_")[0] for n in names if n.endswith("_thigh")})
    fig, ax = plt.subplots(figsize=(WIDTH / 100, HEIGHT / 100), dpi=100)
    images = []
    for qpos in poses:
        data.qpos[:] = qpos
        mujoco.mj_forward(model, data)
        ax.clear()
        x0 = float(data.qpos[0])
        ax.axhline(0.0, color="0.4")
        trunk = data.xpos[names.index("trunk")]
        ax.plot([trunk[0] - 0.12, trunk[0] + 0.12], [trunk[2], trunk[2]], lw=8, color="C0")
        for leg in legs:
            pts = [data.xpos[names.index(f"{leg}_{p}")] for p in ("thigh", "shank", "foot")]
            colour = "C1" if leg.startswith("L") else "C2"
            ax.plot([p[0] for p in pts], [p[2] for p in pts], "-o", color=colour, lw=2, ms=3)
        ax.set_xlim(x0 - 0.35, x0 + 0.35)
        ax.set_ylim(-0.02, 0.35)
        ax.set_aspect("equal")
        ax.set_title(f"x = {x0:.2f} m", fontsize=8)
        fig.canvas.draw()
        images.append(np.asarray(fig.canvas.buffer_rgba())[..., :3].copy())  # type: ignore[attr-defined]
    plt.close(fig)
    return images


def animate_quad(data: QuadWalk, xml: str, path: str | Path, fps: int = FPS) -> Path:
    """Write the video of `data`'s physics trace (the model `xml`) to path (.gif or .mp4)."""
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in (".gif", ".mp4"):
        raise ValueError(f"{out}: the animation is written as .gif or .mp4")
    if suffix == ".mp4" and shutil.which("ffmpeg") is None:
        raise ValueError(f"{out}: writing .mp4 needs ffmpeg on PATH; use a .gif")
    out.parent.mkdir(parents=True, exist_ok=True)
    model = mujoco.MjModel.from_xml_string(xml)
    poses = _frames(data, fps)
    try:
        images = _render_gl(model, poses)
    except Exception:  # noqa: BLE001 - no GL backend on this machine: draw the poses instead
        images = _render_sticks(model, poses)
    if suffix == ".gif":
        frames = [Image.fromarray(im) for im in images]
        frames[0].save(
            out, save_all=True, append_images=frames[1:], duration=int(1000 / fps), loop=0
        )
    else:
        import subprocess

        proc = subprocess.run(
            [
                "ffmpeg",
                "-y",
                "-loglevel",
                "error",
                "-f",
                "rawvideo",
                "-pix_fmt",
                "rgb24",
                "-s",
                f"{images[0].shape[1]}x{images[0].shape[0]}",
                "-r",
                str(fps),
                "-i",
                "-",
                "-pix_fmt",
                "yuv420p",
                str(out),
            ],
            input=b"".join(im.tobytes() for im in images),
            capture_output=True,
            timeout=300,
            check=False,
        )
        if proc.returncode != 0:
            raise OSError(f"{out}: ffmpeg failed: {proc.stderr.decode(errors='replace')[-300:]}")
    return out


def plot_quad(data: QuadWalk, summary: Mapping[str, Any], path: str | Path) -> Path:
    """PNG: gait diagram from the foot switches, flexor envelopes, trunk path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    names = data.channels.names
    fig, axes = plt.subplots(3, 1, figsize=(11, 8))
    ax = axes[0]
    t = np.asarray(data.t)
    for k in range(len(names)):
        c = np.asarray([row[k] for row in data.contacts], dtype=bool)
        ax.fill_between(t, k + 0.1, k + 0.9, where=c, step="post", color=f"C{k}")
    ax.set_yticks([k + 0.5 for k in range(len(names))], names)
    ax.set_title("gait diagram: foot contact (LEGS telemetry)")
    ax = axes[1]
    for k, name in enumerate(names):
        ax.plot(t, [row[2 * k] for row in data.envelopes], label=f"{name} flexor", lw=1)
    ax.set_ylabel("envelope")
    ax.legend(loc="upper right", fontsize=7, ncol=4)
    ax.set_xlabel("board time since CPG start (s)")
    for ax in axes[:2]:
        ax.set_xlim(max(0.0, float(t[-1]) - 6.0) if len(t) else 0.0, float(t[-1]) if len(t) else 1)
    ax = axes[2]
    tr = data.physics_trace
    if tr:
        ax.plot([s.x for s in tr], [s.y for s in tr])
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_xlabel("trunk x (m)")
        ax.set_ylabel("trunk y (m)")
        w = summary.get("walking", {})
        ax.set_title(
            f"trunk path: {w.get('forward_speed_m_s', 0.0):.3f} m/s, heading drift "
            f"{w.get('heading_drift_deg', 0.0):+.1f} deg"
        )
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)
    return out

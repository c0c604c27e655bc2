"""The physics leg walks: the real firmware under MicroPython, the emulated CPG board, the
MuJoCo leg on its rig, everything the host sees coming over the link. Board time throughout."""

from __future__ import annotations

import bisect
from pathlib import Path

import pytest

from mnsu.circuit.board import load_board
from mnsu.robot.walk import VirtualSettings, Walk, WalkSettings, walk

ROOT = Path(__file__).resolve().parents[2]
LEG = ROOT / "examples" / "leg.yaml"
DURATION_S = 12.0


def physics_walk(drive: float | None = None) -> tuple[Walk, dict[str, object]]:
    return walk(LEG, WalkSettings(DURATION_S, drive=drive), virtual=VirtualSettings())


@pytest.fixture(scope="module")
def flat() -> tuple[Walk, dict[str, object]]:
    return physics_walk()


def test_walks_forward_at_the_cpg_frequency_without_a_fall(
    flat: tuple[Walk, dict[str, object]],
) -> None:
    # issue 19: leg.yaml carries no gait calibration, so this is the firmware's defaults walking
    board = load_board(LEG)
    assert board.leg is not None and board.leg.gait == ()
    _, r = flat
    w = r["walking"]
    assert isinstance(w, dict)
    cpg = r["cpg_frequency_hz"]  # flexor burst onsets reported by the firmware
    assert isinstance(cpg, float)
    print(
        f"speed {w['forward_speed_m_s']:.3f} m/s ({w['body_lengths_per_10s']:.1f} leg lengths "
        f"per 10 s), steps {w['step_frequency_hz']:.4f} Hz vs CPG {cpg:.4f} Hz, duty "
        f"{w['duty_factor']:.2f}, falls {w['falls']}"
    )
    assert w["falls"] == 0
    assert w["body_lengths_per_10s"] >= 0.5  # the acceptance floor
    assert abs(w["step_frequency_hz"] / cpg - 1.0) < 0.02
    assert r["steps"] == w["steps"]  # the board's foot switch: one touch-down per step
    assert r["frames_lost"] == 0


def test_the_boards_contact_switch_is_the_physics_contact(
    flat: tuple[Walk, dict[str, object]],
) -> None:
    """Each telemetry frame's foot switch (the firmware's debounced contact pin) against the
    physics leg's floor force above the threshold at that board time: they agree except within
    a debounce plus a frame of a change."""
    data, _ = flat
    trace = data.physics_trace
    times = [s.t for s in trace]
    changes = [b.t for a, b in zip(trace, trace[1:], strict=False) if a.contact != b.contact]
    agree = disagree_far = 0
    for t_rel, contact in zip(data.t, data.contact, strict=True):
        t = data.t_start + t_rel
        i = min(bisect.bisect_left(times, t), len(trace) - 1)
        if trace[i].contact == contact:
            agree += 1
            continue
        near = bisect.bisect_left(changes, t - 0.015)
        if near < len(changes) and changes[near] <= t + 0.015:
            continue  # within 15 ms of a change: debounce (3 ms) + frame and trace spacing
        disagree_far += 1
    print(f"{agree} of {len(data.t)} frames agree; {disagree_far} disagree away from a change")
    assert disagree_far == 0
    assert agree > 0.9 * len(data.t)
    assert any(data.contact) and not all(data.contact)


def test_descending_drive_changes_step_frequency_and_speed() -> None:
    """Drive 0.3 vs 0.8: the steps follow the CPG at both; the stride stays about the same, so
    the faster rhythm walks faster (measured 0.095-0.132 vs 0.049-0.055 m/s over runs: a
    regression pin at 1.3x)."""
    out = {}
    for drive in (0.3, 0.8):
        _, r = physics_walk(drive)
        w = r["walking"]
        assert isinstance(w, dict)
        cpg = r["cpg_frequency_hz"]
        assert isinstance(cpg, float)
        assert w["falls"] == 0
        assert abs(w["step_frequency_hz"] / cpg - 1.0) < 0.02
        out[drive] = w
        print(
            f"drive {drive}: CPG {cpg:.3f} Hz, steps {w['step_frequency_hz']:.3f} Hz, speed "
            f"{w['forward_speed_m_s']:.3f} m/s, stride {w['stride_length_m']:.3f} m"
        )
    lo, hi = out[0.3], out[0.8]
    assert lo["step_frequency_hz"] > 1.5 * hi["step_frequency_hz"]  # leg.yaml: lower = faster
    assert lo["forward_speed_m_s"] > 1.3 * hi["forward_speed_m_s"] > 0.0


def test_the_animation_decodes_and_its_frames_show_the_leg_moving(
    flat: tuple[Walk, dict[str, object]], tmp_path: Path
) -> None:
    """The GIF read back by Pillow: one frame per 0.1 s of board time, and frames a stance
    apart differ (the leg moved), a stick figure drawn from the simulated poses."""
    from PIL import Image, ImageChops

    from mnsu.animate import FPS, animate_walk
    from mnsu.circuit.board import load_board

    data, _ = flat
    short = Walk(
        data.channels,
        t=data.t,
        readout_v=data.readout_v,
        t_start=data.t_start,
        t_end=data.t_start + 3.0,
        physics_trace=[s for s in data.physics_trace if s.t <= data.t_start + 3.0],
    )
    leg = load_board(LEG).leg
    assert leg is not None
    path = animate_walk(short, leg, tmp_path / "walk.gif")
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        n = gif.n_frames  # type: ignore[attr-defined]  # set by the GIF plugin
        assert abs(n - 3.0 * FPS) <= 2
        frames = []
        for k in (0, n // 2, n - 1):
            gif.seek(k)
            w, h = gif.size
            # the leg's panel (left half), below its title
            frames.append(gif.convert("L").crop((0, h // 8, w // 2, h)))
    pairs = zip(frames, frames[1:], strict=False)
    assert all(ImageChops.difference(a, b).getbbox() is not None for a, b in pairs)

"""Bursting as a driven damped oscillator, and bursts entraining a pendular leg.

`drive_response` drives one neuron with a periodic pulse train (a `pulse` input of the board)
at each frequency and measures the response at that frequency: the amplitude of the neuron's
rate modulation |(1/T) sum_k exp(-2 pi i f t_k)| (Hz). A driven damped oscillator answers most
near its natural frequency; for a bursting unit that is its own burst frequency.

`pendulum_response` lets the neuron's bursts swing the hip of the leg model (hip servo at
+swing while a burst is on, -swing between bursts) with a pendular hip whose natural
frequency is set by the spring between servo horn and thigh, and measures the swing
amplitude: largest when the pendulum's natural frequency is near the burst frequency.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mnsu.analysis.rhythm import burst_gap_of, find_bursts, neuron_stats
from mnsu.circuit.board import Board, LegSpec, load_board
from mnsu.circuit.emulator import Emulator
from mnsu.robot.leg import G, Leg, PendulumSpec, ServoSpec


@dataclass(frozen=True)
class Response:
    freq_hz: float
    amplitude: float  # Hz for the drive response, degrees for the pendulum swing


def _drive_input(board: Board, name: str) -> int:
    for k, spec in enumerate(board.inputs):
        if spec.name == name:
            if spec.kind != "pulse":
                raise ValueError(
                    f"{board.source}: input {name!r} is a {spec.kind} input; the drive must be a "
                    "pulse input (its period is swept)"
                )
            return k
    names = ", ".join(s.name for s in board.inputs) or "none"
    raise ValueError(f"{board.source}: no input named {name!r}; the board has: {names}")


def burst_frequency(
    path: str | Path,
    neuron: str,
    drive: str,
    duration: float,
    transient: float,
    burst_gap: float | None,
    overrides: Sequence[str] = (),
) -> float | None:
    """The neuron's own burst frequency (Hz) with the drive switched off; None if it does
    not burst."""
    board = load_board(path, overrides)
    k = _drive_input(board, drive)
    board = load_board(path, [*overrides, f"inputs.{k}.amplitude=0"])
    emu = Emulator(board)
    emu.advance(duration)
    i = board.neuron_index(neuron)
    stats = neuron_stats(emu.spikes[i], emu.spike_ends[i], duration, transient, burst_gap)
    return 1.0 / stats.burst_period_s if stats.burst_period_s else None


def rate_modulation(spikes: Sequence[float], freq_hz: float, start: float, stop: float) -> float:
    """Amplitude (Hz) of the spike train's rate modulation at freq_hz over [start, stop]."""
    re = im = 0.0
    w = 2.0 * math.pi * freq_hz
    for t in spikes:
        if start <= t <= stop:
            re += math.cos(w * t)
            im -= math.sin(w * t)
    return math.hypot(re, im) / (stop - start)


def drive_response(
    path: str | Path,
    neuron: str,
    drive: str,
    freqs: Sequence[float],
    duration: float,
    transient: float,
    amplitude: float | None = None,
    overrides: Sequence[str] = (),
) -> list[Response]:
    """Response at each drive frequency (Hz) of a pulse train on input `drive`."""
    board = load_board(path, overrides)
    k = _drive_input(board, drive)
    width = board.inputs[k].duration
    out = []
    for f in freqs:
        if not f > 0.0:
            raise ValueError(f"drive frequency must be > 0 Hz, got {f!r}")
        period = 1.0 / f
        settings = [
            f"inputs.{k}.period={period!r}",
            f"inputs.{k}.count={int(duration * f) + 2}",
            f"inputs.{k}.duration={min(width, 0.4 * period)!r}",
            f"inputs.{k}.start=0",
        ]
        if amplitude is not None:
            settings.append(f"inputs.{k}.amplitude={amplitude!r}")
        driven = load_board(path, [*overrides, *settings])
        emu = Emulator(driven)
        emu.advance(duration)
        spikes = emu.spikes[driven.neuron_index(neuron)]
        out.append(Response(f, rate_modulation(spikes, f, transient, duration)))
    return out


def spring_for(natural_hz: float, leg: LegSpec, mass_kg: float) -> float:
    """Spring (N m/rad) that gives the straight leg's pendulum this natural frequency."""
    length = leg.thigh_length + leg.shank_length
    inertia = mass_kg * length**2 / 3.0
    k = (2.0 * math.pi * natural_hz) ** 2 * inertia - mass_kg * G * length / 2.0
    if k < 0.0:
        lowest = math.sqrt(mass_kg * G * length / 2.0 / inertia) / (2.0 * math.pi)
        raise ValueError(
            f"a {length:g} m leg swings at {lowest:.2f} Hz under gravity alone; "
            f"natural frequencies below that need a negative spring (asked {natural_hz:g} Hz)"
        )
    return k


def pendulum_response(
    spikes: Sequence[float],
    ends: Sequence[float],
    leg: LegSpec,
    natural_freqs: Sequence[float],
    duration: float,
    transient: float,
    burst_gap: float | None,
    swing_deg: float = 10.0,
    mass_kg: float = 0.1,
    damping_ratio: float = 0.1,
    dt: float = 0.001,
) -> list[Response]:
    """Hip swing amplitude (deg, half peak-to-peak after the transient) per natural frequency."""
    gap = burst_gap if burst_gap is not None else burst_gap_of(spikes, (transient, duration))
    bursts = find_bursts(spikes, ends, math.inf if gap is None else gap, (0.0, duration))
    hip = leg.joints[0].name
    out = []
    for fn in natural_freqs:
        pendulum = PendulumSpec(
            mass_kg=mass_kg, spring_nm_rad=spring_for(fn, leg, mass_kg), damping_ratio=damping_ratio
        )
        model = Leg(leg, servo=ServoSpec(min_deg=-90.0, max_deg=90.0), pendulum=pendulum)
        model.set_pendulum_state(0.0)
        b = 0
        lo, hi = math.inf, -math.inf
        steps = int(round(duration / dt))
        for n in range(steps):
            t = n * dt
            while b < len(bursts) and bursts[b].offset < t:
                b += 1
            active = b < len(bursts) and bursts[b].onset <= t
            model.command_deg(hip, swing_deg if active else -swing_deg)
            model.advance(dt)
            if t >= transient:
                angle = model.hip_deg()
                lo = min(lo, angle)
                hi = max(hi, angle)
        out.append(Response(fn, (hi - lo) / 2.0))
    return out


def peak(responses: Sequence[Response]) -> Response:
    return max(responses, key=lambda r: r.amplitude)


def frequency_range(text: str, flag: str) -> list[float]:
    """Parse "START:STOP:N" (Hz, 0 < START < STOP, N >= 2) into N equally spaced values."""
    parts = text.split(":")
    try:
        if len(parts) != 3:
            raise ValueError
        start, stop, n = float(parts[0]), float(parts[1]), int(parts[2])
    except ValueError:
        raise ValueError(f"{flag} {text!r}: expected START:STOP:N in Hz, e.g. 2:7:11") from None
    if n < 2 or not 0 < start < stop:
        raise ValueError(f"{flag} {text!r}: need 0 < START < STOP and N >= 2")
    return [start + (stop - start) * k / (n - 1) for k in range(n)]


@dataclass(frozen=True)
class Study:
    """One resonance study of `neuron` on a board file."""

    board_path: str | Path
    neuron: str
    drive: str  # the pulse input that drives it
    duration: float
    transient: float
    burst_gap: float | None
    overrides: Sequence[str] = ()
    amplitude: float | None = None  # drive pulse amplitude (A); None: the board's

    def check(self) -> Board:
        """The board, after checking the study's terms (ValueError, BoardError)."""
        if not self.duration > self.transient >= 0:
            raise ValueError("need --duration > --transient >= 0")
        board = load_board(self.board_path, self.overrides)
        if self.neuron not in board.neuron_names:
            raise ValueError(f"no neuron {self.neuron!r} on the board")
        return board


def study(
    st: Study, freqs: Sequence[float], naturals: Sequence[float], leg_path: str | Path
) -> dict[str, object]:
    """The own burst frequency, the drive response at `freqs` and (when `naturals` is not
    empty) the swing of the leg of `leg_path` at those pendulum natural frequencies."""
    board = st.check()
    own = burst_frequency(
        st.board_path, st.neuron, st.drive, st.duration, st.transient, st.burst_gap, st.overrides
    )
    driven = drive_response(
        st.board_path,
        st.neuron,
        st.drive,
        freqs,
        st.duration,
        st.transient,
        st.amplitude,
        st.overrides,
    )
    result: dict[str, object] = {
        "board": board.name,
        "neuron": st.neuron,
        "burst_frequency_hz": own,
        "drive": [{"freq_hz": r.freq_hz, "response_hz": r.amplitude} for r in driven],
        "drive_peak_hz": peak(driven).freq_hz,
    }
    if naturals:
        leg_board = load_board(leg_path)
        if leg_board.leg is None:
            raise ValueError(f"{leg_path}: no leg section")
        k = [s.name for s in board.inputs].index(st.drive)
        quiet = load_board(st.board_path, [*st.overrides, f"inputs.{k}.amplitude=0"])
        emu = Emulator(quiet)
        emu.advance(st.duration)
        i = quiet.neuron_index(st.neuron)
        swings = pendulum_response(
            emu.spikes[i],
            emu.spike_ends[i],
            leg_board.leg,
            naturals,
            st.duration,
            st.transient,
            st.burst_gap,
        )
        result["pendulum"] = [{"natural_hz": r.freq_hz, "swing_deg": r.amplitude} for r in swings]
        result["pendulum_peak_hz"] = peak(swings).freq_hz
    return result

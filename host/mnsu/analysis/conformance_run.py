"""A conformance run: record a board over the link (or load a recording), emulate its board
file on the same terms, compare the figures, and optionally fit free values and write the
fitted board file. The figures, tolerances and the fit itself are mnsu.analysis.conformance.

While recording, the touch-down feedback is switched off (the emulator has no leg), telemetry
runs at `telemetry_hz` and per-spike events are on; the previous values are restored after
(nothing is saved to the board's flash).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mnsu.analysis.conformance import (
    FIT_KEYS,
    ConformanceError,
    Figures,
    FitResult,
    Recording,
    Row,
    compare,
    emulate,
    fit,
    fitted_board_yaml,
    probed_neurons,
    recorded_figures,
)
from mnsu.circuit.board import Board, load_board
from mnsu.link import Event, Link, Telemetry

RECORD_SETTINGS = ("touchdown_enable", "telemetry_hz", "spike_events")
CMD_TIMEOUT_S = 5.0  # a loaded host or a busy board may answer late; the default is 1 s


def record(
    port: str,
    board: Board,
    duration_s: float,
    *,
    telemetry_hz: int = 500,
    wall_limit_s: float | None = None,
) -> Recording:
    """Record `duration_s` of board time from the board on `port` (see the module docstring)."""
    channels = probed_neurons(board)
    probes = {p.adc: p for p in board.probes if p.adc in channels}
    wall0 = time.monotonic()
    limit = wall_limit_s if wall_limit_s is not None else 2.0 * duration_s + 30.0
    with Link(port) as link:
        caps = link.caps
        assert caps is not None
        missing = [ch for ch in channels if ch >= caps.n_adc]
        if missing:
            raise ConformanceError(
                f"{port}: the board samples {caps.n_adc} ADC channels; the board file probes "
                f"channel(s) {missing} (set n_channels)"
            )
        saved = {name: link.get_param(name, timeout_s=CMD_TIMEOUT_S) for name in RECORD_SETTINGS}
        vref = link.get_param("adc_vref_v", timeout_s=CMD_TIMEOUT_S)
        drive = link.get_param("drive_level", timeout_s=CMD_TIMEOUT_S)
        try:
            link.set_param("touchdown_enable", 0, timeout_s=CMD_TIMEOUT_S)
            link.set_param("spike_events", 1, timeout_s=CMD_TIMEOUT_S)
            link.set_param("telemetry_hz", telemetry_hz, timeout_s=CMD_TIMEOUT_S)
            sub = link.subscribe(("telemetry", "event"))
            spikes: dict[str, list[float]] = {n: [] for n in channels.values()}
            on: dict[str, list[float]] = {n: [] for n in channels.values()}
            off: dict[str, list[float]] = {n: [] for n in channels.values()}
            readout: dict[str, list[float]] = {n: [] for n in channels.values()}
            t0: float | None = None
            t_last = 0.0
            lost0 = link.stats.frames_lost
            while t0 is None or t_last - t0 < duration_s:
                if time.monotonic() - wall0 > limit:
                    got = 0.0 if t0 is None else t_last - t0
                    raise ConformanceError(
                        f"{port}: recorded only {got:.1f} s of board time in {limit:.0f} s"
                    )
                msg = sub.get(timeout_s=0.5)
                if isinstance(msg, Telemetry):
                    if t0 is None:
                        t0 = msg.board_time_s
                    t_last = msg.board_time_s
                    for ch, name in channels.items():
                        pr = probes[ch]
                        volts = msg.adc_volts(ch, vref)
                        readout[name].append((volts - pr.offset) / pr.gain)
                elif isinstance(msg, Event) and t0 is not None and msg.channel in channels:
                    name = channels[msg.channel]
                    t = msg.board_time_s - t0
                    if t < 0:
                        continue
                    if msg.kind == "spike":
                        spikes[name].append(t)
                    elif msg.kind == "burst_on":
                        on[name].append(t)
                    elif msg.kind == "burst_off":
                        off[name].append(t)
            link.unsubscribe(sub)
            stats = link.stats
            info = {
                "firmware": ".".join(map(str, caps.fw_version)),
                "protocol": caps.protocol,
                "board_name": caps.board,
                "frames_received": stats.frames_received,
                "frames_lost": stats.frames_lost - lost0,
                "crc_errors": stats.crc_errors,
                "wall_s": time.monotonic() - wall0,
            }
        finally:
            for name, value in saved.items():
                link.set_param(name, value, timeout_s=CMD_TIMEOUT_S)
    assert t0 is not None
    return Recording(
        duration_s=t_last - t0,
        spikes=spikes,
        burst_on=on,
        burst_off=off,
        readout=readout,
        telemetry_hz=float(telemetry_hz),
        drive_level=drive if any(s.kind == "drive" for s in board.inputs) else None,
        board=caps.board,
        info=info,
    )


def check_request(duration_s: float, telemetry_hz: int, free: str) -> list[str]:
    """Check the run's arguments; returns the free values to fit (ConformanceError if bad)."""
    if not 0 < duration_s <= 1e6:
        raise ConformanceError(f"--duration must be > 0 s and <= 1e+06 s, got {duration_s:g}")
    if not 0 < telemetry_hz <= 500:
        raise ConformanceError(f"--telemetry-hz must be 1..500, got {telemetry_hz}")
    keys = [k.strip() for k in free.split(",") if k.strip()]
    bad = [k for k in keys if k not in FIT_KEYS]
    if bad:
        raise ConformanceError(f"--free: cannot fit {bad}; choose from {', '.join(FIT_KEYS)}")
    return keys


@dataclass(frozen=True)
class Comparison:
    """A recording against the emulator on its board file."""

    board: Board
    board_file: str
    recording: Recording
    source: str  # the port or the recording file
    recorded: Figures
    rows: list[Row]
    emulate_wall_s: float
    seed: int
    burst_gap: float | None

    @property
    def passed(self) -> bool:
        return all(r.ok for r in self.rows)

    def as_dict(self) -> dict[str, Any]:
        return {
            "board": self.board.name,
            "board_file": self.board_file,
            "source": self.source,
            "duration_s": self.recording.duration_s,
            "drive_level": self.recording.drive_level,
            "recording": self.recording.info,
            "emulate_wall_s": self.emulate_wall_s,
            "rows": [row_dict(r) for r in self.rows],
            "pass": self.passed,
            "fit": None,
        }


def row_dict(r: Row) -> dict[str, Any]:
    return {
        "figure": r.figure,
        "board": r.recorded,
        "emulator": r.predicted,
        "deviation": r.deviation,
        "tolerance": r.tolerance,
        "relative": r.relative,
        "pass": r.ok,
    }


def emulated_rows(
    board: Board, rec: Recording, recorded: Figures, seed: int, burst_gap: float | None
) -> list[Row]:
    """The figures of `board` emulated on the recording's terms, compared with `recorded`."""
    predicted = emulate(
        board,
        rec.duration_s,
        drive_level=rec.drive_level,
        sample_hz=rec.telemetry_hz,
        seed=seed,
        burst_gap=burst_gap,
    )
    return compare(recorded, predicted)


def compare_recording(
    board: Board, board_file: str, rec: Recording, source: str, seed: int, burst_gap: float | None
) -> Comparison:
    """Compare a recording with the emulator on `board` (ConformanceError if they differ in
    which neurons they hold)."""
    names = sorted(probed_neurons(board).values())
    if sorted(rec.spikes) != names:
        raise ConformanceError(
            f"{source} recorded neurons {sorted(rec.spikes)}, but {board_file} probes {names}"
        )
    recorded = recorded_figures(rec, burst_gap)
    t = time.perf_counter()
    rows = emulated_rows(board, rec, recorded, seed, burst_gap)
    wall = time.perf_counter() - t
    return Comparison(board, board_file, rec, source, recorded, rows, wall, seed, burst_gap)


def fit_board(cmp: Comparison, free: Sequence[str], out: str | Path) -> tuple[FitResult, list[Row]]:
    """Fit the free values to the recording, write the fitted board file to `out`; returns the
    fit and the rows of the fitted board."""
    rec = cmp.recording
    res = fit(
        cmp.board,
        cmp.recorded,
        rec.duration_s,
        free=free,
        drive_level=rec.drive_level,
        sample_hz=rec.telemetry_hz,
        seed=cmp.seed,
    )
    note = (
        f"{cmp.board.name}: fitted by `mnsu conformance --fit` to {cmp.source} "
        f"({rec.duration_s:.1f} s); factors "
        + ", ".join(f"{k} x{f:.5f}" for k, f in res.factors.items())
        + f"\nfrom {cmp.board_file}"
    )
    Path(out).write_text(fitted_board_yaml(cmp.board, res.factors, note))
    refit = emulated_rows(load_board(out), rec, cmp.recorded, cmp.seed, cmp.burst_gap)
    return res, refit


def fit_dict(
    res: FitResult, free: Sequence[str], out: str | Path, refit: list[Row]
) -> dict[str, Any]:
    return {
        "out": str(out),
        "free": list(free),
        "factors": res.factors,
        "values": res.values,
        "cost_start": res.cost_start,
        "cost": res.cost,
        "iterations": res.iterations,
        "evaluations": res.evaluations,
        "wall_s": res.wall_s,
        "pass_after_fit": all(r.ok for r in refit),
    }

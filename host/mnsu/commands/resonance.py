"""`mnsu resonance BOARD.yaml --neuron N --input DRIVE --freqs START:STOP:N`: bursting as a
driven damped oscillator, and (with --pendulum) bursts entraining a pendular leg."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from mnsu.analysis.resonance import (
    Response,
    burst_frequency,
    drive_response,
    peak,
    pendulum_response,
)
from mnsu.circuit.board import BoardError, load_board
from mnsu.commands import add_set_option


def _range(text: str, flag: str) -> list[float]:
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


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "resonance",
        help="drive a bursting neuron at a range of frequencies; bursts swinging a pendular leg",
        description="Drive NEURON with the pulse input DRIVE at each frequency of --freqs and "
        "print the response at that frequency (rate modulation, Hz) beside the neuron's own "
        "burst frequency; with --pendulum, let the undriven bursts swing a pendular leg whose "
        "natural frequency runs over the given range and print the swing amplitude (deg).",
    )
    p.add_argument("board", help="board file (YAML, SI units)")
    p.add_argument("--neuron", required=True, help="the bursting neuron")
    p.add_argument("--input", dest="drive", default="drive", help="pulse input that drives it")
    p.add_argument("--freqs", default="2:7:11", help="drive frequencies START:STOP:N in Hz")
    p.add_argument("--amplitude", type=float, help="drive pulse amplitude in A (board's)")
    p.add_argument("--duration", type=float, default=16.0, help="s per run (16)")
    p.add_argument("--transient", type=float, default=4.0, help="s ignored per run (4)")
    p.add_argument("--burst-gap", type=float, default=0.03, help="s gap splitting bursts (0.03)")
    p.add_argument("--pendulum", metavar="START:STOP:N", help="pendulum natural frequencies in Hz")
    p.add_argument("--leg", default="examples/leg.yaml", help="board file with the leg section")
    add_set_option(p, "neurons.R.adapt_q=3")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--plot", metavar="FIG.png", help="write the response curves")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        freqs = _range(args.freqs, "--freqs")
        naturals = _range(args.pendulum, "--pendulum") if args.pendulum else []
        if not args.duration > args.transient >= 0:
            raise ValueError("need --duration > --transient >= 0")
        board = load_board(args.board, args.overrides)
        board.neuron_index(args.neuron)
    except KeyError:
        print(f"mnsu resonance: no neuron {args.neuron!r} on the board", file=sys.stderr)
        return 2
    except (BoardError, ValueError) as exc:
        print(f"mnsu resonance: {exc}", file=sys.stderr)
        return 2
    try:
        own = burst_frequency(
            args.board,
            args.neuron,
            args.drive,
            args.duration,
            args.transient,
            args.burst_gap,
            args.overrides,
        )
        driven = drive_response(
            args.board,
            args.neuron,
            args.drive,
            freqs,
            args.duration,
            args.transient,
            args.amplitude,
            args.overrides,
        )
        swings: list[Response] = []
        if naturals:
            from mnsu.circuit.emulator import Emulator

            leg_board = load_board(args.leg)
            if leg_board.leg is None:
                raise ValueError(f"{args.leg}: no leg section")
            k = [s.name for s in board.inputs].index(args.drive)
            quiet = load_board(args.board, [*args.overrides, f"inputs.{k}.amplitude=0"])
            emu = Emulator(quiet)
            emu.advance(args.duration)
            i = quiet.neuron_index(args.neuron)
            swings = pendulum_response(
                emu.spikes[i],
                emu.spike_ends[i],
                leg_board.leg,
                naturals,
                args.duration,
                args.transient,
                args.burst_gap,
            )
    except (BoardError, ValueError) as exc:
        print(f"mnsu resonance: {exc}", file=sys.stderr)
        return 2
    result: dict[str, Any] = {
        "board": board.name,
        "neuron": args.neuron,
        "burst_frequency_hz": own,
        "drive": [{"freq_hz": r.freq_hz, "response_hz": r.amplitude} for r in driven],
        "drive_peak_hz": peak(driven).freq_hz,
    }
    if swings:
        result["pendulum"] = [{"natural_hz": r.freq_hz, "swing_deg": r.amplitude} for r in swings]
        result["pendulum_peak_hz"] = peak(swings).freq_hz
    if args.plot:
        plot(result, args.plot)
        result["plot"] = args.plot
    if args.json:
        print(json.dumps(result))
    else:
        own_text = f"{own:.3f} Hz" if own else "none (it does not burst undriven)"
        print(f"{board.name}: {args.neuron} bursts on its own at {own_text}")
        print(f"{'drive Hz':>9} {'response Hz':>12}")
        for r in driven:
            print(f"{r.freq_hz:9.3f} {r.amplitude:12.2f}")
        print(f"drive response peaks at {result['drive_peak_hz']:.3f} Hz")
        if swings:
            print(f"{'pendulum Hz':>12} {'swing deg':>10}")
            for r in swings:
                print(f"{r.freq_hz:12.3f} {r.amplitude:10.2f}")
            print(f"pendulum swing peaks at natural frequency {result['pendulum_peak_hz']:.3f} Hz")
        if args.plot:
            print(f"plot: {args.plot}")
    return 0


def plot(result: dict[str, Any], path: str) -> None:
    from mnsu.plot import plt

    panels = 2 if "pendulum" in result else 1
    fig, axes = plt.subplots(1, panels, figsize=(5.5 * panels, 4), squeeze=False)
    ax = axes[0][0]
    ax.plot(
        [d["freq_hz"] for d in result["drive"]], [d["response_hz"] for d in result["drive"]], "o-"
    )
    ax.set_xlabel("drive frequency (Hz)")
    ax.set_ylabel("response at the drive frequency (Hz)")
    ax.set_title("driven burster")
    if result["burst_frequency_hz"]:
        for axis in axes[0]:
            axis.axvline(result["burst_frequency_hz"], color="grey", ls=":", label="own bursts")
    if panels == 2:
        ax2 = axes[0][1]
        ax2.plot(
            [d["natural_hz"] for d in result["pendulum"]],
            [d["swing_deg"] for d in result["pendulum"]],
            "o-",
            color="C1",
        )
        ax2.set_xlabel("pendulum natural frequency (Hz)")
        ax2.set_ylabel("hip swing amplitude (deg)")
        ax2.set_title("bursts swinging a pendular leg")
    axes[0][0].legend()
    fig.suptitle(f"{result['board']}: {result['neuron']}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)

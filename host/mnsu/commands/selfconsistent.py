"""`mnsu selfconsistent BOARD.yaml --neuron N`: self-consistent rates of a self-exciting unit.

Solves f = F(I_bias + W*s(f) - <w>(f)) for the unit's self-synapses and adaptation (see
mnsu.analysis.selfconsistency), prints every fixed point with its stability, and plots G(f)
against f (mnsu.plot.plot_selfconsistency).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from mnsu.analysis.selfconsistency import SelfConsistencyError, analyse
from mnsu.circuit.board import BoardError, load_board
from mnsu.commands import add_set_option, warn_implausible


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "selfconsistent",
        help="self-consistent firing rates of a unit with self-synapses and adaptation",
        description="Find the rates f with f = G(f) = F(I_bias + sum W*s(f) - <w>(f)) for one "
        "unit of BOARD.yaml (its synapses onto itself, its adaptation), and their stability "
        "(stable when G'(f) < 1). Two maps: mean-field (mean synaptic current) and, for a plain "
        "LIF unit, the exact periodic orbit.",
    )
    p.add_argument("board", help="board file (YAML, SI units)")
    p.add_argument("--neuron", required=True, help="the unit to analyse")
    add_set_option(p, "synapses.0.W=250e-6")
    p.add_argument(
        "--fi",
        choices=("auto", "closed-form", "measured"),
        default="auto",
        help="f-I curve: closed form of the LIF unit or measured by emulator runs (auto)",
    )
    p.add_argument("--f-max", type=float, default=None, help="upper end of the rate axis in Hz")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--plot", metavar="FIG.png", help="plot G(f) against f with the diagonal")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.f_max is not None and not args.f_max > 0:
        print(f"mnsu selfconsistent: --f-max must be > 0 Hz, got {args.f_max}", file=sys.stderr)
        return 2
    try:
        board = load_board(args.board, args.overrides)
        result = analyse(board, args.neuron, fi_kind=args.fi, f_max=args.f_max)
    except (BoardError, SelfConsistencyError) as exc:
        print(f"mnsu selfconsistent: {exc}", file=sys.stderr)
        return 2
    out = result.as_dict()
    out["board"] = board.name
    out["warnings"] = warn_implausible("selfconsistent", board)
    if args.plot:
        from mnsu.plot import plot_selfconsistency

        plot_selfconsistency(
            result, f"{board.name}: self-consistent rates of {args.neuron}", args.plot
        )
        out["plot"] = args.plot
    if args.json:
        print(json.dumps(out))
    else:
        print_report(out)
    return 0


def print_report(out: dict[str, Any]) -> None:
    syn = ", ".join(
        f"W {s['W'] * 1e6:g} uA, tau {s['tau'] * 1e3:g} ms, alpha {s['alpha']:g}"
        for s in out["self_synapses"]
    )
    ad = out["adaptation"]
    print(
        f"{out['board']}: unit {out['neuron']}, I_bias {out['I_bias_A'] * 1e6:g} uA; "
        f"self-synapses: {syn or 'none'}; adaptation a {ad['a'] * 1e6:g} uS, "
        f"b {ad['b'] * 1e6:g} uA, tau_w {ad['tau_w'] * 1e3:g} ms; f-I curve: {out['fi']}"
    )
    check = out["fi_check"]
    if check:
        print(f"f-I closed form vs emulator: max relative difference {check['max_rel_diff']:.1e}")
    for method, m in out["maps"].items():
        print(f"{method} map:")
        for fp in m["fixed_points"]:
            kind = "stable" if fp["stable"] else "unstable"
            print(
                f"  f = {fp['rate_hz']:8.2f} Hz  {kind:<9} G'(f) = {fp['slope']:9.3f}  "
                f"I_eff = {fp['current_A'] * 1e6:8.1f} uA"
            )
        if m["g0_plus_hz"] > 0:
            print(
                f"  one isolated spike re-excites the unit ({m['g0_plus_hz']:.1f} Hz): "
                "a single spike sets persistent firing"
            )
    if "plot" in out:
        print(f"plot: {out['plot']}")

"""Plausibility warnings for a parsed board: values a circuit allows but a designer rarely means.

The loader (mnsu.circuit.board) refuses what the model cannot run; this module flags what runs
but probably is a typo or a unit slip, such as `"10 mohm"` (milliohm) written for a 10 Mohm
R_off, which leaves the membrane shorted and the board silent. Each warning names the file and
the key path; the commands print them on stderr and list them in their JSON.

| check | warns when |
|---|---|
| capacitance (`C`, `C_d`) | below 1 pF or above 1 F |
| resistance (`R_leak`, `R_on`, `R_off`, `R_d`, `R_c`) | below 1 ohm or above 1 Tohm (or inf) |
| `R_off` | not above `R_on`: the OFF device conducts as much as the ON device |
| `R_on` | not below `R_leak`: the ON device hardly changes the membrane |
| current (`I_bias`, `I_bias_d`, `I_hold`, synapse `W`, input `amplitude`) | above 1 A in size |
| time (`adapt_tau`, `turn_on_delay`, `retrigger_window`, | non-zero and below 1 ns, or above 1 h |
| synapse `tau` and `delay`) | |
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from mnsu.circuit.board import Board

C_RANGE = (1e-12, 1.0)  # F
R_RANGE = (1.0, 1e12)  # ohm
I_MAX = 1.0  # A
T_RANGE = (1e-9, 3600.0)  # s


def plausibility_warnings(board: Board) -> list[str]:
    """One line per implausible value: "<file>: <key path>: <what>"."""
    return [f"{board.source}: {path}: {what}" for path, what in _findings(board)]


def _findings(board: Board) -> Iterator[tuple[str, str]]:
    for n in board.neurons:
        at = f"neurons.{n.name}"
        for key in ("C", "C_d"):
            value = getattr(n, key)
            if value and not C_RANGE[0] <= value <= C_RANGE[1]:
                yield f"{at}.{key}", f"{value:g} F is outside 1 pF .. 1 F (a prefix slip?)"
        for key in ("R_leak", "R_on", "R_off", "R_d", "R_c"):
            value = getattr(n, key)
            if value and not math.isinf(value) and not R_RANGE[0] <= value <= R_RANGE[1]:
                yield f"{at}.{key}", f"{value:g} ohm is outside 1 ohm .. 1 Tohm (a prefix slip?)"
        if n.R_off <= n.R_on:
            yield (
                f"{at}.R_off",
                f"{n.R_off:g} ohm is not above R_on {n.R_on:g} ohm: the OFF device conducts as "
                "much as the ON device (did you mean Mohm, not mohm?)",
            )
        if n.R_on >= n.R_leak:
            yield f"{at}.R_on", f"{n.R_on:g} ohm is not below R_leak {n.R_leak:g} ohm"
        for key in ("I_bias", "I_bias_d", "I_hold"):
            value = getattr(n, key)
            if abs(value) > I_MAX:
                yield f"{at}.{key}", f"{value:g} A is above 1 A in size"
        for key in ("adapt_tau", "turn_on_delay", "retrigger_window"):
            yield from _time(f"{at}.{key}", getattr(n, key))
    for k, syn in enumerate(board.synapses):
        if abs(syn.W) > I_MAX:
            yield f"synapses[{k}].W", f"{syn.W:g} A is above 1 A in size"
        yield from _time(f"synapses[{k}].tau", syn.tau)
        yield from _time(f"synapses[{k}].delay", syn.delay)
    for k, spec in enumerate(board.inputs):
        if abs(spec.amplitude) > I_MAX:
            yield f"inputs[{k}].amplitude", f"{spec.amplitude:g} A is above 1 A in size"


def _time(path: str, value: float) -> Iterator[tuple[str, str]]:
    if value and not T_RANGE[0] <= value <= T_RANGE[1]:
        yield path, f"{value:g} s is outside 1 ns .. 1 h (a prefix slip?)"

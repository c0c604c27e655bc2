"""Generated benchmark networks built from HCO-P0 (examples/hco.yaml): rings of half-centre
oscillators and all-to-all inhibitory networks, used by bench/emulator_speed.py and the tests."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from mnsu.circuit.board import Board, parse_board

_HCO = Path(__file__).resolve().parents[3] / "examples" / "hco.yaml"


def _template() -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(_HCO.read_text())
    return raw


def hco_ring(units: int) -> Board:
    """units/2 HCO-P0 pairs in a ring, each pair's A unit weakly inhibiting the next pair's
    A unit (-60 uA, 30 ms, alpha 0.5); pair k starts at V0 = 0.5 + 0.01*k V."""
    if units < 4 or units % 2:
        raise ValueError(f"hco_ring: units must be an even number >= 4, got {units}")
    raw = _template()
    template = copy.deepcopy(raw)
    pairs = units // 2
    raw["neurons"] = {}
    raw["synapses"] = []
    raw["probes"] = []
    for k in range(pairs):
        a, b = f"A{k}", f"B{k}"
        raw["neurons"][a] = {"V0": f"{0.5 + 0.01 * k} V"}
        raw["neurons"][b] = {"V0": "0 V"}
        for pre, post in ((a, b), (b, a)):
            raw["synapses"].append({**template["synapses"][0], "pre": pre, "post": post})
        raw["synapses"].append(
            {"pre": a, "post": f"A{(k + 1) % pairs}", "W": "-60 uA", "tau": "30 ms", "alpha": 0.5}
        )
    raw["name"] = f"ring{units}"
    return parse_board(raw, f"ring{units}")


def all_to_all(units: int) -> Board:
    """units HCO-P0 units, every one inhibiting every other (W = -450 uA/(units-1) so the
    total inhibition onto a unit matches one HCO-P0 synapse); V0 spread over 0..0.5 V."""
    if units < 2:
        raise ValueError(f"all_to_all: units must be >= 2, got {units}")
    raw = _template()
    syn = raw["synapses"][0]
    names = [f"N{k}" for k in range(units)]
    raw["neurons"] = {name: {"V0": f"{0.5 * k / units} V"} for k, name in enumerate(names)}
    weight = f"{-450.0 / (units - 1)} uA"
    raw["synapses"] = [
        {**syn, "pre": pre, "post": post, "W": weight}
        for pre in names
        for post in names
        if pre != post
    ]
    raw["probes"] = []
    raw["name"] = f"all{units}"
    return parse_board(raw, f"all{units}")

"""Board files: every example loads; every kind of mistake is a clear error naming file and key."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from mnsu.circuit.board import BoardError, load_board
from p0 import P0


def write(tmp_path: Path, data: object, name: str = "board.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def base() -> dict[str, object]:
    return {
        "name": "t",
        "defaults": dict(P0),
        "neurons": {"A": {"I_bias": "300 uA"}, "B": {}},
        "synapses": [{"pre": "A", "post": "B", "W": "-450 uA", "tau": "30 ms"}],
        "inputs": [
            {
                "target": "A",
                "kind": "pulse",
                "start": 0.1,
                "duration": "20 ms",
                "amplitude": "200 uA",
            }
        ],
        "probes": [{"adc": 0, "neuron": "A", "node": "readout"}],
    }


@pytest.mark.parametrize(
    "name", ["lif.yaml", "hco.yaml", "leg.yaml", "autapse_memory.yaml", "quadruped.yaml"]
)
def test_examples_load(examples: Path, name: str) -> None:
    board = load_board(examples / name)
    assert board.neurons


def test_values_and_defaults(tmp_path: Path) -> None:
    board = load_board(write(tmp_path, base()))
    a, b = board.neurons
    assert pytest.approx(1e-6) == a.C
    assert a.R_leak == pytest.approx(20e3)
    assert a.I_bias == pytest.approx(300e-6)
    assert b.I_bias == 0.0
    assert a.R_off == math.inf  # ideal OFF device unless given
    assert a.V_off == pytest.approx(1.8)
    assert pytest.approx(-450e-6) == board.synapses[0].W
    assert board.synapses[0].alpha == 0.5
    assert board.probes[0].bits == 12


def test_exponent_without_dot_is_a_number(tmp_path: Path) -> None:
    text = (
        "neurons:\n  A: {C: 1e-6, R_leak: 2e4, V_th: 3, V_on: 0.8, R_on: 1e3, I_hold: 1e-3,"
        " I_bias: 400e-6}\n"
    )
    board = load_board(write(tmp_path, text))
    assert board.neurons[0].I_bias == pytest.approx(400e-6)
    assert pytest.approx(1e-6) == board.neurons[0].C


def test_overrides(tmp_path: Path) -> None:
    path = write(tmp_path, base())
    board = load_board(path, ["neurons.A.I_bias=350e-6", "synapses.0.W=-400 uA", "defaults.C=2e-6"])
    assert board.neurons[0].I_bias == pytest.approx(350e-6)
    assert pytest.approx(-400e-6) == board.synapses[0].W
    assert pytest.approx(2e-6) == board.neurons[1].C


def mutate(data: dict[str, object], path: str, value: object) -> None:
    node: object = data
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]  # type: ignore[index]
    last = keys[-1]
    if value is DELETE:
        if isinstance(node, list):
            del node[int(last)]
        else:
            del node[last]  # type: ignore[attr-defined]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value  # type: ignore[index]


DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("colour", "red", r"colour: unknown key; expected one of: name, defaults"),
        ("neurons.A.Cm", "1 uF", r"neurons\.A\.Cm: unknown key"),
        ("defaults.C", DELETE, r"neurons\.A\.C: missing \(set it here or in `defaults`\)"),
        ("neurons.A.I_bias", "300 uV", r"neurons\.A\.I_bias: expected a number in amperes"),
        ("neurons.A.R_leak", "-5 kohm", r"neurons\.A\.R_leak: must be > 0"),
        ("neurons.A.model", "hh", r"neurons\.A\.model: unknown model 'hh'"),
        ("neurons.A.V_th", "1.5 V", r"neurons\.A\.V_th: must be above the turn-off voltage"),
        ("neurons.A.adapt_a", "100 uS", r"neurons\.A\.adapt_tau: must be > 0 s when adapt_a"),
        ("synapses.0.post", "Z", r"synapses\[0\]\.post: unknown neuron 'Z'; the board has: A, B"),
        ("synapses.0.tau", "-30 ms", r"synapses\[0\]\.tau: must be > 0 s, got -0\.03"),
        ("synapses.0.W", DELETE, r"synapses\[0\]\.W: missing"),
        ("synapses.0.alpha", 1.5, r"synapses\[0\]\.alpha: must be in \(0, 1\]"),
        ("synapses.0.delay", "-1 ms", r"synapses\[0\]\.delay: must be >= 0 s"),
        ("inputs.0.kind", "ramp", r"inputs\[0\]\.kind: expected one of: step, pulse"),
        ("inputs.0.target", "Q", r"inputs\[0\]\.target: unknown neuron 'Q'"),
        ("inputs.0.duration", DELETE, r"inputs\[0\]\.duration: missing \(a pulse needs a width"),
        ("inputs.0.amplitude", "2 V", r"inputs\[0\]\.amplitude: expected a number in amperes"),
        ("inputs.0.start", "-1 s", r"inputs\[0\]\.start: must be >= 0 s"),
        ("probes.0.adc", 17, r"probes\[0\]\.adc: expected a whole number 0\.\.15, got 17"),
        ("probes.0.node", "gate", r"probes\[0\]\.node: expected one of: membrane, readout"),
        ("probes.0.neuron", "Q", r"probes\[0\]\.neuron: unknown neuron 'Q'"),
        ("probes.0.bits", 0, r"probes\[0\]\.bits: expected a whole number 1\.\.16"),
        ("probes.0.vref", "0 V", r"probes\[0\]\.vref: must be > 0 V"),
        ("neurons", DELETE, r"neurons: missing; a board needs at least one neuron"),
        ("synapses", "A->B", r"synapses: expected a list"),
    ],
)
def test_errors_name_file_key_and_form(
    tmp_path: Path, path: str, value: object, message: str
) -> None:
    data = base()
    mutate(data, path, value)
    file = write(tmp_path, data)
    with pytest.raises(BoardError, match=message) as info:
        load_board(file)
    assert str(info.value).startswith(f"{file}: ")


def test_duplicate_adc_channel(tmp_path: Path) -> None:
    data = base()
    data["probes"] = [{"adc": 0, "neuron": "A"}, {"adc": 0, "neuron": "B"}]
    with pytest.raises(BoardError, match=r"probes\[1\]\.adc: ADC channel 0 is already read"):
        load_board(write(tmp_path, data))


def test_unreadable_empty_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(BoardError, match="cannot read the board file"):
        load_board(tmp_path / "missing.yaml")
    with pytest.raises(BoardError, match="the board file is empty"):
        load_board(write(tmp_path, ""))
    with pytest.raises(BoardError, match="not valid YAML"):
        load_board(write(tmp_path, "neurons: {A: [1, 2}\n"))
    with pytest.raises(BoardError, match=r"\(top level\): expected a mapping"):
        load_board(write(tmp_path, "- 1\n- 2\n"))


def test_bad_overrides(tmp_path: Path) -> None:
    path = write(tmp_path, base())
    with pytest.raises(BoardError, match="expected KEY.PATH=VALUE"):
        load_board(path, ["neurons.A.I_bias"])
    with pytest.raises(BoardError, match=r"--set neurons\.Q: no such key"):
        load_board(path, ["neurons.Q.I_bias=1e-6"])
    with pytest.raises(BoardError, match=r"--set synapses\.4: no list item"):
        load_board(path, ["synapses.4.W=1e-6"])
    with pytest.raises(BoardError, match=r"neurons\.A\.I_bias: expected a number in amperes"):
        load_board(path, ["neurons.A.I_bias=lots"])

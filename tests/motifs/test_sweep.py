"""mnsu sweep: regimes of the example boards against the closed forms, errors, map."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mnsu.analysis.selfconsistency import ClosedFormFI
from mnsu.circuit.board import load_board
from mnsu.cli import main


def sweep_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert main(["sweep", *argv, "--json"]) == 0
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


def test_lif_regimes_follow_the_closed_form(
    examples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fi = ClosedFormFI(load_board(examples / "lif.yaml").neurons[0])
    assert fi.rheobase == pytest.approx(150.3e-6, rel=1e-3)
    # the current at which the closed-form rate reaches fast_hz = 150 Hz
    lo, hi = 300e-6, 500e-6
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if fi.rate(mid) < 150.0 else (lo, mid)
    i_fast = 0.5 * (lo + hi)
    currents = [140e-6, 150.0e-6, 150.6e-6, 300e-6, i_fast - 2e-6, i_fast + 2e-6, 500e-6]
    currents += [1.05e-3, 1.1e-3, 1.2e-3]
    expected = ["silent", "silent", "tonic", "tonic", "tonic", "fast", "fast"]
    expected += ["fast", "latched", "latched"]
    got = []
    for current in currents:
        out = sweep_json(
            capsys,
            str(examples / "lif.yaml"),
            "--param",
            f"neurons.U.I_bias={current!r}:{current!r}:1",
            "--duration",
            "2",
            "--transient",
            "0.5",
            "--jobs",
            "1",
        )
        u = out["points"][0]["neurons"]["U"]
        got.append(u["regime"])
        exact = fi.rate(current)
        if u["regime"] in ("tonic", "fast") and exact > 10:
            assert u["rate_hz"] == pytest.approx(exact, rel=0.02)
    assert got == expected
    assert 330e-6 < i_fast < 350e-6


def test_lif_sweep_in_parallel_with_units(
    examples: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fig = tmp_path / "lif.png"
    out = sweep_json(
        capsys,
        str(examples / "lif.yaml"),
        "--param",
        "neurons.U.I_bias=1.2mA:100uA:12",
        "--duration",
        "1.5",
        "--transient",
        "0.5",
        "--jobs",
        "2",
        "--plot",
        str(fig),
    )
    values = out["params"][0]["values"]
    assert values[0] == pytest.approx(1.2e-3) and values[-1] == pytest.approx(100e-6)  # descending
    assert out["params"][0]["unit"] == "A"
    assert out["map"] == (["latched", "latched"] + ["fast"] * 7 + ["tonic", "tonic", "silent"])
    rate_500 = out["points"][7]["neurons"]["U"]["rate_hz"]
    assert values[7] == pytest.approx(500e-6)
    assert rate_500 == pytest.approx(235.02, rel=0.01)
    assert out["counts"] == {"silent": 1, "latched": 2, "tonic": 2, "fast": 7}
    assert fig.stat().st_size > 10_000


def test_hco_bursts_then_winner_takes_all(
    examples: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fig = tmp_path / "hco.png"
    out = sweep_json(
        capsys,
        str(examples / "hco.yaml"),
        "--param",
        "defaults.I_bias=360uA:440uA:5",
        "--param",
        "defaults.adapt_tau=300ms:300ms:1",
        "--duration",
        "8",
        "--transient",
        "2",
        "--neuron",
        "B",
        "--plot",
        str(fig),
    )
    assert len(out["map"]) == 1 and len(out["map"][0]) == 5
    per_point = [(p["neurons"]["A"]["regime"], p["neurons"]["B"]["regime"]) for p in out["points"]]
    assert per_point[:4] == [("burst-long", "burst-long")] * 4
    assert sorted(per_point[4]) == ["silent", "tonic"]  # 440 uA: one unit wins
    spb = [p["neurons"]["A"]["spikes_per_burst"] for p in out["points"][:4]]
    assert spb[0] < spb[1] < spb[2] < spb[3]  # bursts lengthen with drive
    period_400 = out["points"][2]["neurons"]["A"]["burst_period_s"]
    assert period_400 == pytest.approx(0.829, rel=0.03)
    assert fig.stat().st_size > 10_000


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--param", "neurons.U.I_bias"], "expected KEY.PATH=START:STOP:N"),
        (["--param", "neurons.U.I_bias=1:2"], "expected KEY.PATH=START:STOP:N"),
        (["--param", "neurons.U.I_bias=abc:2e-4:3"], "expected a number in amperes"),
        (["--param", "neurons.U.I_bias=1e-4:2e-4:0"], "N must be >= 1"),
        (["--param", "neurons.U.I_bias=1e-4:2e-4:x"], "N must be a whole number"),
        (["--param", "neurons.U.I_bias=1e-4:2e-4:1"], "N = 1 needs START == STOP"),
        (["--param", "neurons.U.I_bias=1V:2V:3"], "(a value in V)"),
        (["--param", "neurons.U.I_bias=1M:2M:3"], "write 'Meg' or 'Mohm'"),
        (["--param", "neurons.U.I_bias=1uA:2 parsec:3"], "unknown unit"),
        (["--param", "neurons.U.I_bais=1e-4:2e-4:3"], "unknown key"),
        (["--param", "neurons.X.I_bias=1e-4:2e-4:3"], "no such key"),
        (["--param", "synapses.0.W=1e-4:2e-4:3"], "no such key"),
        ([], "give one or two --param"),
        (["--param", "a.b=1:2:2"] * 3, "give one or two --param"),
        (["--param", "neurons.U.I_bias=1e-4:2e-4:2"] * 2, "given twice"),
        (["--param", "neurons.U.I_bias=1e-4:2e-4:2", "--neuron", "Q"], "no such neuron"),
        (["--param", "neurons.U.I_bias=1e-4:2e-4:2", "--duration", "0"], "--duration"),
        (["--param", "neurons.U.I_bias=1e-4:2e-4:2", "--transient", "5"], "--transient"),
        (["--param", "neurons.U.I_bias=1e-4:2e-4:2", "--jobs", "0"], "--jobs"),
    ],
)
def test_bad_input_exits_2_with_a_message(
    examples: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["sweep", str(examples / "lif.yaml"), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mnsu sweep: ")
    assert message in err


def test_missing_board_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["sweep", str(tmp_path / "none.yaml"), "--param", "a.b=1:2:2"])
    assert code == 2
    assert "cannot read" in capsys.readouterr().err


def test_table_output(examples: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["sweep", str(examples / "lif.yaml"), "--param", "neurons.U.I_bias=100uA:300uA:3"]
    assert main([*argv, "--duration", "1", "--transient", "0.2", "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "100 uA" in out and "silent" in out and "tonic 130.0 Hz" in out

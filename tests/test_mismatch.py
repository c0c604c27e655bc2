"""mnsu mismatch: draws, zero spread at zero tolerance, exact and finite-difference
sensitivities, reproducibility whatever the batching, refused boards, the figure, bad input."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import matplotlib.image
import numpy as np
import pytest

from mnsu import scaleout
from mnsu.analysis.mismatch import (
    Plan,
    check_plan,
    draws,
    mismatched,
    nominal,
    parse_tolerances,
    run_board,
    run_one,
)
from mnsu.circuit.board import load_board, parse_board
from mnsu.circuit.units import parse_quantity
from mnsu.cli import main
from mnsu.scaleout import run_tasks


def mismatch_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert main(["mismatch", *argv, "--json"]) == 0
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


def plan_of(board: Path, spec: str, runs: int = 10, **kw: Any) -> Plan:
    args: dict[str, Any] = dict(dist="uniform", seed=0, duration=3.0, transient=0.75)
    args.update(kw)
    b = load_board(board)
    return check_plan(
        b,
        parse_tolerances(spec),
        runs,
        args["dist"],
        args["seed"],
        args["duration"],
        args["transient"],
        None,
    )


def test_zero_tolerance_gives_zero_spread(
    examples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = mismatch_json(
        capsys,
        str(examples / "hco.yaml"),
        "--tolerance",
        "C=0%,R_leak=0%,V_th=0mV,I_hold=0%",
        "--runs",
        "12",
        "--duration",
        "5",
        "--jobs",
        "2",
    )
    assert out["runs"] == 12 and out["refused"] == 0
    for name in ("A", "B"):
        for key, d in out["neurons"][name].items():
            assert d["n"] == 12, key
            assert d["std"] == 0.0 and d["min"] == d["max"] == d["nominal"], key
        assert out["regimes"][name] == {"burst-long": 12}
    assert out["phase_lag"]["A->B"]["std"] == 0.0
    assert out["keeps_rhythm"]["fraction"] == 1.0
    # the nominal figures are the ones `mnsu simulate` prints for the same run
    assert main(["simulate", str(examples / "hco.yaml"), "--duration", "5", "--json"]) == 0
    sim = json.loads(capsys.readouterr().out)
    for key in ("burst_period_s", "duty", "spikes_per_burst", "rate_hz", "regime"):
        assert out["nominal"]["neurons"]["A"][key] == sim["neurons"]["A"][key]
    assert out["nominal"]["phase_lag"] == sim["phase_lag"]


def test_rate_scales_exactly_as_one_over_c(examples: Path) -> None:
    """Scaling C alone scales every time constant of the P0 unit (OFF and ON), so the rate of
    each drawn board is exactly nominal / (1 + dC): the closed-form reference, to 1e-9."""
    plan = plan_of(examples / "lif.yaml", "C=10%", duration=2.0, transient=0.5)
    ref = nominal(plan)["neurons"]["U"]["rate_hz"]
    assert ref == pytest.approx(130.77, abs=0.01)
    results, _ = run_tasks(run_one, [(plan, k) for k in range(16)], 1)
    spread = [r["deviations"]["U.C"] for r in results]
    assert max(spread) > 0.05 and min(spread) < -0.05  # the draws do move C
    for r in results:
        rate = r["neurons"]["U"]["rate_hz"]
        assert rate * (1.0 + r["deviations"]["U.C"]) == pytest.approx(ref, rel=1e-9)


def _period(board: Path, key: str, factor: float, duration: float) -> float:
    raw = copy.deepcopy(dict(load_board(board).raw))
    defaults = dict(raw["defaults"])
    defaults[key] = parse_quantity(defaults[key], "s") * factor
    raw["defaults"] = defaults
    period = run_board(raw, str(board), 0, duration, 1.5, None)["neurons"]["A"]["burst_period_s"]
    assert period is not None
    return float(period)


def test_period_sensitivity_to_adapt_tau_matches_finite_differences(examples: Path) -> None:
    """d(period)/d(ln adapt_tau) of HCO-P0 from a Monte Carlo (a linear fit of each board's
    period on the draws of A's and B's adapt_tau; to first order their slopes add up to the
    sensitivity to a common change) against a finite-difference estimate (the slope of the
    period at 11 common values over +-10 %, 30 s each). The period is rough on a fine scale
    (a burst gains or loses a spike: ~3 ms of scatter), so both use +-10 %; they must agree
    within 3 standard errors of the fit, and that error must be below 5 % of the slope."""
    board = examples / "hco.yaml"
    runs = 200
    plan = plan_of(board, "adapt_tau=10%", runs, duration=10.0, transient=1.5)
    results, _ = run_tasks(run_one, [(plan, k) for k in range(runs)], 2)
    period = np.array([r["neurons"]["A"]["burst_period_s"] for r in results], dtype=float)
    x = np.array(
        [[r["deviations"]["A.adapt_tau"], r["deviations"]["B.adapt_tau"], 1.0] for r in results]
    )
    coef, *_ = np.linalg.lstsq(x, period, rcond=None)
    residual = period - x @ coef
    cov = residual.var(ddof=3) * np.linalg.inv(x.T @ x)
    slope = coef[0] + coef[1]
    error = float(np.sqrt(cov[0, 0] + cov[1, 1] + 2 * cov[0, 1]))
    factors = np.linspace(0.9, 1.1, 11)
    fd = np.polyfit(factors - 1.0, [_period(board, "adapt_tau", f, 30.0) for f in factors], 1)[0]
    assert 0.4 < fd < 0.5  # s per unit relative change: +10 % adapt_tau -> ~+46 ms
    assert error < 0.05 * slope
    assert abs(slope - fd) < 3 * error


def test_each_run_depends_on_seed_and_index_only(examples: Path) -> None:
    plan = plan_of(examples / "hco.yaml", "C=5%,I_hold=10%,W=5%", duration=2.0, transient=0.5)
    tasks = [(plan, k) for k in range(10)]
    serial, where = run_tasks(run_one, tasks, 1)
    assert where.kind == "local" and where.workers == 1
    parallel, where = run_tasks(run_one, tasks, 2)
    assert where.workers == 2
    backwards = [run_one(task) for task in reversed(tasks)][::-1]
    assert serial == parallel == backwards
    first_three, _ = run_tasks(run_one, tasks[:3], 2)
    assert first_three == serial[:3]
    other = check_plan(
        load_board(examples / "hco.yaml"), plan.tolerances, 10, "uniform", 1, 2.0, 0.5, None
    )
    assert draws(other, 0) != draws(plan, 0)
    # every unit and synapse gets its own draw
    _, deviations = draws(plan, 0)
    assert sorted(deviations) == [
        "A.C",
        "A.I_hold",
        "B.C",
        "B.I_hold",
        "synapses.0.W",
        "synapses.1.W",
    ]
    assert len(set(deviations.values())) == 6


@pytest.mark.parametrize("dist", ["uniform", "gauss"])
def test_draws_stay_within_the_tolerance(examples: Path, dist: str) -> None:
    plan = plan_of(examples / "hco.yaml", "C=5%,V_th=50mV", dist=dist)
    values = np.array([list(draws(plan, k)[1].values()) for k in range(1500)])
    c = values[:, [0, 1]].ravel() / 0.05  # relative, in units of the tolerance
    v = values[:, [2, 3]].ravel() / 0.05  # absolute, in V
    for u in (c, v):
        assert np.abs(u).max() <= 1.0
        # uniform on [-1, 1]: std 1/sqrt(3); gauss: sigma 1/3 truncated at 3 sigma (0.987/3)
        want = 1 / np.sqrt(3) if dist == "uniform" else 0.9866 / 3
        assert u.std() == pytest.approx(want, rel=0.05)
        assert abs(u.mean()) < 0.05
    # written into the board: V_th is absolute, C relative; the board reads them back
    _, deviation = draws(plan, 7)
    board = parse_board(mismatched(plan, deviation), "drawn")
    capacitance = board.neurons[0].C
    assert capacitance == pytest.approx(1e-6 * (1 + deviation["A.C"]), rel=1e-12)
    assert board.neurons[1].V_th == pytest.approx(3.0 + deviation["B.V_th"], rel=1e-12)


def test_refused_boards_are_counted_and_named(
    examples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # V_th 3 V +- 1.5 V crosses the turn-off voltage 1.8 V in ~10 % of the draws per unit
    out = mismatch_json(
        capsys,
        str(examples / "hco.yaml"),
        "--tolerance",
        "V_th=1.5V",
        "--runs",
        "30",
        "--duration",
        "2",
        "--jobs",
        "1",
    )
    assert 0 < out["refused"] < 30
    assert "V_th: must be above the turn-off voltage" in out["refusals"][0]
    ran = out["runs"] - out["refused"]
    assert out["neurons"]["A"]["rate_hz"]["n"] + out["neurons"]["A"]["rate_hz"]["missing"] == ran
    assert out["keeps_rhythm"]["count"] <= ran


def test_alif_aliases_and_synapse_keys(examples: Path) -> None:
    plan = plan_of(examples / "alif.yaml", "C=5%,I_bias=1%", duration=0.5, transient=0.1)
    _, deviation = draws(plan, 0)
    name = load_board(examples / "alif.yaml").neuron_names[0]
    assert sorted(deviation) == [f"{name}.Cm", f"{name}.I0"]
    drawn = parse_board(mismatched(plan, deviation), "drawn").neurons[0]
    base = load_board(examples / "alif.yaml").neurons[0]
    capacitance = drawn.C
    assert capacitance == pytest.approx(base.C * (1 + deviation[f"{name}.Cm"]), rel=1e-12)
    assert drawn.I_bias == pytest.approx(base.I_bias * (1 + deviation[f"{name}.I0"]), rel=1e-12)


def test_table_and_histogram_figure(
    examples: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fig = tmp_path / "mm.png"
    argv = ["mismatch", str(examples / "hco.yaml"), "--tolerance", "C=5%,I_hold=10%"]
    argv += ["--runs", "20", "--duration", "4", "--dist", "gauss", "--plot", str(fig)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "hco: 20 runs x 4 s (gauss, C=5%, I_hold=10%, seed 0)" in text
    assert "A burst_period (ms)" in text and "phase lag A->B (cycles)" in text
    assert "keep the nominal rhythm:" in text
    image = matplotlib.image.imread(fig)
    assert image.shape[0] > 500 and image.shape[1] > 1000
    assert image[..., :3].std() > 0.05  # not a blank canvas


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--tolerance", "C"], "--tolerance item 'C': expected KEY=TOL"),
        (["--tolerance", "C=5%,"], "expected KEY=TOL items separated by commas"),
        (["--tolerance", ""], "expected KEY=TOL items"),
        (["--tolerance", "Cx=5%"], "--tolerance item 'Cx=5%': 'Cx' is not a neuron key"),
        (["--tolerance", "synapses.C=5%"], "'C' is not a synapse key"),
        (["--tolerance", "foo.C=5%"], "a key is NAME, neurons.NAME or synapses.NAME"),
        (["--tolerance", "C=5"], "--tolerance item 'C=5': give a percentage (5%)"),
        (["--tolerance", "C=abc%"], "'abc%' is not a percentage"),
        (["--tolerance", "C=120%"], "must be in [0%, 100%), got 120%"),
        (["--tolerance", "C=-5%"], "must be in [0%, 100%)"),
        (["--tolerance", "C=nan%"], "must be in [0%, 100%)"),
        (["--tolerance", "V_th=5 uA"], "--tolerance item 'V_th=5 uA': expected a number in volts"),
        (["--tolerance", "V_th=-5 mV"], "must be >= 0"),
        (["--tolerance", "C=5%,C=2%"], "--tolerance item 'C=2%': C given twice"),
        (["--tolerance", "Cm=5%"], "--tolerance item Cm=5%: no neuron of"),
        (["--tolerance", "R_W=5%"], "no synapse of"),
        (["--tolerance", "C=5%", "--runs", "0"], "--runs must be 1.."),
        (["--tolerance", "C=5%", "--seed", "-1"], "--seed must be >= 0"),
        (["--tolerance", "C=5%", "--duration", "0"], "--duration must be > 0"),
        (["--tolerance", "C=5%", "--transient", "20"], "--transient must be in [0, duration)"),
        (["--tolerance", "C=5%", "--burst-gap", "0"], "--burst-gap must be > 0"),
        (["--tolerance", "C=5%", "--lag-tol", "0.7"], "--lag-tol must be in (0, 0.5]"),
        (["--tolerance", "C=5%", "--jobs", "0"], "--jobs must be >= 1"),
        (["--tolerance", "C=5%", "--scheduler", "host:8786"], "expected tcp://HOST:PORT"),
        (["--tolerance", "C=5%", "--scheduler", "tcp://h:99999"], "expected tcp://HOST:PORT"),
        (["--tolerance", "C=5%", "--set", "neurons.A.C=-1"], "neurons.A.C: must be > 0"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    examples: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["mismatch", str(examples / "hco.yaml"), "--runs", "2", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("mnsu mismatch: ")
    assert captured.err.count("\n") == 1
    assert message in captured.err


def test_missing_board_and_unreachable_scheduler(
    tmp_path: Path,
    examples: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert main(["mismatch", str(tmp_path / "none.yaml"), "--tolerance", "C=5%"]) == 2
    assert "cannot read the board file" in capsys.readouterr().err
    monkeypatch.setattr(scaleout, "CONNECT_TIMEOUT_S", 1.0)
    argv = ["mismatch", str(examples / "lif.yaml"), "--tolerance", "C=5%", "--runs", "2"]
    assert main([*argv, "--duration", "0.5", "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mnsu mismatch: --scheduler tcp://127.0.0.1:9: cannot connect")
    assert err.count("\n") == 1

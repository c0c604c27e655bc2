"""`mnsu conformance` on the virtual board: an unperturbed board passes, a perturbed one fails
and the fit recovers the perturbation; the pure module's figures, comparison and errors."""

from __future__ import annotations

import io
import json
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from mnsu.analysis.conformance import (
    ConformanceError,
    Recording,
    compare,
    emulate,
    figures_from_spikes,
    fit,
    fitted_board_yaml,
    scaled_board,
)
from mnsu.circuit.board import load_board
from mnsu.cli import main
from mnsu.cosim.virtual_board import VirtualBoard

ROOT = Path(__file__).resolve().parents[2]
LEG = ROOT / "examples" / "leg.yaml"
# identifiable from the recorded figures: I_bias moves the period (+5.9 % per +1 %) and
# the intra-burst rate (-1.5 %), C only the intra-burst rate (-0.9 % per +1 %)
PERTURBATION = {"I_bias": 1.03, "C": 0.98}


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["conformance", *args])
    return code, out.getvalue(), err.getvalue()


def perturbed_board_file(tmp_path: Path) -> Path:
    text = LEG.read_text()
    assert "  C: 1 uF\n" in text and "  I_bias: 340 uA " in text
    text = text.replace("  C: 1 uF\n", "  C: 0.98 uF\n").replace(
        "  I_bias: 340 uA ", "  I_bias: 350.2 uA "
    )
    path = tmp_path / "perturbed.yaml"
    path.write_text(text)
    return path


def record_virtual(board: Path, tmp_path: Path, *extra: str) -> tuple[int, dict[str, object]]:
    vb = VirtualBoard(board, realtime=False)
    vb.start()
    try:
        t = time.monotonic()
        code, out, err = cli(
            "--port", vb.path, "--board", str(LEG), "--duration", "60", "--json",
            "--save", str(tmp_path / "rec.json"), *extra,
        )  # fmt: skip
        wall = time.monotonic() - t
    finally:
        vb.stop()
    assert out.strip(), f"no JSON on stdout (exit {code}): {err}"
    result: dict[str, object] = json.loads(out)
    print(err)
    print(f"conformance wall time {wall:.1f} s")
    return code, result


def test_unperturbed_virtual_board_passes(tmp_path: Path) -> None:
    code, r = record_virtual(LEG, tmp_path)
    rows = r["rows"]
    assert isinstance(rows, list)
    for row in rows:
        print(row)
    assert code == 0 and r["pass"] is True
    figures = {row["figure"] for row in rows}
    assert {"F.period_s", "E.duty", "F.spikes_per_burst", "E.amplitude_v", "F->E.phase_lag"} <= (
        figures
    )
    period = next(row for row in rows if row["figure"] == "F.period_s")
    assert abs(period["deviation"]) < 0.01  # far inside the 5 % tolerance
    rec = r["recording"]
    assert isinstance(rec, dict) and rec["frames_lost"] == 0 and rec["crc_errors"] == 0


def test_perturbed_board_fails_and_the_fit_recovers_the_perturbation(tmp_path: Path) -> None:
    out = tmp_path / "fitted.yaml"
    code, r = record_virtual(perturbed_board_file(tmp_path), tmp_path, "--fit", str(out))
    assert code == 1 and r["pass"] is False  # the board is not what leg.yaml says
    failed = {row["figure"] for row in r["rows"] if not row["pass"]}  # type: ignore[attr-defined]
    assert "F.period_s" in failed
    fitres = r["fit"]
    assert isinstance(fitres, dict)
    print(json.dumps(fitres, indent=1))
    for key, true in PERTURBATION.items():
        got = fitres["factors"][key]
        print(f"{key}: true x{true}, fitted x{got:.5f}, error {(got / true - 1) * 100:+.3f} %")
        assert abs(got / true - 1) < 0.02
    assert fitres["pass_after_fit"] is True
    # the written board file is valid and holds the fitted values in SI units
    fitted = load_board(out)
    true_board = load_board(perturbed_board_file(tmp_path))
    for n_fit, n_true in zip(fitted.neurons, true_board.neurons, strict=True):
        assert abs(n_fit.I_bias / n_true.I_bias - 1) < 0.02
        assert abs(n_fit.C / n_true.C - 1) < 0.02
        assert n_fit.V_th == n_true.V_th  # not free: untouched
    assert "fitted by `mnsu conformance --fit`" in out.read_text()

    # the saved recording compares and fits offline the same way
    code2, out2, _ = cli("--recording", str(tmp_path / "rec.json"), "--board", str(LEG))
    assert code2 == 1 and "conformance: FAIL" in out2
    code3, out3, _ = cli("--recording", str(tmp_path / "rec.json"), "--board", str(out))
    assert code3 == 0 and "conformance: PASS" in out3


def test_fit_offline_recovers_the_perturbation_from_another_window() -> None:
    """The fit against an emulator recording taken over another window (no link involved)."""
    board = load_board(LEG)
    recorded = emulate(scaled_board(board, PERTURBATION), 60.0, seed=3, transient_s=5.3)
    res = fit(board, recorded, 60.0)
    print(res.factors, res.evaluations, f"{res.wall_s:.1f} s")
    for key, true in PERTURBATION.items():
        assert abs(res.factors[key] / true - 1) < 0.02, key
    assert res.cost < res.cost_start / 100


def test_figures_and_comparison_can_fail() -> None:
    # two trains in anti-phase: bursts of 5 spikes at 50 Hz every 1 s
    f = [k + i * 0.02 for k in range(10) for i in range(5)]
    e = [k + 0.5 + i * 0.02 for k in range(10) for i in range(5)]
    figs = figures_from_spikes({"F": f, "E": e}, (0.5, 9.9))
    assert figs["F.period_s"] == pytest.approx(1.0)
    assert figs["F.spikes_per_burst"] == pytest.approx(5.0)
    assert figs["F.intra_rate_hz"] == pytest.approx(50.0)
    assert figs["F.duty"] == pytest.approx(0.08)
    assert figs["F->E.phase_lag"] == pytest.approx(0.5)
    slow = dict(figs, **{"F.period_s": 1.06})
    rows = {r.figure: r for r in compare(slow, figs)}
    assert not rows["F.period_s"].ok and rows["F.spikes_per_burst"].ok
    missing = dict(figs, **{"E.period_s": None})
    assert not {r.figure: r for r in compare(missing, figs)}["E.period_s"].ok
    # phase lag deviations wrap around the cycle
    wrapped = dict(figs, **{"F->E.phase_lag": 0.98})
    near = dict(figs, **{"F->E.phase_lag": 0.01})
    assert {r.figure: r for r in compare(wrapped, near)}["F->E.phase_lag"].ok


def test_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    code, _, err = cli("--recording", str(tmp_path / "none.json"), "--board", str(LEG))
    assert code == 2 and "cannot read the recording" in err
    (tmp_path / "bad.json").write_text('{"duration_s": 1}')
    code, _, err = cli("--recording", str(tmp_path / "bad.json"), "--board", str(LEG))
    assert code == 2 and "not an mnsu conformance recording" in err
    good = Recording(duration_s=10.0, spikes={"F": [], "E": []})
    good.save(tmp_path / "empty.json")
    code, _, err = cli("--recording", str(tmp_path / "empty.json"), "--board", str(LEG), "--free",
                       "I_bias,R_on")  # fmt: skip
    assert code == 2 and "cannot fit ['R_on']" in err
    code, _, err = cli("--port", str(tmp_path / "ttyX"), "--board", str(LEG), "--duration", "-1")
    assert code == 2 and "--duration must be > 0" in err
    code, _, err = cli("--port", str(tmp_path / "ttyX"), "--board", str(LEG), "--duration", "1")
    assert code == 2 and "ttyX" in err
    code, _, err = cli("--port", "x", "--board", str(tmp_path / "nope.yaml"))
    assert code == 2 and "cannot read the board file" in err
    lif = ROOT / "examples" / "lif.yaml"
    code, _, err = cli("--recording", str(tmp_path / "empty.json"), "--board", str(lif))
    assert code == 2 and "recorded neurons ['E', 'F'], but" in err and "probes ['U']" in err
    with pytest.raises(ConformanceError, match="usable figures"):
        fit(load_board(LEG), {"F.period_s": None}, 5.0)
    with pytest.raises(ConformanceError, match="nothing to fit"):
        fit(load_board(LEG), {"F.period_s": 1.0}, 5.0, free=[])


def test_fitted_yaml_keeps_per_neuron_values(tmp_path: Path) -> None:
    text = LEG.read_text().replace("  F: {V0: 0.5 V}", "  F: {V0: 0.5 V, C: 1.1 uF}")
    src = tmp_path / "mixed.yaml"
    src.write_text(text)
    board = load_board(src)
    out = fitted_board_yaml(board, {"C": 0.9}, "test")
    (tmp_path / "out.yaml").write_text(out)
    fitted = load_board(tmp_path / "out.yaml")
    by = {n.name: n for n in fitted.neurons}
    assert abs(by["F"].C - 0.99e-6) < 1e-12 and abs(by["E"].C - 0.9e-6) < 1e-12

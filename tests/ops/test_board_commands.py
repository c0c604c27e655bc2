"""`mnsu param/mode/estop/joints/drive` on the virtual board (the real firmware under
MicroPython behind a pty): every happy path and the bad inputs, each a one-line error."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from mnsu_fw import params

from mnsu.cli import main
from mnsu.cosim.virtual_board import VirtualBoard
from mnsu.link import Link

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def port() -> Iterator[str]:
    vb = VirtualBoard(ROOT / "examples" / "leg.yaml", realtime=True, speed=1.0)
    vb.start()
    try:
        yield vb.path
    finally:
        vb.stop()


@pytest.fixture(autouse=True)
def fresh(port: str) -> Iterator[None]:
    """Every test starts from the defaults, e-stop clear, idle."""
    with Link(port) as link:
        link.reset_estop()
        link.default_params()
        link.set_mode("idle")
    yield


def mnsu(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def ok(*args: str) -> str:
    code, out, err = mnsu(*args)
    assert code == 0, err
    return out


def refused(*args: str) -> str:
    """The command fails with exactly one line on stderr (no traceback) naming the reason."""
    code, out, err = mnsu(*args)
    assert code == 2, out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mnsu "), err
    assert "Traceback" not in err
    return lines[0]


def test_param_get_set_with_units_and_json(port: str) -> None:
    out = ok("param", "set", "burst_gap_ms", "0.12s", "hip_amp_deg=20deg", "--port", port)
    assert out.splitlines() == ["burst_gap_ms = 120.0 ms", "hip_amp_deg = 20.0 deg"]
    got = json.loads(ok("param", "get", "burst_gap_ms", "hip_amp_deg", "--port", port, "--json"))
    assert got == {"burst_gap_ms": 120.0, "hip_amp_deg": 20.0}
    ok("param", "set", "watchdog_s", "300ms", "sample_rate_hz=2kHz", "spike_events=off",
       "safe_pose", "limp", "--port", port)  # fmt: skip
    got = json.loads(
        ok(
            "param",
            "get",
            "watchdog_s",
            "sample_rate_hz",
            "spike_events",
            "safe_pose",
            "--port",
            port,
            "--json",
        )  # fmt: skip
    )
    assert got["watchdog_s"] == pytest.approx(0.3)
    assert (got["sample_rate_hz"], got["spike_events"], got["safe_pose"]) == (2000, 0, 2)


def test_param_list_diff_dump_load_defaults_save(port: str, tmp_path: Path) -> None:
    table = json.loads(ok("param", "list", "--json"))["params"]
    assert [r["name"] for r in table] == list(params.NAMES)
    assert table[params.INDEX["burst_gap_ms"]]["unit"] == "ms"
    on_board = json.loads(ok("param", "list", "--port", port, "--json"))["params"]
    assert all("value" in r for r in on_board)

    assert "0 parameter(s) differ from defaults" in ok("param", "diff", "--port", port)
    ok("param", "set", "hip_amp_deg", "22", "drive_level", "45%", "--port", port)
    d = json.loads(ok("param", "diff", "--port", port, "--json"))
    assert [(r["name"], r["board"], r["reference"]) for r in d["differ"]] == [
        ("hip_amp_deg", 22.0, 20.0),
        ("drive_level", pytest.approx(0.45), 0.6),
    ]
    saved = tmp_path / "bench.json"
    assert "wrote" in ok("param", "dump", str(saved), "--port", port)
    stored = json.loads(saved.read_text())
    assert set(stored) == set(params.NAMES) - set(params.VOLATILE)
    assert stored["hip_amp_deg"] == 22.0

    ok("param", "defaults", "--port", port)
    assert "2 parameter(s) differ from" in ok("param", "diff", str(saved), "--port", port)
    # load sets ordered pairs whichever end moves first: hip limits narrowed inside the
    # deploy-time hard limits (-35..35 deg), the lower end above the old neutral
    stored.update(hip_min_deg=10.0, hip_max_deg=30.0, hip_neutral_deg=20.0)
    saved.write_text(json.dumps(stored))
    out = ok("param", "load", str(saved), "--save", "--port", port)
    assert f"set {params.COUNT - 1} parameter(s)" in out and "saved" in out
    assert "0 parameter(s) differ" in ok("param", "diff", str(saved), "--port", port)
    ok("param", "defaults", "--save", "--port", port)  # leave the flash at defaults
    assert json.loads(ok("param", "save", "--port", port, "--json")) == {"saved": True}


def test_param_bad_inputs_are_one_line_errors(port: str, tmp_path: Path) -> None:
    assert "unknown parameter 'hip_amp'; did you mean hip_amp_deg" in refused(
        "param", "get", "hip_amp", "--port", port
    )
    assert "'3V' is not a time" in refused("param", "set", "burst_gap_ms", "3V", "--port", port)
    assert "is out of range [5, 2000] ms" in refused(
        "param", "set", "burst_gap_ms", "3s", "--port", port
    )
    assert "is not one of idle, cpg, host, hold" in refused(
        "param", "set", "mode=walk", "--port", port
    )
    assert "no value" in refused("param", "set", "hip_amp_deg", "--port", port)
    line = refused("param", "set", "hip_min_deg", "50", "--port", port)
    assert "board refused param_set hip_min_deg: value inconsistent" in line
    assert "min < max" in line
    bad = tmp_path / "bad.json"
    for text, why in [
        ("{", "line 1 column 2: not JSON"),
        ("[1]", "a JSON object"),
        ('{"nope": 1}', "unknown parameter 'nope'"),
        ('{"hip_amp_deg": "wide"}', "parameter hip_amp_deg: 'wide' is not a number in deg"),
        ('{"hip_amp_deg": true}', "parameter hip_amp_deg: True is not"),
        ('{"mode": 1}', "mode: not a stored parameter"),
        ('{"hip_amp_deg": 120}', "is out of range [0, 90] deg"),
    ]:
        bad.write_text(text)
        line = refused("param", "load", str(bad), "--port", port)
        assert why in line, line
        if why.startswith("is out of range"):
            continue
        assert str(bad) in line
    assert "cannot read parameter file" in refused(
        "param", "diff", str(tmp_path / "missing.json"), "--port", port
    )
    # nothing of the refused files reached the board
    assert "0 parameter(s) differ from defaults" in ok("param", "diff", "--port", port)
    assert f"cannot open {tmp_path / 'ttyACM9'}" in refused(
        "param", "get", "mode", "--port", str(tmp_path / "ttyACM9")
    )


def test_mode_estop_joints_drive(port: str) -> None:
    assert ok("mode", "--port", port).startswith("idle")
    assert json.loads(ok("mode", "hold", "--port", port, "--json")) == {"mode": "hold"}
    assert json.loads(ok("mode", "--port", port, "--json"))["mode"] == "hold"
    code, out, err = mnsu("mode", "cpg", "--port", port)
    assert code == 0 and "cpg mode needs a host" in err

    line = refused("joints", "10", "20", "--port", port)
    assert "not accepted in the current mode" in line and "--host-mode" in line
    out = ok("joints", "10deg", "20", "--host-mode", "--stay", "0.2", "--port", port)
    assert out.strip() == "joints: hip 10 deg, knee 20 deg"
    line = refused("joints", "80", "20", "--host-mode", "--port", port)
    assert "value out of range" in line and "hip_min_deg hip_max_deg" in line
    assert "is not an angle" in refused("joints", "ten", "20", "--port", port)

    assert "e-stop latched" in ok("estop", "--port", port)
    t = json.loads(ok("mode", "--port", port, "--json"))
    assert t["mode"] == "estop" and t["estop"] is True
    line = refused("mode", "cpg", "--port", port)
    assert "e-stop latched; clear it with `mnsu estop --reset`" in line
    assert "e-stop latched" in refused("joints", "0", "10", "--host-mode", "--port", port)
    assert json.loads(ok("estop", "--reset", "--port", port, "--json")) == {
        "estop": False,
        "mode": "idle",
    }

    assert ok("drive", "45%", "--port", port).strip() == "drive 0.45"
    assert json.loads(ok("drive", "0.3", "--port", port, "--json"))["drive_level"] == (
        pytest.approx(0.3)
    )
    assert "is out of range [0, 1]" in refused("drive", "2", "--port", port)
    assert "not a plain number" in refused("drive", "fast", "--port", port)

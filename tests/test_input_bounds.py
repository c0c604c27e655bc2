"""Bounded, explained refusals for every accepted input: board YAML, CLI values, Ctrl-C.

The mutation test loads >= 300 generated mutants of the example boards in a child process
limited to 500 MB of address space; each loads or fails with one BoardError line that names
the file and the key, within 5 s.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mnsu.circuit.board import BoardError, load_board

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
README = ROOT / "README.md"
MNSU = Path(sys.executable).with_name("mnsu")
LEG = (EXAMPLES / "leg.yaml").read_text()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (LEG.replace("neurons:\n", "neurons:\n  E: {V0: 0 V}\n"), "key 'E' given twice"),
        (LEG + "name: other\n", "key 'name' given twice"),
        ("a: &a [x]\n" + "".join(f"b{i}: *a\n" for i in range(17)), "more than 16 aliases"),
        ("x: " + "[" * 40 + "]" * 40 + "\n", "nested deeper than 32 levels"),
        (
            LEG.replace("I_bias: 340 uA", "I_bias: 1e30 A"),
            r"neurons.F.I_bias: 1e\+30 A is physically absurd: accepted \|value\| <= 10 A",
        ),
        (LEG.replace("I_bias: 340 uA", "I_bias: .nan"), "neurons.F.I_bias: expected a finite"),
        (
            LEG.replace("tau: 30 ms", "tau: 1:30"),
            r"synapses\[0\]\.tau: expected a number .* '1:30'",
        ),
    ],
)
def test_strict_yaml(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "b.yaml"
    f.write_text(text)
    with pytest.raises(BoardError, match=message) as info:
        load_board(f)
    assert str(f) in str(info.value) and "\n" not in str(info.value)


def test_a_binary_board_file_is_one_line(tmp_path: Path) -> None:
    f = tmp_path / "b.yaml"
    f.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(BoardError, match="not a text file") as info:
        load_board(f)
    assert "\n" not in str(info.value)


def _cli(*args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(MNSU), *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["simulate", str(EXAMPLES / "hco.yaml"), "--duration", "inf"],
            "--duration must be a finite",
        ),
        (
            ["simulate", str(EXAMPLES / "hco.yaml"), "--duration", "nan"],
            "--duration must be a finite",
        ),
        (["simulate", str(EXAMPLES / "hco.yaml"), "--duration", "1:30"], "--duration"),
        (
            ["simulate", str(EXAMPLES / "hco.yaml"), "--duration", "2", "--plot", "x.unknown"],
            "Format 'unknown' is not supported",
        ),
        (["conformance", "--board", str(EXAMPLES / "leg.yaml"), "--recording", sys.executable], ""),
        (["simulate", sys.executable], "not a text file"),
    ],
)
def test_cli_bad_values_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    proc = _cli(*args)
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip() and "elapsed" not in ln]
    assert "Traceback" not in proc.stderr and message in proc.stderr, proc.stderr
    assert len([ln for ln in lines if ln.startswith("mnsu")]) == 1, proc.stderr


def test_an_unwritable_output_is_one_line_and_exit_2() -> None:
    # a directory that cannot be made, even by root: below a regular file
    out = f"{README}/x.npz"
    proc = _cli("simulate", str(EXAMPLES / "hco.yaml"), "--duration", "2", "--out", out)
    assert proc.returncode == 2, proc.stderr
    expected = f"mnsu simulate: cannot write {out}: [Errno 17] File exists: '{README}'"
    assert proc.stderr.strip() == expected, proc.stderr


def test_debug_shows_the_traceback() -> None:
    args = ["simulate", str(EXAMPLES / "hco.yaml"), "--duration", "2", "--plot", "x.unknown"]
    proc = _cli("--debug", *args)
    assert proc.returncode != 0 and "Traceback" in proc.stderr


def test_ctrl_c_stops_the_virtual_board_cleanly() -> None:
    proc = subprocess.Popen(
        [str(MNSU), "virtual-board", "--fast"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip()
        time.sleep(1.0)
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole group
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "stopped at board time" in err


MUTANT_RUNNER = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (500 << 20, 500 << 20))
from mnsu.circuit.board import BoardError, load_board
out = []
for path in sys.argv[1:]:
    t0 = time.perf_counter()
    try:
        load_board(path)
        out.append([path, "ok", "", time.perf_counter() - t0])
    except BoardError as exc:
        out.append([path, "error", str(exc), time.perf_counter() - t0])
    except BaseException as exc:
        out.append([path, "crash", repr(exc), time.perf_counter() - t0])
print(json.dumps(out))
"""

BAD_VALUES = [
    "nan",
    ".nan",
    ".inf",
    "-.inf",
    "1e300 A",
    "-1e30",
    "abc",
    "[]",
    "{}",
    "1:30",
    "3 kohm",
    "null",
    "true",
    "''",
    "!!binary AAAA",
    "*undefined",
    "'\\u0000'",
    "[[[[1]]]]",
    "1 uF",
    "0",
]


def _mutants(tmp_path: Path) -> list[Path]:
    out: list[Path] = []
    for example in sorted(EXAMPLES.glob("*.yaml")):
        lines = example.read_text().splitlines()
        values = [i for i, ln in enumerate(lines) if ":" in ln and not ln.lstrip().startswith("#")]
        for k, i in enumerate(values[:40]):
            key, _, _ = lines[i].partition(":")
            for twice in range(2):  # two different bad values per line
                bad = BAD_VALUES[(k * 7 + twice * 11 + len(out)) % len(BAD_VALUES)]
                mutated = lines.copy()
                mutated[i] = f"{key}: {bad}"
                f = tmp_path / f"{example.stem}-{k}-{twice}.yaml"
                f.write_text("\n".join(mutated) + "\n")
                out.append(f)
        out += _structural_mutants(example, tmp_path)
    return out


def _structural_mutants(example: Path, tmp_path: Path) -> list[Path]:
    """Mutants of the file's structure: a key given twice, aliases, deep nesting, binary
    bytes, a cut at any point, a mapping where a value was, tabs."""
    text = example.read_text()
    lines = text.splitlines()
    keyed = [i for i, ln in enumerate(lines) if ":" in ln and ln.lstrip()[:1] not in ("#", "-")]
    i = keyed[len(keyed) // 2]  # a `key: value` line (a list item given twice is legal)
    key = lines[i].partition(":")[0]
    cut = len(text) // 3
    variants = {
        "dup": "\n".join(lines[: i + 1] + [lines[i]] + lines[i + 1 :]) + "\n",
        "alias": "x: &a [1, 2]\n" + "".join(f"y{k}: *a\n" for k in range(40)) + text,
        "alias-bomb": "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c, *c]\n" + text,
        "nest": "\n".join(lines[:i] + [f"{key}: " + "[" * 60 + "]" * 60] + lines[i + 1 :]),
        "nest-map": "\n".join(lines[:i] + [f"{key}: " + "{a: " * 50 + "1" + "}" * 50]),
        "binary": text[:cut] + "\x00\x01\xfe\x7f" + text[cut:],
        "cut": text[:cut],
        "cut-late": text[: len(text) * 3 // 4],
        "tabs": text.replace("  ", "\t", 3),
        "mapping": "\n".join(lines[:i] + [f"{key}: {{value: 1, unit: F}}"] + lines[i + 1 :]),
        "list": "\n".join(lines[:i] + [f"{key}: [1 uF, 2 uF]"] + lines[i + 1 :]),
        "empty": "",
        "scalar": "just text\n",
        "huge": text + "\n# " + "x" * 200_000 + "\n",
    }
    out = []
    for name, body in variants.items():
        f = tmp_path / f"{example.stem}-s-{name}.yaml"
        f.write_bytes(body.encode("utf-8", "surrogateescape"))
        out.append(f)
    return out


def test_board_file_mutants_load_or_fail_in_one_line(tmp_path: Path) -> None:
    files = _mutants(tmp_path)
    assert len(files) >= 300
    proc = subprocess.run(
        [sys.executable, "-c", MUTANT_RUNNER, *map(str, files)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(proc.stdout)
    crashes = [r for r in results if r[1] == "crash"]
    assert crashes == [], crashes[:5]
    for path, status, message, seconds in results:
        assert seconds < 5.0, (path, seconds)
        if status == "error":
            assert message.startswith(path + ":") and "\n" not in message, message
    assert sum(r[1] == "error" for r in results) > 200
    for kind in ("dup", "alias", "alias-bomb", "nest", "nest-map", "binary", "empty", "scalar"):
        structural = [r for r in results if r[0].endswith(f"-s-{kind}.yaml")]
        assert structural and all(r[1] == "error" for r in structural), (kind, structural[:2])
    print(f"board-file mutants: {len(results)}, {sum(r[1] == 'error' for r in results)} refused")


def test_a_pulse_train_of_1e9_pulses_costs_one_pulse_of_memory(tmp_path: Path) -> None:
    import tracemalloc

    from mnsu.circuit.emulator import Emulator

    text = (EXAMPLES / "hco.yaml").read_text()
    board = load_board(EXAMPLES / "hco.yaml")
    f = tmp_path / "train.yaml"
    target = board.neurons[0].name
    f.write_text(
        text.rstrip("\n")
        + "\n"
        + ("inputs:\n" if "inputs:" not in text else "")
        + f"  - {{name: train, kind: pulse, target: {target}, amplitude: 10 uA,"
        " start: 0 s, duration: 1 ms, period: 2 ms, count: 1000000000}\n"
    )
    tracemalloc.start()
    emu = Emulator(load_board(f), seed=1)
    emu.advance(0.2)  # 100 pulses
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 50 << 20 and len(emu._sched) < 100

"""Every option of every subcommand, given a bad value: one line on stderr, no traceback, a
exit 2 (bad usage, and a value refused further in: a board parameter, a file that cannot be
read or written, a port that cannot be opened), quickly. Exit 1 is kept for a command that ran
and whose verdict is a failure (a conformance FAIL), which no bad value may produce.

The cases come from the parser itself (`mnsu.cli.build_parser`): an option that takes a value
and has no bad values listed here fails the test, so a new option cannot skip it. All cases
run in one child process (each under an alarm), which keeps the imports to one.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from mnsu.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
EX = ROOT / "examples"
LIF = str(EX / "lif.yaml")
LEG = str(EX / "leg.yaml")
HCO = str(EX / "hco.yaml")
CASE_TIMEOUT_S = 20.0

NUMBERS = ["abc", "1e300", "-1e300", "nan"]
# dest -> bad values (beyond NUMBERS for numeric options); {bin} a binary file, {dir} a
# directory, {missing} a file that does not exist, {under_file} a path below a regular file
BAD: dict[str, list[str]] = {
    "board": ["{missing}", "{bin}", "{dir}"],
    "leg": ["{missing}", "{bin}"],
    "pendulum": ["{missing}", "{bin}"],
    "recording": ["{missing}", "{bin}", "{dir}"],
    "convert": ["{missing}", "{bin}"],
    "scr_model": ["{missing}", "{bin}", "{dir}"],
    "fit": ["{under_file}/fit.yaml"],
    "save": ["{under_file}/rec.mnsurec"],
    "out": ["{under_file}/x.npz", "{under_file}/x.mcap"],
    "plot": ["{under_file}/x.png", "x.unknown", "{dir}"],
    "video": ["{under_file}/x.gif", "x.unknown", "{dir}"],
    "record": ["{under_file}/x.mnsurec"],
    "backup": ["{under_file}/b.json"],
    "overrides": ["nokey", "neurons.NOPE.C=1uF", "defaults.C=abc", "="],
    "set": ["nokey", "neurons.NOPE.C=1uF", "defaults.C=abc"],
    "settings": ["nope=1", "hip_amp_deg=abc", "hip_amp_deg=1e300"],
    "drive": ["abc", "2", "nan"],
    "push": ["x", "1:abc", "-1:0.1", "nan:1"],
    "port": ["{missing}", "{dir}"],
    "listen": ["abc", "127.0.0.1:99999", "999.1.1.1:80"],
    "scheduler": ["notaurl", "tcp://"],
    "tolerance": ["C=abc", "", "C=-5%", "NOPE=5%"],
    "freqs": ["a:b", "2:1:5", "2:7:0", "2:7:1e9"],
    "window": ["3:2", "x", "nan:1"],
    "traces": ["bogus"],
    "free": ["NOPE"],
    "params": ["bad", "neurons.U.NOPE=1:2:3", "neurons.U.I_bias=1:2:1e9"],
    "neuron": ["NOPE"],
    "input": ["NOPE"],
    "drive_input": ["NOPE"],
    "tolerance_file": ["{missing}"],
}
# The bare minimum that makes each command reach its work; "{port}" is a device that does not
# exist (a bad option must be refused before the port is opened, or the line names the port).
BASE: dict[str, str] = {
    "simulate": "{LIF} --duration 0.1",
    "demo": "--duration 3 --plot {tmp}/demo.png",
    "virtual-board": "--fast --duration 0.1",
    "monitor": "--port {missing} --duration 0.1",
    "sweep": "{LIF} --param neurons.U.I_bias=200u:300u:2 --duration 0.1 --transient 0 --jobs 1",
    "mismatch": "{HCO} --tolerance C=5% --runs 2 --duration 0.5 --jobs 1",
    "selfconsistent": "{EX}/autapse_memory.yaml --neuron M",
    "resonance": "{LEG} --neuron F --freqs 2:3:2 --duration 0.5 --transient 0.1",
    "deploy": "--port {missing}",
    "conformance": "--board {LEG} --port {missing} --duration 0.5",
    "netlist": "{LIF} --out {tmp}/x.cir",
    "spice": "{LIF} --duration 0.01 --transient 0.001",
    "spice-device": "{LIF} --duration 0.01",
    "urdf": "{LEG} --out {tmp}/x.urdf",
    "param list": "",
    "param get": "--port {missing} mode",
    "param set": "--port {missing} hip_amp_deg=20",
    "param save": "--port {missing}",
    "param defaults": "--port {missing}",
    "param diff": "--port {missing}",
    "param dump": "--port {missing} {tmp}/dump.json",
    "param load": "--port {missing} {tmp}/params.json",
    "record": "--port {missing} --out {tmp}/s.mcap --duration 0.1",
    "mode": "--port {missing}",
    "estop": "--port {missing}",
    "joints": "--port {missing} 10 20",
    "drive": "--port {missing} 0.5",
    "serve": "--port {missing} --duration 0.1",
}


def _commands(
    parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    out = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                inner = _commands(sub, (*prefix, name))
                out += inner or [((*prefix, name), sub)]
    return out


def _value_options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [
        a
        for a in parser._actions
        if a.option_strings and a.nargs != 0 and not isinstance(a, argparse._HelpAction)
    ]


def _without(base: list[str], option: str) -> list[str]:
    """`base` without `option` and its value (the case gives its own)."""
    out, skip = [], False
    for item in base:
        if skip:
            skip = False
        elif item == option:
            skip = True
        else:
            out.append(item)
    return out


def cases() -> list[tuple[str, str, list[str]]]:
    """(command, option, argv) for every value option of every command and each bad value."""
    out = []
    missing: list[str] = []
    for words, parser in _commands(build_parser()):
        name = " ".join(words)
        assert name in BASE, f"no base command line for `mnsu {name}` in tests/test_cli_options.py"
        for action in _value_options(parser):
            option = action.option_strings[-1]
            values = list(BAD.get(action.dest, []))
            if action.type in (int, float):
                values += NUMBERS
            if action.choices is not None:
                values.append("bogus")
            if not values:
                missing.append(f"mnsu {name} {option} ({action.dest})")
                continue
            line = BASE[name].replace("{LIF}", LIF).replace("{LEG}", LEG).replace("{HCO}", HCO)
            base = line.replace("{EX}", str(EX)).split()
            for value in values:
                out.append((name, option, [*words, *_without(base, option), f"{option}={value}"]))
    assert missing == [], f"no bad values for: {', '.join(missing)}"
    return out


def _names_it(line: str, option: str, value: str, subst: dict[str, str]) -> bool:
    """The error line says what was wrong: the option, its value (or the file it names),
    or, for a port that cannot be opened, the port."""
    if option in line or option.lstrip("-").replace("-", "_") in line:
        return True
    parts = [value, value.split("=")[0], value.split(":")[0], value.rpartition("=")[2]]
    if any(len(part) >= 3 and part in line for part in parts) or (value and value in line):
        return True
    return any(path in line and path in value for path in subst.values())


RUNNER = r"""
import contextlib, io, json, signal, sys, time
from mnsu.cli import main

class Timeout(BaseException):
    pass

def alarm(*_):
    raise Timeout()

signal.signal(signal.SIGALRM, alarm)
results = []
for argv in json.loads(sys.stdin.read()):
    out, err = io.StringIO(), io.StringIO()
    t0 = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, TIMEOUT)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 2
    except Timeout:
        code = "timeout"
    except BaseException as exc:
        code = "raised " + repr(exc)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    results.append([argv, code, err.getvalue(), time.perf_counter() - t0])
json.dump(results, sys.__stdout__)
"""


def test_every_option_refuses_bad_values_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "bin").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "dir").mkdir()
    (tmp_path / "file").write_text("a regular file\n")
    (tmp_path / "params.json").write_text(json.dumps({"hip_amp_deg": 20.0}))
    subst = {
        "{bin}": str(tmp_path / "bin"),
        "{dir}": str(tmp_path / "dir"),
        "{missing}": str(tmp_path / "missing"),
        "{under_file}": str(tmp_path / "file"),
        "{tmp}": str(tmp_path),
    }

    def fill(arg: str) -> str:
        for key, value in subst.items():
            arg = arg.replace(key, value)
        return arg

    all_cases = [(name, option, [fill(a) for a in argv]) for name, option, argv in cases()]
    assert len(all_cases) > 300
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER.replace("TIMEOUT", str(CASE_TIMEOUT_S))],
        input=json.dumps([argv for _, _, argv in all_cases]),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    failures = []
    slowest = 0.0
    for (name, option, case), (argv, code, err, seconds) in zip(
        all_cases, json.loads(proc.stdout), strict=True
    ):
        slowest = max(slowest, seconds)
        lines = [ln for ln in err.splitlines() if ln.strip()]
        why = None
        if code != 2:
            why = f"exit {code}"
        elif "Traceback" in err or len(lines) != 1:
            why = f"{len(lines)} lines"
        elif not lines[0].startswith(f"mnsu {name.split()[0]}"):
            why = "does not name the command"
        elif not _names_it(lines[0], option, case[-1].partition("=")[2], subst):
            why = "names neither the option nor its value"
        if why:
            failures.append(f"mnsu {' '.join(argv[len(name.split()) :])!s}: {why}: {err[:300]!r}")
    print(f"cli options: {len(all_cases)} bad values, slowest {slowest:.2f} s")
    Path(os.environ.get("MNSU_CLI_FAILURES", os.devnull)).write_text("\n".join(failures))
    assert failures == [], f"{len(failures)} of {len(all_cases)}:\n" + "\n".join(failures)

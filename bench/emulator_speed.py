"""Emulator speed, side by side in one run: mnsu's event-exact integrator, a fixed-step numpy
Euler at the step that reaches the same spike-time accuracy bar, and Brian2 on the same
HCO-P0 equations; plus the cost of one streaming tick (advance 0.5 ms + ADC reads).

    .venv/bin/python bench/emulator_speed.py [--quick]

Prints simulated seconds per wall second ("x real time") on one core, and the ratios.
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import yaml  # noqa: E402

from mnsu.circuit.board import Board, load_board, parse_board  # noqa: E402
from mnsu.circuit.emulator import Emulator  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
ACCURACY_BAR = 0.1e-3  # s: first 50 spike times of HCO-P0, as in the tests


def realtime(board: Board, duration: float, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        emu = Emulator(board)
        start = time.perf_counter()
        emu.advance(duration)
        best = min(best, time.perf_counter() - start)
    return duration / best


def network_32() -> Board:
    """16 HCO-P0 pairs in a ring, each flexor weakly inhibiting the next pair's flexor."""
    raw: dict[str, Any] = yaml.safe_load((EXAMPLES / "hco.yaml").read_text())
    template = copy.deepcopy(raw)
    raw["neurons"] = {}
    raw["synapses"] = []
    raw["probes"] = []
    for k in range(16):
        a, b = f"A{k}", f"B{k}"
        raw["neurons"][a] = {"V0": f"{0.5 + 0.01 * k} V"}
        raw["neurons"][b] = {"V0": "0 V"}
        for pre, post in ((a, b), (b, a)):
            raw["synapses"].append({**template["synapses"][0], "pre": pre, "post": post})
        raw["synapses"].append(
            {"pre": a, "post": f"A{(k + 1) % 16}", "W": "-60 uA", "tau": "30 ms", "alpha": 0.5}
        )
    raw["name"] = "ring32"
    return parse_board(raw, "ring32")


def euler_spikes(board: Board, duration: float, dt: float) -> tuple[list[float], float]:
    """Fixed-step forward Euler in numpy over the whole network; returns (spikes, wall s)."""
    nr = board.neurons
    names = [n.name for n in nr]
    C = np.array([n.C for n in nr])
    g_l = np.array([1 / n.R_leak for n in nr])
    v_th = np.array([n.V_th for n in nr])
    v_on = np.array([n.V_on for n in nr])
    r_on = np.array([n.R_on for n in nr])
    r_off = np.array([n.R_off for n in nr])
    v_off = v_on + np.array([n.I_hold for n in nr]) * r_on
    bias = np.array([n.I_bias for n in nr])
    a = np.array([n.adapt_a for n in nr])
    b = np.array([n.adapt_b for n in nr])
    tau_w = np.array([n.adapt_tau or 1.0 for n in nr])
    pre = np.array([names.index(s.pre) for s in board.synapses])
    post = np.array([names.index(s.post) for s in board.synapses])
    weight = np.array([s.W for s in board.synapses])
    tau_s = np.array([s.tau for s in board.synapses])
    alpha = np.array([s.alpha for s in board.synapses])
    v = np.array([n.V0 for n in nr])
    w = np.zeros(len(nr))
    s = np.zeros(len(board.synapses))
    on = np.zeros(len(nr), dtype=bool)
    spikes: list[float] = []
    steps = int(round(duration / dt))
    start = time.perf_counter()
    for k in range(steps):
        i_syn = np.bincount(post, weight * s, minlength=len(nr))
        i_m = np.where(on, np.maximum(v - v_on, 0) / r_on, v / r_off)
        v = v + dt * (bias + i_syn - v * g_l - i_m - w) / C
        w = w + dt * (a * v - w) / tau_w
        s = s - dt * s / tau_s
        fire = ~on & (v >= v_th)
        stop = on & (v < v_off)
        if fire.any():
            t = (k + 1) * dt
            spikes.extend([t] * int(fire.sum()))
            w = w + b * fire
            hit = fire[pre]
            s = np.where(hit, s + alpha * (1 - s), s)
        on = (on | fire) & ~stop
    return spikes, time.perf_counter() - start


def euler_step_for_accuracy(board: Board, reference: list[float]) -> tuple[float, float, bool]:
    """(dt, error, reached): the largest Euler step whose first 50 spike times are within the
    accuracy bar; if even 1 us misses it, the step that first-order convergence predicts
    (error proportional to dt), with reached=False."""
    err = float("nan")
    dt = 1e-6
    for dt in (20e-6, 10e-6, 5e-6, 2e-6, 1e-6):
        spikes, _ = euler_spikes(board, 1.6, dt)
        ours = sorted(spikes)[:50]
        err = max(abs(x - y) for x, y in zip(ours, reference, strict=False))
        if len(ours) == 50 and err < ACCURACY_BAR:
            return dt, err, True
    return dt * ACCURACY_BAR / err, err, False


def brian2_realtime(board: Board, duration: float) -> tuple[float, str] | None:
    """Brian2 (numpy runtime target) on the same HCO-P0 equations; None when not installed."""
    try:
        import brian2 as b2
    except ImportError:
        print("brian2 not installed (make bench installs it): skipping that column")
        return None
    try:
        import Cython  # noqa: F401

        b2.prefs.codegen.target = "cython"
    except ImportError:
        b2.prefs.codegen.target = "numpy"
    b2.start_scope()
    b2.defaultclock.dt = 10 * b2.usecond
    n = board.neurons[0]
    syn = board.synapses[0]
    eqs = """
    dv/dt = (I_b + I_syn - v/R_L - I_m - w)/C : volt
    dw/dt = (a*v - w)/tau_w : amp
    I_m = on*clip(v - V_on, 0*volt, 100*volt)/R_on + (1 - on)*v/R_off : amp
    I_syn : amp
    on : 1
    """
    ns = {
        "I_b": n.I_bias * b2.amp,
        "R_L": n.R_leak * b2.ohm,
        "C": n.C * b2.farad,
        "a": n.adapt_a * b2.siemens,
        "tau_w": n.adapt_tau * b2.second,
        "V_on": n.V_on * b2.volt,
        "R_on": n.R_on * b2.ohm,
        "R_off": n.R_off * b2.ohm,
        "V_th": n.V_th * b2.volt,
        "V_off": n.V_off * b2.volt,
        "b": n.adapt_b * b2.amp,
        "W": syn.W * b2.amp,
        "tau_s": syn.tau * b2.second,
        "alpha": syn.alpha,
    }
    group = b2.NeuronGroup(
        2,
        eqs,
        threshold="on < 0.5 and v >= V_th",
        reset="on = 1; w += b",
        events={"turn_off": "on > 0.5 and v < V_off"},
        method="euler",
        namespace=ns,
    )
    group.run_on_event("turn_off", "on = 0")
    group.v = [board.neurons[0].V0, board.neurons[1].V0] * b2.volt
    synapses = b2.Synapses(
        group,
        group,
        """ds/dt = -s/tau_s : 1 (clock-driven)
        I_syn_post = W*s : amp (summed)""",
        on_pre="s += alpha*(1 - s)",
        method="exact",
        namespace=ns,
    )
    synapses.connect(i=[0, 1], j=[1, 0])
    monitor = b2.SpikeMonitor(group)
    net = b2.Network(group, synapses, monitor)
    net.run(0.1 * b2.second)  # code generation and compilation outside the timing
    start = time.perf_counter()
    net.run(duration * b2.second)
    wall = time.perf_counter() - start
    return duration / wall, str(b2.prefs.codegen.target)


def streaming_cost(ticks: int) -> tuple[float, float]:
    emu = Emulator(load_board(EXAMPLES / "leg.yaml"), seed=1)
    channels = emu.adc_channels
    costs = []
    for _ in range(ticks):
        start = time.perf_counter_ns()
        emu.advance(0.0005)
        for ch in channels:
            emu.read_adc(ch)
        costs.append((time.perf_counter_ns() - start) / 1000.0)
    costs.sort()
    return statistics.median(costs), costs[int(0.99 * len(costs))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    args = parser.parse_args()
    scale = 0.25 if args.quick else 1.0
    lif = load_board(EXAMPLES / "lif.yaml")
    hco = load_board(EXAMPLES / "hco.yaml")
    ring = network_32()

    print("simulated seconds per wall second, one core (best of 3)")
    rows = [
        ("one LIF unit at 300 uA", realtime(lif, 60 * scale), 500.0),
        ("HCO-P0", realtime(hco, 60 * scale), 200.0),
        ("32-unit ring of HCOs", realtime(ring, 10 * scale), 20.0),
    ]
    for label, rate, goal in rows:
        verdict = "meets" if rate >= goal else "MISSES"
        print(f"  mnsu emulator, {label:<24} {rate:10.0f}x   (goal >= {goal:.0f}x: {verdict})")

    emu = Emulator(hco)
    emu.advance(1.6)
    reference = sorted(t for spikes in emu.spikes for t in spikes)[:50]
    dt, err, reached = euler_step_for_accuracy(hco, reference)
    euler_duration = 1.0 * scale
    measured_dt = max(dt, 1e-6)
    _, wall = euler_spikes(hco, euler_duration, measured_dt)
    euler_rate = euler_duration / wall * (dt / measured_dt)  # cost is proportional to 1/dt
    if reached:
        note = f"dt = {dt * 1e6:g} us, first 50 spikes within {err * 1e6:.1f} us"
    else:
        note = (
            f"1 us still misses by {err * 1e6:.0f} us; first order predicts "
            f"dt = {dt * 1e6:.2f} us, speed scaled from the 1 us run"
        )
    print(f"  numpy Euler, HCO-P0 ({note})  {euler_rate:10.2f}x")
    brian = brian2_realtime(hco, 5.0 * scale)
    if brian is not None:
        target = brian[1]
        print(f"  Brian2 2.9 ({target} target, Euler 10 us), HCO-P0   {brian[0]:10.1f}x")
    hco_rate = rows[1][1]
    print("ratios on HCO-P0 (mnsu / other):")
    print(f"  mnsu / numpy Euler at equal accuracy: {hco_rate / euler_rate:8.0f}")
    if brian is not None:
        print(f"  mnsu / Brian2:                        {hco_rate / brian[0]:8.0f}")

    median, p99 = streaming_cost(int(40000 * scale))
    verdict = "meets" if median <= 50.0 else "MISSES"
    print(
        f"streaming tick on leg.yaml (advance 0.5 ms + 2 ADC reads): median {median:.1f} us, "
        f"p99 {p99:.1f} us (goal median <= 50 us: {verdict})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

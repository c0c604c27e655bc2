"""Emulator speed, side by side in one run: the event-exact emulator's Python path (the
reference) and its compiled path (mnsu.circuit.kernel, numba), a numba fixed-step Euler at 20 us
(the fixed-step ceiling; not exact), a fixed-step numpy Euler at the step that reaches the
accuracy bar, and Brian2 when installed; on LIF, HCO-P0, 32/128/512-unit rings of HCOs and a
128-unit all-to-all network; plus the cost of one streaming tick (advance 0.5 ms + ADC reads).

    .venv/bin/python bench/emulator_speed.py [--quick]

Prints simulated seconds per wall second ("x real time") on one core, the ratios, the cost per
spike event, and each goal of issue 18.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numba  # noqa: E402
import numpy as np  # noqa: E402

from mnsu.circuit.board import Board, load_board  # noqa: E402
from mnsu.circuit.emulator import Emulator  # noqa: E402
from mnsu.circuit.networks import all_to_all, hco_ring  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
ACCURACY_BAR = 0.1e-3  # s: first 50 spike times of HCO-P0, as in the tests


def realtime(
    board: Board, duration: float, repeats: int = 3, backend: str = "auto"
) -> tuple[float, float]:
    """(x real time, wall s per spike event) of the emulator, best of `repeats`."""
    best = float("inf")
    spikes = 1
    for _ in range(repeats):
        emu = Emulator(board, backend=backend)
        start = time.perf_counter()
        emu.advance(duration)
        best = min(best, time.perf_counter() - start)
        spikes = max(1, sum(len(s) for s in emu.spikes))
    return duration / best, best / spikes


@numba.njit(cache=True)
def _euler_loop(
    steps: int,
    dt: float,
    C: Any,
    g_l: Any,
    v_th: Any,
    v_on: Any,
    r_on: Any,
    r_off: Any,
    v_off: Any,
    bias: Any,
    a: Any,
    b: Any,
    tau_w: Any,
    v: Any,
    in_ptr: Any,
    in_syn: Any,
    out_ptr: Any,
    out_syn: Any,
    weight: Any,
    decay: Any,
    alpha: Any,
) -> int:
    n = v.shape[0]
    w = np.zeros(n)
    s = np.zeros(weight.shape[0])
    on = np.zeros(n, np.bool_)
    count = 0
    for _ in range(steps):
        for k in range(s.shape[0]):
            s[k] *= decay[k]
        for i in range(n):
            i_syn = 0.0
            for p in range(in_ptr[i], in_ptr[i + 1]):
                k = in_syn[p]
                i_syn += weight[k] * s[k]
            vi = v[i]
            i_m = max(vi - v_on[i], 0.0) / r_on[i] if on[i] else vi / r_off[i]
            v[i] = vi + dt * (bias[i] + i_syn - vi * g_l[i] - i_m - w[i]) / C[i]
            w[i] += dt * (a[i] * vi - w[i]) / tau_w[i]
        for i in range(n):
            if not on[i] and v[i] >= v_th[i]:
                on[i] = True
                count += 1
                w[i] += b[i]
                for p in range(out_ptr[i], out_ptr[i + 1]):
                    k = out_syn[p]
                    s[k] += alpha[k] * (1.0 - s[k])
            elif on[i] and v[i] < v_off[i]:
                on[i] = False
    return count


def numba_euler(board: Board, duration: float, dt: float = 20e-6) -> tuple[float, float]:
    """(x real time, wall s per spike) of a compiled fixed-step forward Euler at dt."""
    nr = board.neurons
    names = [n.name for n in nr]
    arr = np.array
    post = [names.index(s.post) for s in board.synapses]
    pre = [names.index(s.pre) for s in board.synapses]
    in_syn = np.argsort(post, kind="stable")
    out_syn = np.argsort(pre, kind="stable")
    in_ptr = np.searchsorted(np.array(post)[in_syn], np.arange(len(nr) + 1))
    out_ptr = np.searchsorted(np.array(pre)[out_syn], np.arange(len(nr) + 1))
    args = (
        arr([n.C for n in nr]),
        arr([1 / n.R_leak for n in nr]),
        arr([n.V_th for n in nr]),
        arr([n.V_on for n in nr]),
        arr([n.R_on for n in nr]),
        arr([n.R_off for n in nr]),
        arr([n.V_off for n in nr]),
        arr([n.I_bias for n in nr]),
        arr([n.adapt_a for n in nr]),
        arr([n.adapt_b for n in nr]),
        arr([n.adapt_tau or 1.0 for n in nr]),
    )
    syn = (
        in_ptr.astype(np.int64),
        in_syn.astype(np.int64),
        out_ptr.astype(np.int64),
        out_syn.astype(np.int64),
        arr([s.W for s in board.synapses], dtype=float),
        arr([np.exp(-dt / s.tau) for s in board.synapses], dtype=float),
        arr([s.alpha for s in board.synapses], dtype=float),
    )
    v0 = arr([n.V0 for n in nr], dtype=float)
    _euler_loop(10, dt, *args, v0.copy(), *syn)  # compile / load outside the timing
    steps = int(round(duration / dt))
    start = time.perf_counter()
    count = _euler_loop(steps, dt, *args, v0.copy(), *syn)
    wall = time.perf_counter() - start
    return duration / wall, wall / max(count, 1)


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
    Emulator(lif).advance(0.01)  # load the compiled kernel outside the timing

    # (label, board, simulated s on the compiled path, on the Python path, goal x real time)
    workloads = [
        ("LIF (one unit, 300 uA)", lif, 60.0, 10.0, 20000.0),
        ("HCO-P0", hco, 60.0, 10.0, 15000.0),
        ("ring of 32 units", hco_ring(32), 20.0, 2.0, 600.0),
        ("ring of 128 units", hco_ring(128), 5.0, 0.5, 120.0),
        ("ring of 512 units", hco_ring(512), 2.0, 0.2, 10.0),
        ("all-to-all 128 units", all_to_all(128), 1.0, 0.05, 5.0),
    ]
    print("simulated seconds per wall second (x real time), one core, best of 3;")
    print("us = wall microseconds per spike event")
    print(
        f"  {'workload':<24}{'python':>10}{'us':>8}{'compiled':>11}{'us':>7}"
        f"{'ratio':>7}{'euler20us':>11}{'us':>7}{'comp/eul':>9}   goal"
    )
    misses = 0
    for label, board, d_comp, d_py, goal in workloads:
        py_rate, py_cost = realtime(board, d_py * scale, repeats=1, backend="python")
        rate, cost = realtime(board, d_comp * scale, backend="compiled")
        eu_rate, eu_cost = numba_euler(board, min(d_comp, 5.0) * scale)
        ok = rate >= goal
        misses += not ok
        print(
            f"  {label:<24}{py_rate:10.3g}{py_cost * 1e6:8.4g}{rate:11.4g}{cost * 1e6:7.3g}"
            f"{rate / py_rate:7.3g}{eu_rate:11.4g}{eu_cost * 1e6:7.4g}{rate / eu_rate:9.3g}"
            f"   >= {goal:.0f}x: {'meets' if ok else 'MISSES'}"
        )

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
    print(f"  numpy Euler at equal accuracy, HCO-P0 ({note})  {euler_rate:10.2f}x")
    brian = brian2_realtime(hco, 5.0 * scale)
    hco_rate = realtime(hco, 60 * scale, backend="compiled")[0]
    print("ratios on HCO-P0 (compiled emulator / other):")
    print(f"  / numpy Euler at equal accuracy: {hco_rate / euler_rate:10.0f}")
    if brian is not None:
        print(f"  Brian2 2.9 ({brian[1]} target, Euler 10 us): {brian[0]:.1f}x")
        print(f"  / Brian2:                        {hco_rate / brian[0]:10.0f}")

    median, p99 = streaming_cost(int(40000 * scale))
    verdict = "meets" if median <= 50.0 else "MISSES"
    print(
        f"streaming tick on leg.yaml (advance 0.5 ms + 2 ADC reads): median {median:.1f} us, "
        f"p99 {p99:.1f} us (goal median <= 50 us: {verdict})"
    )
    print(f"goals missed: {misses} of {len(workloads)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

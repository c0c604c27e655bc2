"""An independent fine-step reference for the emulator: RK4 on the full network state.

It shares nothing with mnsu's integrator: plain fixed-step RK4 on (V, w, u, Vd, s), with
threshold crossings located by re-integrating the last step at a bisected fraction. It covers
first-order and resonant adaptation, the dendrite compartment, the device's re-trigger
window, the series soma compartment (NCE23) and the two-stage (Rall) synapse with its
rectangular pulse while the presynaptic spike Vap = I_M*R_read exceeds theta (no membrane
noise, no delays).
"""

from __future__ import annotations

from mnsu.circuit.board import Board


def simulate_fine(board: Board, duration: float, dt: float = 10e-6) -> list[list[float]]:
    """Spike onset times of every neuron (s)."""
    neurons = board.neurons
    names = [n.name for n in neurons]
    syn = [
        (names.index(s.pre), names.index(s.post), s.W, s.tau, s.alpha)
        for s in board.synapses
        if s.model != "rall"
    ]
    rall = [
        (names.index(s.pre), names.index(s.post), s.I_delta, s.tau, s.stages, s.theta)
        for s in board.synapses
        if s.model == "rall"
    ]
    n = len(neurons)
    # layout: V[n], w[n], s[len(syn)], u[n] (resonant adaptation), Vd[n] (dendrite),
    # then (Is1, Is2) per two-stage synapse
    ns = len(syn)
    U = 2 * n + ns
    D = 3 * n + ns
    R = 4 * n + ns
    state = (
        [n_.V0 for n_ in neurons]
        + [0.0] * n
        + [0.0] * ns
        + [0.0] * n
        + [n_.V0_d for n_ in neurons]
        + [0.0] * (2 * len(rall))
        + [0.0] * n
    )
    S = 4 * n + ns + 2 * len(rall)  # Vs[n]: the series soma (NCE23's bursting neuron)
    on = [False] * n
    pulsing = [False] * n
    # V at which the spike on the readout resistor equals theta (the pulse ends below it)
    v_pulse = [float("inf")] * n
    for pre, _, _, _, _, theta in rall:
        v_pulse[pre] = neurons[pre].V_on + theta * neurons[pre].R_on / neurons[pre].R_read
    last_off = [-1.0] * n
    spikes: list[list[float]] = [[] for _ in range(n)]

    def deriv(x: list[float]) -> list[float]:
        d = [0.0] * len(x)
        current = [nr.I_bias for nr in neurons]
        for k, (_, post, w_syn, _, _) in enumerate(syn):
            current[post] += w_syn * x[2 * n + k]
        for k, (pre, post, i_delta, tau_s, stages, _) in enumerate(rall):
            is1, is2 = x[R + 2 * k], x[R + 2 * k + 1]
            d[R + 2 * k] = ((i_delta if pulsing[pre] else 0.0) - is1) / tau_s
            if stages == 2:
                d[R + 2 * k + 1] = (is1 - is2) / tau_s
                current[post] += is2
            else:
                current[post] += is1
        for i, nr in enumerate(neurons):
            v, w = x[i], x[n + i]
            v_m = v - x[S + i]  # across M
            i_m = max(v_m - nr.V_on, 0.0) / nr.R_on if on[i] else v_m / nr.R_off
            if nr.C_series > 0:
                d[S + i] = (i_m - x[S + i] / nr.R_series) / nr.C_series
            i_c = 0.0
            if nr.C_d > 0:
                vd = x[D + i]
                i_c = (vd - v) / nr.R_c
                d[D + i] = (nr.I_bias_d - vd / nr.R_d - i_c) / nr.C_d
            d[i] = (current[i] - v / nr.R_leak - i_m - w + i_c) / nr.C
            if nr.adapt_tau > 0 and nr.adapt_q > 0:
                omega = 1.0 / nr.adapt_tau
                d[n + i] = x[U + i]
                d[U + i] = omega * omega * (nr.adapt_a * v - w) - omega / nr.adapt_q * x[U + i]
            elif nr.adapt_tau > 0:
                d[n + i] = (nr.adapt_a * v - w) / nr.adapt_tau
        for k, (_, _, _, tau, _) in enumerate(syn):
            d[2 * n + k] = -x[2 * n + k] / tau
        return d

    def rk4(x: list[float], h: float) -> list[float]:
        k1 = deriv(x)
        k2 = deriv([a + h / 2 * b for a, b in zip(x, k1, strict=True)])
        k3 = deriv([a + h / 2 * b for a, b in zip(x, k2, strict=True)])
        k4 = deriv([a + h * b for a, b in zip(x, k3, strict=True)])
        return [
            a + h / 6 * (b + 2 * c + 2 * e + f)
            for a, b, c, e, f in zip(x, k1, k2, k3, k4, strict=True)
        ]

    def threshold(i: int, t: float) -> float:
        nr = neurons[i]
        if nr.retrigger_window > 0 and last_off[i] >= 0 and t - last_off[i] < nr.retrigger_window:
            return nr.V_retrigger
        return nr.V_th

    def pulse_ends(i: int, x: list[float]) -> bool:
        nr = neurons[i]
        return on[i] and pulsing[i] and v_pulse[i] > nr.V_off and x[i] < v_pulse[i]

    def crossed(x: list[float], t: float) -> list[int]:
        out = []
        for i, nr in enumerate(neurons):
            v_m = x[i] - x[S + i]  # across M
            if (
                (not on[i] and v_m >= threshold(i, t))
                or (on[i] and v_m < nr.V_off)
                or pulse_ends(i, x)
            ):
                out.append(i)
        return out

    t = 0.0
    while t < duration:
        h = dt
        # the re-trigger window closing is a threshold step: land on it exactly
        for i, nr in enumerate(neurons):
            end = last_off[i] + nr.retrigger_window
            if nr.retrigger_window > 0 and last_off[i] >= 0 and t < end < t + h:
                h = end - t
        nxt = rk4(state, h)
        if not crossed(nxt, t + h):
            state, t = nxt, t + h
            continue
        lo, hi = 0.0, h  # bisect the first crossing inside this step
        for _ in range(40):
            mid = (lo + hi) / 2
            if crossed(rk4(state, mid), t + mid):
                hi = mid
            else:
                lo = mid
        state = rk4(state, hi)
        t += hi
        for i in crossed(state, t):
            nr = neurons[i]
            if pulse_ends(i, state):
                pulsing[i] = False
                continue
            pulsing[i] = False
            on[i] = not on[i]
            if not on[i]:
                last_off[i] = t
            if on[i]:
                pulsing[i] = state[i] > v_pulse[i]
                spikes[i].append(t)
                state[n + i] += nr.adapt_b
                for k, (pre, _, _, _, alpha) in enumerate(syn):
                    if pre == i:
                        s = state[2 * n + k]
                        state[2 * n + k] = s + alpha * (1 - s)
    return spikes

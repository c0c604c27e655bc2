"""An independent fine-step reference for the emulator: RK4 on the full network state.

It shares nothing with mnsu's integrator: plain fixed-step RK4 on (V, w, s), with threshold
crossings located by re-integrating the last step at a bisected fraction.
"""

from __future__ import annotations

from mnsu.board import Board


def simulate_fine(board: Board, duration: float, dt: float = 10e-6) -> list[list[float]]:
    """Spike onset times of every neuron (s)."""
    neurons = board.neurons
    names = [n.name for n in neurons]
    syn = [(names.index(s.pre), names.index(s.post), s.W, s.tau, s.alpha) for s in board.synapses]
    n = len(neurons)
    state = [n_.V0 for n_ in neurons] + [0.0] * n + [0.0] * len(syn)
    on = [False] * n
    spikes: list[list[float]] = [[] for _ in range(n)]

    def deriv(x: list[float]) -> list[float]:
        d = [0.0] * len(x)
        current = [nr.I_bias for nr in neurons]
        for k, (_, post, w_syn, _, _) in enumerate(syn):
            current[post] += w_syn * x[2 * n + k]
        for i, nr in enumerate(neurons):
            v, w = x[i], x[n + i]
            i_m = max(v - nr.V_on, 0.0) / nr.R_on if on[i] else v / nr.R_off
            d[i] = (current[i] - v / nr.R_leak - i_m - w) / nr.C
            if nr.adapt_tau > 0:
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

    def crossed(x: list[float]) -> list[int]:
        out = []
        for i, nr in enumerate(neurons):
            if (not on[i] and x[i] >= nr.V_th) or (on[i] and x[i] < nr.V_on + nr.I_hold * nr.R_on):
                out.append(i)
        return out

    t = 0.0
    while t < duration:
        nxt = rk4(state, dt)
        if not crossed(nxt):
            state, t = nxt, t + dt
            continue
        lo, hi = 0.0, dt  # bisect the first crossing inside this step
        for _ in range(40):
            mid = (lo + hi) / 2
            if crossed(rk4(state, mid)):
                hi = mid
            else:
                lo = mid
        state = rk4(state, hi)
        t += hi
        for i in crossed(state):
            nr = neurons[i]
            on[i] = not on[i]
            if on[i]:
                spikes[i].append(t)
                state[n + i] += nr.adapt_b
                for k, (pre, _, _, _, alpha) in enumerate(syn):
                    if pre == i:
                        s = state[2 * n + k]
                        state[2 * n + k] = s + alpha * (1 - s)
    return spikes

"""Exact piecewise-linear dynamics of one memristive unit between switching events.

Between events the unit is linear:

    C dV/dt = I + e - g*V - w + (Vd - V)/R_c + sum_m c_m * exp(lam_m * t)   (synapses decay)
    tau_w dw/dt = a*V - w                          (adaptation, optional), or, resonant:
    dw/dt = u,  du/dt = w0^2*(a*V - w) - (w0/Q)*u  (w0 = 1/tau_w, quality factor Q = adapt_q)
    C_d dVd/dt = I_d - Vd/R_d - (Vd - V)/R_c       (dendrite compartment, optional)

with g = 1/R_leak + 1/R_off, e = 0 while the device M is OFF, and
g = 1/R_leak + 1/R_on, e = V_on/R_on while it is ON. The solution is a constant plus a sum of
exponentials, so the state is evaluated in closed form (a "segment"). Threshold events are
located with rigorous bounds on how far V can move, which never step over a crossing.
The state vector is [V], [V, w], or, for the general model, [V, (w, (u)), (Vd)].

One concern, one unit between its switching events: its linear system per device state
(UnitModel), the closed-form segment and its rigorous crossing search (Segment), and the
rebase of a segment at an event (rebase); the emulator orders the events of many units.
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
from numpy.typing import NDArray

from mnsu.circuit.board import NeuronSpec

# When a synaptic decay rate coincides with a membrane eigenvalue the particular solution is
# singular; the rate is moved by this relative amount (error ~1e-7 relative, far below 1 us).
RESONANCE_NUDGE = 1e-7
# Relative split of the two equal rates 1/tau_s of a two-stage synapse, so that its modes stay
# diagonalisable: the stages get the rates (1 -+ RALL_SPLIT/2)/tau_s, and the alpha current
# t*exp(-t/tau_s) becomes a difference of two exponentials whose error is second order,
# (RALL_SPLIT*t/tau_s)^2/24 relative (4e-10 at t = tau_s); rounding costs ~1e-12.
RALL_SPLIT = 1e-4
# A crossing is declared once V is this close to the event level (volts); with dV/dt of
# 1..1000 V/s the time error is below 5e-9 s (5 ns).
CROSSING_TOLERANCE = 5e-9


@dataclass(frozen=True)
class DeviceState:
    """Linear coefficients of the membrane in one device state (OFF or ON)."""

    g: float  # total membrane conductance (S)
    e: float  # constant source current of the device (A)
    nu1: complex  # eigenvalues of the (V, w) system (1/s); nu2 unused without adaptation
    nu2: complex
    w1: complex  # w-component of the eigenvectors (V-component is 1)
    w2: complex


@dataclass(frozen=True)
class GeneralState:
    """Eigen-decomposition of the general (n-state) unit in one device state."""

    e: float  # constant device source current (A)
    k_soma: list[float]  # constant state per ampere into the soma
    k_device: list[float] | None  # per ampere of device source, if not k_soma (series soma)
    k_dend: list[float]  # constant state per ampere into the dendrite
    k_rall: list[list[float]]  # per two-stage synapse: constant state per ampere of pulse
    forced: list[tuple[list[float], float]]  # per tau group: state per ampere of c*exp(lam t)
    # (eigenvalue, right eigenvector, row of P^-1, complex pair?) per kept mode
    modes: list[tuple[complex, list[complex], list[complex], bool]]


class UnitModel:
    """Per-unit constants: component values and the precomputed linear algebra."""

    def __init__(
        self,
        spec: NeuronSpec,
        tau_groups: list[float],
        rall: Sequence[tuple[float, int]] = (),
    ) -> None:
        self.spec = spec
        self.C = spec.C
        self.adaptive = spec.adapt_a != 0.0 or spec.adapt_b != 0.0
        self.resonant = self.adaptive and spec.adapt_q > 0.0
        self.dendrite = spec.C_d > 0.0
        # Index of each state variable in the state vector (-1: absent).
        self.idx_w = 1 if self.adaptive else -1
        self.idx_u = 2 if self.resonant else -1
        self.idx_d = (1 + int(self.adaptive) + int(self.resonant)) if self.dendrite else -1
        self.size = 1 + int(self.adaptive) + int(self.resonant) + int(self.dendrite)
        # A soma compartment in series with M (NCE23's bursting neuron): its voltage Vs is a
        # state, and the device switches on V - Vs, so segments track that difference.
        self.series = spec.C_series > 0.0
        self.idx_s = -1
        if self.series:
            self.idx_s = self.size
            self.size += 1
        # Incoming two-stage (Rall) synapses, (tau_s, stages) each: their currents Is1 (and
        # Is2) are state variables of this unit; rall_index[k] = (index of Is1, index of the
        # stage that flows into the membrane).
        self.rall = list(rall)
        self.rall_index: list[tuple[int, int]] = []
        for _, stages in self.rall:
            self.rall_index.append((self.size, self.size + stages - 1))
            self.size += stages
        self.general: list[GeneralState] | None = None
        self.a = spec.adapt_a
        self.tau_w = spec.adapt_tau
        self.V_th = spec.V_th
        self.V_off = spec.V_off
        self.V_on = spec.V_on
        self.R_on = spec.R_on
        self.R_off = spec.R_off
        self.R_read = spec.R_read
        self.read_on = spec.R_read / spec.R_on  # readout per volt above V_on while ON (1: lif)
        g_leak = 1.0 / spec.R_leak
        self.states = (
            self._state(g_leak + 1.0 / spec.R_off, 0.0),
            self._state(g_leak + 1.0 / spec.R_on, spec.V_on / spec.R_on),
        )
        # Synaptic decay rates lam_m = -1/tau_m, one per distinct tau among incoming synapses.
        self.rates = [-1.0 / tau for tau in tau_groups]
        # Particular-solution factors per (device state, tau group): y = c * (fv, fw).
        self.particular: list[list[tuple[float, float, float]]] = []
        for state in self.states:
            row = []
            for lam in self.rates:
                fv, fw, lam_used = self._particular(state, lam)
                row.append((fv, fw, lam_used))
            self.particular.append(row)
        if self.resonant or self.dendrite or self.rall or self.series:
            self.general = [self._general_state(on) for on in (False, True)]
        # Per device state, (nu1, nu2, w1, w2) as floats when the (V, w) eigenvalues are real
        # (None: a complex pair), so that rebase does real arithmetic in the common case;
        # the results equal the complex arithmetic's real parts exactly (imaginary parts 0).
        self.real_modes: list[tuple[float, float, float, float] | None] = [
            None
            if st.nu1.imag != 0.0 or st.nu2.imag != 0.0
            else (st.nu1.real, st.nu2.real, st.w1.real, st.w2.real)
            for st in self.states
        ]

    @overload
    def readout(self, v: float, on: bool) -> float: ...
    @overload
    def readout(self, v: NDArray[np.float64], on: NDArray[np.bool_]) -> NDArray[np.float64]: ...

    def readout(self, v: Any, on: Any) -> Any:
        """Readout voltage I_M*R_read (V) at membrane voltage `v` (V), the device ON or OFF.

        The device law (circuit/device.py): I_M = max(V - V_on, 0)/R_on while ON, V/R_off
        while OFF. Scalars (the emulator now) or arrays (traces of a recorded run) alike.
        A unit with a series soma is read on the soma instead (Emulator.readout).
        """
        if isinstance(on, (bool, np.bool_)):
            if on:
                return max(v - self.V_on, 0.0) * self.read_on
            return v * self.R_read / self.R_off
        on_value = np.maximum(v - self.V_on, 0.0) * self.read_on
        return np.where(on, on_value, v * self.R_read / self.R_off)

    def initial_state(self) -> list[float]:
        """State vector at t = 0: V0 (and V0_d on the dendrite), adaptation at rest."""
        x = [0.0] * self.size
        x[0] = self.spec.V0
        if self.dendrite:
            x[self.idx_d] = self.spec.V0_d
        return x

    def system_matrix(self, on: bool) -> np.ndarray:
        """The matrix A of dx/dt = A x + b in one device state."""
        spec = self.spec
        n = self.size
        A = np.zeros((n, n))
        g = 1.0 / spec.R_leak + (1.0 / spec.R_on if on else 1.0 / spec.R_off)
        C = spec.C
        if self.dendrite:
            g += 1.0 / spec.R_c
            A[0, self.idx_d] = 1.0 / (spec.R_c * C)
            d = self.idx_d
            A[d, d] = -(1.0 / spec.R_d + 1.0 / spec.R_c) / spec.C_d
            A[d, 0] = 1.0 / (spec.R_c * spec.C_d)
        A[0, 0] = -g / C
        if self.series:  # the device current (V - Vs)*g_M flows through Rs || Cs
            g_m = g - 1.0 / spec.R_leak
            sv = self.idx_s
            A[0, sv] = g_m / C
            A[sv, 0] = g_m / spec.C_series
            A[sv, sv] = -(g_m + 1.0 / spec.R_series) / spec.C_series
        if self.adaptive:
            w = self.idx_w
            A[0, w] = -1.0 / C
            if self.resonant:
                u = self.idx_u
                omega = 1.0 / spec.adapt_tau
                A[w, u] = 1.0
                A[u, 0] = omega * omega * spec.adapt_a
                A[u, w] = -omega * omega
                A[u, u] = -omega / spec.adapt_q
            else:
                A[w, 0] = spec.adapt_a / spec.adapt_tau
                A[w, w] = -1.0 / spec.adapt_tau
        for (tau_s, stages), (first, last) in zip(self.rall, self.rall_index, strict=True):
            rate1, rate2 = self.stage_rates(tau_s, stages)
            A[first, first] = -rate1  # tau_s dIs1/dt = -Is1 + I_delta*H
            if stages == 2:  # tau_s dIs2/dt = -Is2 + Is1
                A[last, first] = rate2
                A[last, last] = -rate2
            A[0, last] = 1.0 / C
        return A

    @staticmethod
    def stage_rates(tau_s: float, stages: int) -> tuple[float, float]:
        """Decay rates (1/s) of a synapse's first and second stage (see RALL_SPLIT)."""
        if stages == 1:
            return 1.0 / tau_s, 0.0
        return (1.0 - 0.5 * RALL_SPLIT) / tau_s, (1.0 + 0.5 * RALL_SPLIT) / tau_s

    def _general_state(self, on: bool) -> GeneralState:
        A = self.system_matrix(on)
        n = self.size
        nu, P = np.linalg.eig(A)
        if np.linalg.cond(P) > 1e10:  # (nearly) defective: split the repeated eigenvalue
            A = A + np.diag(np.linspace(0.0, RESONANCE_NUDGE, n)) * np.abs(np.diag(A)).max()
            nu, P = np.linalg.eig(A)
        P_inv = np.linalg.inv(P)
        A_inv = np.linalg.inv(A)
        e_soma = np.zeros(n)
        e_soma[0] = 1.0 / self.C
        k_soma = -A_inv @ e_soma  # constant state per ampere into the soma
        k_device = k_soma  # ... per ampere of the device's source V_on/R_on
        if self.series:  # which flows from Cm into the series soma
            e_dev_vec = e_soma.copy()
            e_dev_vec[self.idx_s] = -1.0 / self.spec.C_series
            k_device = -A_inv @ e_dev_vec
        k_dend = np.zeros(n)
        if self.dendrite:
            e_d = np.zeros(n)
            e_d[self.idx_d] = 1.0 / self.spec.C_d
            k_dend = -A_inv @ e_d
        k_rall = []  # constant state per ampere of pulse current into each synapse's Is1
        for (tau_s, stages), (first, _) in zip(self.rall, self.rall_index, strict=True):
            e_r = np.zeros(n)
            e_r[first] = self.stage_rates(tau_s, stages)[0]
            k_rall.append([float(x) for x in -A_inv @ e_r])
        forced = []
        for lam in self.rates:
            lam_used = lam
            for _ in range(3):
                M = lam_used * np.eye(n) - A
                if abs(np.linalg.det(M)) > 1e-12 * abs(np.linalg.det(A)):
                    break
                lam_used *= 1.0 + RESONANCE_NUDGE
            forced.append(([float(x) for x in np.linalg.solve(M, e_soma)], lam_used))
        modes = []
        for k in range(n):
            if nu[k].imag < -1e-12 * abs(nu[k]):
                continue  # the conjugate of a mode kept with positive imaginary part
            modes.append(
                (
                    complex(nu[k]),
                    [complex(P[j, k]) for j in range(n)],
                    [complex(P_inv[k, j]) for j in range(n)],
                    abs(nu[k].imag) > 1e-12 * abs(nu[k]),
                )
            )
        e_dev = self.spec.V_on / self.spec.R_on if on else 0.0
        return GeneralState(
            e=e_dev,
            k_soma=[float(x) for x in k_soma],
            k_device=[float(x) for x in k_device] if self.series else None,
            k_dend=[float(x) for x in k_dend],
            k_rall=k_rall,
            forced=forced,
            modes=modes,
        )

    def _state(self, g: float, e: float) -> DeviceState:
        C = self.C
        if not self.adaptive:
            nu = complex(-g / C)
            return DeviceState(g, e, nu, nu, 0j, 0j)
        tr = -g / C - 1.0 / self.tau_w
        det = (g + self.a) / (C * self.tau_w)
        disc = cmath.sqrt(tr * tr / 4.0 - det)
        nu1 = tr / 2.0 + disc
        nu2 = tr / 2.0 - disc
        if abs(nu1 - nu2) < 1e-9 * abs(tr):  # critically damped: split the double root
            nu1 *= 1.0 + RESONANCE_NUDGE
        return DeviceState(g, e, nu1, nu2, -(C * nu1 + g), -(C * nu2 + g))

    def _particular(self, state: DeviceState, lam: float) -> tuple[float, float, float]:
        """Factors (fv, fw) so that c*exp(lam t)*(fv, fw) solves the forced system."""
        C = self.C
        for _ in range(3):
            if self.adaptive:
                k = self.tau_w * lam + 1.0
                denom = C * lam + state.g + (self.a / k if k != 0.0 else math.inf)
                if k != 0.0 and abs(denom) > 1e-12 * state.g and abs(k) > 1e-9:
                    fv = 1.0 / denom
                    return fv, self.a * fv / k, lam
            else:
                denom = C * lam + state.g
                if abs(denom) > 1e-9 * state.g:
                    return 1.0 / denom, 0.0, lam
            lam *= 1.0 + RESONANCE_NUDGE
        raise ArithmeticError("synaptic time constant resonates with the membrane")


class Segment:
    """The state of one unit from time t0 in closed form: constant + sum of exponentials.

    V (state 0) has its own lists because event location needs only V; `xc`, `rx`, `cx` hold
    every state variable (V included) for value().
    """

    __slots__ = ("t0", "on", "vc", "rv", "rr", "cv", "cr", "xc", "rx", "cx", "signs")

    def __init__(self) -> None:
        self.t0 = 0.0
        self.on = False
        self.vc = 0.0
        self.rv: list[float] = []  # real modes of V: coefficient, rate
        self.rr: list[float] = []
        self.cv: list[complex] = []  # complex-conjugate pairs of V: 2*Re(c*exp(nu t))
        self.cr: list[complex] = []
        self.xc: list[float] = []  # per state variable: constant,
        self.rx: list[list[float]] = []  # real-mode coefficients (rates rr),
        self.cx: list[list[complex]] = []  # complex-pair coefficients (rates cr)
        self.signs: tuple[int, float, float, list[tuple[float, float]]] | None = None

    def value(self, t: float) -> list[float]:
        """The state vector at absolute time t (V in volts first)."""
        dt = t - self.t0
        exp = math.exp
        if not self.cr and len(self.xc) <= 2:  # the common LIF / adapting-LIF case
            v = self.xc[0]  # (not vc: with a series soma, vc and rv describe V - Vs)
            rv = self.rx[0]
            w = self.xc[-1]
            rw = self.rx[-1]
            for k, r in enumerate(self.rr):
                e = exp(r * dt)
                v += rv[k] * e
                w += rw[k] * e
            return [v, w] if len(self.xc) == 2 else [v]
        reals = [exp(r * dt) for r in self.rr]
        pairs = [cmath.exp(r * dt) for r in self.cr]
        out = []
        for const, rcoef, ccoef in zip(self.xc, self.rx, self.cx, strict=True):
            x = const
            for c, e in zip(rcoef, reals, strict=True):
                x += c * e
            for cz, ez in zip(ccoef, pairs, strict=True):
                x += 2.0 * (cz * ez).real
            out.append(x)
        return out

    def voltage(self, t: float) -> float:
        dt = t - self.t0
        v = self.vc
        exp = math.exp
        for cvk, rk in zip(self.rv, self.rr, strict=True):
            v += cvk * exp(rk * dt)
        for cvc, rc in zip(self.cv, self.cr, strict=True):
            v += 2.0 * (cvc * cmath.exp(rc * dt)).real
        return v

    def next_event(self, t: float, level: float, direction: float) -> tuple[float, bool]:
        """When to look again for the event `direction*(V - level) >= 0`, from time t.

        Returns (time, True) with the crossing time when it is known, or (time, False) with a
        time before which the level provably cannot be reached (math.inf: never, in this
        segment).
        """
        if not self.cr and len(self.rr) > 1:
            found = self._newton_ahead(t, level, direction)
            if found is not None:
                return found
        gap, slope, h, window = self.step_bound(t, level, direction)
        if gap <= CROSSING_TOLERANCE:
            return t, True
        if h == math.inf:
            return math.inf, False
        if window > h:
            # V moves monotonically toward the level over [t, t+window]: one evaluation
            # tells whether it gets there, and if so the crossing is unique in that span.
            end = t + window
            gap_end = direction * (level - self.voltage(end))
            if gap_end > 0.0:
                return end, False
            # first guess: the secant through both ends of the bracket
            guess = t + window * gap / (gap - gap_end)
            return self._solve_crossing(t + h, end, guess, level, direction), True
        return t + h, False

    def _derivative_signs(self) -> tuple[int, float, float, list[tuple[float, float]]]:
        """(S, sign of the fastest term, sign of the slowest term, the terms (rate, c*rate)
        by rate) of dV/dt, for real modes only; cached per segment.

        dV/dt = sum(b_k*exp(r_k*t)) with b_k = c_k*r_k; the sign of each term is that of b_k
        at every t. By Descartes' rule of signs for exponential sums (Polya-Szego V.75) the
        number of real zeros of dV/dt, with multiplicity, is at most S, the number of sign
        changes of the b_k ordered by rate (equal rates: any order, merging cannot add
        changes). As t -> -inf the fastest term dominates, as t -> +inf the slowest.
        """
        terms = sorted([(r, c * r) for c, r in zip(self.rv, self.rr, strict=True) if c != 0.0])
        changes = 0
        positive = terms[0][1] > 0.0 if terms else False
        for _, b in terms:
            if (b > 0.0) != positive:
                positive = not positive
                changes += 1
        if not terms:
            return 0, 0.0, 0.0, terms
        first = math.copysign(1.0, terms[0][1])
        self.signs = (changes, first, math.copysign(1.0, terms[-1][1]), terms)
        return self.signs

    def _newton_ahead(self, t: float, level: float, direction: float) -> tuple[float, bool] | None:
        """next_event for real modes when dV/dt provably changes sign at most once after t.

        Then, with V moving toward the level at t, dV/dt keeps its sign on [t, x] whenever it
        has that sign at x (an even number of zeros in (t, x), at most one in all): V is
        monotone there, so V short of the level at x proves no crossing before x. Steps from
        t toward the level (Newton-like, on a one-exponential model) are each checked that
        way; they converge to the crossing, or end on a monotone bracket for _solve_crossing.
        When V first moves away and can turn twice (three terms), the turning point of
        dV/dt*exp(-r_m*t) in closed form skips past V's minimum first. A step that lands where
        dV/dt < 0 has passed V's only maximum (V falls for ever after it); the secant of
        dV/dt then narrows the maximum down until a Taylor bound proves it short of the
        level (never reached in this segment). Returns None (use the bounds of step_bound)
        when the rule does not apply or no step is certified.
        """
        signs = self.signs if self.signs is not None else self._derivative_signs()
        changes, first, last, terms = signs
        exp = math.exp
        rv = self.rv
        rr = self.rr
        t0 = self.t0
        dt = t - t0
        v = self.vc
        dv = 0.0
        d2v = 0.0
        curv = 0.0  # bound on |d2V/dt2| from here on (every term decays)
        for c, r in zip(rv, rr, strict=False):
            term = c * exp(r * dt)
            v += term
            term *= r
            dv += term
            term *= r
            d2v += term
            curv += abs(term)
        gap = direction * (level - v)
        if gap <= CROSSING_TOLERANCE:
            return t, True
        slope = direction * dv
        if slope == 0.0:
            return None
        # zeros of dV/dt in (t, inf): one is spent in (-inf, t) if the fastest term's sign
        # differs from dV/dt's at t
        zeros = changes - (1 if first * dv < 0.0 else 0)
        x = t  # certified: no crossing in [t, x], dV/dt toward the level at x
        if zeros == 2 and slope < 0.0 and len(terms) == 3:
            # V moves away, may turn toward the level, then away again. With terms f, m, s
            # by rate, g(u) = e^(-r_m*u)*dV/dt(t+u) has dg/du = two exponentials of opposite
            # signs (b_f, b_s share a sign here): g has one extremum, at u1, in closed form,
            # and dV/dt has its two zeros on either side of u1 if g(u1) has their sign.
            (r_f, b_f), (r_m, _), (r_s, b_s) = terms
            ratio = -b_s * (r_s - r_m) / (b_f * (r_f - r_m))
            if not ratio > 0.0:
                return None
            u1 = math.log(ratio) / (r_f - r_s) - dt
            if u1 <= 0.0:
                # g falls for ever from g(t) < 0 (toward the level is > 0): V only moves away
                return math.inf, False
            x = t + u1
            v, dv, size, d2v, curv = self._real_derivatives(u1 + t - t0)
            slope_x = direction * dv
            if slope_x < -1e-9 * size:
                # even g's maximum is away from the level: V only moves away
                return math.inf, False
            if not slope_x > 1e-9 * size:
                return None  # too flat to tell
            # one zero of dV/dt in (t, x): V fell, then rose, so it is at most
            # max(V(t), V(x)) on [t, x]; after x at most one zero remains
            gap_x = direction * (level - v)
            if gap_x <= CROSSING_TOLERANCE:
                # V reaches the level while rising after its minimum, in (t, x]: the only
                # sign change of level - V on [t, x] (V stays below V(t) before its minimum)
                if gap_x >= -CROSSING_TOLERANCE:
                    return x + gap_x / slope_x, True  # (Newton polish, see below)
                guess = t + u1 * gap / (gap - gap_x)
                return self._solve_crossing(t, x, guess, level, direction), True
            gap, slope, zeros = gap_x, slope_x, 1
        if zeros > 1:
            return None
        if direction * (level - self.vc) >= 0.0 and (slope < 0.0 or zeros == 0 or last * dv > 0.0):
            # V ends monotone toward vc, short of the level, and before that either moves
            # away from the level (turning at most once) or never turns: never reached
            return math.inf, False
        if slope < 0.0:
            return None
        hi = math.inf  # a time past V's maximum (dV/dt < 0 there), if one was found
        slope_hi = 0.0
        for _ in range(12):
            # next trial (any trial is safe: it is certified after evaluation): where a
            # single exponential with V's slope and curvature at x reaches the level (exact
            # for one mode, close when one dominates); a Newton step if it never does, and
            # the second-order Taylor root when V accelerates toward the level
            bend = direction * d2v
            if bend < 0.0:
                k = -bend / slope  # decay rate of the slope
                q = gap * k / slope
                x_new = x - math.log1p(-q) / k if q < 1.0 else x + gap / slope
            else:
                x_new = x + 2.0 * gap / (slope + math.sqrt(slope * slope + 2.0 * bend * gap))
            if hi != math.inf:
                span = hi - x
                if slope * span + 0.5 * curv * span * span < gap - CROSSING_TOLERANCE:
                    # even the Taylor bound from x stays short over [x, hi]: the maximum
                    # (in there) is below the level, and V falls after hi
                    return math.inf, False
                if not x_new < hi:
                    x_new = x + span * slope / (slope - slope_hi)  # secant root of dV/dt
            v, dv, size, new_d2v, new_curv = self._real_derivatives(x_new - t0)
            new_slope = direction * dv
            if new_slope < -1e-9 * size:
                hi, slope_hi = x_new, new_slope
                continue
            if not new_slope > 1e-9 * size:
                break  # too flat to tell the sign of dV/dt
            new_gap = direction * (level - v)
            if new_gap > CROSSING_TOLERANCE:  # monotone on [t, x_new] and still short
                x, gap, slope, d2v, curv = x_new, new_gap, new_slope, new_d2v, new_curv
                continue
            if new_gap >= -CROSSING_TOLERANCE:
                # within the tolerance: one more Newton step (error ~ curvature*(tol/slope)^2)
                # puts the time at the crossing itself, not anywhere in the tolerance band
                return x_new + new_gap / new_slope, True
            # overshot: V is monotone on [x, x_new] and crosses there
            guess = x + (x_new - x) * gap / (gap - new_gap)
            return self._solve_crossing(x, x_new, guess, level, direction), True
        return (x, False) if x > t else None

    def _real_derivatives(self, dt: float) -> tuple[float, float, float, float, float]:
        """For real modes only, at dt after t0: V, dV/dt, sum |dV/dt terms|, d2V/dt2 and
        sum |d2V/dt2 terms| (the last is a bound on |d2V/dt2| from then on)."""
        exp = math.exp
        v = self.vc
        dv = 0.0
        size = 0.0
        d2v = 0.0
        curv = 0.0
        for c, r in zip(self.rv, self.rr, strict=False):
            term = c * exp(r * dt)
            v += term
            term *= r
            dv += term
            size += abs(term)
            term *= r
            d2v += term
            curv += abs(term)
        return v, dv, size, d2v, curv

    def _solve_crossing(
        self, lo: float, hi: float, x: float, level: float, direction: float
    ) -> float:
        """The crossing in (lo, hi], where direction*(level - V) changes sign once, from > 0
        on [lo, crossing) to <= 0 on [crossing, hi] (monotone at least near the crossing),
        from the guess x: Newton steps kept inside the bracket, else bisection."""
        exp = math.exp
        if not lo <= x <= hi:
            x = 0.5 * (lo + hi)
        for _ in range(60):
            dt = x - self.t0
            v = self.vc
            dv = 0.0
            for cvk, rk in zip(self.rv, self.rr, strict=False):
                term = cvk * exp(rk * dt)
                v += term
                dv += term * rk
            for cvc, rc in zip(self.cv, self.cr, strict=False):
                zterm = cvc * cmath.exp(rc * dt)
                v += 2.0 * zterm.real
                dv += 2.0 * (zterm * rc).real
            f = direction * (level - v)
            if f > 0.0:
                if f <= CROSSING_TOLERANCE:
                    return x
                lo = x
            else:
                if f >= -CROSSING_TOLERANCE:
                    return x
                hi = x
            if hi - lo < 1e-13:
                return hi
            slope = direction * dv
            step = x + f / slope if slope > 0.0 else math.nan
            x = step if lo < step < hi else 0.5 * (lo + hi)
        return hi

    def step_bound(
        self, t: float, level: float, direction: float
    ) -> tuple[float, float, float, float]:
        """Look ahead from time t for the event `direction*(V - level) >= 0`.

        Returns (gap, slope, safe_dt, window): gap = direction*(level - V) (> 0 before the
        event), slope = direction*dV/dt, a step that provably cannot reach the level
        (math.inf when V can never reach it in this segment), and a span over which V provably
        moves monotonically toward the level (0 when it does not).
        """
        dt = t - self.t0
        rr = self.rr
        cr = self.cr
        if not cr and len(rr) == 1:
            return self._single_mode_bound(dt, level, direction)
        v = self.vc
        dv = 0.0
        d2v = 0.0  # exact d2V/dt2 now
        curv = 0.0  # bound on |d2V/dt2| over [t, inf)
        jerk = 0.0  # bound on |d3V/dt3| over [t, inf)
        # Every rate is negative, so each term decays toward 0. A term on the far side of 0
        # from the level (direction*term < 0) moves toward the level and is largest in the
        # direction of the event at the end of a step; the others are largest now.
        toward = 0.0
        away = 0.0
        toward_terms: list[tuple[float, float]] = []  # (|term| now, rate)
        exp = math.exp
        for cvk, rk in zip(self.rv, rr, strict=False):
            term = cvk * exp(rk * dt)
            v += term
            t1 = term * rk
            dv += t1
            t2 = t1 * rk
            d2v += t2
            a2 = abs(t2)
            curv += a2
            jerk -= a2 * rk
            dterm = direction * term
            if dterm < 0.0:
                toward -= dterm
                toward_terms.append((-dterm, rk))
            else:
                away += dterm
        if cr:
            for cvc, rc in zip(self.cv, cr, strict=False):
                zterm = cvc * cmath.exp(rc * dt)
                v += 2.0 * zterm.real
                dv += 2.0 * (zterm * rc).real
                d2v += 2.0 * (zterm * rc * rc).real
                a = 2.0 * abs(zterm)
                curv += a * abs(rc) ** 2
                jerk += a * abs(rc) ** 3
                away += a  # an oscillating pair may swing toward the level: take its full size
        gap = direction * (level - v)
        slope = direction * dv
        # Monotone bound: over [t, t+h], direction*V <= direction*vc + away - F(h) with
        # F(h) = sum(a_k*exp(r_k*h)) over the terms moving toward the level.
        need = direction * (self.vc - level) + away
        if need <= 0.0:
            return gap, slope, math.inf, 0.0  # the level lies beyond every reachable value
        if gap <= 0.0:
            return gap, slope, 0.0, 0.0
        sqrt = math.sqrt
        window = 0.0
        if slope > 0.0:
            # direction*V' >= slope - curv*u, and >= slope + direction*V''*u - jerk*u^2/2
            window = slope / curv if curv > 0.0 else math.inf
            if jerk > 0.0:
                d2 = direction * d2v
                w2 = (d2 + sqrt(d2 * d2 + 2.0 * jerk * slope)) / jerk
                if w2 > window:
                    window = w2
        # Taylor bound: direction*V(t+h) <= direction*V + slope*h + curv*h^2/2, i.e. the
        # largest h with slope*h + curv*h^2/2 <= gap (inlined: one of the hottest paths).
        slope2 = slope * slope
        denom = slope + sqrt(slope2 + 2.0 * curv * gap)
        h_taylor = 2.0 * gap / denom if denom > 0.0 else math.inf
        # Sharper when terms cancel: over [t, t+H], direction*V'' <= direction*V''(t) + jerk*H.
        trial = 4.0 * h_taylor
        bend = direction * d2v + jerk * trial
        denom = slope + sqrt(slope2 + 2.0 * bend * gap) if bend > 0.0 else slope + abs(slope)
        h_jerk = 2.0 * gap / denom if denom > 0.0 else math.inf
        if h_taylor < h_jerk <= trial:
            h_taylor = h_jerk
        h_mono = 0.0
        if toward > need and window <= h_taylor:
            # F is convex and decreasing: Newton from h = 0 approaches F(h) = need from
            # below, so every iterate is itself a safe step.
            for _ in range(3):
                f = -need
                df = 0.0
                for a, rk in toward_terms:
                    x = a * exp(rk * h_mono)
                    f += x
                    df += x * rk
                if f <= 1e-12 * need or df >= 0.0:
                    break
                h_mono -= f / df
        return gap, slope, h_taylor if h_taylor > h_mono else h_mono, window

    def _single_mode_bound(
        self, dt: float, level: float, direction: float
    ) -> tuple[float, float, float, float]:
        """V = vc + c*exp(r*t): the crossing time is known in closed form."""
        c = self.rv[0]
        r = self.rr[0]
        term = c * math.exp(r * dt)
        gap = direction * (level - self.vc - term)
        slope = direction * term * r
        if gap <= 0.0:
            return gap, slope, 0.0, 0.0
        ratio = (level - self.vc) / c if c != 0.0 else 0.0
        if ratio <= 0.0 or ratio >= math.exp(r * dt):
            # the level lies beyond the asymptote, or V is already moving away from it
            return gap, slope, math.inf, 0.0
        return gap, slope, max(math.log(ratio) / r - dt, 0.0), 0.0


def rebase(
    model: UnitModel,
    seg: Segment,
    t0: float,
    x0: list[float],
    on: bool,
    current: float,
    syn_currents: list[float],
    pulses: Sequence[float] = (),
) -> None:
    """Start a new segment at t0 from state x0 with constant soma input `current` (A),
    synaptic currents `syn_currents[m]` (A at t0, one per tau group, decaying) and the pulse
    currents `pulses[k]` (A, constant) into each two-stage synapse's first stage."""
    seg.t0 = t0
    seg.on = on
    seg.signs = None
    if model.general is not None:
        gs = model.general[1 if on else 0]
        _rebase_general(model, gs, seg, x0, current, syn_currents, pulses)
        return
    state = model.states[1 if on else 0]
    rv: list[float] = []
    rw: list[float] = []
    rr: list[float] = []
    cv: list[complex] = []
    cw: list[complex] = []
    cr: list[complex] = []
    drive = current + state.e
    v0 = x0[0]
    w0 = x0[1] if model.adaptive else 0.0
    if model.adaptive:
        vc = drive / (state.g + model.a)
        wc = model.a * vc
    else:
        vc = drive / state.g
        wc = 0.0
    hv = v0 - vc
    hw = w0 - wc
    for (fv, fw, lam), c in zip(model.particular[1 if on else 0], syn_currents, strict=True):
        if c == 0.0:
            continue
        rv.append(c * fv)
        rw.append(c * fw)
        rr.append(lam)
        hv -= c * fv
        hw -= c * fw
    if model.adaptive:
        real = model.real_modes[1 if on else 0]
        if real is not None:
            r1, r2, w1, w2 = real
            b1 = (hw - hv * w2) / (w1 - w2)
            b2 = hv - b1
            rv += (b1, b2)
            rw += (b1 * w1, b2 * w2)
            rr += (r1, r2)
            seg.xc, seg.rx, seg.cx = [vc, wc], [rv, rw], [cv, cw]
            seg.vc = vc
            seg.rv, seg.rr = rv, rr
            seg.cv, seg.cr = cv, cr
            return
        nu1, nu2 = state.nu1, state.nu2
        a1 = (hw - hv * state.w2) / (state.w1 - state.w2)
        a2 = hv - a1
        if nu1.imag != 0.0:
            # complex-conjugate pair: a2 = conj(a1); store one, evaluate 2*Re
            cv.append(a1)
            cw.append(a1 * state.w1)
            cr.append(nu1)
        else:
            for amp, wv, nu in ((a1, state.w1, nu1), (a2, state.w2, nu2)):
                rv.append(amp.real)
                rw.append((amp * wv).real)
                rr.append(nu.real)
        seg.xc, seg.rx, seg.cx = [vc, wc], [rv, rw], [cv, cw]
    else:
        rv.append(hv)
        rr.append(state.nu1.real)
        seg.xc, seg.rx, seg.cx = [vc], [rv], [cv]
    seg.vc = vc
    seg.rv, seg.rr = rv, rr
    seg.cv, seg.cr = cv, cr


def _rebase_general(
    model: UnitModel,
    gs: GeneralState,
    seg: Segment,
    x0: list[float],
    current: float,
    syn_currents: list[float],
    pulses: Sequence[float],
) -> None:
    n = model.size
    i_dend = model.spec.I_bias_d
    if gs.k_device is None:
        i_soma = current + gs.e
        xc = [i_soma * ks + i_dend * kd for ks, kd in zip(gs.k_soma, gs.k_dend, strict=True)]
    else:
        xc = [
            current * ks + gs.e * kv + i_dend * kd
            for ks, kv, kd in zip(gs.k_soma, gs.k_device, gs.k_dend, strict=True)
        ]
    for pulse, k in zip(pulses, gs.k_rall, strict=False):
        if pulse != 0.0:
            for j in range(n):
                xc[j] += pulse * k[j]
    h = [x0[j] - xc[j] for j in range(n)]
    rr: list[float] = []
    rx: list[list[float]] = [[] for _ in range(n)]
    cr: list[complex] = []
    cx: list[list[complex]] = [[] for _ in range(n)]
    for (vec, lam), c in zip(gs.forced, syn_currents, strict=True):
        if c == 0.0:
            continue
        rr.append(lam)
        for j in range(n):
            y = c * vec[j]
            rx[j].append(y)
            h[j] -= y
    for nu, right, left, pair in gs.modes:
        alpha = sum((left[j] * h[j] for j in range(n)), 0j)
        if pair:
            cr.append(nu)
            for j in range(n):
                cx[j].append(alpha * right[j])
        else:
            rr.append(nu.real)
            for j in range(n):
                rx[j].append((alpha * right[j]).real)
    seg.xc, seg.rx, seg.cx = xc, rx, cx
    seg.rr, seg.cr = rr, cr
    if model.series:  # events are on the voltage across M: V - Vs
        sv = model.idx_s
        seg.vc = xc[0] - xc[sv]
        seg.rv = [a - b for a, b in zip(rx[0], rx[sv], strict=True)]
        seg.cv = [a - b for a, b in zip(cx[0], cx[sv], strict=True)]
        return
    seg.vc = xc[0]
    seg.rv = rx[0]
    seg.cv = cx[0]

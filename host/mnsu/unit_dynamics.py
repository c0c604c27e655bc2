"""Exact piecewise-linear dynamics of one memristive unit between switching events.

Between events the unit is linear:

    C dV/dt = I + e - g*V - w + sum_m c_m * exp(lam_m * t)      (synaptic currents decay)
    tau_w dw/dt = a*V - w                                          (adaptation, optional)

with g = 1/R_leak + 1/R_off, e = 0 while the device M is OFF, and
g = 1/R_leak + 1/R_on, e = V_on/R_on while it is ON. The solution is a constant plus a sum of
exponentials, so V(t) and w(t) are evaluated in closed form (a "segment"). Threshold events are
located by stepping with a rigorous bound on how far V can move (second-order Taylor bound with
the exact derivative), which never steps over a crossing, then a final Newton correction.
"""

from __future__ import annotations

import cmath
import math
from dataclasses import dataclass

from mnsu.board import NeuronSpec

# When a synaptic decay rate coincides with a membrane eigenvalue the particular solution is
# singular; the rate is moved by this relative amount (error ~1e-7 relative, far below 1 us).
RESONANCE_NUDGE = 1e-7
# A crossing is declared once V is this close to the event level (volts); with dV/dt of
# 1..1000 V/s the time error is below 1e-11 s.
CROSSING_TOLERANCE = 1e-10


@dataclass(frozen=True)
class DeviceState:
    """Linear coefficients of the membrane in one device state (OFF or ON)."""

    g: float  # total membrane conductance (S)
    e: float  # constant source current of the device (A)
    nu1: complex  # eigenvalues of the (V, w) system (1/s); nu2 unused without adaptation
    nu2: complex
    w1: complex  # w-component of the eigenvectors (V-component is 1)
    w2: complex


class UnitModel:
    """Per-unit constants: component values and the precomputed linear algebra."""

    def __init__(self, spec: NeuronSpec, tau_groups: list[float]) -> None:
        self.spec = spec
        self.C = spec.C
        self.adaptive = spec.adapt_a != 0.0 or spec.adapt_b != 0.0
        self.a = spec.adapt_a
        self.tau_w = spec.adapt_tau
        self.V_th = spec.V_th
        self.V_off = spec.V_off
        self.V_on = spec.V_on
        self.R_on = spec.R_on
        self.R_off = spec.R_off
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
    """V(t), w(t) of one unit from time t0 in closed form: const + sum of exponentials."""

    __slots__ = ("t0", "on", "vc", "wc", "rv", "rw", "rr", "cv", "cw", "cr")

    def __init__(self) -> None:
        self.t0 = 0.0
        self.on = False
        self.vc = 0.0
        self.wc = 0.0
        self.rv: list[float] = []  # real modes: V coefficient, w coefficient, rate
        self.rw: list[float] = []
        self.rr: list[float] = []
        self.cv: list[complex] = []  # complex-conjugate pairs: value = 2*Re(c*exp(nu t))
        self.cw: list[complex] = []
        self.cr: list[complex] = []

    def value(self, t: float) -> tuple[float, float]:
        """(V, w) at absolute time t (volts, amperes)."""
        dt = t - self.t0
        v = self.vc
        w = self.wc
        exp = math.exp
        for cvk, cwk, rk in zip(self.rv, self.rw, self.rr, strict=True):
            x = exp(rk * dt)
            v += cvk * x
            w += cwk * x
        for cvc, cwc, rc in zip(self.cv, self.cw, self.cr, strict=True):
            z = cmath.exp(rc * dt)
            v += 2.0 * (cvc * z).real
            w += 2.0 * (cwc * z).real
        return v, w

    def voltage(self, t: float) -> float:
        dt = t - self.t0
        v = self.vc
        exp = math.exp
        for cvk, rk in zip(self.rv, self.rr, strict=True):
            v += cvk * exp(rk * dt)
        for cvc, rc in zip(self.cv, self.cr, strict=True):
            v += 2.0 * (cvc * cmath.exp(rc * dt)).real
        return v

    def step_bound(self, t: float, level: float, direction: float) -> tuple[float, float, float]:
        """Look ahead from time t for the event `direction*(V - level) >= 0`.

        Returns (gap, slope, safe_dt): gap = direction*(level - V) (> 0 before the event),
        slope = direction*dV/dt, and a step that provably cannot reach the level
        (math.inf when V can never reach it in this segment).
        """
        dt = t - self.t0
        if len(self.rr) == 1 and not self.cr:
            return self._single_mode_bound(dt, level, direction)
        v = self.vc
        dv = 0.0
        curv = 0.0  # bound on |d2V/dt2| over [t, inf)
        spread = 0.0  # bound on |V - vc| over [t, inf)
        exp = math.exp
        for cvk, rk in zip(self.rv, self.rr, strict=True):
            term = cvk * exp(rk * dt)
            v += term
            dv += term * rk
            a = abs(term)
            spread += a
            curv += a * rk * rk
        for cvc, rc in zip(self.cv, self.cr, strict=True):
            zterm = cvc * cmath.exp(rc * dt)
            v += 2.0 * zterm.real
            dv += 2.0 * (zterm * rc).real
            a = 2.0 * abs(zterm)
            spread += a
            curv += a * abs(rc) ** 2
        gap = direction * (level - v)
        slope = direction * dv
        if direction * (level - self.vc) > spread:
            return gap, slope, math.inf  # the level lies beyond every reachable value
        if gap <= 0.0:
            return gap, slope, 0.0
        # direction*V(t+h) <= direction*V + slope*h + curv*h^2/2 < direction*level
        root = math.sqrt(slope * slope + 2.0 * curv * gap)
        denom = slope + root
        if denom <= 0.0:
            return gap, slope, math.inf
        return gap, slope, 2.0 * gap / denom

    def _single_mode_bound(
        self, dt: float, level: float, direction: float
    ) -> tuple[float, float, float]:
        """V = vc + c*exp(r*t): the crossing time is known in closed form."""
        c = self.rv[0]
        r = self.rr[0]
        term = c * math.exp(r * dt)
        gap = direction * (level - self.vc - term)
        slope = direction * term * r
        if gap <= 0.0:
            return gap, slope, 0.0
        ratio = (level - self.vc) / c if c != 0.0 else 0.0
        if ratio <= 0.0:
            return gap, slope, math.inf  # the level lies beyond the asymptote
        return gap, slope, max(math.log(ratio) / r - dt, 0.0)


def rebase(
    model: UnitModel,
    seg: Segment,
    t0: float,
    v0: float,
    w0: float,
    on: bool,
    current: float,
    syn_currents: list[float],
) -> None:
    """Start a new segment at t0 from state (v0, w0) with constant input `current` (A) and
    synaptic currents `syn_currents[m]` (A at t0, one per tau group, decaying)."""
    state = model.states[1 if on else 0]
    seg.t0 = t0
    seg.on = on
    rv: list[float] = []
    rw: list[float] = []
    rr: list[float] = []
    cv: list[complex] = []
    cw: list[complex] = []
    cr: list[complex] = []
    drive = current + state.e
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
    else:
        rv.append(hv)
        rw.append(0.0)
        rr.append(state.nu1.real)
        wc = 0.0
    seg.vc = vc
    seg.wc = wc
    seg.rv, seg.rw, seg.rr = rv, rw, rr
    seg.cv, seg.cw, seg.cr = cv, cw, cr

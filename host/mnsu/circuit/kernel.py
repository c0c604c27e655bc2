"""The emulator's event loop compiled with numba, on flat arrays built from the Board.

The same event-exact algorithm as mnsu.circuit.emulator / unit_dynamics (the Python path, kept
as the reference: `Emulator(board, backend="python")`), ported operation for operation so that
the arithmetic is the same (same closed forms, same order of sums, same event order): spike
times agree with the Python path to rounding (tests/test_kernel.py asserts 1e-9 s).

Layout: one row per unit of the segment (constant + real modes + complex pairs, per state
variable), the unit's model constants, the synapses (with running sums per target and tau
group), the inputs, a binary heap of scheduled events keyed (time, sequence number) and a
tournament tree over the units' pending checks keyed (time, unit) -- the orders of the Python
path's two heaps. Spikes go to a buffer that the Emulator drains after each call; when the
heap, the spike buffer or the pre-drawn noise runs out, the loop returns a code asking for more
and is called again (no event is lost or reordered).

Not compiled (the Emulator falls back to the Python path and says why, `Emulator.backend_reason`):
two-stage (Rall) synapses, a series soma compartment, and recording (`record=True`).
"""

from __future__ import annotations

import cmath
import math
from collections import namedtuple
from typing import Any

import numba
import numpy as np
from numba.core import types
from numba.experimental import structref

# Event kinds (as in emulator.py)
INPUT_EDGE = 0
SYN_ARRIVE = 1
DEVICE_ON = 2
RECOVER = 3
PULSE_END = 4
NOISE = 5
WINDOW_END = 6
TRAIN_ONSET = 7

# Return codes of run()
DONE = 0
GROW_HEAP = 1
FLUSH_SPIKES = 2
NEED_NOISE = 3

# Integer scalars (S.ist)
I_HSIZE = 0  # scheduled events in the heap
I_SEQ = 1  # sequence number of the last scheduled event
I_NSPIKE = 2  # records in the spike buffer
I_NZPTR = 3  # next pre-drawn noise value
I_NZN = 4  # pre-drawn noise values available
I_EVENTS = 5  # events processed
I_STAMP = 6  # marker for the touched-units list of a spike

MIN_LOOKAHEAD = 1e-12
CROSSING_TOLERANCE = 5e-9

FIELDS = (  # noqa: SIM905
    # unit constants
    "V_th V_off V_on read_on R_read R_off V_retr retr_win min_off on_delay adapt_b I_noise "
    "noise_dt I_bias_d size idx_w general adaptive n_groups "
    # simple (V, w) model per device state
    "st_g st_e st_a real_ok real_modes st_nu1 st_nu2 st_w1 st_w2 particular "
    # general model per device state
    "gen_e k_soma k_dend forced_vec forced_lam n_modes mode_nu mode_right mode_left mode_pair "
    # synapses and running sums
    "gsum gtime gtau syn_pre syn_post syn_group syn_W syn_tau syn_alpha syn_delay syn_s syn_ts "
    "out_ptr out_idx "
    # inputs
    "in_amp in_start in_dur in_period in_count in_level pulse_version tgt_ptr tgt_idx "
    # unit state
    "current noise noise_z blocked retr_until "
    # segments
    "seg_t0 seg_on seg_vc seg_nr seg_nc seg_rr seg_rv seg_cr seg_cv seg_xc seg_rx seg_cx "
    "sg_valid sg_changes sg_first sg_last sg_nt sg_r sg_b "
    # checks, schedule, spikes, scalars, scratch
    "chk_t chk_x tree h_t h_seq h_kind h_a h_b h_f sp_unit sp_t sp_kind ist fst "
    "xs csyn tta ttr ee zz touched mark"
).split()

Arrays = namedtuple("Arrays", FIELDS)  # type: ignore[misc]


@structref.register
class StateType(types.StructRef):
    """The kernel's state: the arrays, passed to compiled functions as one pointer."""

    def preprocess_fields(self, fields: Any) -> Any:
        return tuple((name, types.unliteral(typ)) for name, typ in fields)  # type: ignore[no-untyped-call]


class StateProxy(structref.StructRefProxy):
    pass


STATE_TYPE = StateType(  # type: ignore[no-untyped-call]
    [
        ("V_th", types.Array(types.float64, 1, "C")),
        ("V_off", types.Array(types.float64, 1, "C")),
        ("V_on", types.Array(types.float64, 1, "C")),
        ("read_on", types.Array(types.float64, 1, "C")),
        ("R_read", types.Array(types.float64, 1, "C")),
        ("R_off", types.Array(types.float64, 1, "C")),
        ("V_retr", types.Array(types.float64, 1, "C")),
        ("retr_win", types.Array(types.float64, 1, "C")),
        ("min_off", types.Array(types.float64, 1, "C")),
        ("on_delay", types.Array(types.float64, 1, "C")),
        ("adapt_b", types.Array(types.float64, 1, "C")),
        ("I_noise", types.Array(types.float64, 1, "C")),
        ("noise_dt", types.Array(types.float64, 1, "C")),
        ("I_bias_d", types.Array(types.float64, 1, "C")),
        ("size", types.Array(types.int64, 1, "C")),
        ("idx_w", types.Array(types.int64, 1, "C")),
        ("general", types.Array(types.int64, 1, "C")),
        ("adaptive", types.Array(types.int64, 1, "C")),
        ("n_groups", types.Array(types.int64, 1, "C")),
        ("st_g", types.Array(types.float64, 2, "C")),
        ("st_e", types.Array(types.float64, 2, "C")),
        ("st_a", types.Array(types.float64, 1, "C")),
        ("real_ok", types.Array(types.int64, 2, "C")),
        ("real_modes", types.Array(types.float64, 3, "C")),
        ("st_nu1", types.Array(types.complex128, 2, "C")),
        ("st_nu2", types.Array(types.complex128, 2, "C")),
        ("st_w1", types.Array(types.complex128, 2, "C")),
        ("st_w2", types.Array(types.complex128, 2, "C")),
        ("particular", types.Array(types.float64, 4, "C")),
        ("gen_e", types.Array(types.float64, 2, "C")),
        ("k_soma", types.Array(types.float64, 3, "C")),
        ("k_dend", types.Array(types.float64, 3, "C")),
        ("forced_vec", types.Array(types.float64, 4, "C")),
        ("forced_lam", types.Array(types.float64, 3, "C")),
        ("n_modes", types.Array(types.int64, 2, "C")),
        ("mode_nu", types.Array(types.complex128, 3, "C")),
        ("mode_right", types.Array(types.complex128, 4, "C")),
        ("mode_left", types.Array(types.complex128, 4, "C")),
        ("mode_pair", types.Array(types.int64, 3, "C")),
        ("gsum", types.Array(types.float64, 2, "C")),
        ("gtime", types.Array(types.float64, 2, "C")),
        ("gtau", types.Array(types.float64, 2, "C")),
        ("syn_pre", types.Array(types.int64, 1, "C")),
        ("syn_post", types.Array(types.int64, 1, "C")),
        ("syn_group", types.Array(types.int64, 1, "C")),
        ("syn_W", types.Array(types.float64, 1, "C")),
        ("syn_tau", types.Array(types.float64, 1, "C")),
        ("syn_alpha", types.Array(types.float64, 1, "C")),
        ("syn_delay", types.Array(types.float64, 1, "C")),
        ("syn_s", types.Array(types.float64, 1, "C")),
        ("syn_ts", types.Array(types.float64, 1, "C")),
        ("out_ptr", types.Array(types.int64, 1, "C")),
        ("out_idx", types.Array(types.int64, 1, "C")),
        ("in_amp", types.Array(types.float64, 1, "C")),
        ("in_start", types.Array(types.float64, 1, "C")),
        ("in_dur", types.Array(types.float64, 1, "C")),
        ("in_period", types.Array(types.float64, 1, "C")),
        ("in_count", types.Array(types.int64, 1, "C")),
        ("in_level", types.Array(types.float64, 1, "C")),
        ("pulse_version", types.Array(types.int64, 1, "C")),
        ("tgt_ptr", types.Array(types.int64, 1, "C")),
        ("tgt_idx", types.Array(types.int64, 1, "C")),
        ("current", types.Array(types.float64, 1, "C")),
        ("noise", types.Array(types.float64, 1, "C")),
        ("noise_z", types.Array(types.float64, 1, "C")),
        ("blocked", types.Array(types.int64, 1, "C")),
        ("retr_until", types.Array(types.float64, 1, "C")),
        ("seg_t0", types.Array(types.float64, 1, "C")),
        ("seg_on", types.Array(types.int64, 1, "C")),
        ("seg_vc", types.Array(types.float64, 1, "C")),
        ("seg_nr", types.Array(types.int64, 1, "C")),
        ("seg_nc", types.Array(types.int64, 1, "C")),
        ("seg_rr", types.Array(types.float64, 2, "C")),
        ("seg_rv", types.Array(types.float64, 2, "C")),
        ("seg_cr", types.Array(types.complex128, 2, "C")),
        ("seg_cv", types.Array(types.complex128, 2, "C")),
        ("seg_xc", types.Array(types.float64, 2, "C")),
        ("seg_rx", types.Array(types.float64, 3, "C")),
        ("seg_cx", types.Array(types.complex128, 3, "C")),
        ("sg_valid", types.Array(types.int64, 1, "C")),
        ("sg_changes", types.Array(types.int64, 1, "C")),
        ("sg_first", types.Array(types.float64, 1, "C")),
        ("sg_last", types.Array(types.float64, 1, "C")),
        ("sg_nt", types.Array(types.int64, 1, "C")),
        ("sg_r", types.Array(types.float64, 2, "C")),
        ("sg_b", types.Array(types.float64, 2, "C")),
        ("chk_t", types.Array(types.float64, 1, "C")),
        ("chk_x", types.Array(types.int64, 1, "C")),
        ("tree", types.Array(types.int64, 1, "C")),
        ("h_t", types.Array(types.float64, 1, "C")),
        ("h_seq", types.Array(types.int64, 1, "C")),
        ("h_kind", types.Array(types.int64, 1, "C")),
        ("h_a", types.Array(types.int64, 1, "C")),
        ("h_b", types.Array(types.int64, 1, "C")),
        ("h_f", types.Array(types.float64, 1, "C")),
        ("sp_unit", types.Array(types.int64, 1, "C")),
        ("sp_t", types.Array(types.float64, 1, "C")),
        ("sp_kind", types.Array(types.int64, 1, "C")),
        ("ist", types.Array(types.int64, 1, "C")),
        ("fst", types.Array(types.float64, 1, "C")),
        ("xs", types.Array(types.float64, 1, "C")),
        ("csyn", types.Array(types.float64, 1, "C")),
        ("tta", types.Array(types.float64, 1, "C")),
        ("ttr", types.Array(types.float64, 1, "C")),
        ("ee", types.Array(types.float64, 1, "C")),
        ("zz", types.Array(types.complex128, 1, "C")),
        ("touched", types.Array(types.int64, 1, "C")),
        ("mark", types.Array(types.int64, 1, "C")),
    ]
)
structref.define_boxing(StateType, StateProxy)  # type: ignore[no-untyped-call]

jit = numba.njit(cache=True, nogil=True)


@jit
def _new(arrays: Any) -> Any:
    st: Any = structref.new(STATE_TYPE)  # type: ignore[call-arg]
    st.V_th = arrays[0]
    st.V_off = arrays[1]
    st.V_on = arrays[2]
    st.read_on = arrays[3]
    st.R_read = arrays[4]
    st.R_off = arrays[5]
    st.V_retr = arrays[6]
    st.retr_win = arrays[7]
    st.min_off = arrays[8]
    st.on_delay = arrays[9]
    st.adapt_b = arrays[10]
    st.I_noise = arrays[11]
    st.noise_dt = arrays[12]
    st.I_bias_d = arrays[13]
    st.size = arrays[14]
    st.idx_w = arrays[15]
    st.general = arrays[16]
    st.adaptive = arrays[17]
    st.n_groups = arrays[18]
    st.st_g = arrays[19]
    st.st_e = arrays[20]
    st.st_a = arrays[21]
    st.real_ok = arrays[22]
    st.real_modes = arrays[23]
    st.st_nu1 = arrays[24]
    st.st_nu2 = arrays[25]
    st.st_w1 = arrays[26]
    st.st_w2 = arrays[27]
    st.particular = arrays[28]
    st.gen_e = arrays[29]
    st.k_soma = arrays[30]
    st.k_dend = arrays[31]
    st.forced_vec = arrays[32]
    st.forced_lam = arrays[33]
    st.n_modes = arrays[34]
    st.mode_nu = arrays[35]
    st.mode_right = arrays[36]
    st.mode_left = arrays[37]
    st.mode_pair = arrays[38]
    st.gsum = arrays[39]
    st.gtime = arrays[40]
    st.gtau = arrays[41]
    st.syn_pre = arrays[42]
    st.syn_post = arrays[43]
    st.syn_group = arrays[44]
    st.syn_W = arrays[45]
    st.syn_tau = arrays[46]
    st.syn_alpha = arrays[47]
    st.syn_delay = arrays[48]
    st.syn_s = arrays[49]
    st.syn_ts = arrays[50]
    st.out_ptr = arrays[51]
    st.out_idx = arrays[52]
    st.in_amp = arrays[53]
    st.in_start = arrays[54]
    st.in_dur = arrays[55]
    st.in_period = arrays[56]
    st.in_count = arrays[57]
    st.in_level = arrays[58]
    st.pulse_version = arrays[59]
    st.tgt_ptr = arrays[60]
    st.tgt_idx = arrays[61]
    st.current = arrays[62]
    st.noise = arrays[63]
    st.noise_z = arrays[64]
    st.blocked = arrays[65]
    st.retr_until = arrays[66]
    st.seg_t0 = arrays[67]
    st.seg_on = arrays[68]
    st.seg_vc = arrays[69]
    st.seg_nr = arrays[70]
    st.seg_nc = arrays[71]
    st.seg_rr = arrays[72]
    st.seg_rv = arrays[73]
    st.seg_cr = arrays[74]
    st.seg_cv = arrays[75]
    st.seg_xc = arrays[76]
    st.seg_rx = arrays[77]
    st.seg_cx = arrays[78]
    st.sg_valid = arrays[79]
    st.sg_changes = arrays[80]
    st.sg_first = arrays[81]
    st.sg_last = arrays[82]
    st.sg_nt = arrays[83]
    st.sg_r = arrays[84]
    st.sg_b = arrays[85]
    st.chk_t = arrays[86]
    st.chk_x = arrays[87]
    st.tree = arrays[88]
    st.h_t = arrays[89]
    st.h_seq = arrays[90]
    st.h_kind = arrays[91]
    st.h_a = arrays[92]
    st.h_b = arrays[93]
    st.h_f = arrays[94]
    st.sp_unit = arrays[95]
    st.sp_t = arrays[96]
    st.sp_kind = arrays[97]
    st.ist = arrays[98]
    st.fst = arrays[99]
    st.xs = arrays[100]
    st.csyn = arrays[101]
    st.tta = arrays[102]
    st.ttr = arrays[103]
    st.ee = arrays[104]
    st.zz = arrays[105]
    st.touched = arrays[106]
    st.mark = arrays[107]
    return st


@jit
def _set_heap(S: Any, h_t: Any, h_seq: Any, h_kind: Any, h_a: Any, h_b: Any, h_f: Any) -> None:
    S.h_t = h_t
    S.h_seq = h_seq
    S.h_kind = h_kind
    S.h_a = h_a
    S.h_b = h_b
    S.h_f = h_f


# ----------------------------------------------------------------------------- segments
@jit
def seg_value(S: Any, i: int, t: float, out: Any) -> None:
    """The state vector of unit i at t into out[0:size] (Segment.value)."""
    seg_cr_ = S.seg_cr[i]
    seg_cx_ = S.seg_cx[i]
    seg_rr_ = S.seg_rr[i]
    seg_rx_ = S.seg_rx[i]
    seg_xc_ = S.seg_xc[i]
    ee_ = S.ee
    zz_ = S.zz
    dt = t - S.seg_t0[i]
    nr = S.seg_nr[i]
    nc = S.seg_nc[i]
    for k in range(nr):
        ee_[k] = math.exp(seg_rr_[k] * dt)
    for k in range(nc):
        zz_[k] = cmath.exp(seg_cr_[k] * dt)
    for j in range(S.size[i]):
        x = seg_xc_[j]
        for k in range(nr):
            x += seg_rx_[j, k] * ee_[k]
        for k in range(nc):
            x += 2.0 * (seg_cx_[j, k] * zz_[k]).real
        out[j] = x


@jit
def seg_voltage(S: Any, i: int, t: float) -> float:
    seg_cr_ = S.seg_cr[i]
    seg_cv_ = S.seg_cv[i]
    seg_rr_ = S.seg_rr[i]
    seg_rv_ = S.seg_rv[i]
    dt = t - S.seg_t0[i]
    v: float = S.seg_vc[i]
    for k in range(S.seg_nr[i]):
        v += seg_rv_[k] * math.exp(seg_rr_[k] * dt)
    for k in range(S.seg_nc[i]):
        v += 2.0 * (seg_cv_[k] * cmath.exp(seg_cr_[k] * dt)).real
    return v


@jit
def derivative_signs(S: Any, i: int) -> None:
    seg_rr_ = S.seg_rr[i]
    seg_rv_ = S.seg_rv[i]
    sg_b_ = S.sg_b[i]
    sg_r_ = S.sg_r[i]
    nt = 0
    for k in range(S.seg_nr[i]):
        c = seg_rv_[k]
        if c != 0.0:
            r = seg_rr_[k]
            b = c * r
            # insertion sort by (rate, b)
            j = nt
            while j > 0 and (sg_r_[j - 1] > r or (sg_r_[j - 1] == r and sg_b_[j - 1] > b)):
                sg_r_[j] = sg_r_[j - 1]
                sg_b_[j] = sg_b_[j - 1]
                j -= 1
            sg_r_[j] = r
            sg_b_[j] = b
            nt += 1
    S.sg_nt[i] = nt
    changes = 0
    positive = sg_b_[0] > 0.0 if nt > 0 else False
    for k in range(nt):
        if (sg_b_[k] > 0.0) != positive:
            positive = not positive
            changes += 1
    if nt == 0:
        S.sg_changes[i] = 0
        S.sg_first[i] = 0.0
        S.sg_last[i] = 0.0
        return  # (not cached, as in the Python path: recomputed, same result)
    S.sg_changes[i] = changes
    S.sg_first[i] = math.copysign(1.0, sg_b_[0])
    S.sg_last[i] = math.copysign(1.0, sg_b_[nt - 1])
    S.sg_valid[i] = 1


@jit
def real_derivatives(S: Any, i: int, dt: float) -> tuple[float, float, float, float, float]:
    seg_rr_ = S.seg_rr[i]
    seg_rv_ = S.seg_rv[i]
    v = S.seg_vc[i]
    dv = 0.0
    size = 0.0
    d2v = 0.0
    curv = 0.0
    for k in range(S.seg_nr[i]):
        r = seg_rr_[k]
        term = seg_rv_[k] * math.exp(r * dt)
        v += term
        term *= r
        dv += term
        size += abs(term)
        term *= r
        d2v += term
        curv += abs(term)
    return v, dv, size, d2v, curv


@jit
def solve_crossing(
    S: Any, i: int, lo: float, hi: float, x: float, level: float, direction: float
) -> float:
    seg_cr_ = S.seg_cr[i]
    seg_cv_ = S.seg_cv[i]
    seg_rr_ = S.seg_rr[i]
    seg_rv_ = S.seg_rv[i]
    if not lo <= x <= hi:
        x = 0.5 * (lo + hi)
    t0 = S.seg_t0[i]
    for _ in range(60):
        dt = x - t0
        v = S.seg_vc[i]
        dv = 0.0
        for k in range(S.seg_nr[i]):
            rk = seg_rr_[k]
            term = seg_rv_[k] * math.exp(rk * dt)
            v += term
            dv += term * rk
        for k in range(S.seg_nc[i]):
            rc = seg_cr_[k]
            zterm = seg_cv_[k] * cmath.exp(rc * dt)
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


@jit
def single_mode_bound(
    S: Any, i: int, dt: float, level: float, direction: float
) -> tuple[float, float, float, float]:
    seg_rr_ = S.seg_rr[i]
    seg_rv_ = S.seg_rv[i]
    c = seg_rv_[0]
    r = seg_rr_[0]
    vc = S.seg_vc[i]
    term = c * math.exp(r * dt)
    gap = direction * (level - vc - term)
    slope = direction * term * r
    if gap <= 0.0:
        return gap, slope, 0.0, 0.0
    ratio = (level - vc) / c if c != 0.0 else 0.0
    if ratio <= 0.0 or ratio >= math.exp(r * dt):
        return gap, slope, math.inf, 0.0
    return gap, slope, max(math.log(ratio) / r - dt, 0.0), 0.0


@jit
def step_bound(
    S: Any, i: int, t: float, level: float, direction: float
) -> tuple[float, float, float, float]:
    seg_cr_ = S.seg_cr[i]
    seg_cv_ = S.seg_cv[i]
    seg_rr_ = S.seg_rr[i]
    seg_rv_ = S.seg_rv[i]
    tta_ = S.tta
    ttr_ = S.ttr
    dt = t - S.seg_t0[i]
    nr = S.seg_nr[i]
    nc = S.seg_nc[i]
    if nc == 0 and nr == 1:
        return single_mode_bound(S, i, dt, level, direction)
    vc = S.seg_vc[i]
    v = vc
    dv = 0.0
    d2v = 0.0
    curv = 0.0
    jerk = 0.0
    toward = 0.0
    away = 0.0
    ntt = 0
    for k in range(nr):
        rk = seg_rr_[k]
        term = seg_rv_[k] * math.exp(rk * dt)
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
            tta_[ntt] = -dterm
            ttr_[ntt] = rk
            ntt += 1
        else:
            away += dterm
    for k in range(nc):
        rc = seg_cr_[k]
        zterm = seg_cv_[k] * cmath.exp(rc * dt)
        v += 2.0 * zterm.real
        dv += 2.0 * (zterm * rc).real
        d2v += 2.0 * (zterm * rc * rc).real
        a = 2.0 * abs(zterm)
        curv += a * abs(rc) ** 2
        jerk += a * abs(rc) ** 3
        away += a
    gap = direction * (level - v)
    slope = direction * dv
    need = direction * (vc - level) + away
    if need <= 0.0:
        return gap, slope, math.inf, 0.0
    if gap <= 0.0:
        return gap, slope, 0.0, 0.0
    window = 0.0
    if slope > 0.0:
        window = slope / curv if curv > 0.0 else math.inf
        if jerk > 0.0:
            d2 = direction * d2v
            w2 = (d2 + math.sqrt(d2 * d2 + 2.0 * jerk * slope)) / jerk
            if w2 > window:
                window = w2
    slope2 = slope * slope
    denom = slope + math.sqrt(slope2 + 2.0 * curv * gap)
    h_taylor = 2.0 * gap / denom if denom > 0.0 else math.inf
    trial = 4.0 * h_taylor
    bend = direction * d2v + jerk * trial
    denom = slope + math.sqrt(slope2 + 2.0 * bend * gap) if bend > 0.0 else slope + abs(slope)
    h_jerk = 2.0 * gap / denom if denom > 0.0 else math.inf
    if h_taylor < h_jerk <= trial:
        h_taylor = h_jerk
    h_mono = 0.0
    if toward > need and window <= h_taylor:
        for _ in range(3):
            f = -need
            df = 0.0
            for k in range(ntt):
                x = tta_[k] * math.exp(ttr_[k] * h_mono)
                f += x
                df += x * ttr_[k]
            if f <= 1e-12 * need or df >= 0.0:
                break
            h_mono -= f / df
    return gap, slope, h_taylor if h_taylor > h_mono else h_mono, window


@jit
def newton_ahead(
    S: Any, i: int, t: float, level: float, direction: float
) -> tuple[int, float, bool]:
    """(found, time, crossing); found 0 stands for the Python path's None."""
    seg_rr_ = S.seg_rr[i]
    seg_rv_ = S.seg_rv[i]
    sg_b_ = S.sg_b[i]
    sg_r_ = S.sg_r[i]
    if S.sg_valid[i] == 0:
        derivative_signs(S, i)
    changes = S.sg_changes[i]
    first = S.sg_first[i]
    last = S.sg_last[i]
    nt = S.sg_nt[i]
    t0 = S.seg_t0[i]
    dt = t - t0
    v = S.seg_vc[i]
    dv = 0.0
    d2v = 0.0
    curv = 0.0
    for k in range(S.seg_nr[i]):
        r = seg_rr_[k]
        term = seg_rv_[k] * math.exp(r * dt)
        v += term
        term *= r
        dv += term
        term *= r
        d2v += term
        curv += abs(term)
    gap = direction * (level - v)
    if gap <= CROSSING_TOLERANCE:
        return 1, t, True
    slope = direction * dv
    if slope == 0.0:
        return 0, 0.0, False
    zeros = changes - (1 if first * dv < 0.0 else 0)
    x = t
    if zeros == 2 and slope < 0.0 and nt == 3:
        r_f = sg_r_[0]
        b_f = sg_b_[0]
        r_m = sg_r_[1]
        r_s = sg_r_[2]
        b_s = sg_b_[2]
        ratio = -b_s * (r_s - r_m) / (b_f * (r_f - r_m))
        if not ratio > 0.0:
            return 0, 0.0, False
        u1 = math.log(ratio) / (r_f - r_s) - dt
        if u1 <= 0.0:
            return 1, math.inf, False
        x = t + u1
        v, dv, size, d2v, curv = real_derivatives(S, i, u1 + t - t0)
        slope_x = direction * dv
        if slope_x < -1e-9 * size:
            return 1, math.inf, False
        if not slope_x > 1e-9 * size:
            return 0, 0.0, False
        gap_x = direction * (level - v)
        if gap_x <= CROSSING_TOLERANCE:
            if gap_x >= -CROSSING_TOLERANCE:
                return 1, x + gap_x / slope_x, True
            guess = t + u1 * gap / (gap - gap_x)
            return 1, solve_crossing(S, i, t, x, guess, level, direction), True
        gap = gap_x
        slope = slope_x
        zeros = 1
    if zeros > 1:
        return 0, 0.0, False
    if direction * (level - S.seg_vc[i]) >= 0.0 and (slope < 0.0 or zeros == 0 or last * dv > 0.0):
        return 1, math.inf, False
    if slope < 0.0:
        return 0, 0.0, False
    hi = math.inf
    slope_hi = 0.0
    for _ in range(12):
        bend = direction * d2v
        if bend < 0.0:
            rate = -bend / slope
            q = gap * rate / slope
            x_new = x - math.log1p(-q) / rate if q < 1.0 else x + gap / slope
        else:
            x_new = x + 2.0 * gap / (slope + math.sqrt(slope * slope + 2.0 * bend * gap))
        if hi != math.inf:
            span = hi - x
            if slope * span + 0.5 * curv * span * span < gap - CROSSING_TOLERANCE:
                return 1, math.inf, False
            if not x_new < hi:
                x_new = x + span * slope / (slope - slope_hi)
        v, dv, size, new_d2v, new_curv = real_derivatives(S, i, x_new - t0)
        new_slope = direction * dv
        if new_slope < -1e-9 * size:
            hi = x_new
            slope_hi = new_slope
            continue
        if not new_slope > 1e-9 * size:
            break
        new_gap = direction * (level - v)
        if new_gap > CROSSING_TOLERANCE:
            x = x_new
            gap = new_gap
            slope = new_slope
            d2v = new_d2v
            curv = new_curv
            continue
        if new_gap >= -CROSSING_TOLERANCE:
            return 1, x_new + new_gap / new_slope, True
        guess = x + (x_new - x) * gap / (gap - new_gap)
        return 1, solve_crossing(S, i, x, x_new, guess, level, direction), True
    if x > t:
        return 1, x, False
    return 0, 0.0, False


@jit
def next_event(S: Any, i: int, t: float, level: float, direction: float) -> tuple[float, bool]:
    if S.seg_nc[i] == 0 and S.seg_nr[i] > 1:
        found, when, crossing = newton_ahead(S, i, t, level, direction)
        if found:
            return when, crossing
    gap, slope, h, window = step_bound(S, i, t, level, direction)
    if gap <= CROSSING_TOLERANCE:
        return t, True
    if h == math.inf:
        return math.inf, False
    if window > h:
        end = t + window
        gap_end = direction * (level - seg_voltage(S, i, end))
        if gap_end > 0.0:
            return end, False
        guess = t + window * gap / (gap - gap_end)
        return solve_crossing(S, i, t + h, end, guess, level, direction), True
    return t + h, False


# ----------------------------------------------------------------------------- rebase
@jit
def rebase(S: Any, i: int, t0: float, x0: Any, on: bool, current: float) -> None:
    """A new segment of unit i at t0 from state x0 (unit_dynamics.rebase)."""
    seg_cr_ = S.seg_cr[i]
    seg_cv_ = S.seg_cv[i]
    seg_cx_ = S.seg_cx[i]
    seg_rr_ = S.seg_rr[i]
    seg_rv_ = S.seg_rv[i]
    seg_rx_ = S.seg_rx[i]
    seg_xc_ = S.seg_xc[i]
    csyn_ = S.csyn
    s = 1 if on else 0
    S.seg_t0[i] = t0
    S.seg_on[i] = s
    S.sg_valid[i] = 0
    ng = S.n_groups[i]
    syn = csyn_
    if S.general[i]:
        n = S.size[i]
        i_dend = S.I_bias_d[i]
        i_soma = current + S.gen_e[i, s]
        for j in range(n):
            seg_xc_[j] = i_soma * S.k_soma[i, s, j] + i_dend * S.k_dend[i, s, j]
        h = S.xs  # x0 is read before: h overwrites a scratch copy
        for j in range(n):
            h[j] = x0[j] - seg_xc_[j]
        nr = 0
        nc = 0
        for g in range(ng):
            c = syn[g]
            if c == 0.0:
                continue
            seg_rr_[nr] = S.forced_lam[i, s, g]
            for j in range(n):
                y = c * S.forced_vec[i, s, g, j]
                seg_rx_[j, nr] = y
                h[j] -= y
            nr += 1
        for m in range(S.n_modes[i, s]):
            alpha = 0j
            for j in range(n):
                alpha = alpha + S.mode_left[i, s, m, j] * h[j]
            if S.mode_pair[i, s, m]:
                seg_cr_[nc] = S.mode_nu[i, s, m]
                for j in range(n):
                    seg_cx_[j, nc] = alpha * S.mode_right[i, s, m, j]
                nc += 1
            else:
                seg_rr_[nr] = S.mode_nu[i, s, m].real
                for j in range(n):
                    seg_rx_[j, nr] = (alpha * S.mode_right[i, s, m, j]).real
                nr += 1
        S.seg_nr[i] = nr
        S.seg_nc[i] = nc
        S.seg_vc[i] = seg_xc_[0]
        for k in range(nr):
            seg_rv_[k] = seg_rx_[0, k]
        for k in range(nc):
            seg_cv_[k] = seg_cx_[0, k]
        return
    drive = current + S.st_e[i, s]
    v0 = x0[0]
    adaptive = S.adaptive[i] != 0
    w0 = x0[1] if adaptive else 0.0
    if adaptive:
        vc = drive / (S.st_g[i, s] + S.st_a[i])
        wc = S.st_a[i] * vc
    else:
        vc = drive / S.st_g[i, s]
        wc = 0.0
    hv = v0 - vc
    hw = w0 - wc
    nr = 0
    nc = 0
    for g in range(ng):
        c = syn[g]
        if c == 0.0:
            continue
        fv = S.particular[i, s, g, 0]
        fw = S.particular[i, s, g, 1]
        seg_rx_[0, nr] = c * fv
        seg_rx_[1, nr] = c * fw
        seg_rr_[nr] = S.particular[i, s, g, 2]
        hv -= c * fv
        hw -= c * fw
        nr += 1
    if adaptive:
        if S.real_ok[i, s]:
            r1 = S.real_modes[i, s, 0]
            r2 = S.real_modes[i, s, 1]
            w1 = S.real_modes[i, s, 2]
            w2 = S.real_modes[i, s, 3]
            b1 = (hw - hv * w2) / (w1 - w2)
            b2 = hv - b1
            seg_rx_[0, nr] = b1
            seg_rx_[0, nr + 1] = b2
            seg_rx_[1, nr] = b1 * w1
            seg_rx_[1, nr + 1] = b2 * w2
            seg_rr_[nr] = r1
            seg_rr_[nr + 1] = r2
            nr += 2
        else:
            nu1 = S.st_nu1[i, s]
            nu2 = S.st_nu2[i, s]
            cw1 = S.st_w1[i, s]
            cw2 = S.st_w2[i, s]
            a1 = (hw - hv * cw2) / (cw1 - cw2)
            a2 = hv - a1
            if nu1.imag != 0.0:
                seg_cx_[0, nc] = a1
                seg_cx_[1, nc] = a1 * cw1
                seg_cr_[nc] = nu1
                nc += 1
            else:
                seg_rx_[0, nr] = a1.real
                seg_rx_[1, nr] = (a1 * cw1).real
                seg_rr_[nr] = nu1.real
                nr += 1
                seg_rx_[0, nr] = a2.real
                seg_rx_[1, nr] = (a2 * cw2).real
                seg_rr_[nr] = nu2.real
                nr += 1
        seg_xc_[0] = vc
        seg_xc_[1] = wc
    else:
        seg_rx_[0, nr] = hv
        seg_rr_[nr] = S.st_nu1[i, s].real
        nr += 1
        seg_xc_[0] = vc
    S.seg_nr[i] = nr
    S.seg_nc[i] = nc
    S.seg_vc[i] = vc
    for k in range(nr):
        seg_rv_[k] = seg_rx_[0, k]
    for k in range(nc):
        seg_cv_[k] = seg_cx_[0, k]


# ----------------------------------------------------------------------------- queues
@jit
def _better(chk_t: Any, a: int, b: int) -> int:
    if a < 0:
        return b
    if b < 0:
        return a
    ta = chk_t[a]
    tb = chk_t[b]
    if ta < tb or (ta == tb and a < b):
        return a
    if tb < ta:
        return b
    return a if a < b else b


@jit
def set_check(S: Any, i: int, when: float, crossing: bool) -> None:
    chk_t = S.chk_t
    tree = S.tree
    chk_t[i] = when
    S.chk_x[i] = 1 if crossing else 0
    p = tree.shape[0] // 2
    k = (p + i) // 2
    while k >= 1:
        tree[k] = _better(chk_t, tree[2 * k], tree[2 * k + 1])
        k //= 2


@jit
def schedule(S: Any, t: float, kind: int, a: int, b: int, f: float) -> None:
    h_t = S.h_t
    h_seq = S.h_seq
    h_kind = S.h_kind
    h_a = S.h_a
    h_b = S.h_b
    h_f = S.h_f
    ist = S.ist
    ist[I_SEQ] += 1
    seq = ist[I_SEQ]
    n = ist[I_HSIZE]
    ist[I_HSIZE] = n + 1
    k = n
    while k > 0:
        parent = (k - 1) // 2
        pt = h_t[parent]
        if pt < t or (pt == t and h_seq[parent] < seq):
            break
        h_t[k] = pt
        h_seq[k] = h_seq[parent]
        h_kind[k] = h_kind[parent]
        h_a[k] = h_a[parent]
        h_b[k] = h_b[parent]
        h_f[k] = h_f[parent]
        k = parent
    h_t[k] = t
    h_seq[k] = seq
    h_kind[k] = kind
    h_a[k] = a
    h_b[k] = b
    h_f[k] = f


@jit
def _pop(S: Any) -> None:
    h_t = S.h_t
    h_seq = S.h_seq
    h_kind = S.h_kind
    h_a = S.h_a
    h_b = S.h_b
    h_f = S.h_f
    n = S.ist[I_HSIZE] - 1
    S.ist[I_HSIZE] = n
    if n == 0:
        return
    t = h_t[n]
    seq = h_seq[n]
    kind = h_kind[n]
    a = h_a[n]
    b = h_b[n]
    f = h_f[n]
    k = 0
    while True:
        c = 2 * k + 1
        if c >= n:
            break
        if c + 1 < n and (
            h_t[c + 1] < h_t[c] or (h_t[c + 1] == h_t[c] and h_seq[c + 1] < h_seq[c])
        ):
            c += 1
        if h_t[c] < t or (h_t[c] == t and h_seq[c] < seq):
            h_t[k] = h_t[c]
            h_seq[k] = h_seq[c]
            h_kind[k] = h_kind[c]
            h_a[k] = h_a[c]
            h_b[k] = h_b[c]
            h_f[k] = h_f[c]
            k = c
        else:
            break
    h_t[k] = t
    h_seq[k] = seq
    h_kind[k] = kind
    h_a[k] = a
    h_b[k] = b
    h_f[k] = f


# ----------------------------------------------------------------------------- events
@jit
def syn_currents(S: Any, i: int, t: float) -> None:
    gsum_ = S.gsum[i]
    gtau_ = S.gtau[i]
    gtime_ = S.gtime[i]
    csyn_ = S.csyn
    for g in range(S.n_groups[i]):
        total = gsum_[g]
        csyn_[g] = total * math.exp(-(t - gtime_[g]) / gtau_[g]) if total != 0.0 else 0.0


@jit
def plan_check(S: Any, i: int, t: float) -> None:
    if S.seg_on[i]:
        when, crossing = next_event(S, i, t, S.V_off[i], -1.0)
    elif t < S.retr_until[i]:
        when, crossing = next_event(S, i, t, S.V_retr[i], 1.0)
    else:
        when, crossing = next_event(S, i, t, S.V_th[i], 1.0)
    if when != math.inf:
        if not crossing and when <= t:
            when = t + MIN_LOOKAHEAD
        set_check(S, i, when, crossing)
    else:
        set_check(S, i, math.inf, False)


@jit
def restart(S: Any, i: int, t: float, x: Any, on: bool) -> None:
    syn_currents(S, i, t)
    rebase(S, i, t, x, on, S.current[i])
    if S.blocked[i]:
        set_check(S, i, math.inf, False)  # (the version bump of the Python path)
    else:
        plan_check(S, i, t)


@jit
def restart_here(S: Any, i: int, t: float) -> None:
    x = S.xs[S.xs.shape[0] // 2 :]  # second half: rebase uses the first as scratch
    seg_value(S, i, t, x)
    restart(S, i, t, x, S.seg_on[i] != 0)


@jit
def add_current(S: Any, k: int, delta: float, t: float) -> None:
    """delta (A) into every target of input k."""
    for p in range(S.tgt_ptr[k], S.tgt_ptr[k + 1]):
        i = S.tgt_idx[p]
        S.current[i] += delta
        restart_here(S, i, t)


@jit
def add_unit_current(S: Any, i: int, delta: float, t: float) -> None:
    S.current[i] += delta
    restart_here(S, i, t)


@jit
def set_level(S: Any, k: int, level: float, t: float) -> None:
    delta = S.in_amp[k] * (level - S.in_level[k])
    S.in_level[k] = level
    if delta != 0.0:
        add_current(S, k, delta, t)


@jit
def _record(S: Any, i: int, t: float, kind: int) -> None:
    n = S.ist[I_NSPIKE]
    S.sp_unit[n] = i
    S.sp_t[n] = t
    S.sp_kind[n] = kind
    S.ist[I_NSPIKE] = n + 1


@jit
def syn_jump(S: Any, k: int, t: float) -> None:
    s = S.syn_s[k] * math.exp(-(t - S.syn_ts[k]) / S.syn_tau[k])
    S.syn_s[k] = s + S.syn_alpha[k] * (1.0 - s)
    S.syn_ts[k] = t
    post = S.syn_post[k]
    g = S.syn_group[k]
    total = S.gsum[post, g]
    decayed = total * math.exp(-(t - S.gtime[post, g]) / S.syn_tau[k]) if total != 0.0 else 0.0
    S.gsum[post, g] = decayed + S.syn_W[k] * (S.syn_s[k] - s)
    S.gtime[post, g] = t


@jit
def switch_on(S: Any, i: int, t: float, x: Any) -> None:
    _record(S, i, t, 0)
    if S.idx_w[i] >= 0:
        x[S.idx_w[i]] += S.adapt_b[i]
    restart(S, i, t, x, True)
    S.ist[I_STAMP] += 1
    stamp = S.ist[I_STAMP]
    nt = 0
    for p in range(S.out_ptr[i], S.out_ptr[i + 1]):
        k = S.out_idx[p]
        if S.syn_delay[k] > 0.0:
            schedule(S, t + S.syn_delay[k], SYN_ARRIVE, k, 0, 0.0)
        else:
            syn_jump(S, k, t)
            post = S.syn_post[k]
            if S.mark[post] != stamp:
                S.mark[post] = stamp
                S.touched[nt] = post
                nt += 1
    for p in range(nt):
        restart_here(S, S.touched[p], t)


@jit
def switch_off(S: Any, i: int, t: float, x: Any) -> None:
    _record(S, i, t, 1)
    if S.min_off[i] > 0.0:
        S.blocked[i] = 1
        schedule(S, t + S.min_off[i], RECOVER, i, 0, 0.0)
    if S.retr_win[i] > 0.0:
        S.retr_until[i] = t + S.retr_win[i]
        schedule(S, t + S.retr_win[i], WINDOW_END, i, 0, 0.0)
    restart(S, i, t, x, False)


@jit
def check(S: Any, i: int, t: float) -> None:
    x = S.xs[S.xs.shape[0] // 2 :]
    seg_value(S, i, t, x)
    if S.seg_on[i]:
        switch_off(S, i, t, x)
    elif S.on_delay[i] > 0.0:
        S.blocked[i] = 1
        set_check(S, i, math.inf, False)
        schedule(S, t + S.on_delay[i], DEVICE_ON, i, 0, 0.0)
    else:
        switch_on(S, i, t, x)


@jit
def handle(S: Any, kind: int, a: int, b: int, f: float, t: float) -> None:
    if kind == INPUT_EDGE:
        add_current(S, a, f, t)
    elif kind == TRAIN_ONSET:
        begin = S.in_start[a] + b * S.in_period[a]
        add_current(S, a, S.in_amp[a], t)
        if math.isfinite(S.in_dur[a]):
            schedule(S, begin + S.in_dur[a], INPUT_EDGE, a, 0, -S.in_amp[a])
        if b + 1 < S.in_count[a]:
            schedule(S, S.in_start[a] + (b + 1) * S.in_period[a], TRAIN_ONSET, a, b + 1, 0.0)
    elif kind == SYN_ARRIVE:
        syn_jump(S, a, t)
        restart_here(S, S.syn_post[a], t)
    elif kind == DEVICE_ON:
        S.blocked[a] = 0
        x = S.xs[S.xs.shape[0] // 2 :]
        seg_value(S, a, t, x)
        switch_on(S, a, t, x)
    elif kind == RECOVER:
        S.blocked[a] = 0
        plan_check(S, a, t)
    elif kind == PULSE_END:
        if b == S.pulse_version[a]:
            set_level(S, a, 0.0, t)
    elif kind == NOISE:
        ptr = S.ist[I_NZPTR]
        S.ist[I_NZPTR] = ptr + 1
        draw = 0.0 + S.noise_z[ptr] * S.I_noise[a]  # random.gauss: mu + z*sigma
        add_unit_current(S, a, draw - S.noise[a], t)
        S.noise[a] = draw
        schedule(S, t + S.noise_dt[a], NOISE, a, 0, 0.0)
    elif kind == WINDOW_END and not S.blocked[a] and not S.seg_on[a] and t >= S.retr_until[a]:
        plan_check(S, a, t)


@jit
def run(S: Any, t_end: float, max_push: int) -> int:
    """Process every event up to t_end; DONE, or a code asking the caller for room."""
    ist = S.ist
    cap = S.h_t.shape[0]
    spcap = S.sp_t.shape[0]
    while True:
        if ist[I_HSIZE] + max_push > cap:
            return GROW_HEAP
        if ist[I_NSPIKE] + 2 > spcap:
            return FLUSH_SPIKES
        u = S.tree[1]
        tc = S.chk_t[u] if u >= 0 else math.inf
        ts = S.h_t[0] if ist[I_HSIZE] > 0 else math.inf
        if tc <= ts:
            if tc > t_end:
                break
            crossing = S.chk_x[u] != 0
            set_check(S, u, math.inf, False)
            S.fst[0] = tc
            if crossing:
                check(S, u, tc)
            else:
                plan_check(S, u, tc)
        else:
            if ts > t_end:
                break
            kind = S.h_kind[0]
            if kind == NOISE and ist[I_NZPTR] >= ist[I_NZN]:
                return NEED_NOISE
            a = S.h_a[0]
            b = S.h_b[0]
            f = S.h_f[0]
            _pop(S)
            S.fst[0] = ts
            handle(S, kind, a, b, f, ts)
        ist[I_EVENTS] += 1
    S.fst[0] = t_end
    return DONE


@jit
def init(S: Any, x0: Any, noisy: Any) -> None:
    """The Python path's constructor order: each unit restarted at 0 (then its first noise
    draw scheduled), then the inputs."""
    n = S.V_th.shape[0]
    for i in range(n):
        x = S.xs[S.xs.shape[0] // 2 :]
        for j in range(S.size[i]):
            x[j] = x0[i, j]
        restart(S, i, 0.0, x, False)
        if noisy[i]:
            schedule(S, 0.0, NOISE, i, 0, 0.0)


@jit
def readout(S: Any, i: int, t: float) -> float:
    v = seg_voltage(S, i, t)
    out: float = (
        max(v - S.V_on[i], 0.0) * S.read_on[i] if S.seg_on[i] else v * S.R_read[i] / S.R_off[i]
    )
    return out


# ----------------------------------------------------------------------------- building
def unsupported(emu: Any) -> str | None:
    """Why the board cannot run compiled (None: it can)."""
    if emu.record:
        return "recording (record=True) runs on the Python path"
    if emu.rall_synapses:
        return "two-stage (rall) synapses are not compiled yet"
    for model in emu.models:
        if model.series:
            return f"a series soma (neuron {model.spec.name}) is not compiled yet"
    return None


def build(emu: Any, heap: int = 256, spikes: int = 4096) -> tuple[Any, Any, Any, int]:
    """(S, its arrays, initial states, max pushes per event) from an Emulator's models."""
    models = emu.models
    n = len(models)
    ns = max(m.size for m in models)
    mg = max(1, max(len(m.rates) for m in models))
    nm = max(1, max((len(g.modes) for m in models if m.general for g in m.general), default=1))
    mr = mg + ns
    mc = ns
    f8 = np.float64
    c16 = np.complex128
    i8 = np.int64
    a: dict[str, Any] = {}

    def unit(name: str, fn: Any, dtype: Any = f8) -> None:
        a[name] = np.array([fn(m) for m in models], dtype=dtype)

    unit("V_th", lambda m: m.V_th)
    unit("V_off", lambda m: m.V_off)
    unit("V_on", lambda m: m.V_on)
    unit("read_on", lambda m: m.read_on)
    unit("R_read", lambda m: m.R_read)
    unit("R_off", lambda m: m.R_off)
    unit("V_retr", lambda m: m.spec.V_retrigger)
    unit("retr_win", lambda m: m.spec.retrigger_window)
    unit("min_off", lambda m: m.spec.min_off_time)
    unit("on_delay", lambda m: m.spec.turn_on_delay)
    unit("adapt_b", lambda m: m.spec.adapt_b)
    unit("I_noise", lambda m: m.spec.I_noise)
    unit("noise_dt", lambda m: m.spec.noise_dt)
    unit("I_bias_d", lambda m: m.spec.I_bias_d)
    unit("size", lambda m: m.size, i8)
    unit("idx_w", lambda m: m.idx_w, i8)
    unit("general", lambda m: int(m.general is not None), i8)
    unit("adaptive", lambda m: int(m.adaptive), i8)
    unit("n_groups", lambda m: len(m.rates), i8)
    unit("st_a", lambda m: m.a)
    a["st_g"] = np.array([[st.g for st in m.states] for m in models], f8)
    a["st_e"] = np.array([[st.e for st in m.states] for m in models], f8)
    a["real_ok"] = np.array([[int(r is not None) for r in m.real_modes] for m in models], i8)
    a["real_modes"] = np.array(
        [[r if r is not None else (0.0,) * 4 for r in m.real_modes] for m in models], f8
    )
    for name in ("nu1", "nu2", "w1", "w2"):
        a["st_" + name] = np.array([[getattr(st, name) for st in m.states] for m in models], c16)
    a["particular"] = np.zeros((n, 2, mg, 3), f8)
    a["gen_e"] = np.zeros((n, 2), f8)
    a["k_soma"] = np.zeros((n, 2, ns), f8)
    a["k_dend"] = np.zeros((n, 2, ns), f8)
    a["forced_vec"] = np.zeros((n, 2, mg, ns), f8)
    a["forced_lam"] = np.zeros((n, 2, mg), f8)
    a["n_modes"] = np.zeros((n, 2), i8)
    a["mode_nu"] = np.zeros((n, 2, nm), c16)
    a["mode_right"] = np.zeros((n, 2, nm, ns), c16)
    a["mode_left"] = np.zeros((n, 2, nm, ns), c16)
    a["mode_pair"] = np.zeros((n, 2, nm), i8)
    a["gtau"] = np.ones((n, mg), f8)
    for i, m in enumerate(models):
        for s in range(2):
            for g, factors in enumerate(m.particular[s]):
                a["particular"][i, s, g] = factors
            if m.general is None:
                continue
            gs = m.general[s]
            a["gen_e"][i, s] = gs.e
            a["k_soma"][i, s, : m.size] = gs.k_soma
            a["k_dend"][i, s, : m.size] = gs.k_dend
            for g, (vec, lam) in enumerate(gs.forced):
                a["forced_vec"][i, s, g, : m.size] = vec
                a["forced_lam"][i, s, g] = lam
            a["n_modes"][i, s] = len(gs.modes)
            for k, (nu, right, left, pair) in enumerate(gs.modes):
                a["mode_nu"][i, s, k] = nu
                a["mode_right"][i, s, k, : m.size] = right
                a["mode_left"][i, s, k, : m.size] = left
                a["mode_pair"][i, s, k] = int(pair)
        for g, lam in enumerate(m.rates):
            a["gtau"][i, g] = -1.0 / lam
    # the Python path's group taus are the synapses' own: take them from there
    for syn in emu.synapses:
        a["gtau"][syn.post, syn.group] = syn.tau
    a["gsum"] = np.zeros((n, mg), f8)
    a["gtime"] = np.zeros((n, mg), f8)
    syns = emu.synapses
    a["syn_pre"] = np.array([s.pre for s in syns], i8)
    a["syn_post"] = np.array([s.post for s in syns], i8)
    a["syn_group"] = np.array([s.group for s in syns], i8)
    a["syn_W"] = np.array([s.W for s in syns], f8)
    a["syn_tau"] = np.array([s.tau for s in syns], f8)
    a["syn_alpha"] = np.array([s.alpha for s in syns], f8)
    a["syn_delay"] = np.array([s.delay for s in syns], f8)
    a["syn_s"] = np.zeros(len(syns), f8)
    a["syn_ts"] = np.zeros(len(syns), f8)
    number = {id(s): k for k, s in enumerate(syns)}
    out_ptr = [0]
    out_idx: list[int] = []
    for i in range(n):
        out_idx += [number[id(s)] for s in emu._outgoing[i]]
        out_ptr.append(len(out_idx))
    a["out_ptr"] = np.array(out_ptr, i8)
    a["out_idx"] = np.array(out_idx, i8)
    fan_out = max(np.diff(a["out_ptr"]).max(initial=0), 0)
    inputs = emu.inputs
    a["in_amp"] = np.array([p.amplitude for p in inputs], f8)
    a["in_start"] = np.array([p.start for p in inputs], f8)
    a["in_dur"] = np.array([p.duration for p in inputs], f8)
    a["in_period"] = np.array([p.period for p in inputs], f8)
    a["in_count"] = np.array([p.count for p in inputs], i8)
    a["in_level"] = np.zeros(len(inputs), f8)  # the drives' levels are set by the caller
    a["pulse_version"] = np.zeros(len(inputs), i8)
    tgt_ptr = [0]
    tgt_idx: list[int] = []
    for targets in emu._input_targets:
        tgt_idx += list(targets)
        tgt_ptr.append(len(tgt_idx))
    a["tgt_ptr"] = np.array(tgt_ptr, i8)
    a["tgt_idx"] = np.array(tgt_idx, i8)
    a["current"] = np.array([m.spec.I_bias for m in models], f8)
    a["noise"] = np.zeros(n, f8)
    a["noise_z"] = np.zeros(1024, f8)
    a["blocked"] = np.zeros(n, i8)
    a["retr_until"] = np.full(n, -math.inf, f8)
    a["seg_t0"] = np.zeros(n, f8)
    a["seg_on"] = np.zeros(n, i8)
    a["seg_vc"] = np.zeros(n, f8)
    a["seg_nr"] = np.zeros(n, i8)
    a["seg_nc"] = np.zeros(n, i8)
    a["seg_rr"] = np.zeros((n, mr), f8)
    a["seg_rv"] = np.zeros((n, mr), f8)
    a["seg_cr"] = np.zeros((n, mc), c16)
    a["seg_cv"] = np.zeros((n, mc), c16)
    a["seg_xc"] = np.zeros((n, ns), f8)
    a["seg_rx"] = np.zeros((n, ns, mr), f8)
    a["seg_cx"] = np.zeros((n, ns, mc), c16)
    a["sg_valid"] = np.zeros(n, i8)
    a["sg_changes"] = np.zeros(n, i8)
    a["sg_first"] = np.zeros(n, f8)
    a["sg_last"] = np.zeros(n, f8)
    a["sg_nt"] = np.zeros(n, i8)
    a["sg_r"] = np.zeros((n, mr), f8)
    a["sg_b"] = np.zeros((n, mr), f8)
    a["chk_t"] = np.full(n, math.inf, f8)
    a["chk_x"] = np.zeros(n, i8)
    p = 1
    while p < n:
        p *= 2
    tree = np.full(2 * p, -1, i8)
    tree[p : p + n] = np.arange(n)
    for k in range(p - 1, 0, -1):  # every check is at inf: the lowest unit wins
        left, right = tree[2 * k], tree[2 * k + 1]
        tree[k] = left if left >= 0 else right
    a["tree"] = tree
    cap = max(heap, 4 * (fan_out + 8))
    a["h_t"] = np.zeros(cap, f8)
    a["h_seq"] = np.zeros(cap, i8)
    a["h_kind"] = np.zeros(cap, i8)
    a["h_a"] = np.zeros(cap, i8)
    a["h_b"] = np.zeros(cap, i8)
    a["h_f"] = np.zeros(cap, f8)
    a["sp_unit"] = np.zeros(spikes, i8)
    a["sp_t"] = np.zeros(spikes, f8)
    a["sp_kind"] = np.zeros(spikes, i8)
    a["ist"] = np.zeros(8, i8)
    a["fst"] = np.zeros(2, f8)
    a["xs"] = np.zeros(2 * ns, f8)
    a["csyn"] = np.zeros(mg, f8)
    a["tta"] = np.zeros(mr, f8)
    a["ttr"] = np.zeros(mr, f8)
    a["ee"] = np.zeros(mr, f8)
    a["zz"] = np.zeros(mc, c16)
    a["touched"] = np.zeros(n, i8)
    a["mark"] = np.zeros(n, i8)
    x0 = np.zeros((n, ns), f8)
    for i, m in enumerate(models):
        x0[i, : m.size] = m.initial_state()
    arrays = Arrays(**a)
    return _new(tuple(arrays)), arrays, x0, int(fan_out) + 4


def grow_heap(S: Any, arrays: Any) -> Any:
    """The arrays with the scheduled-event heap twice as large (contents kept), also in S."""
    fields = {}
    for name in ("h_t", "h_seq", "h_kind", "h_a", "h_b", "h_f"):
        old = getattr(arrays, name)
        new = np.zeros(2 * old.shape[0], old.dtype)
        new[: old.shape[0]] = old
        fields[name] = new
    _set_heap(S, *(fields[name] for name in ("h_t", "h_seq", "h_kind", "h_a", "h_b", "h_f")))
    return arrays._replace(**fields)


def warm() -> None:
    """Compile (first run in a source tree, about a minute) or load every compiled entry point,
    so that later processes, e.g. subprocesses under a timeout, find them cached."""
    from pathlib import Path

    from mnsu.circuit.board import load_board
    from mnsu.circuit.emulator import Emulator

    examples = Path(__file__).resolve().parents[3] / "examples"
    for name in ("leg.yaml", "bursting.yaml"):
        path = examples / name
        if not path.exists():
            return
        emu = Emulator(load_board(path), backend="compiled")
        emu.advance(0.01)
        if name == "leg.yaml":
            emu.set_drive(0.5)
            emu.touchdown()
            emu.inject(0, 1e-6)
        emu.advance(0.01)
        for channel in emu.adc_channels:
            emu.read_adc(channel)
        emu.voltage(0)
        emu.segments[0].value(emu.t)
        emu._a = grow_heap(emu._k, emu._a)

#!/usr/bin/env python3
"""Reproducible minimax fits for fastact's erf / erfc building blocks and the erf-form GELU.
(The float64 kernel uses these; float32 GELU evaluates tables, tools/fit_tables.py, on every
ISA, so the float32 fits printed here are no longer in the kernels.)

Usage:  python3 tools/fit_erf.py        (needs mpmath + numpy; about 1-1.5 minutes)

Prints C++ ``constexpr`` lines (hex-float literals), the approximation errors, and the
*measured* error of the complete GELU evaluation x * Phi(x) in the exact operation order
the C++ kernel is meant to use (float32 and float64, exact emulation of every rounding).

What is fitted (minimax, coefficients rounded to the format; targets 2^-28 / 2^-57)
----------------------------------------------------------------------------------
A. erf(w) = w * (P0hi + T(w^2)) for 0 <= w < W0, relative error of erf.  P0hi = RN(2/sqrt(pi))
   is held and T's constant term carries the rest of P(0): with a single rounded P(0) the
   relative error at w -> 0 would be that rounding, 2^-24.2 / 2^-56.0, above the targets.
   Evaluated as erf = fma(w, P0hi, w * T(w*w)).
A'. The GELU's own small branch: Phi(x) = 1/2 + x Q(x^2) for |x| < W0 sqrt2, i.e.
   Q(s) = erf(sqrt(s/2)) / (2 sqrt(s)), minimax on the relative error of Phi (x < 0 side),
   evaluated as gelu = fma(x * Q, x, x/2): x is exact, so the rounding of x/sqrt2 never enters.
B. erfc(w) = exp(-w^2) * F(w) for w >= W0, F = erfcx.  The fitted function is
   H(a) = a F(a) / sqrt2   (so F(a) = sqrt2 H(a) / a),  because with a = |x|/sqrt2
       |x| Phi(-|x|) = (|x|/2) erfc(a) = exp(-a^2) H(a),
       gelu(x) = -exp(-a^2) H(a)        for x < 0,
       gelu(x) =  x - exp(-a^2) H(a)    for x > 0   (= x (2 - erfc(a)) / 2).
   x/2 and the division by w cancel analytically (x / (2w) = -1/sqrt2): no multiplication by
   x/2, no division, and H depends only weakly on its argument (a H'/H <= 0.58, -> 0 for large
   a) whereas F ~ 1/(a sqrt(pi)) passes the rounding error of a straight through (see the
   printed diagnostic).  H is fitted piecewise, one polynomial per interval of a, in one of
     kind 'w':  v = (a_hi - c) + a_lo   (a - c is exact: Sterbenz; keeps the low word of a),
     kind 'u':  v = 1/a2 - c            (H is smooth in u = 1/a^2 down to u = 0 (a = inf):
                                          H ~ (1 - u/2 + 3u^2/4 - ...) / sqrt(2 pi)),
   all intervals of a format sharing one degree (the kernel selects coefficients per lane).
   Where v = 0 lies inside an interval, the shift c is chosen so that the leading Taylor
   coefficients at c are close to floats (see choose_shift).

Method (as tools/fit_polynomials.py; its rounding / FMA-emulation helpers are imported)
-------------------------------------------------------------------------------------
1. Fit: Remez exchange on a dense Chebyshev grid (discrete Remez; the function is cached on
   the grid, polynomials evaluated in 160-bit fixed point with Python integers, the reference
   system solved in mpmath).  The reported sup norm is re-measured on a 4x denser grid with
   golden-section refinement of the largest extrema.
2. Round: coefficients rounded one at a time, lowest power first, the still-free ones
   re-fitted after each rounding (with the sign handling of RelErr when the held part leaves
   an odd power of v changing sign at v = 0).  The degree is the smallest whose ROUNDED
   polynomials meet the target on every interval.  Intervals are widened by 2^-20 (relative)
   at both ends (a_hi vs a, rounding of u).
3. Measure: the GELU is written once as a scheme over an abstract arithmetic (numpy with
   exact single-rounding FMA emulation / exact Fractions, cross-checked bit for bit on a
   sample / a tracer that prints the pseudo-code).  exp(-a^2) = 2^n m is taken as
     lib       the library's reduction and exp_reduced polynomial (cpp/kernels/math-inl.hpp),
               a2_lo folded into the reduction with one rounding: r = (-a2 - n ln2hi) -
               fma(n, ln2lo, a2_lo)                                     <- recommended
     lib_zlo   math-inl.hpp's exp_parts_nonpositive(z, z_lo) as it is (r = fnma(..) + z_lo),
     adv       ANY exp with <= 0.75 ulp error: both floats within 0.75 ulp of the exact
               mantissa of exp(-(a2 + a2_lo)) are tried per point, the worse result is kept,
     brief     ANY exp(-a2) with <= 0.75 ulp error (worst of both), then m = fma(m, -a2_lo, m),
     brief_lib the library's exp(-a2), then m = fma(m, -a2_lo, m).
   Errors in ulps of the exact result.  References: float64 grid -- mpmath (50 digits),
   (x/2) erfc(-x/sqrt2) = x ncdf(x), at every point.  float32 grid (1.15e6 points) -- a
   float64 evaluation (libm erfc plus the first-order correction for the low word of
   x/sqrt2, ~2^-51 relative = 2^-27 float32 ulp) checked against mpmath on 6000 random
   points; the 400 worst points of every variant are re-measured against mpmath, so the
   reported maxima are mpmath ones.
"""

from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass, field
from fractions import Fraction

import mpmath
import numpy as np
from mpmath import mp, mpf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import itertools

import fit_polynomials as fp
from fit_polynomials import (
    F32,
    F64,
    ExactArith,
    Fmt,
    TraceArith,
    VecArith,
    decf,
    drop_extrema,
    hexf,
    hexs,
    horner,
    pow2,
    print_cpp,
    round_exact,
    round_sequentially,
    round_to_fmt,
    to_fraction,
    ulp_of,
)

FIXP = 160  # fixed-point bits of the fit arithmetic
FPREC = FIXP + 40  # mpmath bits for function values and the Remez solve
GRID_N = 1200  # Chebyshev grid of the Remez exchange (per interval)
CHECK_N = 4 * GRID_N  # denser grid for the final sup-norm check
WIDEN = mpf(2) ** -20  # relative widening of every interval
REF_DPS = 50  # mpmath digits of the GELU reference
RNG = np.random.default_rng(20240611)


# --------------------------------------------------------------------------
# Configuration: threshold W0, interval boundaries (in a = |w|), variable kinds, shifts.
# Chosen with an exploratory greedy search over boundaries on a 1/8 grid (see the report);
# the script re-derives the degree (smallest that meets the target after rounding).
# --------------------------------------------------------------------------
@dataclass
class Config:
    fmt: Fmt
    w0: float  # small branch (erf polynomial) for a < W0
    wmax: float  # fits cover a <= wmax (the result underflows beyond)
    bounds: list[float]  # W0 = b0 < b1 < ... < b_k = wmax
    kinds: list[str]  # 'w' or 'u' per interval
    shifts: list[float]  # c per interval (exactly representable, simple)
    target: int  # approximation error <= 2^-target
    deg_start: int  # first degree tried for H
    small_deg_start: int  # first degree tried for P, Q (in s)
    results: dict = field(default_factory=dict)


CONFIGS = [
    Config(
        fmt=F32,
        w0=0.5,
        wmax=10.5,
        bounds=[0.5, 1.0, 1.625, 2.875, 10.5],
        kinds=["w", "w", "u", "u"],
        shifts=[0.75, 1.3125, 0.25, 0.0],
        target=28,
        deg_start=6,
        small_deg_start=3,
    ),
    Config(
        fmt=F64,
        w0=0.5,
        wmax=27.5,
        bounds=[0.5, 1.375, 2.5, 5.625, 27.5],
        kinds=["w", "w", "u", "u"],
        shifts=[0.9375, 1.9375, 0.09375, 0.0],
        target=57,
        deg_start=15,
        small_deg_start=8,
    ),
]


def H_a(a: mpf) -> mpf:
    """H(a) = a erfc(a) exp(a^2) / sqrt(2)."""
    return a * mp.erfc(a) * mp.exp(a * a) / mp.sqrt(2)


def P_s(s: mpf) -> mpf:
    """P(s) = erf(sqrt(s)) / sqrt(s): erf(w) = w P(w^2)."""
    if s == 0:
        return 2 / mp.sqrt(mp.pi)
    r = mp.sqrt(s)
    return mp.erf(r) / r


def Q_s(s: mpf) -> mpf:
    """Q(s) = erf(sqrt(s/2)) / (2 sqrt(s)): Phi(x) = 1/2 + x Q(x^2)."""
    if s == 0:
        return 1 / mp.sqrt(2 * mp.pi)
    r = mp.sqrt(s)
    return mp.erf(r / mp.sqrt(2)) / (2 * r)


# --------------------------------------------------------------------------
# Discrete Remez for the relative error, fixed-point arithmetic on a cached grid
# --------------------------------------------------------------------------
def fix(x: mpf) -> int:
    return int(mp.nint(mp.ldexp(x, FIXP)))


class GridFit:
    """Weighted error e(v) = (p(v) - f(v)) W(v) of p(v) = offset + sum_k c_k v^k on [lo, hi].

    W defaults to 1/f (relative error).  f and W are evaluated once (mpmath, FPREC bits) on
    a Chebyshev grid (second kind, end points included; points with W = 0 dropped) and f is
    stored in FIXP-bit fixed point; p is evaluated by Horner's rule in the same fixed point
    (Python integers in numpy object arrays, ~2^-150 accurate) and e converted to float64
    (enough to locate extrema and compare levels).
    """

    def __init__(self, f, lo: mpf, hi: mpf, n: int, weight=None, offset: mpf | None = None):
        self.f, self.lo, self.hi, self.n = f, lo, hi, n
        self.weight = weight if weight is not None else (lambda v, fv: 1 / fv)
        self.offset = mpf(0) if offset is None else offset
        self.V, self.vm, self.Fv, self.fm, self.W, self.wm = self._grid(n)

    def _grid(self, n):
        with mp.workprec(FPREC):
            mid, half = (self.lo + self.hi) / 2, (self.hi - self.lo) / 2
            vs = [mid - half * mp.cos(mp.pi * j / (n - 1)) for j in range(n)]
            V, vm, Fv, fm, W, wm = [], [], [], [], [], []
            for v in vs:
                X = fix(v)
                x = mp.ldexp(mpf(X), -FIXP)  # the exact grid point
                fx = self.f(x)
                wx = self.weight(x, fx)
                if wx == 0:
                    continue
                F = fix(fx)
                V.append(X)
                vm.append(x)
                Fv.append(F)
                fm.append(mp.ldexp(mpf(F), -FIXP))
                W.append(float(wx))
                wm.append(wx)
        return (np.array(V, dtype=object), vm, np.array(Fv, dtype=object), fm, np.array(W), wm)

    def horner(self, coefs: dict[int, mpf], V: np.ndarray) -> np.ndarray:
        top = max(coefs)
        C = {k: fix(c) for k, c in coefs.items()}
        acc = np.full(len(V), C.get(top, 0), dtype=object)
        for k in range(top - 1, -1, -1):
            acc = ((acc * V) >> FIXP) + C.get(k, 0)
        return acc + fix(self.offset)

    def _err(self, coefs, V, Fv, W) -> np.ndarray:
        d = np.array((self.horner(coefs, V) - Fv).tolist(), dtype=np.float64)
        return d * 2.0**-FIXP * W

    def err(self, coefs) -> np.ndarray:
        return self._err(coefs, self.V, self.Fv, self.W)

    @staticmethod
    def alternating(e: np.ndarray) -> list[int]:
        """Index of the largest |e| in every maximal run of constant sign."""
        s = np.sign(e)
        nz = np.nonzero(s)[0]
        if nz.size == 0:
            return []
        cut = np.nonzero(np.diff(s[nz]) != 0)[0] + 1
        return [int(run[np.argmax(np.abs(e[run]))]) for run in np.split(nz, cut)]

    def remez(self, fixed: dict[int, mpf], free: list[int]) -> tuple[dict[int, mpf], float]:
        """Minimax of the weighted error over the free coefficients (fixed ones held)."""
        m = len(free) + 1
        n = len(self.vm)
        # Once the coefficients below the lowest free power `low` are held, the free part
        # is v^low * (...), whose weight changes sign at v = 0 when low is odd and the
        # interval contains negative v: what must equioscillate is then sign(v)^low * e(v)
        # (as RelErr in fit_polynomials.py).  sg holds that sign on the grid.
        low = min(free)
        sg = np.where(np.array([float(v) for v in self.vm]) < 0, (-1.0) ** low, 1.0)
        ref = sorted({round((n - 1) * (1 - math.cos(math.pi * i / (m - 1))) / 2) for i in range(m)})
        best = None
        with mp.workprec(FPREC):
            for _ in range(40):
                A = mpmath.matrix(m, m)
                b = mpmath.matrix(m, 1)
                for i, j in enumerate(ref):
                    v, fv = self.vm[j], self.fm[j]
                    for c, k in enumerate(free):
                        A[i, c] = v**k
                    # sg_j (p - f)(v_j) W_j = (-1)^i E
                    A[i, m - 1] = (-1) ** i * int(sg[j]) / self.wm[j]
                    b[i] = fv - self.offset - mp.fsum(fixed[k] * v**k for k in fixed)
                sol = mpmath.lu_solve(A, b)
                coefs = dict(fixed)
                coefs.update({k: sol[c] for c, k in enumerate(free)})
                level = abs(float(sol[m - 1]))
                e = self.err(coefs) * sg
                emax = float(np.max(np.abs(e)))
                if best is None or emax < best[1]:
                    best = (coefs, emax)
                alt = self.alternating(e)
                if len(alt) < m:  # poor reference: swap the global maximum in
                    alt = self._single_exchange(ref, e)
                alt = drop_extrema(alt, [abs(e[j]) for j in alt], m)
                if emax - level <= 1e-6 * emax or alt == ref:
                    return coefs, emax
                ref = alt
        return best  # not levelled out (only at degrees far beyond the working precision)

    @staticmethod
    def _single_exchange(ref: list[int], e: np.ndarray) -> list[int]:
        g = int(np.argmax(np.abs(e)))
        pts = list(ref)
        pos = sum(1 for j in pts if j < g)
        same = [(e[j] > 0) == (e[g] > 0) for j in pts]
        if pos == 0:
            pts = [g, *pts[1:]] if same[0] else [g, *pts[:-1]]
        elif pos == len(pts):
            pts = [*pts[:-1], g] if same[-1] else [*pts[1:], g]
        else:
            pts[pos - 1 if same[pos - 1] else pos] = g
        return pts

    def sup(self, coefs: dict[int, mpf]) -> tuple[float, float]:
        """max |e| on a 4x denser grid, its largest extrema refined by golden-section search."""
        V, vm, Fv, _, W, _ = self._grid(CHECK_N)
        e = self._err(coefs, V, Fv, W)
        best, where = 0.0, float(vm[0])
        with mp.workprec(FPREC):
            for j in sorted(self.alternating(e), key=lambda j: -abs(e[j]))[:6]:
                lo, hi = vm[max(j - 1, 0)], vm[min(j + 1, len(vm) - 1)]
                t, val = self._golden(coefs, lo, hi)
                for tt, vv in ((vm[j], abs(e[j])), (t, val)):
                    if vv > best:
                        best, where = vv, float(tt)
        return best, where

    def _golden(self, coefs, lo, hi, steps=24):
        def ev(t):
            ft = self.f(t)
            return abs((self.offset + fp.RelErr.poly(coefs, t) - ft) * self.weight(t, ft))

        gr = (mp.sqrt(5) - 1) / 2
        x1, x2 = hi - gr * (hi - lo), lo + gr * (hi - lo)
        f1, f2 = ev(x1), ev(x2)
        for _ in range(steps):
            if f1 > f2:
                hi, x2, f2 = x2, x1, f1
                x1 = hi - gr * (hi - lo)
                f1 = ev(x1)
            else:
                lo, x1, f1 = x1, x2, f2
                x2 = lo + gr * (hi - lo)
                f2 = ev(x2)
        return (x1, float(f1)) if f1 > f2 else (x2, float(f2))


def fit_rounded(gf: GridFit, deg: int, fmt: Fmt) -> dict:
    """Minimax at degree deg, then sequential rounding (lowest power first) with refits."""
    free = list(range(deg + 1))
    coefs, err_minimax = gf.remez({}, free)
    fixed = round_sequentially(gf, coefs, {}, free, fmt)
    err_rounded, where = gf.sup(fixed)
    return {
        "degree": deg,
        "err_minimax": err_minimax,
        "err_rounded": err_rounded,
        "where": where,
        "coefs": [float(fixed[k]) for k in range(deg + 1)],
    }


def l2(v: float) -> str:
    return f"2^{math.log2(v):.2f}" if v > 0 else "0"


def phi_weight(s: mpf, _qs: mpf) -> mpf:
    """Weight of Q's error in the relative error of Phi(x) = 1/2 + x Q(x^2) at x = -sqrt(s)
    (the x < 0 side, where Phi is smaller: the harder one)."""
    return mp.sqrt(s) / mp.ncdf(-mp.sqrt(s))


def fit_small(cfg: Config, which: str, log) -> dict:
    """P: erf(w) = w (P0hi + T(w^2)), relative error of erf for 0 <= w < W0 (P0hi = RN(2/sqrt
    pi) held fixed, T's constant term is then ~ the low part: a single rounded P(0) alone would
    have a relative error of 2^-24.2 / 2^-56.0 at w = 0, above the targets).
    Q: Phi(x) = 1/2 + x Q(x^2), |x| < W0 sqrt2, minimax on the relative error of Phi (x < 0)."""
    fmt = cfg.fmt
    w0 = mpf(cfg.w0) * (1 + WIDEN)
    with mp.workprec(FPREC):
        if which == "P":
            offset = mpf(round_to_fmt(2 / mp.sqrt(mp.pi), fmt))
            smax = w0**2
            gf = GridFit(P_s, mpf(0), smax, GRID_N // 2, offset=offset)
        else:
            offset = mpf(0)
            smax = 2 * w0**2
            gf = GridFit(Q_s, mpf(0), smax, GRID_N // 2, weight=phi_weight)
    target = 2.0**-cfg.target
    for deg in range(cfg.small_deg_start, 30):
        _, e = gf.remez({}, list(range(deg + 1)))
        log(f"    {which} degree {deg:2d} (in s): minimax {l2(e)}")
        if e > target:
            continue
        res = fit_rounded(gf, deg, fmt)
        log(f"      rounded to {fmt.name}: {l2(res['err_rounded'])}")
        if res["err_rounded"] <= target:
            res["smax"] = float(smax)
            res["offset"] = float(offset)
            return res
    raise RuntimeError("no degree met the target")


def H_of_v(kind: str, c: mpf):
    if kind == "w":
        return lambda v: H_a(c + v)
    return lambda v: H_a(1 / mp.sqrt(c + v))


def v_range(cfg: Config, i: int, c: mpf) -> tuple[mpf, mpf]:
    lo = mpf(cfg.bounds[i]) * (1 - WIDEN)
    hi = mpf(cfg.bounds[i + 1]) * (1 + WIDEN)
    if cfg.kinds[i] == "w":
        return lo - c, hi - c
    return 1 / hi**2 - c, 1 / lo**2 - c


def H_taylor(kind: str, c: mpf) -> tuple[mpf, mpf, mpf]:
    """The first three Taylor coefficients of H in v at v = 0 (v = a - c, or v = u - c with
    u = 1/a^2), from F = erfcx: F' = 2aF - 2/sqrt(pi), F'' = 2F + 2aF'."""
    a = c if kind == "w" else 1 / mp.sqrt(c)
    F = mp.erfc(a) * mp.exp(a * a)
    F1 = 2 * a * F - 2 / mp.sqrt(mp.pi)
    F2 = 2 * F + 2 * a * F1
    r2 = mp.sqrt(2)
    H0, H1, H2 = a * F / r2, (F + a * F1) / r2, (2 * F1 + a * F2) / r2
    if kind == "w":
        return H0, H1, H2 / 2
    au, auu = -(a**3) / 2, 3 * a**5 / 4  # da/du, d2a/du2
    return H0, H1 * au, (H2 * au * au + H1 * auu) / 2


def choose_shift(cfg: Config, i: int) -> tuple[float, float]:
    """Expansion point (shift) of an interval whose v-range contains v = 0.

    Coefficient rounding: near v = 0 the polynomial is c0 + c1 v + c2 v^2 + ..., and the
    rounding errors of c0, c1 v, c2 v^2 cannot be absorbed by the higher powers on an
    interval that extends to both sides of 0, so they put a floor under the approximation
    error (measured: up to 2^-27 / 2^-54, above the targets, at the interval centres).
    So the shift is chosen among the multiples of 2^-12 (float32) / 2^-14 (float64) within
    a quarter of the interval's width of its centre: the one minimising
    max_k |RN(c_k) - c_k| R^k / H(shift), k = 0, 1, 2 (c_k the Taylor coefficients, R the
    largest |v|).  Returns (shift, that score)."""
    nominal = cfg.shifts[i]
    if nominal == 0.0:  # v = u > 0: v = 0 is outside the interval
        return 0.0, 0.0
    kind, fmt = cfg.kinds[i], cfg.fmt
    lo, hi = cfg.bounds[i], cfg.bounds[i + 1]
    if kind == "u":
        lo, hi = 1 / hi**2, 1 / lo**2
    step = 2.0**-12 if fmt is F32 else 2.0**-14
    kmax = int((hi - lo) / 4 / step)
    best = None
    with mp.workprec(140):
        for k in range(-kmax, kmax + 1):
            c = nominal + k * step
            if kind == "w" and not (c / 2 <= lo and hi <= 2 * c):
                continue  # a_hi - c must be exact (Sterbenz) on the whole interval
            R = max(abs(lo - c), abs(hi - c))
            cs = H_taylor(kind, mpf(c))
            score = max(
                abs(mpf(round_to_fmt(ck, fmt)) - ck) * mpf(R) ** j for j, ck in enumerate(cs)
            )
            score = float(score / cs[0])
            if best is None or score < best[1]:
                best = (c, score)
    return best


def piece_fit(cfg: Config, i: int) -> GridFit:
    c = mpf(cfg.shifts[i])
    lo, hi = v_range(cfg, i, c)
    with mp.workprec(FPREC):
        return GridFit(H_of_v(cfg.kinds[i], c), lo, hi, GRID_N)


def fit_H(cfg: Config, log) -> list[dict]:
    fmt = cfg.fmt
    target = 2.0**-cfg.target
    k = len(cfg.kinds)
    for i in range(k):
        c, e = choose_shift(cfg, i)
        if cfg.shifts[i]:
            log(f"    interval {i}: shift {c!r} (nominal {cfg.shifts[i]}): rounding score {l2(e)}")
        cfg.shifts[i] = c
    gfs = [piece_fit(cfg, i) for i in range(k)]
    for deg in range(cfg.deg_start, cfg.deg_start + 5):
        mm = [gf.remez({}, list(range(deg + 1)))[1] for gf in gfs]
        log(f"    degree {deg:2d}: minimax per interval " + ", ".join(l2(e) for e in mm))
        if max(mm) > target:
            continue
        res = [fit_rounded(gf, deg, fmt) for gf in gfs]
        log(f"      rounded to {fmt.name}: " + ", ".join(l2(r["err_rounded"]) for r in res))
        if max(r["err_rounded"] for r in res) <= target:
            for i, r in enumerate(res):
                r.update(
                    lo=cfg.bounds[i],
                    hi=cfg.bounds[i + 1],
                    kind=cfg.kinds[i],
                    shift=cfg.shifts[i],
                    vlo=float(gfs[i].lo),
                    vhi=float(gfs[i].hi),
                )
            return res
    raise RuntimeError("no degree met the target")


# --------------------------------------------------------------------------
# Arithmetics: the fit_polynomials ones plus sub / div / ldexp / select / tables
# --------------------------------------------------------------------------
class Vec(VecArith):
    def sub(self, a, b, _out):
        return a - b

    def div(self, a, b, _out):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return self.fmt.dtype(a) / b if np.isscalar(a) else a / b

    def abs(self, a, _out):
        return np.abs(a)

    def max(self, a, b, _out):
        return np.maximum(a, b)

    def ldexp(self, a, n, _out):
        with np.errstate(over="ignore", under="ignore"):
            return np.ldexp(a, np.asarray(n).astype(np.int64)).astype(self.fmt.dtype)

    def select(self, cond, a, b, _out):
        return np.where(cond, a, b).astype(self.fmt.dtype)

    def lt(self, a, b):
        return a < b

    def index(self, a, bounds, _out):
        return sum((a >= self.fmt.dtype(b)).astype(np.int64) for b in bounds)

    def table(self, _name, values, idx):
        return np.asarray(values, dtype=self.fmt.dtype)[idx]

    def index_ge(self, idx, k):
        return idx >= k

    def or_sign(self, y, x, _out):
        if isinstance(y, Fraction):  # Fractions carry no signed zero
            return y
        return np.where(np.signbit(x), -np.abs(y), y).astype(self.fmt.dtype)

    def fma(self, a, b, c, _out):
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            r = np.asarray(self.fma_impl(a, b, c), dtype=self.fmt.dtype)
            # the error-free transformations inside the emulation turn infinite operands
            # into NaN; there a*b + c (no rounding involved) is what an fma returns
            a, b, c = np.broadcast_arrays(a, b, c)
            special = ~(np.isfinite(a) & np.isfinite(b) & np.isfinite(c))
            if special.any():
                r = np.where(special, (a * b + c).astype(self.fmt.dtype), r)
            return r


class Exact(ExactArith):
    def sub(self, a, b, _out):
        return round_exact(a - b, self.fmt)

    def div(self, a, b, _out):
        if b == 0:  # only in lanes whose result is discarded (a = 0); stands in for inf
            return Fraction(2) ** 200
        return round_exact(Fraction(a) / b, self.fmt)

    def abs(self, a, _out):
        return abs(a)

    def max(self, a, b, _out):
        return max(a, b)

    def ldexp(self, a, n, _out):
        return round_exact(a * pow2(int(n)), self.fmt)

    def select(self, cond, a, b, _out):
        return a if cond else b

    def lt(self, a, b):
        return a < b

    def index(self, a, bounds, _out):
        return sum(1 for b in bounds if a >= Fraction(b))

    def table(self, _name, values, idx):
        return Fraction(values[idx])

    def index_ge(self, idx, k):
        return idx >= k

    def or_sign(self, y, x, _out):
        if isinstance(y, Fraction):  # Fractions carry no signed zero
            return y
        return np.where(np.signbit(x), -np.abs(y), y).astype(self.fmt.dtype)


class Trace(TraceArith):
    def sub(self, a, b, out):
        self.lines.append(f"{out} = {a} - {b}")
        return out

    def div(self, a, b, out):
        self.lines.append(f"{out} = {a} / {b}")
        return out

    def abs(self, a, out):
        self.lines.append(f"{out} = |{a}|")
        return out

    def max(self, a, b, out):
        self.lines.append(f"{out} = max({a}, {b})")
        return out

    def ldexp(self, a, n, out):
        self.lines.append(f"{out} = ldexp({a}, {n})")
        return out

    def select(self, cond, a, b, out):
        self.lines.append(f"{out} = {cond} ? {a} : {b}")
        return out

    def lt(self, a, b):
        return f"{a} < {b}"

    def index(self, a, bounds, out):
        terms = " + ".join(f"({a} >= kGeluHBound[{j}])" for j in range(len(bounds)))
        self.lines.append(f"{out} = {terms}   // interval index 0..{len(bounds)}")
        return out

    def table(self, name, _values, idx):
        return f"{name}[{idx}]"

    def index_ge(self, idx, k):
        return f"{idx} >= {k}"

    def or_sign(self, y, x, out):
        self.lines.append(f"{out} = bit_or({y}, sign_bit({x}))")
        return out


# --------------------------------------------------------------------------
# exp(-(a2 + a2_lo)) = 2^n * m: the library's reduction and polynomial
# (cpp/kernels/math-inl.hpp: ExpConstants, exp_reduced_inner, exp_reduced)
# --------------------------------------------------------------------------
_hx = float.fromhex
EXP_LIB = {
    "float32": {
        "log2e": _hx("0x1.715476p0"),
        "ln2hi": _hx("0x1.62E4p-1"),
        "ln2lo": _hx("0x1.7F7D1Cp-20"),
        "magic": _hx("0x1.8p23"),
        "minarg": -120.0,
        "inner": [
            _hx("0x1.FFFFFCp-2"),
            _hx("0x1.555494p-3"),
            _hx("0x1.5558BEp-5"),
            _hx("0x1.123856p-7"),
            _hx("0x1.6A3D0Ep-10"),
        ],
    },
    "float64": {
        "log2e": _hx("0x1.71547652B82FEp0"),
        "ln2hi": _hx("0x1.62E42FEFA38p-1"),
        "ln2lo": _hx("0x1.EF35793C7673p-45"),
        "magic": _hx("0x1.8p52"),
        "minarg": -760.0,
        "inner": [
            _hx("0x1.000000000000Ap-1"),
            _hx("0x1.555555555550Dp-3"),
            _hx("0x1.55555555507BAp-5"),
            _hx("0x1.111111112453Fp-7"),
            _hx("0x1.6C16C184319Ep-10"),
            _hx("0x1.A01A013850448p-13"),
            _hx("0x1.A0199A21BD8C8p-16"),
            _hx("0x1.71DF0CC1EA062p-19"),
            _hx("0x1.28AD4C1C0EC1Ep-22"),
            _hx("0x1.AD9EF00129BC3p-26"),
        ],
    },
}


_MTRUE_CACHE: dict = {}


def exp_true_mantissa(a2, a2_lo, n, fmt: Fmt):
    """exp(-(a2 + a2_lo) - n ln2) (the exact mantissa) as float64 hi + lo arrays.

    float32 inputs: float64 arithmetic (error ~2^-46 relative, 2^-22 float32 ulp).
    float64 inputs: mpmath at 140 bits (cached: the same grid is measured twice)."""
    a2 = np.asarray(a2, np.float64)
    a2_lo = np.broadcast_to(np.asarray(a2_lo, np.float64), a2.shape)
    n = np.asarray(n, np.float64)
    bad = ~(np.isfinite(a2) & np.isfinite(a2_lo) & np.isfinite(n))
    a2, a2_lo, n = (np.where(bad, 0.0, t) for t in (a2, a2_lo, n))  # lanes discarded later
    if fmt is F32:
        with mp.workprec(200):
            ln2_hi = float(mp.log(2))
            ln2_lo = float(mp.log(2) - ln2_hi)
        r = (-a2 - n * ln2_hi) - (a2_lo + n * ln2_lo)
        return np.exp(r), np.zeros_like(r)
    key = (a2.tobytes(), a2_lo.tobytes(), n.tobytes())
    if key not in _MTRUE_CACHE:
        hi = np.empty(a2.size)
        lo = np.empty(a2.size)
        with mp.workprec(140):
            ln2 = mp.log(2)
            for i, (z, zl, k) in enumerate(
                zip(a2.tolist(), a2_lo.tolist(), n.tolist(), strict=False)
            ):
                v = mp.exp(-(mpf(z) + mpf(zl)) - k * ln2)
                hi[i] = float(v)
                lo[i] = float(v - hi[i])
        _MTRUE_CACHE.clear()
        _MTRUE_CACHE[key] = (hi, lo)
    return _MTRUE_CACHE[key]


def adversarial_mantissa(A, a2, a2_lo, n, pick: int, folded: bool):
    """A float within 0.75 ulp of the exact mantissa exp(-(a2 [+ a2_lo]) - n ln2): there
    are one or two; pick 0 takes the lower, pick 1 the upper one (when both qualify)."""
    fmt = A.fmt
    if isinstance(A, Exact):
        with mp.workprec(300):
            z = mpf(a2.numerator) / a2.denominator
            if folded:
                z += mpf(a2_lo.numerator) / a2_lo.denominator
            v = to_fraction(mp.exp(-z - int(n) * mp.log(2)))
        r = round_exact(v, fmt)
        lo = r if r <= v else r - ulp_of(r * (1 - pow2(-80)), fmt)  # predecessor of r
        hi = lo + ulp_of(lo, fmt)
        u = ulp_of(v, fmt)
        ok_lo, ok_hi = abs(lo - v) <= u * 3 / 4, abs(hi - v) <= u * 3 / 4
        if pick == 0:
            return lo if ok_lo else hi
        return hi if ok_hi else lo
    dt = fmt.dtype
    t, tl = exp_true_mantissa(a2, a2_lo if folded else 0.0, n, fmt)
    c = t.astype(dt)
    d = (c.astype(np.float64) - t) - tl  # c - exact; c - t is exact (float64: Sterbenz)
    lo = np.where(d > 0, np.nextafter(c, dt(0)), c)
    hi = np.nextafter(lo, dt(np.inf))
    ulp = np.where(t >= 1.0, 2.0 ** (1 - fmt.prec), 2.0 ** (-fmt.prec))  # t in [0.7, 1.42]
    elo = np.abs((lo.astype(np.float64) - t) - tl)
    ehi = np.abs((hi.astype(np.float64) - t) - tl)
    ok_lo, ok_hi = elo <= 0.75 * ulp, ehi <= 0.75 * ulp
    if pick == 0:
        return np.where(ok_lo, lo, hi).astype(dt)
    return np.where(ok_hi, hi, lo).astype(dt)


# --------------------------------------------------------------------------
# The GELU evaluation scheme
# --------------------------------------------------------------------------
@dataclass
class Consts:
    cfg: Config
    Q: list[float]  # small-branch polynomial (x form), ascending powers
    P: list[float]  # erf: T's coefficients (w form), ascending powers
    P0hi: float  # erf(w) = fma(w, P0hi, w * T(w^2))
    H: list[list[float]]  # per interval, ascending powers
    c_hi: float = 0.0
    c_lo: float = 0.0

    def __post_init__(self):
        fmt = self.cfg.fmt
        with mp.workprec(256):
            c = 1 / mp.sqrt(2)
            self.c_hi = round_to_fmt(c, fmt)
            self.c_lo = round_to_fmt(c - self.c_hi, fmt)


def gelu_scheme(A, x, K: Consts, exp_mode: str = "lib", small: str = "Q", pick: int = 0):
    """gelu(x) = x Phi(x).  exp_mode: 'lib' | 'adv' | 'brief'; small: 'Q' | 'P'."""
    cfg = K.cfg
    fmt = cfg.fmt
    E = EXP_LIB[fmt.name]
    one = A.const("1", 1.0)
    # a = |x| / sqrt(2) as a_hi + a_lo
    ax = A.abs(x, "ax")
    a_hi = A.mul(ax, A.const("kInvSqrt2Hi", K.c_hi), "a_hi")
    a_lo = A.fma(ax, A.const("kInvSqrt2Hi", K.c_hi), A.neg(a_hi), "a_lo")
    a_lo = A.fma(ax, A.const("kInvSqrt2Lo", K.c_lo), a_lo, "a_lo")
    # ---- small branch, a < W0
    if small == "Q":
        x2 = A.mul(x, x, "x2")
        q = horner(A, x2, lambda k: A.const(f"kGeluQ{k}", K.Q[k]), range(len(K.Q) - 1, -1, -1), "q")
        phi = A.fma(x, q, A.const("0.5", 0.5), "phi")  # Phi(x) = 1/2 + x Q(x^2)
        y_small = A.mul(x, phi, "y_small")
    elif small == "Q2":  # x Phi(x) = x/2 + x^2 Q(x^2): one rounding fewer
        x2 = A.mul(x, x, "x2")
        q = horner(A, x2, lambda k: A.const(f"kGeluQ{k}", K.Q[k]), range(len(K.Q) - 1, -1, -1), "q")
        t = A.mul(x, q, "xq")
        y_small = A.fma(t, x, A.mul(x, A.const("0.5", 0.5), "half_x"), "y_small")
        # the fma returns +0 for x = -0 (and for tiny x < 0 whose result underflows): put
        # x's sign back (a no-op for every nonzero result: gelu has the sign of x)
        y_small = A.or_sign(y_small, x, "y_small")
    else:  # (x/2) * (1 - w P(w^2)), w = -x/sqrt2 = -sign(x) a_hi
        w = A.mul(A.neg(x), A.const("kInvSqrt2Hi", K.c_hi), "w")
        s = A.mul(w, w, "s")
        t = horner(A, s, lambda k: A.const(f"kErfT{k}", K.P[k]), range(len(K.P) - 1, -1, -1), "t")
        ec = A.fma(A.neg(w), A.const("kErfP0Hi", K.P0hi), one, "erfc_w")
        ec = A.fma(A.neg(w), t, ec, "erfc_w")
        y_small = A.mul(A.mul(x, A.const("0.5", 0.5), "half_x"), ec, "y_small")
    # ---- large branch: exp(-(a2 + a2_lo)) = 2^n m
    a2 = A.mul(a_hi, a_hi, "a2")
    a2_lo = A.fma(a_hi, a_hi, A.neg(a2), "a2_lo")
    a2_lo = A.fma(A.add(a_hi, a_hi, "two_a_hi"), a_lo, a2_lo, "a2_lo")
    z = A.max(A.neg(a2), A.const("kExpMinArg", E["minarg"]), "z")
    magic = A.const("kRoundMagic", E["magic"])
    n = A.sub(A.fma(z, A.const("kLog2e", E["log2e"]), magic, "n"), magic, "n")
    if exp_mode in ("lib", "brief_lib", "lib_zlo"):
        r = A.fma(A.neg(n), A.const("kLn2Hi", E["ln2hi"]), z, "r")  # exact
        if exp_mode == "lib":  # a2_lo folded into the reduction: r = -(a2 + a2_lo) - n ln2
            cl = A.fma(n, A.const("kLn2Lo", E["ln2lo"]), a2_lo, "r_lo")
            r = A.sub(r, cl, "r")
        elif exp_mode == "lib_zlo":  # math-inl.hpp exp_parts_nonpositive(z, z_lo), z_lo = -a2_lo
            r = A.fma(A.neg(n), A.const("kLn2Lo", E["ln2lo"]), r, "r")
            r = A.sub(r, a2_lo, "r")
        else:  # the library's exp of -a2 as it is
            r = A.fma(A.neg(n), A.const("kLn2Lo", E["ln2lo"]), r, "r")
        s_ = horner(
            A,
            r,
            lambda k: A.const(f"kExpQ{k + 2}", E["inner"][k]),
            range(len(E["inner"]) - 1, -1, -1),
            "m",
        )
        s_ = A.fma(s_, r, one, "m")
        m = A.fma(s_, r, one, "m")
        if exp_mode == "brief_lib":
            m = A.fma(m, A.neg(a2_lo), m, "m")
    elif exp_mode == "adv":
        m = adversarial_mantissa(A, a2, a2_lo, n, pick, folded=True)
    else:  # brief: exp(-a2) with <= 0.75 ulp, then m = fma(m, -a2_lo, m)
        m = adversarial_mantissa(A, a2, a2_lo, n, pick, folded=False)
        m = A.fma(m, A.neg(a2_lo), m, "m")
    m = A.select(A.lt(A.neg(a2), A.const("kExpMinArg", E["minarg"])), A.const("0", 0.0), m, "m")
    # ---- H(a) on the lane's interval
    inner_bounds = cfg.bounds[1:-1]
    idx = A.index(a_hi, inner_bounds, "i")
    iu = cfg.kinds.index("u")
    c = A.table("kGeluHShift", cfg.shifts, idx)
    u = A.div(one, a2, "u")
    vw = A.add(A.sub(a_hi, c, "vw"), a_lo, "vw")
    vu = A.sub(u, c, "vu")
    v = A.select(A.index_ge(idx, iu), vu, vw, "v")
    top = len(K.H[0]) - 1
    h = horner(
        A, v, lambda k: A.table(f"kGeluH{k}", [hk[k] for hk in K.H], idx), range(top, -1, -1), "h"
    )
    y_neg = A.neg(A.ldexp(A.mul(m, h, "mh"), n, "y_neg"))
    y_pos = A.fma(A.neg(A.ldexp(m, n, "e")), h, x, "y_pos")
    y_large = A.select(A.lt(x, A.const("0", 0.0)), y_neg, y_pos, "y_large")
    return A.select(A.lt(a_hi, A.const("kGeluW0", cfg.w0)), y_small, y_large, "y")


# --------------------------------------------------------------------------
# References and error measurement
# --------------------------------------------------------------------------
def gelu_mp(x: float) -> mpf:
    with mp.workdps(REF_DPS):
        xm = mpf(x)
        return xm / 2 * mp.erfc(-xm / mp.sqrt(2))


REF_SCALE = 1100  # references below 2^-900 are stored times 2^REF_SCALE (keeps lo normal)


def ref_mpmath(xs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """gelu(x) = (x/2) erfc(-x/sqrt2) at REF_DPS digits as hi + lo, times 2^scale."""
    hi = np.empty(xs.size)
    lo = np.empty(xs.size)
    sc = np.zeros(xs.size, dtype=np.int64)
    with mp.workdps(REF_DPS):
        s2 = mp.sqrt(2)
        for i, x in enumerate(xs.tolist()):
            if abs(x) > 1e4:  # (mpmath's erfc overflows internally near 1e300)
                hi[i], lo[i] = (x, 0.0) if x > 0 else (-0.0, 0.0)  # gelu = x, resp. -0
                continue
            xm = mpf(x)
            v = xm / 2 * mp.erfc(-xm / s2)
            if v != 0 and abs(v) < mpf(2) ** -900:
                sc[i] = REF_SCALE
                v = mp.ldexp(v, REF_SCALE)
            h = float(v)
            hi[i] = h
            lo[i] = float(v - h)
    return hi, lo, sc


_ERFC = np.frompyfunc(math.erfc, 1, 1)


def ref_float64(xs: np.ndarray) -> np.ndarray:
    """gelu in float64 for float32 arguments: (x/2) erfc(v), v = -x/sqrt2 = v_hi + v_lo,
    erfc(v_hi + v_lo) ~ erfc(v_hi) - 2/sqrt(pi) exp(-v_hi^2) v_lo (libm erfc)."""
    x = xs.astype(np.float64)
    with mp.workprec(200):
        c = 1 / mp.sqrt(2)
        c_hi = float(c)
        c_lo = float(c - c_hi)
        tsp = float(2 / mp.sqrt(mp.pi))
    v_hi, e = fp._two_prod(-x, np.full_like(x, c_hi))
    v_lo = e - x * c_lo
    er = np.asarray(_ERFC(v_hi), dtype=np.float64)
    with np.errstate(under="ignore"):
        er = er - tsp * np.exp(-(v_hi * v_hi)) * v_lo
        return x / 2 * er


def ulp_err_ref(y: np.ndarray, hi: np.ndarray, lo: np.ndarray, fmt: Fmt, sc=None) -> np.ndarray:
    """(y - f) / ulp(f) with f = (hi + lo) 2^-sc, ulp taken at the exact value (as
    fit_polynomials.ulp_errors; f == 0: the exact value is below the float64 range, its
    ulp is the smallest subnormal)."""
    sc = np.zeros(hi.shape, dtype=np.int64) if sc is None else sc
    m, e = np.frexp(hi)
    e = np.where((np.abs(m) == 0.5) & (lo * np.sign(hi) < 0), e - 1, e) - sc
    ulp = np.ldexp(1.0, np.maximum(e - fmt.prec, fmt.emin - fmt.prec + 1) + sc)  # scaled
    err = ((np.ldexp(y.astype(np.float64), sc) - hi) - lo) / ulp
    tiny = 2.0 ** (fmt.emin - fmt.prec + 1)
    return np.where(hi == 0, y.astype(np.float64) / tiny, err)


def make_grid(cfg: Config) -> np.ndarray:
    fmt = cfg.fmt
    dt = fmt.dtype
    s2 = math.sqrt(2)
    if fmt is F32:
        n_main, lo_x, hi_x, n_b, n_tail, n_small = 900_000, -15.0, 10.0, 8_000, 20_000, 40_000
        deep = (-14.8, -13.6)
        extra = [-20.0, -16.0, -15.5, 10.5, 12.0, 20.0, 1e3, 1e10, 3e38, -1e3, -1e10, -3e38]
    else:
        n_main, lo_x, hi_x, n_b, n_tail, n_small = 170_000, -39.0, 10.0, 1_500, 10_000, 10_000
        deep = (-39.0, -37.0)
        extra = [-40.0, -50.0, 10.5, 12.0, 20.0, 40.0, 1e3, 1e10, 1e300, -1e3, -1e300]
    parts = [np.linspace(lo_x, hi_x, n_main), np.linspace(*deep, n_tail)]
    g = np.geomspace(1e-6, 1.0, n_small // 2)
    parts += [g, -g]
    for b in [cfg.w0, *cfg.bounds[1:-1]]:
        xb = b * s2
        for sgn in (1, -1):
            d = np.geomspace(1e-7, 1e-2, n_b // 4) * xb
            parts += [sgn * (xb + d), sgn * (xb - d)]
    nr = n_main // 10  # log-uniform random points (every binade), both signs
    r = np.exp(RNG.uniform(math.log(1e-3), math.log(-lo_x), nr))
    parts += [-r, np.minimum(r, hi_x)]
    parts.append(np.array(extra))
    xs = np.concatenate(parts).astype(dt)
    return np.unique(xs[xs != 0])


def tiny_points(fmt: Fmt) -> list[float]:
    pts = np.geomspace(1e-30, 1e-6, 200).astype(fmt.dtype).tolist()
    extra = (
        [1e-36, 1.2e-38, 1e-40, 1.4e-45]
        if fmt is F32
        else [1e-100, 1e-160, 1e-200, 1e-300, 2.3e-308, 1e-310, 5e-324]
    )
    pts += [float(fmt.dtype(v)) for v in extra]
    pts += [-p for p in pts]
    return sorted({float(p) for p in pts})


def erf_scheme(A, w, K: Consts):
    s = A.mul(w, w, "s")
    t = horner(A, s, lambda k: A.const(f"kErfT{k}", K.P[k]), range(len(K.P) - 1, -1, -1), "t")
    return A.fma(w, A.const("kErfP0Hi", K.P0hi), A.mul(w, t, "wt"), "erf")


def measure_erf(cfg: Config, K: Consts) -> tuple[float, float, int]:
    """erf(w) on [0, W0): float32 1e5 points against math.erf (float64, ~2^-52 relative),
    float64 2e4 points against mpmath; max error in ulps of erf(w)."""
    fmt = cfg.fmt
    n = 100_000 if fmt is F32 else 20_000
    w = np.concatenate([np.linspace(0, cfg.w0, n), np.geomspace(1e-30, cfg.w0, n // 10)])
    w = np.unique(w.astype(fmt.dtype))
    w = w[(w > 0) & (w < fmt.dtype(cfg.w0))]
    y = erf_scheme(Vec(fmt), w, K)
    if fmt is F32:
        hi = np.array([math.erf(v) for v in w.astype(np.float64).tolist()])
        lo = np.zeros_like(hi)
    else:
        hi = np.empty(w.size)
        lo = np.empty(w.size)
        with mp.workdps(REF_DPS):
            for i, v in enumerate(w.tolist()):
                r = mp.erf(mpf(v))
                hi[i] = float(r)
                lo[i] = float(r - hi[i])
    err = np.abs(ulp_err_ref(y, hi, lo, fmt))
    j = int(np.argmax(err))
    return float(err[j]), float(w[j]), int(w.size)


def run_scheme_vec(fmt, xs, K, exp_mode, small):
    V = Vec(fmt)
    if exp_mode == "lib":
        return gelu_scheme(V, xs, K, exp_mode, small).astype(fmt.dtype), None
    y0 = gelu_scheme(V, xs, K, exp_mode, small, 0).astype(fmt.dtype)
    y1 = gelu_scheme(V, xs, K, exp_mode, small, 1).astype(fmt.dtype)
    return y0, y1


def measure(cfg: Config, K: Consts, log) -> dict:
    np.seterr(all="ignore")  # inf / NaN appear in lanes that the selects discard
    fmt = cfg.fmt
    xs = make_grid(cfg)
    t0 = time.time()
    if fmt is F32:
        hi = ref_float64(xs)
        lo = np.zeros_like(hi)
        sc = np.zeros(hi.shape, dtype=np.int64)
        # check the float64 reference against mpmath on a sample
        samp = RNG.choice(xs.size, size=6000, replace=False)
        mh, ml, msc = ref_mpmath(xs[samp])
        assert not msc.any()
        rel = np.abs((hi[samp] - mh) - ml) / np.maximum(np.abs(mh), 1e-300)
        ok = mh != 0
        log(
            f"  {xs.size} points; float64 reference, max relative deviation from mpmath "
            f"({REF_DPS} digits) on {samp.size} random points: 2^{math.log2(max(rel[ok].max(), 2.0**-200)):.1f}"
            f" ({time.time() - t0:.1f} s)"
        )
    else:
        hi, lo, sc = ref_mpmath(xs)
        log(f"  {xs.size} points; mpmath reference ({REF_DPS} digits) in {time.time() - t0:.1f} s")
    out = {}
    variants = [
        ("lib", "Q2"),
        ("lib_zlo", "Q2"),
        ("adv", "Q2"),
        ("brief", "Q2"),
        ("brief_lib", "Q2"),
        ("lib", "Q"),
        ("lib", "P"),
    ]
    for exp_mode, small in variants:
        y0, y1 = run_scheme_vec(fmt, xs, K, exp_mode, small)
        err = ulp_err_ref(y0, hi, lo, fmt, sc)
        if y1 is not None:
            e1 = ulp_err_ref(y1, hi, lo, fmt, sc)
            take1 = np.abs(e1) > np.abs(err)
            err = np.where(take1, e1, err)
            y = np.where(take1, y1, y0)
        else:
            y = y0
        if fmt is F32:  # re-measure the worst points against mpmath
            worst = np.argsort(-np.abs(err))[:400]
            mh, ml, msc = ref_mpmath(xs[worst])
            err[worst] = ulp_err_ref(y[worst], mh, ml, fmt, msc)
        j = int(np.argmax(np.abs(err)))
        # per-region maxima
        ax = np.abs(xs.astype(np.float64)) / math.sqrt(2)
        regions = {}
        edges = [0.0, cfg.w0, *cfg.bounds[1:], np.inf]
        for sgn, name in ((-1, "x<0"), (1, "x>0")):
            for r0, r1 in itertools.pairwise(edges):
                msk = (np.sign(xs) == sgn) & (ax >= r0) & (ax < r1)
                if msk.any():
                    k = np.argmax(np.abs(err[msk]))
                    regions[(name, r0, r1)] = (float(np.abs(err[msk])[k]), float(xs[msk][k]))
        # exact cross-check on a sample (lib / adv pick 0) and tiny arguments
        X = Exact(fmt)
        nchk = 0
        if True:
            pool = np.nonzero(np.abs(xs) < 1e5)[0]
            samp = RNG.choice(pool, size=300 if fmt is F32 else 150, replace=False)
            for i in samp:
                ye = gelu_scheme(X, Fraction(float(xs[i])), K, exp_mode, small, 0)
                assert ye == Fraction(float(y0[i])), (
                    fmt.name,
                    exp_mode,
                    small,
                    xs[i],
                    float(ye),
                    y0[i],
                )
                nchk += 1
        tiny_max = 0.0
        if exp_mode == "lib":
            for x in tiny_points(fmt):
                ye = gelu_scheme(X, Fraction(x), K, exp_mode, small)
                with mp.workprec(400):
                    ref = to_fraction(
                        gelu_mp(x)
                        if abs(x) > 1e-200
                        else mpf(x) / 2 + mpf(x) ** 2 / mp.sqrt(2 * mp.pi)
                    )
                tiny_max = max(tiny_max, abs(float((ye - ref) / ulp_of(ref, fmt))))
        T = Trace()
        gelu_scheme(
            T, "x", K, exp_mode if exp_mode in ("lib", "brief_lib", "lib_zlo") else "lib", small
        )
        out[(exp_mode, small)] = {
            "max": float(abs(err[j])),
            "x": float(xs[j]),
            "y": float(y[j]),
            "ref": float(np.ldexp(hi[j], -int(sc[j]))),
            "rms": float(np.sqrt(np.mean(err**2))),
            "bad": float(np.mean(np.abs(err) > 0.5)),
            "regions": regions,
            "nchk": nchk,
            "tiny": tiny_max,
            "pseudo": T.lines,
        }
    # special inputs through the recommended scheme (vectorised emulation)
    dt = fmt.dtype
    tiny = float(np.nextafter(dt(0), dt(1)))
    sp = np.array([0.0, -0.0, tiny, -tiny, 2 * tiny, -2 * tiny, np.inf, -np.inf, np.nan], dtype=dt)
    ysp = gelu_scheme(Vec(fmt), sp, K, "lib", "Q2")
    out["special"] = list(zip(sp.tolist(), ysp.tolist(), strict=False))
    # diagnostic (float32): the F form y = (x/2) * e * F(a_hi) with an ideal F (correctly
    # rounded) and an ideal e, to show the error the F form cannot avoid
    if fmt is F32:
        x = xs[xs < 0]
        ax = np.abs(x)
        a_hi = ax * np.float32(K.c_hi)
        a64 = a_hi.astype(np.float64)
        keep = (a64 >= cfg.w0) & (a64 <= cfg.wmax)
        x, a_hi, a64 = x[keep], a_hi[keep], a64[keep]
        Fid = (np.asarray(_ERFC(a64), np.float64) * np.exp(a64 * a64)).astype(np.float32)
        Hid = (a64 * np.asarray(_ERFC(a64), np.float64) * np.exp(a64 * a64) / math.sqrt(2)).astype(
            np.float32
        )
        # exact exp(-a^2) with a = |x|/sqrt2 exactly, as a mantissa and exponent
        a_ex = np.abs(x.astype(np.float64)) / math.sqrt(2)
        # the same with F, H correctly rounded at the exact a (no rounding of a at all)
        Fex = (np.asarray(_ERFC(a_ex), np.float64) * np.exp(a_ex * a_ex)).astype(np.float32)
        Hex = (
            a_ex * np.asarray(_ERFC(a_ex), np.float64) * np.exp(a_ex * a_ex) / math.sqrt(2)
        ).astype(np.float32)
        lg = -(a_ex * a_ex) / math.log(2)
        nn = np.round(lg)
        mant = np.exp(-(a_ex * a_ex) - nn * math.log(2)).astype(np.float32)
        yF = -np.ldexp((np.float32(0.5) * -x * mant) * Fid, nn.astype(np.int64))
        yH = -np.ldexp(mant * Hid, nn.astype(np.int64))
        h2, l2_ = hi[xs < 0][keep], lo[xs < 0][keep]
        eF = ulp_err_ref(yF.astype(np.float32), h2, l2_, fmt)
        eH = ulp_err_ref(yH.astype(np.float32), h2, l2_, fmt)
        yF2 = -np.ldexp((np.float32(0.5) * -x * mant) * Fex, nn.astype(np.int64))
        yH2 = -np.ldexp(mant * Hex, nn.astype(np.int64))
        eF2 = ulp_err_ref(yF2.astype(np.float32), h2, l2_, fmt)
        eH2 = ulp_err_ref(yH2.astype(np.float32), h2, l2_, fmt)
        out["diag"] = tuple(float(np.abs(v).max()) for v in (eF, eH, eF2, eH2))
    return out


# --------------------------------------------------------------------------
def main() -> None:
    t_start = time.time()

    def log(s=""):
        print(s, flush=True)

    log(f"fastact erf / erfc / GELU fits (mpmath {mpmath.__version__}, numpy {np.__version__})")
    fp.self_test_fma()
    log("FMA emulation self-test: OK\n")
    cpp: dict[str, list[str]] = {}
    summary: list[str] = []
    for cfg in CONFIGS:
        fmt = cfg.fmt
        lines = cpp.setdefault(fmt.name, [])
        log(f"== {fmt.name}: target approximation error <= 2^-{cfg.target} ==")
        t0 = time.time()
        log(f"  A. erf(w) = w (P0hi + T(w^2)), 0 <= w < W0 = {cfg.w0}  (P0hi = RN(2/sqrt(pi)))")
        rP = fit_small(cfg, "P", log)
        log("  A'. Phi(x) = 1/2 + x Q(x^2), |x| < W0 sqrt2 (the GELU's small branch)")
        rQ = fit_small(cfg, "Q", log)
        log(f"  B. H(a) = a erfc(a) exp(a^2) / sqrt2 on {cfg.bounds} (kinds {cfg.kinds})")
        rH = fit_H(cfg, log)
        log(f"  fits in {time.time() - t0:.1f} s")
        for name, r in (("T (erf = w (P0hi + T))", rP), ("Q", rQ)):
            log(
                f"  {name}: degree {r['degree']} in s on [0, {r['smax']:.6g}], rel. error "
                f"{l2(r['err_rounded'])} (minimax {l2(r['err_minimax'])}) at s = {r['where']:.6g}"
            )
            for k, c in enumerate(r["coefs"]):
                log(f"    {k:2d}: {hexf(c, fmt):>26s}  {decf(c, fmt)}")
        for i, r in enumerate(rH):
            var = "v = (a_hi - c) + a_lo" if r["kind"] == "w" else "v = 1/a2 - c"
            log(
                f"  H interval {i}: a in [{r['lo']}, {r['hi']}), {var}, c = {r['shift']}, "
                f"v in [{r['vlo']:.6g}, {r['vhi']:.6g}]: degree {r['degree']}, rel. error "
                f"{l2(r['err_rounded'])} (minimax {l2(r['err_minimax'])}) at v = {r['where']:.6g}"
            )
            for k, c in enumerate(r["coefs"]):
                log(f"    {k:2d}: {hexf(c, fmt):>26s}  {decf(c, fmt)}")
        K = Consts(cfg, Q=rQ["coefs"], P=rP["coefs"], P0hi=rP["offset"], H=[r["coefs"] for r in rH])
        erf_meas = measure_erf(cfg, K)
        log(
            f"  erf(w) = fma(w, kErfP0Hi, w * T(w*w)) measured on [0, W0): max {erf_meas[0]:.3f} ulp"
            f" at w = {erf_meas[1]:.9g} ({erf_meas[2]} points)"
        )
        T = Trace()
        erf_scheme(T, "w", K)
        log("  erf pseudo-code: " + "; ".join(T.lines))
        log(f"  D. GELU measurement ({fmt.name})")
        t0 = time.time()
        meas = measure(cfg, K, log)
        log(f"  measured in {time.time() - t0:.1f} s")
        for key, m in meas.items():
            if key in ("diag", "special"):
                continue
            exp_mode, small = key
            log(
                f"  exp '{exp_mode}', small branch '{small}': max {m['max']:.3f} ulp at x = "
                f"{decf(m['x'], fmt)} ({hexs(m['x'])}): y = {hexs(m['y'])}, ref = {m['ref']:.17g}"
                f"; rms {m['rms']:.3f}, not correctly rounded {100 * m['bad']:.1f}%"
                + (f"; exact cross-check {m['nchk']} pts OK" if m["nchk"] else "")
                + (f"; tiny |x|: max {m['tiny']:.3f} ulp" if exp_mode == "lib" else "")
            )
            for (sg, r0, r1), (e, xw) in m["regions"].items():
                log(f"      {sg} a in [{r0}, {r1}): max {e:.3f} ulp at x = {decf(xw, fmt)}")
        log(
            "  special inputs (x -> y, as emulated; PyTorch gives NaN at -inf): "
            + ", ".join(f"{x!r} -> {y!r}" for x, y in meas["special"])
        )
        if "diag" in meas:
            eF, eH, eF2, eH2 = meas["diag"]
            log(
                "  diagnostic (x < 0, a >= W0; exp(-a^2) exact then rounded, F resp. H correctly"
                " rounded):\n"
                f"      at a_hi (a's low word ignored): y = (x/2)*e*F max {eF:.3f} ulp, y = e*H max {eH:.3f} ulp\n"
                f"      at the exact a:                 y = (x/2)*e*F max {eF2:.3f} ulp, y = e*H max {eH2:.3f} ulp"
            )
        best = meas[("lib_zlo", "Q2")]
        log(
            "  pseudo-code of the recommended evaluation (exactly as measured: exp 'lib_zlo' ="
            " math-inl.hpp exp_parts_nonpositive(-a2, -a2_lo) inlined, small branch 'Q2'):"
        )
        for line in best["pseudo"]:
            log(f"      {line}")
        cfg.results = {"P": rP, "Q": rQ, "H": rH, "meas": meas}

        # C++
        ct = fmt.ctype
        lines.append(f"// GELU / erf / erfc ({fmt.name}), tools/fit_erf.py")
        lines.append(f"constexpr {ct} kInvSqrt2Hi = {hexf(K.c_hi, fmt)};  // RN(1/sqrt2)")
        lines.append(
            f"constexpr {ct} kInvSqrt2Lo = {hexf(K.c_lo, fmt)};  // RN(1/sqrt2 - kInvSqrt2Hi)"
        )
        lines.append(
            f"constexpr {ct} kGeluW0 = {hexf(cfg.w0, fmt)};  // small branch for a = |x|/sqrt2 < W0"
        )
        lines.append(
            f"// erf(w) = fma(w, kErfP0Hi, w * T(w^2)), 0 <= w < W0: T degree {rP['degree']} in w^2,"
            f" rel. error {l2(rP['err_rounded'])}, measured {erf_meas[0]:.2f} ulp"
        )
        lines.append(f"constexpr {ct} kErfP0Hi = {hexf(rP['offset'], fmt)};  // RN(2/sqrt(pi))")
        for k, c in enumerate(rP["coefs"]):
            lines.append(f"constexpr {ct} kErfT{k} = {hexf(c, fmt)};")
        lines.append(
            f"// Phi(x) = 1/2 + x * Q(x^2), |x| < W0 sqrt2: degree {rQ['degree']} in x^2, rel. error {l2(rQ['err_rounded'])}"
        )
        for k, c in enumerate(rQ["coefs"]):
            lines.append(f"constexpr {ct} kGeluQ{k} = {hexf(c, fmt)};")
        lines.append(
            f"// H(a) = a erfc(a) exp(a^2) / sqrt2, i.e. erfc(a) = exp(-a^2) sqrt2 H(a) / a; interval i = "
            f"sum_j (a >= kGeluHBound[j]); degree {rH[0]['degree']}"
        )
        nb = len(cfg.bounds) - 2
        lines.append(
            f"constexpr {ct} kGeluHBound[{nb}] = {{"
            + ", ".join(hexf(b, fmt) for b in cfg.bounds[1:-1])
            + "};  // "
            + ", ".join(str(b) for b in cfg.bounds[1:-1])
        )
        iu = cfg.kinds.index("u")
        lines.append(
            f"constexpr int kGeluHFirstU = {iu};  // intervals >= this use v = 1/a2 - c, below v = (a_hi - c) + a_lo"
        )
        lines.append(
            f"constexpr {ct} kGeluHShift[{len(rH)}] = {{"
            + ", ".join(hexf(r["shift"], fmt) for r in rH)
            + "};"
        )
        lines.append(
            f"constexpr {ct} kGeluH[{len(rH)}][{rH[0]['degree'] + 1}] = {{  // ascending powers of v"
        )
        for r in rH:
            lines.append(
                f"    {{{', '.join(hexf(c, fmt) for c in r['coefs'])}}},  // a in [{r['lo']}, {r['hi']}), "
                f"rel. error {l2(r['err_rounded'])}"
            )
        lines.append("};")
        summary.append(
            f"{fmt.name}: P deg {rP['degree']}, Q deg {rQ['degree']}, H {len(rH)} intervals x deg "
            f"{rH[0]['degree']}; GELU max {meas[('lib', 'Q2')]['max']:.3f} ulp (lib exp, folded), "
            f"{meas[('adv', 'Q2')]['max']:.3f} ulp (any exp <= 0.75 ulp, folded), "
            f"{meas[('brief', 'Q2')]['max']:.3f} ulp (any exp(-a2) <= 0.75 ulp + fma correction), "
            f"{meas[('brief_lib', 'Q2')]['max']:.3f} ulp (library exp(-a2) + fma correction), "
            f"{meas[('lib_zlo', 'Q2')]['max']:.3f} ulp (exp_parts_nonpositive(-a2, -a2_lo))"
        )
        log()
    log("== C++ ==")
    print_cpp(cpp, log)
    log("\n== summary ==")
    for s in summary:
        log(s)
    log(f"\ntotal time {time.time() - t_start:.1f} s")


if __name__ == "__main__":
    main()

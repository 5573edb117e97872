#!/usr/bin/env python3
"""Reproducible minimax fits for fastact's exp / tanh / expm1 polynomial kernels.
(float32 tanh now evaluates a table, tools/fit_tables.py; its small-argument fit here serves
float64.)

Usage:  python3 tools/fit_polynomials.py        (needs mpmath + numpy; ~1 minute)

Prints C++ ``constexpr`` lines (hex-float literals) plus, for every kernel, the
approximation error and the *measured* error of the exact evaluation order the
C++ code is meant to use.

Method
------
1. Fit (Remez, mpmath, 128-bit working precision).  Each kernel is
   ``p(t) = B(t) + sum_k c_k t^k`` where ``B`` holds the fixed leading terms
   (exp: ``1 + r``; tanh: ``x``; expm1: ``r + r^2/2``) and the ``c_k`` are free.
   The free coefficients minimise the sup norm of the *relative* error
   ``e(t) = p(t)/f(t) - 1`` on the interval.  The Remez exchange solves
   ``p(t_i)/f(t_i) - 1 = (-1)^i E`` on a reference set, then moves the
   reference to the alternating local extrema of ``e`` (found on a
   600-point Chebyshev grid, refined by golden-section search) until the
   extrema level out (relative spread < 2^-30).  Near t = 0 the weight of the
   free part vanishes (and may change sign); see ``RelErr``.
2. Round.  Coefficients are rounded to the target format one at a time, lowest
   power first (the largest and most sensitive ones).  After each rounding the
   still-free coefficients are re-fitted by Remez so they absorb that rounding
   error.  The relative error of the fully rounded polynomial is then measured
   again at high precision; that number is the "approximation error".  The
   degree is the smallest whose *rounded* polynomial meets the target.
3. Measure.  Each candidate evaluation order is written once as a "scheme"
   function over an abstract arithmetic ``A`` (``A.mul``, ``A.add``, ``A.fma``).
   The same function is run with
     * a vectorised numpy arithmetic: ``*`` and ``+`` are numpy's IEEE float32 /
       float64 operations, and FMA is emulated with a single correct rounding
       (float32: exact double product + TwoSum + round-to-odd, then one cast;
       float64: Dekker TwoProduct + the Boldo-Melquiond round-to-odd FMA);
     * an exact arithmetic on ``fractions.Fraction`` that rounds every
       operation correctly (subnormals included) -- used to cross-check the
       vectorised emulation bit-for-bit on a sample, and for tiny arguments;
     * a tracer that prints the scheme as pseudo-code (so the printed
       pseudo-code is by construction the code that was measured).
   Errors are in ULPs of the exact result: ``(y - f(x)) / ulp(f(x))`` with
   ``f(x)`` from mpmath at 120 bits (kept as a double-double hi + lo).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction

import mpmath
import numpy as np
from mpmath import mp, mpf

FIT_PREC = 128  # bits used by the Remez fits
REF_PREC = 120  # bits used for the reference values
GRID_N = 600  # Chebyshev grid size used by Remez to locate extrema
REFINE_STEPS = 40  # golden-section steps per extremum

RNG = np.random.default_rng(20240601)  # fixed seed: the output is reproducible


# --------------------------------------------------------------------------
# Floating-point formats and exact rounding
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Fmt:
    name: str  # "float32" / "float64"
    prec: int  # significand bits including the hidden bit
    emin: int  # exponent of the smallest normal number
    dtype: type  # numpy scalar type
    ctype: str  # C++ type
    suffix: str  # C++ literal suffix


F32 = Fmt("float32", 24, -126, np.float32, "float", "f")
F64 = Fmt("float64", 53, -1022, np.float64, "double", "")


def pow2(k: int) -> Fraction:
    return Fraction(2**k) if k >= 0 else Fraction(1, 2**-k)


def floor_log2(a: Fraction) -> int:
    """floor(log2(a)) for a > 0."""
    e = a.numerator.bit_length() - a.denominator.bit_length()  # 2^(e-1) < a < 2^(e+1)
    return e - 1 if a < pow2(e) else e


def round_exact(q: Fraction, fmt: Fmt, prec: int | None = None) -> Fraction:
    """Round a rational to nearest-even in ``fmt`` (gradual underflow, no overflow)."""
    if q == 0:
        return Fraction(0)
    prec = fmt.prec if prec is None else prec
    a = abs(q)
    quantum = pow2(max(floor_log2(a), fmt.emin) - prec + 1)
    n = round(a / quantum)  # Fraction.__round__ rounds half to even
    return (n * quantum) if q > 0 else -(n * quantum)


def to_fraction(x: mpf | float) -> Fraction:
    if isinstance(x, mpf):
        man, exp = x.man_exp  # man_exp drops the sign
        return (-1 if x < 0 else 1) * Fraction(man) * pow2(exp)
    return Fraction(float(x))


def round_to_fmt(x: mpf | float, fmt: Fmt) -> float:
    """Correctly rounded ``x`` as a Python float (exact for both formats)."""
    return float(round_exact(to_fraction(x), fmt))


def ulp_of(v: Fraction, fmt: Fmt) -> Fraction:
    """ULP of the format at the exact value ``v``."""
    if v == 0:
        return pow2(fmt.emin - fmt.prec + 1)
    return pow2(max(floor_log2(abs(v)), fmt.emin) - fmt.prec + 1)


# --------------------------------------------------------------------------
# Vectorised fused multiply-add with a single rounding
# --------------------------------------------------------------------------
def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Knuth TwoSum: s + e == a + b exactly, s = RN(a + b)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Veltkamp split of a double into two 26-bit halves."""
    t = 134217729.0 * a  # 2^27 + 1
    hi = t - (t - a)
    return hi, a - hi


def _two_prod(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dekker TwoProduct (no hardware FMA in numpy): p + e == a * b exactly."""
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _round_to_odd(s: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Given s = RN(x) and e = x - s exactly, return RO(x) (round to odd).

    If x is inexact and s has an even last bit, the odd neighbour of s on
    x's side is the round-to-odd result.
    """
    even = (np.ascontiguousarray(s).view(np.int64) & 1) == 0
    toward = np.where(e > 0, np.inf, -np.inf)
    return np.where((e != 0) & even, np.nextafter(s, toward), s)


def fma_f32(a, b, c) -> np.ndarray:
    """float32 fma(a, b, c) with one rounding.

    The 24x24-bit product is exact in double; RO(ab + c) in double keeps
    29 > 2 extra bits, so the final cast to float32 rounds correctly
    (no double-rounding error).
    """
    a, b, c = (np.asarray(v, np.float64) for v in np.broadcast_arrays(a, b, c))
    s, e = _two_sum(a * b, c)
    return _round_to_odd(s, e).astype(np.float32)


def fma_f64(a, b, c) -> np.ndarray:
    """float64 fma(a, b, c) with one rounding (Boldo & Melquiond 2008, Alg. 5).

    (uh, ul) = a*b exactly; (th, tl) = c + uh exactly; v = RO(tl + ul);
    result = RN(th + v).  Valid without underflow/overflow in the
    intermediate steps, which holds on the measurement grids (the tiny-argument
    checks use the exact Fraction arithmetic instead).
    """
    a, b, c = (np.asarray(v, np.float64) for v in np.broadcast_arrays(a, b, c))
    uh, ul = _two_prod(a, b)
    th, tl = _two_sum(c, uh)
    v = _round_to_odd(*_two_sum(tl, ul))
    return th + v


# --------------------------------------------------------------------------
# Arithmetics the evaluation schemes run on
# --------------------------------------------------------------------------
class VecArith:
    """numpy arrays in the target format; every op rounds once (IEEE RN)."""

    def __init__(self, fmt: Fmt):
        self.fmt = fmt
        self.fma_impl = fma_f32 if fmt is F32 else fma_f64

    def const(self, _name: str, value: float):
        return self.fmt.dtype(value)

    def mul(self, a, b, _out: str):
        return a * b

    def add(self, a, b, _out: str):
        return a + b

    def neg(self, a):
        return -a

    def fma(self, a, b, c, _out: str):
        return self.fma_impl(a, b, c)


class ExactArith:
    """Python Fractions; every op is rounded exactly once to ``fmt``."""

    def __init__(self, fmt: Fmt):
        self.fmt = fmt

    def const(self, _name: str, value: float) -> Fraction:
        return Fraction(value)

    def mul(self, a, b, _out: str) -> Fraction:
        return round_exact(a * b, self.fmt)

    def add(self, a, b, _out: str) -> Fraction:
        return round_exact(a + b, self.fmt)

    def neg(self, a) -> Fraction:
        return -a

    def fma(self, a, b, c, _out: str) -> Fraction:
        return round_exact(a * b + c, self.fmt)


class TraceArith:
    """Values are variable names; every op is recorded as a line of pseudo-code."""

    def __init__(self):
        self.lines: list[str] = []

    def const(self, name: str, _value: float) -> str:
        return name

    def mul(self, a, b, out):
        self.lines.append(f"{out} = {a} * {b}")
        return out

    def add(self, a, b, out):
        self.lines.append(f"{out} = {a} + {b}")
        return out

    def neg(self, a):
        return f"-{a}"

    def fma(self, a, b, c, out):
        self.lines.append(f"{out} = fma({a}, {b}, {c})")
        return out


# --------------------------------------------------------------------------
# Evaluation schemes.  ``K(k)`` returns the coefficient of t^k as a constant of
# the arithmetic; ``top`` is the polynomial degree.
# --------------------------------------------------------------------------
def horner(A, t, K, powers: Iterable[int], out: str):
    """q = c_top; q = fma(q, t, c_next); ...  (powers in descending order)."""
    powers = list(powers)
    q = K(powers[0])
    for k in powers[1:]:
        q = A.fma(q, t, K(k), out)
    return q


def exp_split(A, r, K, top):
    """exp(r) ~ 1 + (r + r^2 * Q(r)), Q(r) = c2 + c3 r + ... (r^2 in parallel)."""
    r2 = A.mul(r, r, "r2")
    q = horner(A, r, K, range(top, 1, -1), "q")
    t = A.fma(r2, q, r, "t")
    return A.add(t, A.const("1", 1.0), "y")


def exp_nested(A, r, K, top):
    """exp(r) ~ 1 + r * (1 + r * Q(r)): full Horner, the last two steps fused."""
    s = horner(A, r, K, range(top, 1, -1), "s")
    s = A.fma(s, r, A.const("1", 1.0), "s")
    return A.fma(s, r, A.const("1", 1.0), "y")


def tanh_x3(A, x, K, top):
    """tanh(x) ~ x + x^3 * P(x^2) with x^3 = x * x2 rounded."""
    x2 = A.mul(x, x, "x2")
    q = horner(A, x2, K, range(top, 2, -2), "q")
    x3 = A.mul(x, x2, "x3")
    return A.fma(x3, q, x, "y")


def tanh_x2q(A, x, K, top):
    """tanh(x) ~ x + x * (x2 * P(x2))."""
    x2 = A.mul(x, x, "x2")
    q = horner(A, x2, K, range(top, 2, -2), "q")
    t = A.mul(x2, q, "t")
    return A.fma(x, t, x, "y")


def expm1_split(A, r, K, top):
    """expm1(r) ~ r + r^2 * S(r), S(r) = 1/2 + c3 r + ... (Horner ends in 0.5)."""
    r2 = A.mul(r, r, "r2")
    s = horner(A, r, K, range(top, 1, -1), "s")
    return A.fma(r2, s, r, "y")


def expm1_nested(A, r, K, top):
    """expm1(r) ~ r + r * (r * S(r))."""
    s = horner(A, r, K, range(top, 1, -1), "s")
    u = A.mul(s, r, "u")
    return A.fma(u, r, r, "y")


def expm1_split_comp(A, r, K, top):
    """expm1_split plus the rounding error of r*r (r2lo = fma(r, r, -r2)): 2 more ops."""
    r2 = A.mul(r, r, "r2")
    r2lo = A.fma(r, r, A.neg(r2), "r2lo")
    s = horner(A, r, K, range(top, 1, -1), "s")
    t = A.fma(r2lo, s, r, "t")
    return A.fma(r2, s, t, "y")


# --------------------------------------------------------------------------
# Kernel descriptions
# --------------------------------------------------------------------------
with mp.workprec(256):
    LN2 = mp.log(2)


@dataclass
class Kernel:
    key: str
    cpp: str  # C++ coefficient name prefix, the power is appended
    var: str  # argument name in the pseudo-code
    f: Callable[[mpf], mpf]  # exact function (mpmath)
    interval: Callable[[Fmt], tuple[mpf, mpf]]
    fixed: dict[int, Fraction]  # fixed leading coefficients
    free_powers: Callable[[int], list[int]]  # degree -> powers of free coefficients
    degrees: Iterable[int]  # degrees tried, in increasing order
    target: dict[str, int]  # fmt name -> target: approx. error <= 2^-target
    schemes: dict[str, Callable]
    printed_fixed: tuple[int, ...] = ()  # fixed coefficients also used by the schemes
    results: dict = field(default_factory=dict)


def exp_interval(_fmt):
    h = LN2 / 2
    return -h, h


def tanh_interval(fmt):
    # The C++ compares |x| <= T rounded to the format; RN32(T) is 1e-8 above T.
    t = mpf("0.5493061443340549")
    return mpf(0), max(t, mpf(round_to_fmt(t, fmt)))


def make_kernels() -> list[Kernel]:
    return [
        Kernel(
            key="exp",
            cpp="kExpP",
            var="r",
            f=mp.exp,
            interval=exp_interval,
            fixed={0: Fraction(1), 1: Fraction(1)},
            free_powers=lambda d: list(range(2, d + 1)),
            degrees=range(4, 16),
            target={"float32": 28, "float64": 57},
            schemes={"split": exp_split, "nested": exp_nested},
        ),
        Kernel(
            key="tanh",
            cpp="kTanhP",
            var="x",
            f=mp.tanh,
            interval=tanh_interval,
            fixed={1: Fraction(1)},
            free_powers=lambda d: list(range(3, d + 1, 2)),
            degrees=range(5, 31, 2),
            target={"float32": 27, "float64": 56},
            schemes={"x3": tanh_x3, "x2q": tanh_x2q},
        ),
        Kernel(
            key="expm1",
            cpp="kExpm1P",
            var="r",
            f=mp.expm1,
            interval=exp_interval,
            fixed={1: Fraction(1), 2: Fraction(1, 2)},
            free_powers=lambda d: list(range(3, d + 1)),
            degrees=range(4, 16),
            target={"float32": 28, "float64": 57},
            schemes={"split": expm1_split, "nested": expm1_nested, "split_comp": expm1_split_comp},
            printed_fixed=(2,),
        ),
    ]


# --------------------------------------------------------------------------
# Remez exchange for the relative error with fixed leading coefficients
# --------------------------------------------------------------------------
def drop_extrema(alt: list, mags: list, m: int) -> list:
    """Too many alternating extrema for a reference of m points (``mags[i]`` = |error| at
    ``alt[i]``): drops the smallest one together with its smaller neighbour (keeps
    alternation), or a single end point, until m are left; returns them (also used by
    fit_erf.py)."""
    alt, mags = list(alt), list(mags)
    while len(alt) > m:
        i = mags.index(min(mags))
        if i in (0, len(alt) - 1):
            drop = [i]
        elif len(alt) - m == 1:
            drop = [0 if mags[0] < mags[-1] else len(alt) - 1]
        else:
            j = i - 1 if mags[i - 1] < mags[i + 1] else i + 1
            drop = [max(i, j), min(i, j)]
        for k in drop:
            del alt[k], mags[k]
    return alt


def round_sequentially(fitter, coefs: dict, fixed: dict, free: list[int], fmt: Fmt) -> dict:
    """Rounds the free coefficients to ``fmt`` one at a time, lowest power first, the
    still-free ones re-fitted (``fitter.remez(fixed, free)``) after each rounding so they
    absorb its error.  ``coefs`` is the minimax fit with ``fixed`` held; returns the fully
    rounded coefficients (``fixed`` included).  Also used by fit_erf.py."""
    fixed = dict(fixed)
    todo = list(free)
    while todo:
        k = todo.pop(0)
        if k != free[0]:
            coefs, _ = fitter.remez(fixed, [k, *todo])
        fixed[k] = mpf(round_to_fmt(coefs[k], fmt))
    return fixed


class RelErr:
    """Relative error e(t) = p(t)/f(t) - 1 on [a, b], with f cached on a grid.

    Remez needs a Haar system.  Writing p = B + t^m Q(t) (m = lowest free
    power), e(t) = (t^m / f(t)) (Q(t) - g(t)) with g = (f - B)/t^m: a weighted
    polynomial approximation of g by Q with weight W = t^m/f.  W vanishes at
    t = 0 and may change sign there (exp with m odd; expm1 with m even), which
    would break the usual alternation of e.  So the exchange works on
    ``s(t) e(t)`` with ``s(t) = sign(t^m / f(t))``, i.e. on |e| * sign(Q - g),
    the quantity that must equioscillate.  |s e| = |e|: same sup norm.
    """

    def __init__(self, f, a: mpf, b: mpf):
        self.f = f
        self.a, self.b = a, b
        n = GRID_N
        mid, half = (a + b) / 2, (b - a) / 2
        pts = {a, b}
        for j in range(n):  # Chebyshev nodes of the first kind
            pts.add(mid + half * mp.cos(mp.pi * (2 * j + 1) / (2 * n)))
        self.grid = sorted(p for p in pts if p != 0)  # f may vanish at 0
        self.fgrid = [f(t) for t in self.grid]

    @staticmethod
    def poly(coefs: dict[int, mpf], t: mpf) -> mpf:
        top = max(coefs)
        acc = mpf(0)
        for k in range(top, -1, -1):
            acc = acc * t + coefs.get(k, 0)
        return acc

    def err(self, coefs, t, m: int = 0, ft=None) -> mpf:
        """s(t) e(t) (see the class doc); e(0) = 0 for all kernels here."""
        if t == 0:
            return mpf(0)
        ft = self.f(t) if ft is None else ft
        e = self.poly(coefs, t) / ft - 1
        return -e if (t**m / ft) < 0 else e

    def extrema(self, coefs, m: int = 0) -> list[tuple[mpf, mpf]]:
        """Alternating local extrema (t, s(t) e(t)) on [a, b], refined."""
        g = self.grid
        e = [self.err(coefs, t, m, ft) for t, ft in zip(g, self.fgrid, strict=True)]
        n = len(g)
        raw = []
        for i in range(n):
            left = abs(e[i - 1]) if i > 0 else mpf(-1)
            right = abs(e[i + 1]) if i < n - 1 else mpf(-1)
            if abs(e[i]) >= left and abs(e[i]) >= right and e[i] != 0:
                raw.append(
                    self._refine(coefs, m, g[max(i - 1, 0)], g[min(i + 1, n - 1)], g[i], e[i])
                )
        # keep alternation: of consecutive same-sign extrema keep the larger
        alt: list[tuple[mpf, mpf]] = []
        for t, v in raw:
            if alt and (alt[-1][1] > 0) == (v > 0):
                if abs(v) > abs(alt[-1][1]):
                    alt[-1] = (t, v)
            else:
                alt.append((t, v))
        return alt

    def _refine(self, coefs, m, lo, hi, t0, e0):
        """Golden-section search for max |e| on [lo, hi]; returns the best point."""
        best_t, best_e = t0, e0
        gr = (mp.sqrt(5) - 1) / 2
        x1, x2 = hi - gr * (hi - lo), lo + gr * (hi - lo)
        f1, f2 = self.err(coefs, x1, m), self.err(coefs, x2, m)
        for _ in range(REFINE_STEPS):
            if abs(f1) > abs(f2):
                hi, x2, f2 = x2, x1, f1
                x1 = hi - gr * (hi - lo)
                f1 = self.err(coefs, x1, m)
            else:
                lo, x1, f1 = x1, x2, f2
                x2 = lo + gr * (hi - lo)
                f2 = self.err(coefs, x2, m)
        for t, v in ((x1, f1), (x2, f2)):
            if abs(v) > abs(best_e) and (v > 0) == (e0 > 0):
                best_t, best_e = t, v
        return best_t, best_e

    def sup(self, coefs) -> tuple[mpf, mpf]:
        """max |e| over [a, b] and where."""
        t, v = max(self.extrema(coefs), key=lambda p: abs(p[1]))
        return abs(v), t

    def remez(self, fixed: dict[int, mpf], free: list[int]) -> tuple[dict[int, mpf], mpf]:
        """Minimax relative error over the free coefficients (fixed ones held)."""
        m = len(free) + 1  # reference size
        low = min(free)
        g = self.grid
        # initial reference: grid points nearest to the Chebyshev extrema
        idx = sorted(
            {round((len(g) - 1) * (1 - math.cos(math.pi * (i + 0.5) / m)) / 2) for i in range(m)}
        )
        ref = [g[i] for i in idx]
        for _ in range(50):
            mat = mpmath.matrix(m, m)
            rhs = mpmath.matrix(m, 1)
            for i, t in enumerate(ref):
                ft = self.f(t)
                s = -1 if (t**low / ft) < 0 else 1
                for j, k in enumerate(free):
                    mat[i, j] = t**k / ft
                mat[i, m - 1] = -s * (-1) ** i  # s(t_i) e(t_i) = (-1)^i E
                rhs[i] = 1 - self.poly(fixed, t) / ft
            sol = mpmath.lu_solve(mat, rhs)
            coefs = dict(fixed)
            coefs.update({k: sol[j] for j, k in enumerate(free)})
            level = abs(sol[m - 1])
            alt = self.extrema(coefs, low)
            if len(alt) < m:  # poor reference (e.g. the first one): single-point exchange
                alt = self._single_exchange(ref, coefs, low, alt)
            alt = drop_extrema(alt, [abs(v) for _, v in alt], m)
            emax = max(abs(v) for _, v in alt)
            ref = [t for t, _ in alt]
            if emax - level <= emax * mpf(2) ** -30:  # levelled out
                return coefs, emax
        raise RuntimeError("Remez did not converge")

    def _single_exchange(self, ref, coefs, low, alt):
        """Remez's first algorithm: swap the global maximum into the reference,
        keeping the signs alternating.  Always possible, slower to converge."""
        y, ey = max(alt, key=lambda p: abs(p[1]))
        pts = [(t, self.err(coefs, t, low)) for t in ref]
        pos = sum(1 for t, _ in pts if t < y)
        same = [(ey > 0) == (v > 0) for _, v in pts]
        if pos == 0:
            pts = [(y, ey), *pts[1:]] if same[0] else [(y, ey), *pts[:-1]]
        elif pos == len(pts):
            pts = [*pts[:-1], (y, ey)] if same[-1] else [*pts[1:], (y, ey)]
        else:
            pts[pos - 1 if same[pos - 1] else pos] = (y, ey)
        return pts


def fit(kernel: Kernel, fmt: Fmt, log, min_degree: int = 0) -> dict:
    """Choose the degree (>= min_degree), fit, round sequentially, re-check."""
    a, b = kernel.interval(fmt)
    re = RelErr(kernel.f, a, b)
    fixed0 = {k: mpf(v.numerator) / v.denominator for k, v in kernel.fixed.items()}
    target = mpf(2) ** -kernel.target[fmt.name]
    for deg in (d for d in kernel.degrees if d >= min_degree):
        free = kernel.free_powers(deg)
        coefs, err_minimax = re.remez(fixed0, free)
        minimax = dict(coefs)
        log(f"    degree {deg:2d}: minimax rel. error 2^{float(mp.log(err_minimax, 2)):7.2f}")
        if err_minimax > target:
            continue
        # sequential rounding, lowest power first, re-fitting the rest each time
        fixed = round_sequentially(re, coefs, fixed0, free, fmt)
        err_rounded, where = re.sup(fixed)
        naive = dict(fixed0)  # for comparison: every minimax coefficient rounded at once
        naive.update({k: mpf(round_to_fmt(minimax[k], fmt)) for k in free})
        err_naive, _ = re.sup(naive)
        log(
            f"               rounded to {fmt.name}: 2^{float(mp.log(err_rounded, 2)):7.2f}"
            f" (naive rounding of the minimax: 2^{float(mp.log(err_naive, 2)):7.2f})"
        )
        if err_rounded <= target:
            # the float32 exp/expm1 reduction can overshoot ln2/2 by ~2^-17.5 (n chosen
            # from a rounded z*log2e), so also report the error on a slightly wider interval
            wide = None
            if kernel.key in ("exp", "expm1"):
                d = mpf(2) ** -16
                wide, _ = RelErr(kernel.f, a - d, b + d).sup(fixed)
            return {
                "degree": deg,
                "interval": (a, b),
                "err_minimax": err_minimax,
                "err_rounded": err_rounded,
                "err_where": where,
                "err_naive": err_naive,
                "err_wide": wide,
                "coefs": {k: float(v) for k, v in sorted(fixed.items())},
            }
    raise RuntimeError(f"{kernel.key}/{fmt.name}: no degree met the target")


# --------------------------------------------------------------------------
# Measurement in the target precision
# --------------------------------------------------------------------------
def reference(kernel: Kernel, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f(x) from mpmath at REF_PREC bits, as a double-double hi + lo."""
    hi = np.empty(xs.size)
    lo = np.empty(xs.size)
    with mp.workprec(REF_PREC):
        f = kernel.f
        if kernel.key == "expm1":  # exp(x) - 1 at 120 bits is plenty for |x| >= 2^-40
            assert np.all(np.abs(xs) >= 2.0**-40)

            def f(x):
                return mp.exp(x) - 1

        for i, x in enumerate(xs.tolist()):
            v = f(mpf(x))
            h = float(v)
            hi[i] = h
            lo[i] = float(v - h)
    return hi, lo


def ulp_errors(y: np.ndarray, hi: np.ndarray, lo: np.ndarray, fmt: Fmt) -> np.ndarray:
    """(y - f) / ulp(f) with f = hi + lo; ulp taken at the exact value."""
    m, e = np.frexp(hi)  # |hi| = |m| 2^e, |m| in [0.5, 1)
    e = np.where((np.abs(m) == 0.5) & (lo * np.sign(hi) < 0), e - 1, e)
    ulp = np.ldexp(1.0, np.maximum(e - fmt.prec, fmt.emin - fmt.prec + 1))
    return ((y.astype(np.float64) - hi) - lo) / ulp  # y - hi is exact (Sterbenz)


def grid_for(kernel: Kernel, fmt: Fmt, a: mpf, b: mpf) -> np.ndarray:
    n = 1_000_000 if fmt is F32 else 200_000
    fa, fb = float(a), float(b)
    if kernel.key == "exp":
        xs = np.linspace(fa, fb, n)
    elif kernel.key == "tanh":
        lo = 2.0**-20
        xs = np.concatenate([np.linspace(lo, fb, n * 4 // 5), np.geomspace(lo, fb, n // 5)])
    else:  # expm1: relative error matters near 0 -> add log-spaced points
        lo = 2.0**-20
        g = np.geomspace(lo, fb, n // 10)
        xs = np.concatenate([np.linspace(fa, fb, n * 4 // 5), g, -g])
    xs = xs.astype(fmt.dtype)
    xs = xs[(xs >= fmt.dtype(fa)) & (xs <= fmt.dtype(fb)) & (xs != 0)]
    return np.unique(xs)


def tiny_points(kernel: Kernel, fmt: Fmt) -> list[float]:
    """Log-spaced tiny arguments (the brief asks down to 1e-30) plus a few
    deeper ones where x*x underflows (and subnormal x)."""
    pts = np.geomspace(1e-30, 2.0**-20, 400).astype(fmt.dtype).tolist()
    extra = (
        [1e-36, 1.2e-38, 1e-40, 1.4e-45]
        if fmt is F32
        else [1e-100, 1e-160, 1e-200, 1e-300, 2.3e-308, 1e-310, 5e-324]
    )
    pts += [float(fmt.dtype(v)) for v in extra]
    if kernel.key != "tanh":
        pts += [-p for p in pts]
    return sorted({float(p) for p in pts})


def measure(kernel: Kernel, fmt: Fmt, res: dict, log) -> dict:
    coefs = res["coefs"]
    top = res["degree"]
    a, b = res["interval"]
    xs = grid_for(kernel, fmt, a, b)
    t0 = time.time()
    hi, lo = reference(kernel, xs)
    log(f"    {xs.size} points, mpmath reference in {time.time() - t0:.1f} s")

    def constants(A):
        return lambda k: A.const(f"{kernel.cpp}{k}", coefs[k])

    out = {}
    # exact scalar evaluation on a random sample, to cross-check the vectorised FMA
    sample = RNG.choice(xs.size, size=1500, replace=False)
    for sname, scheme in kernel.schemes.items():
        V = VecArith(fmt)
        y = scheme(V, xs, constants(V), top).astype(fmt.dtype)
        X = ExactArith(fmt)
        for i in sample:
            ye = scheme(X, Fraction(float(xs[i])), constants(X), top)
            assert ye == Fraction(float(y[i])), (kernel.key, fmt.name, sname, xs[i])
        err = ulp_errors(y, hi, lo, fmt)
        j = int(np.argmax(np.abs(err)))
        # tiny arguments: exact arithmetic (handles underflow of x*x and subnormals)
        tiny_max = 0.0
        for x in tiny_points(kernel, fmt):
            ye = scheme(X, Fraction(x), constants(X), top)
            with mp.workprec(REF_PREC + 200):
                ref = to_fraction(kernel.f(mpf(x)))
            tiny_max = max(tiny_max, abs(float((ye - ref) / ulp_of(ref, fmt))))
        T = TraceArith()
        scheme(T, kernel.var, lambda k, T=T: T.const(f"{kernel.cpp}{k}", 0.0), top)
        out[sname] = {
            "max_ulp": float(abs(err[j])),
            "signed": float(err[j]),
            "x": float(xs[j]),
            "y": float(y[j]),
            "ref": float(hi[j]),
            "bad_frac": float(np.mean(np.abs(err) > 0.5)),
            "rms": float(np.sqrt(np.mean(err**2))),
            "tiny_max": tiny_max,
            "pseudo": T.lines,
            "nops": len(T.lines),
        }
    return out


# --------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------
def hexs(v: float) -> str:
    """Shortest exact hex-float text, e.g. -0x1.555556p-2."""
    if v == 0:
        return "-0x0p+0" if np.signbit(v) else "0x0p+0"
    mant, exp = float(v).hex().split("p")  # e.g. '-0x1.5555560000000p-2'
    return f"{mant.rstrip('0').rstrip('.')}p{exp}"


def hexf(v: float, fmt: Fmt) -> str:
    """C++ hex-float literal in the format (``f`` suffix for float)."""
    return hexs(v) + fmt.suffix


def decf(v: float, fmt: Fmt) -> str:
    return np.format_float_scientific(fmt.dtype(v), unique=True, exp_digits=2)


def log2s(v) -> str:
    return f"2^{float(mp.log(abs(v), 2)):.2f}"


def cody_waite(fmt: Fmt, nmax: int, log) -> list[str]:
    """Cody-Waite ln2 split: ln2_hi has at most prec - bits(nmax) significant bits,
    so n * ln2_hi is exact for |n| <= nmax; ln2_lo = RN(ln2 - ln2_hi)."""
    ln2 = to_fraction(LN2)  # 256-bit ln 2
    hi_bits = fmt.prec - nmax.bit_length()
    hi = round_exact(ln2, fmt, prec=hi_bits)
    lo = round_exact(ln2 - hi, fmt)
    assert all(round_exact(n * hi, fmt) == n * hi for n in range(-nmax, nmax + 1))
    with mp.workprec(256):
        log2e = round_exact(to_fraction(1 / LN2), fmt)
    resid = abs(ln2 - hi - lo) / ln2
    log(
        f"  {fmt.name}: ln2_hi rounded to {hi_bits} significant bits (|n| <= {nmax} takes "
        f"{nmax.bit_length()} bits); |ln2 - hi - lo| / ln2 = "
        f"{log2s(mpf(resid.numerator) / resid.denominator)}"
    )
    consts = [
        ("kLn2Hi", hi, f"n * kLn2Hi exact for |n| <= {nmax}"),
        ("kLn2Lo", lo, "RN(ln2 - kLn2Hi)"),
        ("kLn2", round_exact(ln2, fmt), "RN(ln2)"),
        ("kLog2e", log2e, "RN(1/ln2)"),
    ]
    return [
        f"constexpr {fmt.ctype} {name} = {hexf(float(v), fmt)};  // {decf(float(v), fmt)}, {note}"
        for name, v, note in consts
    ]


def print_cpp(cpp: dict[str, list[str]], log) -> None:
    """The C++ lines of each format inside its namespace (also used by fit_erf.py)."""
    for name, ns in (("float32", "f32"), ("float64", "f64")):
        log(f"namespace fastact::detail::{ns} {{  // {name}")
        for line in cpp[name]:
            log(line)
        log(f"}}  // namespace fastact::detail::{ns}")


# --------------------------------------------------------------------------
def self_test_fma() -> None:
    """The vectorised FMAs against exact rounding (random + double-rounding traps)."""
    for fmt, impl in ((F32, fma_f32), (F64, fma_f64)):
        n = 20000
        a = RNG.uniform(-2, 2, n).astype(fmt.dtype)
        b = RNG.uniform(-2, 2, n).astype(fmt.dtype)
        c = np.where(
            RNG.random(n) < 0.5,
            -(a.astype(np.float64) * b).astype(fmt.dtype),
            RNG.uniform(-2, 2, n).astype(fmt.dtype),
        )  # half: massive cancellation
        u = pow2(1 - fmt.prec)  # 2^-23 / 2^-52
        # exact a*b + c = 1 + u + u/2 - tiny: a naive double-rounded FMA gets 1 + 2u
        traps = [(1 - u, (1 + u) * u / 2, 1 + u)]
        a = np.concatenate([a, [float(t[0]) for t in traps]]).astype(fmt.dtype)
        b = np.concatenate([b, [float(t[1]) for t in traps]]).astype(fmt.dtype)
        c = np.concatenate([c, [float(t[2]) for t in traps]]).astype(fmt.dtype)
        got = impl(a, b, c)
        for i in range(a.size):
            want = round_exact(
                Fraction(float(a[i])) * Fraction(float(b[i])) + Fraction(float(c[i])), fmt
            )
            assert Fraction(float(got[i])) == want, (fmt.name, a[i], b[i], c[i])
        assert float(got[-1]) == float(1 + u)


def main() -> None:
    t_start = time.time()
    mp.prec = FIT_PREC

    def log(s=""):
        print(s, flush=True)

    log(f"fastact polynomial fits (mpmath {mpmath.__version__}, numpy {np.__version__})")
    self_test_fma()
    log("FMA emulation self-test: OK (float32 and float64 agree with exact rounding)\n")

    cpp: dict[str, list[str]] = {"float32": [], "float64": []}
    log("== Cody-Waite constants ==")
    cpp["float32"] += cody_waite(F32, 160, log)
    cpp["float64"] += cody_waite(F64, 1100, log)

    kernels = make_kernels()
    for kernel in kernels:
        for fmt in (F32, F64):
            log(
                f"\n== {kernel.key} / {fmt.name}  (target approx. error <= "
                f"2^-{kernel.target[fmt.name]}) =="
            )
            mp.prec = FIT_PREC
            # the float64 degree is at least the float32 one: start the search there
            res = fit(kernel, fmt, log, kernel.results["float32"][0]["degree"] if fmt is F64 else 0)
            a, b = res["interval"]
            log(f"  degree {res['degree']} on [{mpmath.nstr(a, 17)}, {mpmath.nstr(b, 17)}]")
            log(
                f"  approximation error (relative): minimax {log2s(res['err_minimax'])}, "
                f"rounded coefficients {log2s(res['err_rounded'])} "
                f"({mpmath.nstr(res['err_rounded'], 4)}) at t = "
                f"{mpmath.nstr(res['err_where'], 8)}; naive rounding {log2s(res['err_naive'])}"
            )
            if res["err_wide"] is not None:
                log(f"  on the interval widened by 2^-16 each side: {log2s(res['err_wide'])}")
            log("  coefficients (power: hex, decimal):")
            shown = [k for k in res["coefs"] if k not in kernel.fixed or k in kernel.printed_fixed]
            for k in shown:
                v = res["coefs"][k]
                log(f"    {k:2d}: {hexf(v, fmt):>26s}  {decf(v, fmt)}")
            mp.prec = FIT_PREC
            meas = measure(kernel, fmt, res, log)
            for sname, m in meas.items():
                log(
                    f"  scheme {sname} ({m['nops']} ops): max {m['max_ulp']:.4f} ulp at "
                    f"x = {decf(m['x'], fmt)} ({hexs(m['x'])}): y = {hexs(m['y'])}, "
                    f"f(x) = {decf(m['ref'], F64)}"
                )
                log(
                    f"      rms {m['rms']:.3f} ulp, not correctly rounded {100 * m['bad_frac']:.2f}%"
                    f"; tiny-argument set: max {m['tiny_max']:.4f} ulp"
                    f" ({'all' if m['tiny_max'] <= 0.5 else 'NOT all'} correctly rounded)"
                )
            best = min(meas, key=lambda s: (round(meas[s]["max_ulp"], 3), meas[s]["nops"]))
            log(f"  recommended scheme: {best}  (pseudo-code, exactly as measured)")
            for line in meas[best]["pseudo"]:
                log(f"      {line}")
            kernel.results[fmt.name] = (res, meas, best)

            cpp[fmt.name].append(
                f"// {kernel.key}: degree {res['degree']}, rel. approx. error "
                f"{log2s(res['err_rounded'])}; scheme '{best}' max {meas[best]['max_ulp']:.3f} ulp"
            )
            for k in shown:
                v = res["coefs"][k]
                cpp[fmt.name].append(
                    f"constexpr {fmt.ctype} {kernel.cpp}{k} = {hexf(v, fmt)};  // {decf(v, fmt)}"
                )
            if kernel.key == "tanh":
                cpp[fmt.name].append(
                    f"constexpr {fmt.ctype} kTanhSmall = {hexf(round_to_fmt(b, fmt), fmt)};"
                    "  // RN(atanh(1/2)), the fit interval's end"
                )

    log("\n== C++ ==")
    print_cpp(cpp, log)
    log(f"\ntotal time {time.time() - t_start:.1f} s")


if __name__ == "__main__":
    main()

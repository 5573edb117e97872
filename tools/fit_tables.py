#!/usr/bin/env python3
"""Per-interval polynomial tables for fastact's float32 kernels (cpp/kernels/math-inl.hpp):
tanh(a), the GELU tail's G(a) = (a/2) erfcx(a/sqrt2) and K(a) = G(a)/a, tanhshrink's
H(a) = (a - tanh(a)) / a^3 (binade quarters); sigmoid(-a), silu and silu' (uniform
intervals); gelu(-a) and gelu'(-a) (intervals uniform in a (a + 1)); for AVX2's 8-entry
lookups G and D(a) = K(a) - a/sqrt(2 pi) (the binade halves of a + 1).

Usage:  python3 tools/fit_tables.py [NAME ...] [--check N]   (NAME: a key of SPECS)
        (numpy, scipy; ~1 min)

Prints each C++ table (hex-float literals) and, per interval, the measured error of the exact
float32 evaluation the kernel performs, in ulps of the correctly rounded function.

Intervals
---------
Binade quarters: a >= 0 in [2^-4, 2^4) splits into 32 intervals, four per binade, so the
interval index is bits(a) >> 21 (exponent and the top two mantissa bits) minus that of 2^-4,
saturated at 0: interval 0 also takes every a below 2^-4 (down to 0), and the kernel clamps
a to at most the function's a_max (tanh: 9.1, where tanh rounds to 1 in float32 from 9.011;
G: 14.5, where exp(-a^2/2) has underflowed past every result).
Uniform (Spec.width): interval k is [(k - 1/2) w, (k + 1/2) w], found by the kernel with one
FMA (x / w plus 1.5 * 2^23, whose low bits are k modulo 32).
Quadratic (Spec.quadratic_beta): uniform in u = a (a + beta), for a Gaussian tail.
Halves (Spec.halves): 8 intervals for an 8-entry lookup (one vpermps on AVX2): the binade
halves of a + 1 in [1, 16), i.e. a in [0, 1/2), [1/2, 1), [1, 2), [2, 3), [3, 5), [5, 7),
[7, 11), [11, 15); the index is bits(a + 1) >> 22 (exponent and top mantissa bit), whose low
three bits the lookup reads: interval k is stored in column (k + 254) mod 8.

Polynomials
-----------
On interval i, f(a) = P_i(t), t = a - b_i, P_i(t) = c0 + c1 t + ... + cd t^d, evaluated
by Horner with FMAs (one rounding per step). t is exact: b_i lies in the interval, so
b_i/2 <= a <= 2 b_i (Sterbenz). b_i is the float32 near the interval's middle whose f is
closest to a float32 (c0 = RN(f(b_i)) is then almost exact, so at t = 0 the only error is
the final rounding). Interval 0 has b = 0; for tanh and G also c0 = 0 and c1 = f'(0) (1 and
1/2, exact), so P_0(a) = a (c1 + ...) keeps full relative accuracy as a -> 0, and tiny a
come back exactly scaled (H(0) = 1/3 is simply fitted). The degree is the lowest whose worst
interval stays below 1 ulp (5 for tanh and G, degree 4 giving 4.7 ulp for tanh; 6 for H,
degree 5 giving 1.8 ulp).

The free coefficients minimise the relative error max |P(t)/f(b + t) - 1| (Lawson's
iteratively reweighted least squares on 4000 Chebyshev nodes, in float64), are rounded to
float32 lowest order first, each rounding absorbed by refitting the still-free ones.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fit_polynomials import F32, fma_f32, hexf  # the tools' shared helpers

N_INTERVALS = 32
FIRST_EXPONENT = -4  # interval 0 starts at 2^-4 (and takes everything below it)


def gelu_g(s: np.ndarray) -> np.ndarray:
    """G(s) = (s/2) erfcx(s/sqrt2): x Phi(x) = -exp(-x^2/2) G(|x|) for x < 0."""
    from scipy.special import erfcx

    s = np.asarray(s, np.float64)
    return s / 2 * erfcx(s / np.sqrt(2.0))


def gelu_k(s: np.ndarray) -> np.ndarray:
    """K(s) = G(s)/s = erfcx(s/sqrt2)/2 (1/2 at 0): GELU's derivative without a division."""
    from scipy.special import erfcx

    return erfcx(np.asarray(s, np.float64) / np.sqrt(2.0)) / 2


def gelu_d(s: np.ndarray) -> np.ndarray:
    """D(s) = K(s) - s/sqrt(2 pi): gelu'(x) = exp(-x^2/2) D(|x|) for x < 0 and 1 minus it
    for x > 0 (zero at s = 0.7518, where K and s/sqrt(2 pi) cancel)."""
    s = np.asarray(s, np.float64)
    return gelu_k(s) - s / np.sqrt(2 * np.pi)


def gelu_d_scale(s: np.ndarray) -> np.ndarray:
    """D's yardstick: a tenth of its terms' magnitudes around its zero (as silu_grad_scale)."""
    s = np.asarray(s, np.float64)
    return np.maximum(np.abs(gelu_d(s)), 0.1 * (gelu_k(s) + s / np.sqrt(2 * np.pi)))


def gelu_negative(a: np.ndarray) -> np.ndarray:
    """gelu(-a) = -(a/2) erfc(a/sqrt2), a >= 0; gelu(x) = x + gelu(-x) for x > 0."""
    from scipy.special import erfc

    a = np.asarray(a, np.float64)
    return -a / 2 * erfc(a / np.sqrt(2.0))


def gelu_negative_grad(a: np.ndarray) -> np.ndarray:
    """gelu'(-a) = Phi(-a) - a phi(a), a >= 0 (zero at a = 0.7518); gelu'(x) = 1 - gelu'(-x)."""
    from scipy.special import erfc

    a = np.asarray(a, np.float64)
    return erfc(a / np.sqrt(2.0)) / 2 - a * np.exp(-a * a / 2) / np.sqrt(2 * np.pi)


def gelu_negative_grad_scale(a: np.ndarray) -> np.ndarray:
    """Around the zero of gelu'(-a) its terms cancel: the error is measured against a tenth
    of their magnitudes there (as silu_grad_scale)."""
    from scipy.special import erfc

    a = np.asarray(a, np.float64)
    terms = erfc(a / np.sqrt(2.0)) / 2 + a * np.exp(-a * a / 2) / np.sqrt(2 * np.pi)
    return np.maximum(np.abs(gelu_negative_grad(a)), 0.1 * terms)


def tanhshrink_h(a: np.ndarray) -> np.ndarray:
    """H(a) = (a - tanh(a)) / a^3 (1/3 at 0), to full relative accuracy: its Taylor series
    below 0.25 (error < 1e-14), the difference above (cancellation < 100x in float64)."""
    a = np.asarray(a, np.float64)
    w = a * a
    coeffs = [1 / 3, -2 / 15, 17 / 315, -62 / 2835, 1382 / 155925, -21844 / 6081075,
              929569 / 638512875]
    series = np.zeros_like(a)
    for c in reversed(coeffs):
        series = series * w + c
    with np.errstate(divide="ignore", invalid="ignore"):
        direct = (a - np.tanh(a)) / (a * w)
    return np.where(a < 0.25, series, direct)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)), to full relative accuracy in both tails."""
    from scipy.special import expit

    return expit(np.asarray(x, np.float64))


def silu(x: np.ndarray) -> np.ndarray:
    """x sigmoid(x)."""
    x = np.asarray(x, np.float64)
    return x * sigmoid(x)


def silu_grad(x: np.ndarray) -> np.ndarray:
    """d/dx x sigmoid(x) = s (1 + x (1 - s)), s = sigmoid(x); zero at x = -1.2785."""
    x = np.asarray(x, np.float64)
    return sigmoid(x) * (1 + x * sigmoid(-x))


def silu_grad_scale(x: np.ndarray) -> np.ndarray:
    """Where silu' crosses zero its terms s and x s (1 - s) cancel: the error is measured
    against a tenth of their magnitudes there (the tests' gradient bound allows 5 eps)."""
    x = np.asarray(x, np.float64)
    s = sigmoid(x)
    return np.maximum(np.abs(silu_grad(x)), 0.1 * (s + np.abs(x * s * sigmoid(-x))))


@dataclass(frozen=True)
class Spec:
    name: str  # the C++ table is k<Name>Table
    f: Callable[[np.ndarray], np.ndarray]  # float64, relative error ~1e-15
    degree: int
    a_max: float
    head: tuple[float, ...]  # interval 0's held coefficients (c0 = 0, ...)
    # Uniform intervals instead of binade quarters: interval k (first <= k < first + 32) is
    # [(k - 1/2) width, (k + 1/2) width], stored in column k mod 32.
    width: float | None = None
    first: int = 0
    # The error's yardstick (relative error: f itself; larger where f is a cancellation).
    scale: Callable[[np.ndarray], np.ndarray] | None = None
    # Uniform in u = a (a + beta) rather than in a (a >= 0, beta = quadratic_beta): interval
    # k is u in [(k - 1/2) width, (k + 1/2) width] (interval 0 from a = 0). The intervals
    # narrow as 1/(2a + beta) where a Gaussian's relative slope grows as a; beta keeps the
    # first ones from being too wide.
    quadratic_beta: float | None = None
    # Interval 0 expanded about b = 0 (exact t = a, for relative accuracy as a -> 0); else
    # about its middle like the others (t = a - b then rounds for a < b/2: harmless where
    # f'(0) is small against f(0)).
    interval_0_at_zero: bool = True
    # The 8 binade halves of a + 1 (see Halves above) instead of 32 intervals.
    halves: bool = False

    @property
    def intervals(self) -> int:
        return 8 if self.halves else N_INTERVALS


SPECS = {
    "tanh": Spec("Tanh", np.tanh, 5, float(np.float32(9.1)), (0.0, 1.0)),
    "gelu_g": Spec("GeluG", gelu_g, 5, float(np.float32(14.5)), (0.0, 0.5)),
    "gelu_k": Spec("GeluK", gelu_k, 5, float(np.float32(14.5)), (0.5,)),
    "tanhshrink_h": Spec("TanhshrinkH", tanhshrink_h, 6, float(np.float32(9.1)), ()),
    # sigmoid(-a) for a = |x| <= 11.25 (the kernel takes 1 - it for x > 0; below -11.24 its
    # tail formula): intervals k = -31 .. 0 of width 11.25/31.5, interval 0 ending at 0.
    "sigmoid": Spec("Sigmoid", sigmoid, 5, 0.0, (), width=11.25 / 31.5, first=-31),
    # x from -11.6 to 14; c0 = -0: the last FMA's + c0 keeps the sign of an underflowed -x/2.
    "silu": Spec("Silu", silu, 6, 14.0, (-0.0, 0.5), width=0.8, first=-14),
    # silu'(-a) for a = |x| <= 11.6 (silu'(x) = 1 - silu'(-x)): intervals k = -31 .. 0 of
    # width 11.6/31.5 (interval 0 ending at 0), the sigmoid's layout.
    "silu_grad": Spec("SiluGrad", silu_grad, 5, 0.0, (), width=11.6 / 31.5, first=-31,
                      scale=silu_grad_scale),
    # gelu(-a) for a <= 8.5, u = a (a + 1) <= 31.5 width; c0 = -0 keeps gelu(-0) = -0.
    "gelu_negative": Spec("GeluNegative", gelu_negative, 7, 8.5, (-0.0, -0.5),
                          width=8.5 * 9.5 / 31.5, quadratic_beta=1.0),
    # gelu'(-a) on the same intervals; interval 0 about its middle (gelu'(-a) falls from 1/2
    # to 0.006 across it: about a = 0 the Horner sum would cancel).
    "gelu_negative_grad": Spec("GeluNegativeGrad", gelu_negative_grad, 7, 8.5, (),
                               width=8.5 * 9.5 / 31.5, quadratic_beta=1.0,
                               scale=gelu_negative_grad_scale, interval_0_at_zero=False),
    # AVX2's float32 GELU (8-entry lookups): G and D for a <= 14.99, where the kernel clamps
    # a (a + 1 stays below 16; exp(-a^2/2) has underflowed past every result by then).
    "gelu_g8": Spec("GeluG8", gelu_g, 7, float(np.float32(14.99)), (0.0, 0.5), halves=True),
    # D at degree 6: 1.87 ulp against 1.78 at degree 7, for the gradient's 8-ulp budget (one
    # FMA and one lookup fewer per vector; degree 5 reaches 12.7 ulp on [1, 2)).
    "gelu_d8": Spec("GeluD8", gelu_d, 6, float(np.float32(14.99)), (), halves=True,
                    scale=gelu_d_scale, interval_0_at_zero=False),
}


def halves_interval(i: int) -> int:
    """The interval of the binade halves that column i holds (the index's low three bits are
    those of bits(a + 1) >> 22: interval k sits in column (k + 254) mod 8)."""
    return (i - 254) % 8


HALVES_EDGES = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 7.0, 11.0, 15.0)
UNIFORM_MARGIN = 1e-3  # fitted beyond each end: the kernel's index rounds x * RN(1/width)


def uniform_k(spec: Spec, i: int) -> int:
    """The interval stored in column i."""
    return spec.first + (i - spec.first) % N_INTERVALS


def interval_bounds(spec: Spec, i: int) -> tuple[float, float]:
    if spec.halves:
        k = halves_interval(i)
        lo, hi = HALVES_EDGES[k], HALVES_EDGES[k + 1]
        return lo * (1 - UNIFORM_MARGIN), min(hi * (1 + UNIFORM_MARGIN), spec.a_max)
    if spec.quadratic_beta is not None:
        beta = spec.quadratic_beta

        def a_of(u: float) -> float:
            return (np.sqrt(beta * beta + 4 * u) - beta) / 2

        lo = 0.0 if i == 0 else a_of((i - 0.5) * spec.width) * (1 - UNIFORM_MARGIN)
        hi = a_of((i + 0.5) * spec.width) * (1 + UNIFORM_MARGIN)
        return lo, min(hi, spec.a_max * (1 + UNIFORM_MARGIN))
    if spec.width is not None:
        k = uniform_k(spec, i)
        lo, hi = (k - 0.5) * spec.width - UNIFORM_MARGIN, (k + 0.5) * spec.width + UNIFORM_MARGIN
        return lo, min(hi, spec.a_max + UNIFORM_MARGIN)
    e, k = FIRST_EXPONENT + i // 4, i % 4
    lo, hi = 2.0**e * (1 + k / 4), 2.0**e * (1 + (k + 1) / 4)
    return (0.0 if i == 0 else lo), min(hi, spec.a_max)


def expansion_point(spec: Spec, lo: float, hi: float) -> float:
    """A float32 near the middle of [lo, hi] whose f is nearly a float32."""
    mid = np.float32((lo + hi) / 2)
    cands = mid + np.arange(-4000, 4001, dtype=np.float64) * float(np.spacing(mid))
    cands = cands.astype(np.float32)
    t = spec.f(cands.astype(np.float64))
    miss = np.abs(t - t.astype(np.float32).astype(np.float64)) / np.spacing(t.astype(np.float32))
    return float(cands[np.argmin(miss)])


def lawson(t: np.ndarray, f: np.ndarray, powers: list[int], fixed: np.ndarray,
           iters: int = 60, scale: np.ndarray | None = None) -> np.ndarray:
    """Coefficients of sum c_k t^k (k in powers) minimising max |fixed + P - f| / scale
    (scale = f: the relative error)."""
    scale = f if scale is None else scale
    a = np.stack([t**k for k in powers], axis=1) / scale[:, None]
    rhs = (f - fixed) / scale
    w = np.full(t.size, 1.0 / t.size)
    c = np.zeros(len(powers))
    for _ in range(iters):
        sw = np.sqrt(w)
        c, *_ = np.linalg.lstsq(a * sw[:, None], rhs * sw, rcond=None)
        r = np.abs(a @ c - rhs)
        w = w * (r + 1e-300)
        w /= w.sum()
    return c


def first_interval(spec: Spec, i: int) -> bool:
    """Whether column i holds the interval that starts at a = 0."""
    return halves_interval(i) == 0 if spec.halves else i == 0


def fit_interval(spec: Spec, i: int) -> tuple[float, list[float]]:
    lo, hi = interval_bounds(spec, i)
    first = first_interval(spec, i)
    if lo >= hi:  # above a_max: never indexed; the value at a_max
        return spec.a_max, [float(np.float32(spec.f(np.array([spec.a_max]))[0]))] + [0.0] * spec.degree
    b = 0.0 if first and spec.interval_0_at_zero else expansion_point(spec, lo, hi)
    nodes = (np.cos(np.pi * (np.arange(4000) + 0.5) / 4000) + 1) / 2 * (hi - lo) + lo
    if first and spec.width is None:
        nodes = nodes[nodes > 0]
    t = nodes - b
    f = spec.f(nodes)
    if first and spec.head:
        coeffs = list(spec.head)
    else:
        at = b if spec.width is not None else max(b, 1e-30)  # H(0) is 0/0 in its formula
        coeffs = [float(np.float32(spec.f(np.array([at]))[0]))]
    for k in range(len(coeffs), spec.degree + 1):
        fixed = sum(c * t**j for j, c in enumerate(coeffs))
        free = lawson(t, f, list(range(k, spec.degree + 1)), fixed,
                      scale=None if spec.scale is None else spec.scale(nodes))
        coeffs.append(float(np.float32(free[0])))
    return b, coeffs


def evaluate(a: np.ndarray, b: float, coeffs: list[float]) -> np.ndarray:
    """The kernel's float32 evaluation: t = a - b (exact), Horner with FMAs."""
    t = (a.astype(np.float64) - b).astype(np.float32)
    y = np.full(a.shape, np.float32(coeffs[-1]))
    for c in reversed(coeffs[:-1]):
        y = fma_f32(y, t, np.float32(c))
    return y


def ulp_error(spec: Spec, a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """In ulps of the function (of its scale where that is larger)."""
    ref = spec.f(a.astype(np.float64))
    yard = np.abs(ref) if spec.scale is None else spec.scale(a.astype(np.float64))
    return np.abs(y.astype(np.float64) - ref) / np.abs(np.spacing(yard.astype(np.float32)).astype(np.float64))


def check_points(spec: Spec, i: int, n: int) -> np.ndarray:
    lo, hi = interval_bounds(spec, i)
    if spec.width is not None:  # a dense grid; around 0 also every power of two down to 2^-140
        a = np.linspace(lo, hi, n).astype(np.float32)
        if i == 0:
            tiny = np.float32(2.0) ** -np.arange(2, 141, dtype=np.float32)
            # (a quadratic index is of a = |x| >= 0)
            a = np.concatenate([a, tiny] + ([] if spec.quadratic_beta is not None else [-tiny]))
        return a[a <= spec.a_max + UNIFORM_MARGIN]  # (tables of x <= 0 end at a_max = 0)
    lo32 = np.float32(np.finfo(np.float32).smallest_subnormal if first_interval(spec, i) else lo)
    hi32 = np.float32(hi)
    bits = np.arange(lo32.view(np.int32), hi32.view(np.int32), dtype=np.int64)
    if bits.size > n:
        bits = bits[:: bits.size // n + 1]
    return bits.astype(np.int32).view(np.float32)


def print_table(spec: Spec, n_check: int) -> None:
    table = [fit_interval(spec, i) for i in range(spec.intervals)]
    worst = 0.0
    print(f"// {spec.name}: degree {spec.degree}, a <= {spec.a_max:.6g}")
    for i, (b, coeffs) in enumerate(table):
        a = check_points(spec, i, n_check)
        if a.size == 0:
            print(f"// interval {i:2d}: unused (above {spec.a_max:.6g})")
            continue
        err = ulp_error(spec, a, evaluate(a, b, coeffs))
        worst = max(worst, float(err.max()))
        lo, hi = interval_bounds(spec, i)
        print(f"// column {i:2d} [{lo:.6g}, {hi:.6g}): b = {b:.9g}, max {err.max():.3f} ulp")
    print(f"// worst {worst:.3f} ulp")
    rows = [[b for b, _ in table]] + [[c[k] for _, c in table] for k in range(spec.degree + 1)]
    print(f"alignas(64) constexpr float k{spec.name}Table[{spec.degree + 2}][{spec.intervals}] = {{")
    for name, row in zip(["b"] + [f"c{k}" for k in range(spec.degree + 1)], rows, strict=True):
        print(f"    {{  // {name}")
        for j in range(0, spec.intervals, 4):
            print("        " + ", ".join(hexf(v, F32) for v in row[j:j + 4]) + ",")
        print("    },")
    print("};")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tables", nargs="*", choices=[[], *SPECS], default=list(SPECS))
    ap.add_argument("--check", type=int, default=200_000, help="points checked per interval")
    args = ap.parse_args()
    for name in args.tables or SPECS:
        print_table(SPECS[name], args.check)


if __name__ == "__main__":
    main()

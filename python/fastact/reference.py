"""Pure-NumPy float64 / long-double oracle for every fastact activation.

This module is the independent reference the C++ kernels are measured
against.  It shares no code with them (it imports nothing from fastact) and
favours accuracy over speed:

* inputs are converted with ``np.asarray``; ``np.longdouble`` input stays
  long double (so float64 kernels can be measured against an
  extended-precision reference), anything else becomes float64;
* every formula is written dtype-generically (NumPy ufuncs, constants cast
  to the array's dtype), so long-double input is evaluated in long double
  wherever NumPy supports it.  Exception: the erf-form GELU needs erf/erfc,
  which NumPy lacks; it uses ``math.erfc`` (C libm) in float64 and casts the
  result back, i.e. long double falls back to float64 accuracy there;
* formulas avoid cancellation and spurious overflow (exp(-|x|) branches,
  log1p/expm1, a Taylor series for tanhshrink near 0, erfc for the negative
  GELU tail) and, where a product such as ``beta * x`` or ``x / sqrt(2)``
  feeds an exponential, the rounding error of that product is carried in a
  second word (error-free transformations), because exp amplifies a relative
  argument error by ``|argument|``.  Measured forward error against mpmath
  (50 digits): <= ~2 ulp everywhere for float64 (see tests/test_reference.py
  for the per-function bounds);
* no NumPy floating-point warning is ever emitted (``np.errstate`` is set
  locally inside every public function; special values are handled
  explicitly).

Public API (other code is written against exactly this)::

    NAMES                          tuple of the elementwise activation names
    DEFAULTS[name]                 dict param -> default (PyTorch names/defaults)
    forward(name, x, **params)     y = f(x)
    derivative(name, x, **params)  dy/dx (PyTorch's subgradient at kinks)
    backward(name, grad_output, x, **params)
                                   grad_output * f'(x) with PyTorch's NaN/inf
                                   semantics of the corresponding backward op
    STRUCTURED                     tuple of the non-elementwise names; each is a
                                   module-level function ``NAME`` with a
                                   vector-Jacobian product ``NAME_backward``:
                                   softmax, log_softmax, softmin, glu, maxout,
                                   prelu

Conventions (all verified against PyTorch 2.13.0 CPU float64; the
docstring of each activation class below spells out its own, and
tests/test_reference.py hard-codes the verified special values):

* ``forward`` at +-0, +-inf and NaN returns exactly what PyTorch returns,
  including NaN where PyTorch's formula produces inf*0 or inf/inf
  (e.g. silu(-inf), softsign(+-inf)) and including the sign of zero.
* ``derivative`` is the mathematical derivative: at kinks PyTorch's
  subgradient, at +-inf the limit of f'(x), at NaN always NaN.  It ignores
  PyTorch's NaN-propagation quirks; those live in ``backward``.
* ``backward`` mirrors what PyTorch's backward op returns for NaN/inf
  inputs and NaN/inf/signed-zero gradients (masked regions return +0 even for
  a NaN gradient; relu/threshold pass the gradient through at NaN x; silu,
  mish and gelu return NaN at x = +-inf, ...).  Finite values are the
  accurate product ``grad_output * derivative(x)``, not PyTorch's rounding
  (PyTorch computes e.g. sigmoid' as y*(1-y) from the rounded output, which
  is 0 for x > ~37; we return the true tiny value, so grad = inf there gives
  inf where PyTorch gives NaN).
* At finite inputs where PyTorch's own formula overflows internally
  (hardswish(x >= ~3e307) = inf, gelu(tanh)'(|x| >~ 1e154) = NaN) we return
  the true finite value; see the per-function docstrings.
* For a few NaN / signed-zero cases PyTorch's CPU kernels disagree with
  themselves: the vectorised loop (every full SIMD chunk) and the scalar tail
  loop (the last < 8 elements) differ, e.g. relu6/hardtanh/hardshrink/
  softshrink backward at NaN x (vectorised: 0, tail: g), elu/selu/celu/
  hardswish backward at NaN x (vectorised: NaN, tail: g), softshrink's dead
  zone for x < 0 (vectorised: +0, tail: -0).  We follow the vectorised path,
  i.e. what PyTorch returns for the bulk of any tensor.
* Long double: every formula runs in long double except the erf-form GELU
  (``approximate="none"``), which falls back to float64 ``math.erfc``; its
  long-double result is therefore only float64-accurate (<= ~2.5 float64
  ulp; the input is rounded to float64 first, and results below the float64
  range, x < ~-38.5, underflow to 0 as in float64).  Elsewhere long double
  is accurate to ~2 long-double ulp.
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import ClassVar

import numpy as np

__all__ = [
    "DEFAULTS",
    "NAMES",
    "STRUCTURED",
    "backward",
    "derivative",
    "forward",
    "glu",
    "glu_backward",
    "log_softmax",
    "log_softmax_backward",
    "maxout",
    "maxout_backward",
    "prelu",
    "prelu_backward",
    "softmax",
    "softmax_backward",
    "softmin",
    "softmin_backward",
]

# --------------------------------------------------------------------------
# dtype handling
# --------------------------------------------------------------------------


def _as_float(x) -> np.ndarray:
    """np.asarray(x) as float64, or kept as np.longdouble if it is one."""
    a = np.asarray(x)
    if a.dtype == np.longdouble:
        return a
    return a.astype(np.float64)


def _as_float_pair(g, x) -> tuple[np.ndarray, np.ndarray]:
    """Broadcast grad and x to a common shape and float dtype."""
    g = np.asarray(g)
    x = np.asarray(x)
    dt = np.longdouble if np.longdouble in (g.dtype, x.dtype) else np.float64
    g, x = np.broadcast_arrays(g.astype(dt), x.astype(dt))
    return g, x


def _finish(r, like: np.ndarray) -> np.ndarray:
    """Return r as a fresh ndarray with like's dtype and shape."""
    r = np.asarray(r, dtype=like.dtype)
    if r.shape != like.shape:
        r = np.broadcast_to(r, like.shape)
    return np.array(r, dtype=like.dtype, copy=True)


# --------------------------------------------------------------------------
# Error-free transformations (double-word arithmetic), dtype generic.
# They let us carry the rounding error of e.g. beta*x into exp().
# --------------------------------------------------------------------------


def _splitter(dt) -> int:
    """Dekker's splitting constant 2**ceil(p/2) + 1 for a binary float type."""
    p = np.finfo(dt).nmant + 1
    return 2 ** ((p + 1) // 2) + 1


def _two_sum(a, b):
    """s + e == a + b exactly (Knuth), for finite inputs."""
    s = a + b
    bb = s - a
    e = (a - (s - bb)) + (b - bb)
    return s, e


def _split(a):
    """Dekker split a = hi + lo, hi with at most half the significand bits."""
    c = a * _splitter(a.dtype)
    hi = c - (c - a)
    return hi, a - hi


def _two_prod(a, b):
    """p + e == a * b exactly (Dekker), for |a|, |b| well inside range.

    The error word is replaced by 0 where it is not finite (huge operands
    overflow in the split); callers only use it as a small correction.
    """
    a, b = np.broadcast_arrays(np.asarray(a), np.asarray(b))
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, np.where(np.isfinite(e), e, 0)


# High-precision constants as (hi, lo) pairs of the target dtype.
_PI = Decimal("3.14159265358979323846264338327950288419716939937510582097494459")


def _decimal_constants() -> dict[str, Decimal]:
    """The irrational constants to 60 significant digits."""
    with localcontext() as ctx:
        ctx.prec = 60
        two = Decimal(2)
        return {
            "sqrt_half": two.sqrt() / 2,  # 1/sqrt(2)
            "sqrt_2_over_pi": (two / _PI).sqrt(),  # sqrt(2/pi), GELU-tanh beta
            "two_over_sqrt_pi": two / _PI.sqrt(),  # erfc'(z) = -2/sqrt(pi) e^{-z^2}
            "inv_sqrt_2pi": 1 / (two * _PI).sqrt(),  # normal pdf constant
            "gelu_kappa": Decimal("0.044715"),  # exact decimal, GELU-tanh kappa
            "ln2": two.ln(),
        }


_DEC = _decimal_constants()
_DD_CACHE: dict[tuple[str, str], tuple] = {}


def _dd(name: str, dt) -> tuple:
    """(hi, lo) representation of constant `name` in dtype dt."""
    key = (name, np.dtype(dt).str)
    if key not in _DD_CACHE:
        value = _DEC[name]
        t = np.dtype(dt).type
        hi = t(str(value))
        n, d = hi.as_integer_ratio()
        with localcontext() as ctx:
            ctx.prec = 80
            lo = t(str(value - Decimal(n) / Decimal(d)))
        _DD_CACHE[key] = (hi, lo)
    return _DD_CACHE[key]


def _const(name: str, dt):
    """Constant `name` rounded to dtype dt."""
    return _dd(name, dt)[0]


# --------------------------------------------------------------------------
# Shared numerically careful building blocks
# --------------------------------------------------------------------------


def _sigmoid(x):
    """sigma(x) via exp(-|x|): 1/(1+e) for x >= 0, e/(1+e) for x < 0."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _sigmoid_pair(z_hi, z_lo=None):
    """(sigma(z), sigma(-z)) for z = z_hi + z_lo, both relatively accurate.

    Uses sigma(z + d) ~= sigma(z) * (1 + sigma(-z) d) for the tiny
    correction d = z_lo (|d| <= ulp(z)).
    """
    e = np.exp(-np.abs(z_hi))
    big = 1 / (1 + e)  # sigma(|z|)
    small = e / (1 + e)  # sigma(-|z|)
    s = np.where(z_hi >= 0, big, small)
    sm = np.where(z_hi >= 0, small, big)
    if z_lo is not None:
        s, sm = s * (1 + sm * z_lo), sm * (1 - s * z_lo)
    return s, sm


def _sigmoid_deriv(x):
    """sigma'(x) = sigma(x) sigma(-x) = e/(1+e)^2 with e = exp(-|x|)."""
    e = np.exp(-np.abs(x))
    return e / ((1 + e) * (1 + e))


# Below this exponent exp() is close to the subnormal range (float64: -708),
# where it loses relative precision; _exp_times then rescales by 2**512.
_EXP_TAIL = -600


def _exp_times(a_hi, a_lo=None, m=None, div=None):
    """m * exp(a_hi + a_lo) / div, accurate even where exp(a) alone is subnormal.

    x*exp(x)-like tails (silu, mish, gelu at x << 0) are still normal numbers
    when exp(x) has already lost bits to gradual underflow; so for
    a < _EXP_TAIL we evaluate exp(a + 512 ln 2) (ln 2 as two words) and scale
    back with an exact ldexp, folding m's binary exponent in via frexp.
    """
    dt = a_hi.dtype
    k = np.where(a_hi < _EXP_TAIL, 512, 0)
    ln2_hi, ln2_lo = _dd("ln2", dt)
    s, s_lo = _two_sum(a_hi, k * ln2_hi)  # k * ln2_hi is exact (k = 2**9)
    s_lo = np.where(np.isfinite(s_lo), s_lo, 0) + k * ln2_lo
    if a_lo is not None:
        s_lo = s_lo + a_lo
    e = np.exp(s) * (1 + s_lo)
    expo = -k
    if m is not None:
        mant, m_exp = np.frexp(m)
        e = e * mant
        expo = expo + m_exp
    if div is not None:
        e = e / div
    return np.ldexp(e, expo)


def _softplus_core(z):
    """log(1 + e^z) = max(z, 0) + log1p(exp(-|z|)); +0 at z = -inf."""
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def _nan_where(mask, r):
    """Replace r by NaN where mask is true."""
    return np.where(mask, np.nan, r)


# Taylor coefficients of x - tanh(x) = sum_{m>=2} c_m x^(2m-1), from the ODE
# tanh' = 1 - tanh^2: with tanh x = sum_{m>=1} a_m x^(2m-1), a_1 = 1 and
# (2m-1) a_m = -sum_{i+j=m} a_i a_j for m >= 2; c_m = -a_m.  Exact fractions.
def _tanh_series_coeffs(count: int) -> list[Fraction]:
    """The first `count` coefficients c_2, c_3, ... of x - tanh(x), exactly."""
    a = [Fraction(0), Fraction(1)]
    for m in range(2, count + 2):
        acc = sum((a[i] * a[m - i] for i in range(1, m)), Fraction(0))
        a.append(-acc / (2 * m - 1))
    return [-c for c in a[2:]]


# |x| <= 0.75: consecutive terms shrink by ~ (2x/pi)^2 <= 0.23, so 36 terms
# reach < 1e-22 relative: enough for float64 and x87 long double.
_TANHSHRINK_COEFFS = _tanh_series_coeffs(36)
_TANHSHRINK_SERIES_MAX = 0.75
_COEFF_CACHE: dict[str, list] = {}


def _fraction_to(dt, f: Fraction):
    """Fraction f rounded to dtype dt (via a 40-digit decimal string)."""
    with localcontext() as ctx:
        ctx.prec = 40
        return np.dtype(dt).type(str(Decimal(f.numerator) / Decimal(f.denominator)))


def _tanhshrink_series(x):
    """x - tanh(x) for |x| <= 0.75 by Horner in x^2 (no cancellation)."""
    key = np.dtype(x.dtype).str
    if key not in _COEFF_CACHE:
        _COEFF_CACHE[key] = [_fraction_to(x.dtype, c) for c in _TANHSHRINK_COEFFS]
    coeffs = _COEFF_CACHE[key]
    z = x * x
    acc = np.zeros_like(x) + coeffs[-1]
    for c in reversed(coeffs[:-1]):
        acc = acc * z + c
    return x * (z * acc)


def _tanhshrink_accurate(x):
    """x - tanh(x) with ~1 ulp relative error for every x.

    * |x| <= 0.75: Taylor series (result ~ x^3/3, naive x - tanh x would
      lose all digits).
    * 0.75 < |x| < 1.5: half-argument identity.  With h = x/2,
      s = h - tanh(h) (series) and u = tanh(h) = h - s,
      tanh(x) = 2u/(1+u^2) gives x - tanh(x) = 2 (s + h u^2) / (1 + u^2);
      s and h u^2 have the sign of x, so nothing cancels.
    * |x| >= 1.5: x - tanh(x) loses at most one bit (x/(x - tanh x) < 2.6).
    """
    ax = np.abs(x)
    small = ax <= _TANHSHRINK_SERIES_MAX
    mid = (ax > _TANHSHRINK_SERIES_MAX) & (ax < 1.5)
    xs = np.where(small, x, 0)
    r_small = _tanhshrink_series(xs)
    h = np.where(mid, x, 0) / 2
    s = _tanhshrink_series(h)
    u = h - s
    uu = u * u
    r_mid = 2 * (s + h * uu) / (1 + uu)
    r_big = x - np.tanh(x)
    return np.where(small, r_small, np.where(mid, r_mid, r_big))


# erf / erfc are not NumPy ufuncs: vectorise the C library versions (float64).
_ERFC = np.frompyfunc(math.erfc, 1, 1)


def _erfc64(z) -> np.ndarray:
    """Elementwise math.erfc in float64 (erfc(nan) = nan, erfc(+-inf) = 0, 2)."""
    return np.asarray(_ERFC(np.asarray(z, dtype=np.float64)), dtype=np.float64)


# Beyond x = -26 the erf-form GELU uses the asymptotic (Mills-ratio)
# expansion Phi(x) = phi(x) S / |x|, S = sum_k (-1)^k (2k-1)!! / x^(2k);
# with x^2 >= 676 the 15 terms used leave an error < 1e-25.
_GELU_ASYM_X = -26.0
_GELU_ASYM_TERMS = 15


def _gelu_erf_parts(x64):
    """Pieces of the erf-form GELU in float64, accurate in both tails.

    Returns (Phi, phi, xc, tail, S):
    * Phi(x) = erfc(v)/2 with v = -x/sqrt(2) carried as v_hi + v_lo (the
      rounding of x/sqrt(2) would otherwise be amplified by ~2 v^2 in the
      negative tail, e.g. 1e-13 relative at x = -30):
      erfc(v_hi + v_lo) ~= erfc(v_hi) - 2/sqrt(pi) exp(-v_hi^2) v_lo;
    * phi(x) = exp(-x^2/2)/sqrt(2 pi), x^2 carried as two words;
    * tail marks x <= -26, where the caller should use the asymptotic series
      S (erfc itself becomes subnormal near x = -37.5 although x*Phi(x) is
      still a normal number down to x ~ -37.6).
    """
    c_hi, c_lo = _dd("sqrt_half", np.float64)
    xc = np.clip(x64, -1e3, 1e3)  # keeps NaN; beyond +-1e3 Phi is 0 or 1
    v_hi, v_lo = _two_prod(-xc, c_hi)
    v_lo = v_lo - xc * c_lo
    ev = np.exp(-(v_hi * v_hi))
    big_phi = (_erfc64(v_hi) - _const("two_over_sqrt_pi", np.float64) * ev * v_lo) / 2
    q, q_lo = _two_prod(xc, xc)
    small_phi = np.exp(-q / 2) * (1 - q_lo / 2) * _const("inv_sqrt_2pi", np.float64)
    tail = xc <= _GELU_ASYM_X
    qt = np.where(tail, q, 1e6)
    term = np.ones_like(qt)
    series = np.ones_like(qt)
    for k in range(1, _GELU_ASYM_TERMS):
        term = term * (-(2 * k - 1) / qt)
        series = series + term
    return big_phi, small_phi, xc, tail, (series, q, q_lo)


def _gelu_erf_tail(parts, weight):
    """weight * phi(x) for the tail, via _exp_times (phi may be subnormal)."""
    _, _, _, _, (_, q, q_lo) = parts
    return _exp_times(-q / 2, -q_lo / 2, weight * _const("inv_sqrt_2pi", np.float64))


def _gelu_tanh_u(x):
    """u = sqrt(2/pi) * (x + kappa x^3) as a double-word (u_hi, u_lo).

    In the negative tail y = x sigma(2u) has relative sensitivity ~2|u| to a
    relative error of u (|u| reaches ~370 before y underflows), so u is
    formed with error-free products; the constants sqrt(2/pi) and 0.044715
    are exact (double-word).  Caller clips x to +-1e3.
    """
    dt = x.dtype
    k_hi, k_lo = _dd("gelu_kappa", dt)
    b_hi, b_lo = _dd("sqrt_2_over_pi", dt)
    a, a_lo = _two_prod(x, x)  # x^2
    b, b_lo2 = _two_prod(k_hi, a)  # kappa x^2
    b_lo2 = b_lo2 + (k_hi * a_lo + k_lo * a)
    c, c_lo = _two_sum(np.ones_like(b), b)  # 1 + kappa x^2
    c_lo = c_lo + b_lo2
    d, d_lo = _two_prod(x, c)  # x (1 + kappa x^2)
    d_lo = d_lo + x * c_lo
    u, u_lo = _two_prod(b_hi, d)
    u_lo = u_lo + (b_hi * d_lo + b_lo * d)
    return u, u_lo


# --------------------------------------------------------------------------
# Elementwise activations.  One class per activation; its docstring gives the
# formula, the derivative (with PyTorch's subgradient at kinks) and the
# PyTorch 2.13.0 conventions it mirrors.  Methods take arrays already
# converted (x; g broadcast to x) and a dict of parameters already cast to
# x's dtype (strings stay strings).
# --------------------------------------------------------------------------


class _Activation:
    """Base class: backward defaults to the plain IEEE product g * f'(x)."""

    defaults: ClassVar[dict] = {}
    required: ClassVar[tuple[str, ...]] = ()

    @staticmethod
    def forward(x, p):
        """y = f(x)."""
        raise NotImplementedError

    @staticmethod
    def derivative(x, p):
        """f'(x); PyTorch's subgradient at kinks, limits at +-inf, NaN at NaN."""
        raise NotImplementedError

    @classmethod
    def backward(cls, g, x, p):
        """g * f'(x): NaN x or NaN g -> NaN, inf * 0 -> NaN, sign of zero by IEEE."""
        return g * cls.derivative(x, p)


_ACTS: dict[str, type[_Activation]] = {}


def _activation(name: str):
    """Class decorator registering an activation under `name`."""

    def register(cls):
        _ACTS[name] = cls
        return cls

    return register


def _step_derivative(x, mask_one, value_one=1):
    """value_one where mask_one, 0 elsewhere, NaN at NaN."""
    return _nan_where(np.isnan(x), np.where(mask_one, value_one, 0))


def _clamp(x, lo, hi):
    """PyTorch clamp/hardtanh: NaN stays NaN, -0 stays -0 inside the range."""
    return np.where(x < lo, lo, np.where(x > hi, hi, x))


def _window_backward(g, x, lo, hi):
    """aten.hardtanh_backward semantics: g where lo < x < hi, else +0.

    NaN x is outside (comparisons are false) -> +0, even for a NaN gradient.
    """
    return np.where((x > lo) & (x < hi), g, 0)


@_activation("identity")
class _Identity(_Activation):
    """identity: y = x;  y' = 1.

    backward: the gradient unchanged, also at NaN x (autograd forwards it).
    """

    @staticmethod
    def forward(x, p):
        return x.copy()

    @staticmethod
    def derivative(x, p):
        return _step_derivative(x, np.ones(x.shape, dtype=bool))

    @classmethod
    def backward(cls, g, x, p):
        return g.copy()


@_activation("relu")
class _Relu(_Activation):
    """relu: y = max(x, 0);  y' = 1 (x > 0), 0 (x <= 0; kink: 0).

    PyTorch keeps x unless x < 0: relu(-0) = -0, relu(NaN) = NaN.
    backward = aten.threshold_backward(g, x, 0): +0 where x <= 0, else g.
    NaN x compares false there and so PASSES THE GRADIENT THROUGH (g, not NaN).
    """

    @staticmethod
    def forward(x, p):
        return np.where(x < 0, 0, x)

    @staticmethod
    def derivative(x, p):
        return _step_derivative(x, x > 0)

    @classmethod
    def backward(cls, g, x, p):
        return np.where(x <= 0, 0, g)


@_activation("relu6")
class _Relu6(_Activation):
    """relu6: y = min(max(x, 0), 6);  y' = 1 on the open interval (0, 6), else 0.

    PyTorch: hardtanh(x, 0, 6), so relu6(-0) = -0 and NaN -> NaN.
    backward = aten.hardtanh_backward(g, x, 0, 6): +0 outside (0, 6) and at
    NaN x, even for a NaN gradient (unlike relu!).  PyTorch's scalar tail loop
    passes g through at NaN x instead; we follow its vectorised path.
    """

    @staticmethod
    def forward(x, p):
        return _clamp(x, 0, 6)

    @staticmethod
    def derivative(x, p):
        return _step_derivative(x, (x > 0) & (x < 6))

    @classmethod
    def backward(cls, g, x, p):
        return _window_backward(g, x, 0, 6)


@_activation("leaky_relu")
class _LeakyRelu(_Activation):
    """leaky_relu: y = x (x > 0), negative_slope * x (x <= 0);
    y' = 1 (x > 0), negative_slope (x <= 0; kink: slope).

    PyTorch: leaky_relu(-0) = -0, NaN -> NaN.  backward =
    aten.leaky_relu_backward: x > 0 ? g : g * slope, so NaN x takes the slope
    branch (g -> slope * g) and a NaN gradient gives NaN everywhere.
    """

    defaults: ClassVar[dict] = {"negative_slope": 0.01}

    @staticmethod
    def forward(x, p):
        return np.where(x > 0, x, x * p["negative_slope"])

    @staticmethod
    def derivative(x, p):
        return _nan_where(np.isnan(x), np.where(x > 0, 1, p["negative_slope"]))

    @classmethod
    def backward(cls, g, x, p):
        return np.where(x > 0, g, g * p["negative_slope"])


@_activation("hardtanh")
class _Hardtanh(_Activation):
    """hardtanh: y = clamp(x, min_val, max_val);
    y' = 1 on the open interval (min_val, max_val), 0 elsewhere incl. kinks.

    backward = aten.hardtanh_backward: +0 outside the open interval and at NaN
    x (also for a NaN gradient).
    """

    defaults: ClassVar[dict] = {"min_val": -1.0, "max_val": 1.0}

    @staticmethod
    def forward(x, p):
        return _clamp(x, p["min_val"], p["max_val"])

    @staticmethod
    def derivative(x, p):
        return _step_derivative(x, (x > p["min_val"]) & (x < p["max_val"]))

    @classmethod
    def backward(cls, g, x, p):
        return _window_backward(g, x, p["min_val"], p["max_val"])


@_activation("hardsigmoid")
class _Hardsigmoid(_Activation):
    """hardsigmoid: y = relu6(x + 3) / 6;  y' = 1/6 on (-3, 3), 0 elsewhere incl. +-3.

    backward = aten.hardsigmoid_backward: (-3 < x < 3) ? g/6 : +0, NaN x -> +0.
    NOTE: PyTorch multiplies by the float32 constant 1.0f/6 even in float64
    (0.16666666716337204, 3e-8 relative error); we return the exact g/6.
    """

    @staticmethod
    def forward(x, p):
        return _clamp(x + 3, 0, 6) / 6

    @staticmethod
    def derivative(x, p):
        return _step_derivative(x, (x > -3) & (x < 3)) / 6

    @classmethod
    def backward(cls, g, x, p):
        return np.where((x > -3) & (x < 3), g / 6, 0)


@_activation("pwl_sigmoid")
class _PwlSigmoid(_Activation):
    """pwl_sigmoid (the lecture's sigmoid from two ReLUs; not in PyTorch):
    y = (max(0, x+1) - max(0, x-1)) / 2 = (clamp(x, -1, 1) + 1) / 2;
    y' = 1/2 on the open interval (-1, 1), 0 elsewhere incl. the kinks.

    NaN -> NaN; backward like hardtanh_backward: +0 outside (-1, 1) and at NaN x.
    """

    @staticmethod
    def forward(x, p):
        return (_clamp(x, -1, 1) + 1) / 2

    @staticmethod
    def derivative(x, p):
        return _step_derivative(x, (x > -1) & (x < 1)) / 2

    @classmethod
    def backward(cls, g, x, p):
        return np.where((x > -1) & (x < 1), g / 2, 0)


@_activation("threshold")
class _Threshold(_Activation):
    """threshold: y = x (x > threshold), value (x <= threshold);
    y' = 1 (x > threshold), 0 (x <= threshold).

    No defaults in PyTorch: both parameters are required.  NaN -> NaN
    (PyTorch tests x <= threshold).  backward = aten.threshold_backward:
    +0 where x <= threshold, else g; NaN x passes the gradient through.
    """

    required: ClassVar[tuple[str, ...]] = ("threshold", "value")

    @staticmethod
    def forward(x, p):
        return np.where(x <= p["threshold"], p["value"], x)

    @staticmethod
    def derivative(x, p):
        return _step_derivative(x, x > p["threshold"])

    @classmethod
    def backward(cls, g, x, p):
        return np.where(x <= p["threshold"], 0, g)


def _outside_lambd(x, p):
    """|x| > lambd (false at NaN): where the shrink functions pass x / g."""
    return (x < -p["lambd"]) | (x > p["lambd"])


@_activation("hardshrink")
class _Hardshrink(_Activation):
    """hardshrink: y = x (|x| > lambd), 0 (|x| <= lambd);
    y' = 1 (|x| > lambd), 0 (|x| <= lambd).

    PyTorch returns +0 in the dead zone (also for x = -0), NaN -> NaN.
    backward = aten.hardshrink_backward: g where x < -lambd or x > lambd, else
    +0; NaN x -> +0 even for a NaN gradient (PyTorch's scalar tail loop passes
    g instead; we follow its vectorised path).
    """

    defaults: ClassVar[dict] = {"lambd": 0.5}

    @staticmethod
    def forward(x, p):
        return np.where((x >= -p["lambd"]) & (x <= p["lambd"]), 0, x)

    @staticmethod
    def derivative(x, p):
        return _step_derivative(x, _outside_lambd(x, p))

    @classmethod
    def backward(cls, g, x, p):
        return np.where(_outside_lambd(x, p), g, 0)


@_activation("softshrink")
class _Softshrink(_Activation):
    """softshrink: y = x - lambd (x > lambd), x + lambd (x < -lambd), 0 otherwise;
    y' = 1 (|x| > lambd), 0 otherwise.

    Sign of zero in the dead zone: PyTorch is inconsistent -- its vectorised
    path (every full SIMD chunk of a tensor) returns +0, its scalar tail loop
    computes x*0 and returns -0 for x in [-lambd, -0].  We return +0, what
    PyTorch gives for the bulk of any tensor.  NaN -> NaN.
    backward = aten.softshrink_backward (the hardshrink mask: NaN x -> +0).
    """

    defaults: ClassVar[dict] = {"lambd": 0.5}

    @staticmethod
    def forward(x, p):
        lam = p["lambd"]
        r = np.where(x > lam, x - lam, np.where(x < -lam, x + lam, 0))
        return np.where(np.isnan(x), x, r)

    @staticmethod
    def derivative(x, p):
        return _step_derivative(x, _outside_lambd(x, p))

    @classmethod
    def backward(cls, g, x, p):
        return np.where(_outside_lambd(x, p), g, 0)


@_activation("sigmoid")
class _Sigmoid(_Activation):
    """sigmoid: y = 1/(1 + e^-x) (exp(-|x|) branches);
    y' = sigma(x) sigma(-x) = e/(1+e)^2, e = exp(-|x|).

    backward = g * y' (PyTorch's sigmoid_backward(g, y) = g (1-y) y has the
    same NaN/inf behaviour: NaN x -> NaN for any g, g = inf at x = +-inf -> NaN).
    Our y' stays accurate in both tails, whereas PyTorch's (1-y) y computed
    from the rounded output is 0 for x > ~37 (so there g = inf gives NaN in
    PyTorch and inf here).
    """

    @staticmethod
    def forward(x, p):
        return _sigmoid(x)

    @staticmethod
    def derivative(x, p):
        return _sigmoid_deriv(x)


@_activation("tanh")
class _Tanh(_Activation):
    """tanh: y = tanh x (np.tanh, -0 preserved);
    y' = sech^2 x = 4e/(1+e)^2, e = exp(-2|x|) (no 1 - tanh^2 cancellation).

    backward = g * y' (same NaN/inf behaviour as aten.tanh_backward(g, y) =
    g (1 - y^2), which is 0 from |x| > ~19 where ours stays accurate).
    """

    @staticmethod
    def forward(x, p):
        return np.tanh(x)

    @staticmethod
    def derivative(x, p):
        a = -2 * np.abs(x)
        e = np.exp(a)
        d = 4 * e / ((1 + e) * (1 + e))
        tail = a < _EXP_TAIL
        return np.where(tail, _exp_times(np.where(tail, a, 0), None, 4), d)


@_activation("softsign")
class _Softsign(_Activation):
    """softsign: y = x/(1+|x|);  y' = 1/(1+|x|)^2 (limit 0 at +-inf).

    PyTorch computes inf/inf = NaN at x = +-inf and so do we (the limit would
    be +-1).  backward: PyTorch has no softsign_backward; autograd
    differentiates the composite x/(1+|x|) as
    g/b + (-g ((x/b)/b)) sgn(x), b = 1 + |x|.  Mirrored consequences:

    * NaN whenever g or x is inf or NaN (inf - inf, inf/inf); in particular
      g = +-inf gives NaN at EVERY x;
    * a zero result is +0 (a sum of two opposite terms), e.g. for g = -0 or
      when the true value underflows (x = 1e308, g = -1) -- except g = -0 at
      x = -0, where both terms are -0 and the result is -0;
    * otherwise the accurate g * y'.
    """

    @staticmethod
    def forward(x, p):
        return x / (1 + np.abs(x))

    @staticmethod
    def derivative(x, p):
        b = 1 + np.abs(x)
        return 1 / (b * b)

    @classmethod
    def backward(cls, g, x, p):
        b = 1 + np.abs(x)
        r = g / (b * b) + 0  # "+ 0" maps -0 to +0
        neg_zero = (g == 0) & np.signbit(g) & (x == 0) & np.signbit(x)
        r = np.where(neg_zero, -0.0, r)
        return _nan_where(~np.isfinite(g) | ~np.isfinite(x), r)


def _alpha_exp(x, alpha):
    """alpha * exp(x) for x <= 0, rescaled below _EXP_TAIL (subnormal exp)."""
    tail = x < _EXP_TAIL
    xt = np.where(tail, x, 0)
    return np.where(tail, _exp_times(xt, None, np.full_like(xt, alpha)), alpha * np.exp(x))


@_activation("elu")
class _Elu(_Activation):
    """elu: y = x (x > 0), alpha expm1(x) (x <= 0);
    y' = 1 (x > 0), alpha exp(x) (x <= 0: at the kink PyTorch uses the
    negative branch, y'(0) = alpha).

    elu(-0) = -0, NaN -> NaN.  backward = aten.elu_backward = g * y'
    (NaN x -> NaN for any g; g = inf at x = -inf -> inf*0 = NaN).  PyTorch's
    scalar tail loop passes g through at NaN x; we follow its vectorised path.
    """

    defaults: ClassVar[dict] = {"alpha": 1.0}

    @staticmethod
    def forward(x, p):
        return np.where(x > 0, x, p["alpha"] * np.expm1(x))

    @staticmethod
    def derivative(x, p):
        return _nan_where(np.isnan(x), np.where(x > 0, 1, _alpha_exp(x, p["alpha"])))


@_activation("selu")
class _Selu(_Activation):
    """selu: y = scale x (x > 0), scale alpha expm1(x) (x <= 0);
    y' = scale (x > 0), scale alpha exp(x) (x <= 0; y'(0) = scale alpha).

    PyTorch's fixed constants are the defaults; special values as elu.
    """

    defaults: ClassVar[dict] = {
        "alpha": 1.6732632423543772848170429916717,
        "scale": 1.0507009873554804934193349852946,
    }

    @staticmethod
    def forward(x, p):
        sa = p["scale"] * p["alpha"]
        return np.where(x > 0, p["scale"] * x, sa * np.expm1(x))

    @staticmethod
    def derivative(x, p):
        sa = p["scale"] * p["alpha"]
        return _nan_where(np.isnan(x), np.where(x > 0, p["scale"], _alpha_exp(x, sa)))


@_activation("celu")
class _Celu(_Activation):
    """celu: y = x (x > 0), alpha expm1(x/alpha) (x <= 0);
    y' = 1 (x > 0), exp(x/alpha) (x <= 0; y'(0) = 1 from both sides).

    Special values as elu (PyTorch: elu_backward with input_scale 1/alpha).
    """

    defaults: ClassVar[dict] = {"alpha": 1.0}

    @staticmethod
    def forward(x, p):
        return np.where(x > 0, x, p["alpha"] * np.expm1(x / p["alpha"]))

    @staticmethod
    def derivative(x, p):
        return _nan_where(np.isnan(x), np.where(x > 0, 1, np.exp(x / p["alpha"])))


def _softplus_parts(x, p):
    """(linear, z_hi, z_lo): PyTorch's branch test fl(beta x) > threshold, and
    z = beta x as two words where the nonlinear branch needs it."""
    beta = p["beta"]
    z = x * beta
    linear = z > p["threshold"]
    plain = linear | ~np.isfinite(z)
    zc = np.where(plain, 0, x)  # keep the split in range
    z_hi, z_lo = _two_prod(zc, np.full_like(zc, beta))
    return linear, np.where(plain, z, z_hi), np.where(plain, 0, z_lo)


@_activation("softplus")
class _Softplus(_Activation):
    """softplus (PyTorch): y = x if beta x > threshold, else log1p(exp(beta x))/beta;
    y' = 1 in the linear branch, sigma(beta x) otherwise.

    The branch test uses the rounded product fl(beta x), exactly like PyTorch;
    the value uses z = beta x carried as z_hi + z_lo (exp amplifies the
    product's rounding error by |z|): sp(z_hi + z_lo) ~= sp(z_hi) +
    sigma(z_hi) z_lo, sp(z) = max(z, 0) + log1p(exp(-|z|)).
    backward = aten.softplus_backward = g * y' (NaN x -> NaN; x = -inf -> g*0).
    """

    defaults: ClassVar[dict] = {"beta": 1.0, "threshold": 20.0}

    @staticmethod
    def forward(x, p):
        linear, z_hi, z_lo = _softplus_parts(x, p)
        s, _ = _sigmoid_pair(z_hi)
        sp = _softplus_core(z_hi) + np.where(z_lo != 0, s * z_lo, 0)
        # z < -600: log1p(e^z)/beta = e^z/beta, rescaled in case e^z is subnormal
        tail = z_hi < _EXP_TAIL
        sp_tail = _exp_times(np.where(tail, z_hi, 0), z_lo, None, p["beta"])
        return np.where(linear, x, np.where(tail, sp_tail, sp / p["beta"]))

    @staticmethod
    def derivative(x, p):
        linear, z_hi, z_lo = _softplus_parts(x, p)
        s, _ = _sigmoid_pair(z_hi, z_lo)
        return _nan_where(np.isnan(x), np.where(linear, 1, s))


@_activation("logsigmoid")
class _Logsigmoid(_Activation):
    """logsigmoid: y = log sigma(x) = -softplus(-x) (no threshold);  y' = sigma(-x).

    Evaluated as x - log1p(e^x) (x < 0) and 0 - log1p(e^-x) (x >= 0; "0 - "
    so that y(+inf) = +0 as in PyTorch).  backward = aten.log_sigmoid_backward
    = g * sigma(-x) (x = +inf with g = inf -> NaN).
    """

    @staticmethod
    def forward(x, p):
        e = np.log1p(np.exp(-np.abs(x)))
        return np.where(x < 0, x - e, 0 - e)

    @staticmethod
    def derivative(x, p):
        return _sigmoid(-x)


def _silu_deriv_core(z, z_lo=None):
    """sigma(z)(1 + z sigma(-z)); limits 1 / 0 at +-inf; tail exp(z)(1+z)."""
    s, sm = _sigmoid_pair(z, z_lo)
    zc = np.where(np.isinf(z), 0, z)
    d = s * (1 + zc * sm)
    d = np.where(zc < _EXP_TAIL, -_exp_times(zc, z_lo, -(1 + zc)), d)
    return np.where(np.isinf(z), np.where(z > 0, 1, 0), d)


def _x_sigmoid(x, z_hi, z_lo=None):
    """x sigma(z), z = beta x given as two words; x exp(z) in the far tail."""
    s, _ = _sigmoid_pair(z_hi, z_lo)
    tail = (z_hi < _EXP_TAIL) & np.isfinite(x)
    xt = np.where(tail, x, 0)
    y_tail = np.sign(xt) * _exp_times(z_hi, z_lo, np.abs(xt))
    return np.where(tail, y_tail, x * s)


@_activation("silu")
class _Silu(_Activation):
    """silu: y = x sigma(x);  y' = sigma(x) (1 + x sigma(-x)) (limits 1 at +inf, 0 at -inf).

    silu(-inf) = -inf * 0 = NaN exactly as in PyTorch (the limit would be 0).
    backward = aten.silu_backward: PyTorch returns NaN at x = +-inf for every
    g (its formula makes inf*0); mirrored.  Elsewhere g * y'.
    """

    @staticmethod
    def forward(x, p):
        return _x_sigmoid(x, x)

    @staticmethod
    def derivative(x, p):
        return _silu_deriv_core(x)

    @classmethod
    def backward(cls, g, x, p):
        return _nan_where(np.isinf(x), g * _silu_deriv_core(x))


def _swish_z(x, p):
    """z = beta x as two words (the error word is 0 at +-inf / NaN)."""
    xc = np.where(np.isfinite(x), x, 0)
    z_hi, z_lo = _two_prod(xc, np.full_like(xc, p["beta"]))
    return np.where(np.isfinite(x), z_hi, x * p["beta"]), z_lo


@_activation("swish")
class _Swish(_Activation):
    """swish (not in PyTorch): y = x sigma(beta x);
    y' = sigma(z) (1 + z sigma(-z)), z = beta x.

    beta = 1 is silu, bit for bit; beta x is carried as two words before
    sigma.  Special values follow silu (for beta > 0): y(-inf) = NaN and
    backward NaN at x = +-inf.
    """

    defaults: ClassVar[dict] = {"beta": 1.0}

    @staticmethod
    def forward(x, p):
        z_hi, z_lo = _swish_z(x, p)
        return _x_sigmoid(x, z_hi, z_lo)

    @staticmethod
    def derivative(x, p):
        z_hi, z_lo = _swish_z(x, p)
        return _nan_where(np.isnan(x), _silu_deriv_core(z_hi, z_lo))

    @classmethod
    def backward(cls, g, x, p):
        return _nan_where(np.isinf(x), g * cls.derivative(x, p))


def _mish_parts(x):
    """(tanh(softplus x), sech^2(softplus x)) without cancellation or overflow."""
    t = np.exp(-np.abs(x))
    pos = x > 0
    t2 = t * (t + 2)
    tsp = np.where(pos, (1 + 2 * t) / (1 + 2 * t + 2 * t * t), t2 / (t2 + 2))
    op = (1 + t) * (1 + t)
    sech2 = np.where(
        pos, 4 * op * (t * t) / ((op + t * t) * (op + t * t)), 4 * op / ((op + 1) * (op + 1))
    )
    return tsp, sech2


@_activation("mish")
class _Mish(_Activation):
    """mish: y = x tanh(softplus x);  y' = tanh(sp) + x sech^2(sp) sigma(x)
    (limits 1 at +inf, 0 at -inf).

    With t = e^x (x <= 0) or t = e^-x (x > 0):
    tanh(softplus x) = t(t+2) / (t(t+2) + 2) (x <= 0), (1 + 2t)/(1 + 2t + 2t^2)
    (x > 0); sech^2(sp) = 4(1+t)^2/((1+t)^2 + 1)^2 (x <= 0),
    4(1+t)^2 t^2/((1+t)^2 + t^2)^2 (x > 0) -- all terms positive.
    mish(-inf) = NaN (-inf * 0) as in PyTorch.  backward = aten.mish_backward:
    NaN at x = +-inf for every g (mirrored), else g * y'; an underflowed y'
    (x << 0) is +0 as in PyTorch.
    """

    @staticmethod
    def forward(x, p):
        # x < -600: tanh(softplus x) = e^x to working precision
        tail = (x < _EXP_TAIL) & np.isfinite(x)
        xt = np.where(tail, x, 0)
        return np.where(tail, -_exp_times(xt, None, -xt), x * _mish_parts(x)[0])

    @staticmethod
    def derivative(x, p):
        tsp, sech2 = _mish_parts(x)
        xc = np.where(np.isinf(x), 0, x)
        d = tsp + xc * sech2 * _sigmoid(x)
        d = np.where(xc < _EXP_TAIL, -_exp_times(xc, None, -(1 + xc)), d)  # e^x (1 + x)
        return np.where(np.isinf(x), np.where(x > 0, 1, 0), d + 0)  # "+ 0": -0 -> +0

    @classmethod
    def backward(cls, g, x, p):
        return _nan_where(np.isinf(x), g * cls.derivative(x, p))


def _check_approx(p):
    """Validate gelu's `approximate` string and return it."""
    a = p["approximate"]
    if a not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {a!r}")
    return a


def _gelu_tanh_sig(x):
    """(clipped x, sigma(2u), sigma(-2u), 2u as two words) for GELU-tanh."""
    xc = np.clip(x, -1e3, 1e3)
    u_hi, u_lo = _gelu_tanh_u(xc)
    s, sm = _sigmoid_pair(2 * u_hi, 2 * u_lo)
    return xc, s, sm, (2 * u_hi, 2 * u_lo)


@_activation("gelu")
class _Gelu(_Activation):
    """gelu, approximate="none": y = x Phi(x), Phi(x) = erfc(-x/sqrt 2)/2;
    y' = Phi(x) + x phi(x) (limits 1 at +inf, 0 at -inf).
    approximate="tanh": y = x/2 (1 + tanh u) = x sigma(2u),
    u = sqrt(2/pi)(x + 0.044715 x^3);
    y' = sigma(2u) + 2x sigma(2u) sigma(-2u) u', u' = sqrt(2/pi)(1 + 3 0.044715 x^2).

    "none" runs in float64 (math.erfc) even for long-double input, with
    -x/sqrt 2 as two words and an asymptotic series below x = -26.  "tanh" forms
    u as two words with exact constants (the negative tail's relative error
    is ~2|u| times that of u).  Beyond |x| = 1e3 both are exactly x (x > 0)
    or x*0 = -0 (x < 0), so x is clipped there to avoid overflow in x^3.
    PyTorch: gelu(-inf) = NaN (-inf * 0; mirrored); aten.gelu_backward is NaN
    at x = +-inf for every g (mirrored) and an underflowed y' is +0.  For
    |x| >~ 1e154 PyTorch's tanh-form backward is NaN too (x^3 overflows in its
    formula); we return the true value (1 or 0) there.

    Both forms use exact constants (1/sqrt 2, sqrt(2/pi), decimal 0.044715).
    An implementation with float64-rounded constants (PyTorch's M_SQRT1_2,
    kBeta, kKappa) evaluates a slightly different function: in the negative
    tail the relative difference grows like x^2 eps (erf form: 2.7e-14 at
    x = -20, 9e-14 at x = -37) or 2|u| eps (tanh form: 8e-15 at x = -19).
    That is the conditioning of GELU with respect to its constants, not an
    error of either side; kernel tolerances in those tails should allow it.
    """

    defaults: ClassVar[dict] = {"approximate": "none"}

    @staticmethod
    def forward(x, p):
        if _check_approx(p) == "tanh":
            xc, s, _, (z_hi, z_lo) = _gelu_tanh_sig(x)
            # x sigma(2u) = x exp(2u) once exp(2u) nears the subnormal range
            tail = (z_hi < _EXP_TAIL) & np.isfinite(x)
            return np.where(tail, -_exp_times(z_hi, z_lo, np.abs(xc)), x * s)
        x64 = np.asarray(x, dtype=np.float64)
        parts = _gelu_erf_parts(x64)
        big_phi, _, _, tail, (series, _, _) = parts
        # x Phi(x) = -phi(x) S in the tail (x/|x| = -1 taken exactly)
        y = np.where(tail & np.isfinite(x64), -_gelu_erf_tail(parts, series), x64 * big_phi)
        return y.astype(x.dtype)

    @staticmethod
    def derivative(x, p):
        if _check_approx(p) == "tanh":
            xc, s, sm, (z_hi, z_lo) = _gelu_tanh_sig(x)
            k = _const("gelu_kappa", x.dtype)
            du = _const("sqrt_2_over_pi", x.dtype) * (1 + 3 * k * (xc * xc))
            d = s + 2 * xc * s * sm * du
            # tail: exp(2u) (1 + 2 x u'), and 1 + 2 x u' < 0 there
            d_tail = -_exp_times(z_hi, z_lo, -(1 + 2 * xc * du))
            return np.where(z_hi < _EXP_TAIL, d_tail, d) + 0  # "+ 0": -0 -> +0
        x64 = np.asarray(x, dtype=np.float64)
        parts = _gelu_erf_parts(x64)
        big_phi, small_phi, xc, tail, (series, _, _) = parts
        ax = np.abs(xc)
        d_tail = -_gelu_erf_tail(parts, ax - series / ax)  # -phi (|x| - S/|x|)
        d = np.where(tail, d_tail, big_phi + xc * small_phi) + 0  # "+ 0": -0 -> +0
        return d.astype(x.dtype)

    @classmethod
    def backward(cls, g, x, p):
        return _nan_where(np.isinf(x), g * cls.derivative(x, p))


@_activation("hardswish")
class _Hardswish(_Activation):
    """hardswish: y = x relu6(x + 3)/6;
    y' = 0 (x < -3), (2x + 3)/6 (-3 < x < 3), 1 (x > 3); kinks as PyTorch:
    y'(-3) = 0, y'(3) = 1.

    PyTorch evaluates x*min(max(x+3, 0), 6)/6 everywhere: x <= -3 gives x*0
    (-0, and NaN at x = -inf: mirrored); x >= 3 gives (x*6)/6, which
    overflows to inf for x > DBL_MAX/6 and can be 1 ulp off x; we return
    exactly x for x >= 3 (hardswish(1e308) = 1e308, PyTorch: inf).
    backward = aten.hardswish_backward: x <= -3 -> +0 (also for a NaN g),
    x >= 3 -> g, else g (2x+3)/6 (NaN x -> NaN; PyTorch's scalar tail loop
    passes g instead, we follow its vectorised path).
    """

    @staticmethod
    def forward(x, p):
        return np.where(x >= 3, x, x * _clamp(x + 3, 0, 6) / 6)

    @staticmethod
    def derivative(x, p):
        d = np.where(x <= -3, 0, np.where(x >= 3, 1, (2 * x + 3) / 6))
        return _nan_where(np.isnan(x), d)

    @classmethod
    def backward(cls, g, x, p):
        return np.where(x <= -3, 0, np.where(x >= 3, g, g * ((2 * x + 3) / 6)))


@_activation("tanhshrink")
class _Tanhshrink(_Activation):
    """tanhshrink: y = x - tanh x (series / half-angle form, no cancellation);
    y' = tanh^2 x (1 at +-inf).

    PyTorch computes x - tanh(x) literally: +0 at x = +-0 and wherever tanh(x)
    rounds to x; we return the accurate value and map zero results to +0
    (so y(-0) = y(-5e-324) = +0 as in PyTorch).  backward: autograd of the
    composite x - tanh(x), g + (-g)(1 - y^2).  Mirrored:

    * g = +-inf -> NaN for every x (inf - inf, or inf*0 once tanh = +-1);
    * a zero result is always +0 (a sum of two opposite terms): g = +-0, and
      x = +-0 with any finite g;  NaN g or NaN x -> NaN;
    * otherwise the accurate g tanh^2 x (PyTorch returns +0 where 1 - y^2
      rounds to 1, i.e. |x| < ~1e-8; we return the tiny true value).
    """

    @staticmethod
    def forward(x, p):
        return _tanhshrink_accurate(x) + 0  # "+ 0" maps -0 to +0

    @staticmethod
    def derivative(x, p):
        t = np.tanh(x)
        return t * t

    @classmethod
    def backward(cls, g, x, p):
        t = np.tanh(x)
        r = g * (t * t) + 0  # "+ 0" maps -0 to +0
        return _nan_where(np.isinf(g), r)


def _sbaf_t(x, p):
    """t = k x^alpha (1-x)^(1-alpha)."""
    return p["k"] * np.power(x, p["alpha"]) * np.power(1 - x, 1 - p["alpha"])


def _sbaf_domain(x):
    """(inside [0, 1], x with outside points replaced by 0.5 and -0 by +0)."""
    inside = (x >= 0) & (x <= 1)
    return inside, np.where(inside, x, 0.5) + 0


@_activation("sbaf")
class _Sbaf(_Activation):
    """sbaf (saturated bistable activation function; not in PyTorch):
    y = 1/(1 + t), t = k x^alpha (1-x)^(1-alpha), for 0 <= x <= 1, NaN
    outside [0, 1] (incl. +-inf; -0 counts as 0).  Assumes k >= 0 and
    0 <= alpha <= 1.
    y' = y(1-y)(x - alpha)/(x(1-x)) = k x^(alpha-1) (1-x)^(-alpha) (x - alpha)/(1+t)^2
    (the second form avoids the 1-y cancellation).

    At the end points the formula is 0*inf-like; we return the one-sided
    limit from inside [0, 1]:

    * y'(0) = lim x->0+ = -inf for 0 < alpha < 1, k/(1+k)^2 for alpha = 0,
      -k for alpha = 1;
    * y'(1) = lim x->1- = +inf for 0 < alpha < 1, k for alpha = 0,
      -k/(1+k)^2 for alpha = 1;

    (from y' = k/(1+t)^2 [(1-alpha) x^alpha (1-x)^-alpha - alpha x^(alpha-1)
    (1-x)^(1-alpha)], a term with a zero coefficient counting as 0); k = 0
    gives y' = 0.  backward = g * y' (plain IEEE product: g = 0 at an end
    point gives NaN).
    """

    defaults: ClassVar[dict] = {"k": 0.98, "alpha": 0.5}

    @staticmethod
    def forward(x, p):
        inside, xc = _sbaf_domain(x)
        return _nan_where(~inside, 1 / (1 + _sbaf_t(xc, p)))

    @staticmethod
    def derivative(x, p):
        k, a = p["k"], p["alpha"]
        inside, xc = _sbaf_domain(x)
        den = (1 + _sbaf_t(xc, p)) ** 2
        interior = (xc > 0) & (xc < 1)
        xi = np.where(interior, xc, 0.5)
        d_in = k * np.power(xi, a - 1) * np.power(1 - xi, -a) * (xi - a) / den
        # end points: the two-term form with zero-coefficient terms dropped
        xe = np.where(interior, 0, xc)
        term1 = 0 if a == 1 else (1 - a) * np.power(xe, a) * np.power(1 - xe, -a)
        term2 = 0 if a == 0 else a * np.power(xe, a - 1) * np.power(1 - xe, 1 - a)
        d = np.where(interior, d_in, k * (term1 - term2) / den)
        if k == 0:
            d = np.zeros_like(d)
        return _nan_where(~inside, d)


@_activation("arelu")
class _Arelu(_Activation):
    """arelu (not in PyTorch): y = k x^n (x > 0), +0 (x <= 0);
    y' = k n x^(n-1) (x > 0), 0 (x <= 0, also at the kink).

    NaN -> NaN.  backward: +0 where x <= 0 (masked like relu's
    threshold_backward, also for a NaN g); NaN x -> NaN (we do NOT copy relu's
    pass-through quirk); else g * y'.
    """

    defaults: ClassVar[dict] = {"k": 0.54, "n": 1.30}

    @staticmethod
    def forward(x, p):
        xp = np.where(x > 0, x, 1)
        r = np.where(x > 0, p["k"] * np.power(xp, p["n"]), 0)
        return np.where(np.isnan(x), x, r)

    @staticmethod
    def derivative(x, p):
        xp = np.where(x > 0, x, 1)
        d = np.where(x > 0, p["k"] * p["n"] * np.power(xp, p["n"] - 1), 0)
        return _nan_where(np.isnan(x), d)

    @classmethod
    def backward(cls, g, x, p):
        r = np.where(x > 0, g * cls.derivative(x, p), 0)
        return _nan_where(np.isnan(x), r)


NAMES: tuple[str, ...] = (
    "identity",
    "relu",
    "relu6",
    "leaky_relu",
    "hardtanh",
    "hardsigmoid",
    "pwl_sigmoid",
    "threshold",
    "hardshrink",
    "softshrink",
    "sigmoid",
    "tanh",
    "softsign",
    "elu",
    "selu",
    "celu",
    "softplus",
    "logsigmoid",
    "silu",
    "swish",
    "mish",
    "gelu",
    "hardswish",
    "tanhshrink",
    "sbaf",
    "arelu",
)
assert set(NAMES) == set(_ACTS)

DEFAULTS: dict[str, dict] = {name: dict(_ACTS[name].defaults) for name in NAMES}


def _params(name: str, dt, params: dict) -> dict:
    """Validate params for `name`, fill in defaults, cast numbers to dtype dt."""
    try:
        act = _ACTS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; known: {', '.join(NAMES)}") from None
    allowed = set(act.defaults) | set(act.required)
    unknown = set(params) - allowed
    if unknown:
        raise TypeError(f"{name}: unexpected parameter(s) {sorted(unknown)}")
    missing = [r for r in act.required if r not in params]
    if missing:
        raise TypeError(f"{name}: missing required parameter(s) {missing}")
    merged = {**act.defaults, **params}
    t = np.dtype(dt).type
    return {k: (v if isinstance(v, str) else t(v)) for k, v in merged.items()}


def forward(name: str, x, **params) -> np.ndarray:
    """y = f(x) for elementwise activation `name` (see NAMES / DEFAULTS)."""
    xa = _as_float(x)
    p = _params(name, xa.dtype, params)
    with np.errstate(all="ignore"):
        return _finish(_ACTS[name].forward(xa, p), xa)


def derivative(name: str, x, **params) -> np.ndarray:
    """dy/dx at x: PyTorch's subgradient at kinks, limits at +-inf, NaN at NaN."""
    xa = _as_float(x)
    p = _params(name, xa.dtype, params)
    with np.errstate(all="ignore"):
        return _finish(_ACTS[name].derivative(xa, p), xa)


def backward(name: str, grad_output, x, **params) -> np.ndarray:
    """grad_output * f'(x) with PyTorch's NaN/inf/signed-zero conventions."""
    g, xa = _as_float_pair(grad_output, x)
    p = _params(name, xa.dtype, params)
    with np.errstate(all="ignore"):
        return _finish(_ACTS[name].backward(g, xa, p), xa)


# --------------------------------------------------------------------------
# Structured (non-elementwise) activations
# --------------------------------------------------------------------------

STRUCTURED: tuple[str, ...] = ("softmax", "log_softmax", "softmin", "glu", "maxout", "prelu")


def _softmax_parts(x, axis):
    """(z, e, s): z = x - max (two words), e = exp(z), s = sum e - 1 >= 0.

    The first maximal element has z = 0 exactly and e = 1; s sums the other
    terms so that log(sum e) = log1p(s) stays accurate when s is tiny.
    Rows containing NaN, +inf, or only -inf become all-NaN (inf - inf), as in
    PyTorch.
    """
    m = np.max(x, axis=axis, keepdims=True)
    z, z_lo = _two_sum(x, -m)
    z_lo = np.where(np.isfinite(z_lo), z_lo, 0)
    e = np.exp(z) * (1 + z_lo)
    first = np.argmax(x, axis=axis)
    onehot = np.zeros(x.shape, dtype=bool)
    np.put_along_axis(onehot, np.expand_dims(first, axis), True, axis=axis)
    s = np.sum(np.where(onehot & (z == 0), 0, e), axis=axis, keepdims=True)
    return z, z_lo, e, s


def softmax(x, axis: int = -1) -> np.ndarray:
    """softmax(x)_i = exp(x_i - m) / sum_j exp(x_j - m), m = max x (stable).

    VJP (softmax_backward): y * (g - sum(g * y)).  NaN/+inf in a row -> NaN row;
    -inf entries give 0; an all -inf row gives NaN (PyTorch semantics).
    """
    xa = _as_float(x)
    with np.errstate(all="ignore"):
        _, _, e, s = _softmax_parts(xa, axis)
        return _finish(e / (1 + s), xa)


def log_softmax(x, axis: int = -1) -> np.ndarray:
    """log_softmax(x)_i = (x_i - m) - log1p(sum_{j != argmax} exp(x_j - m)).

    VJP: g - softmax(x) * sum(g).  -inf entries give -inf.
    """
    xa = _as_float(x)
    with np.errstate(all="ignore"):
        z, z_lo, _, s = _softmax_parts(xa, axis)
        return _finish((z - np.log1p(s)) + z_lo, xa)


def softmin(x, axis: int = -1) -> np.ndarray:
    """softmin(x) = softmax(-x).  VJP: -softmax_backward(g, -x)."""
    return softmax(-_as_float(x), axis=axis)


def softmax_backward(grad_output, x, axis: int = -1) -> np.ndarray:
    """VJP of softmax at x: y * (g - sum(g * y, axis)), y = softmax(x)."""
    g, xa = _as_float_pair(grad_output, x)
    y = softmax(xa, axis=axis)
    with np.errstate(all="ignore"):
        return _finish(y * (g - np.sum(g * y, axis=axis, keepdims=True)), xa)


def log_softmax_backward(grad_output, x, axis: int = -1) -> np.ndarray:
    """VJP of log_softmax at x: g - softmax(x) * sum(g, axis)."""
    g, xa = _as_float_pair(grad_output, x)
    y = softmax(xa, axis=axis)
    with np.errstate(all="ignore"):
        return _finish(g - y * np.sum(g, axis=axis, keepdims=True), xa)


def softmin_backward(grad_output, x, axis: int = -1) -> np.ndarray:
    """VJP of softmin at x: -softmax_backward(g, -x)."""
    g, xa = _as_float_pair(grad_output, x)
    return -softmax_backward(g, -xa, axis=axis)


def _halves(x, axis):
    """GLU's two halves (a, b) of x along axis."""
    n = x.shape[axis]
    if n % 2:
        raise ValueError(f"glu: dimension {axis} has odd length {n}")
    return np.split(x, 2, axis=axis)


def glu(x, axis: int = -1) -> np.ndarray:
    """GLU: split x in halves a, b along axis; y = a * sigmoid(b).

    VJP (glu_backward): d a = g sigma(b), d b = g a sigma(b) sigma(-b),
    concatenated along axis.  glu(-inf, -inf) = NaN (-inf * 0) as PyTorch.
    """
    xa = _as_float(x)
    a, b = _halves(xa, axis)
    with np.errstate(all="ignore"):
        r = a * _sigmoid(b)
    return np.array(r, dtype=xa.dtype)


def glu_backward(grad_output, x, axis: int = -1) -> np.ndarray:
    """VJP of glu at x, shape of x (see glu)."""
    xa = _as_float(x)
    g = np.asarray(grad_output).astype(xa.dtype)
    a, b = _halves(xa, axis)
    with np.errstate(all="ignore"):
        s, sm = _sigmoid_pair(b)
        ga = g * s
        gb = g * (a * (s * sm))
    return np.concatenate([ga, gb], axis=axis)


def _groups(x, pieces: int, axis: int):
    """Move axis last and reshape it to (C, pieces)."""
    pieces = int(pieces)
    if pieces < 1:
        raise ValueError("maxout: pieces must be >= 1")
    moved = np.moveaxis(x, axis, -1)
    n = moved.shape[-1]
    if n % pieces:
        raise ValueError(f"maxout: axis length {n} is not a multiple of pieces={pieces}")
    return moved.reshape((*moved.shape[:-1], n // pieces, pieces))


def maxout(x, pieces: int, axis: int = -1) -> np.ndarray:
    """Maxout: axis of length C*pieces -> C groups of `pieces` consecutive
    elements; output = the first maximal element of each group (so a NaN
    anywhere in a group gives NaN, and of +-0 ties the first one's sign wins).

    VJP (maxout_backward): each gradient goes to the first maximal element of
    its group (the first NaN if the group has one); all others get +0.
    """
    xa = _as_float(x)
    grp = _groups(xa, pieces, axis)
    idx = np.argmax(grp, axis=-1)  # first max; first NaN if any (NumPy rule)
    out = np.take_along_axis(grp, idx[..., None], axis=-1)[..., 0]
    return np.moveaxis(out, -1, axis).copy()


def maxout_backward(grad_output, x, pieces: int, axis: int = -1) -> np.ndarray:
    """VJP of maxout at x; returns an array shaped like x."""
    xa = _as_float(x)
    grp = _groups(xa, pieces, axis)
    idx = np.argmax(grp, axis=-1)
    g = np.moveaxis(np.asarray(grad_output).astype(xa.dtype), axis, -1)
    g = np.broadcast_to(g, grp.shape[:-1])
    out = np.zeros(grp.shape, dtype=xa.dtype)
    np.put_along_axis(out, idx[..., None], g[..., None], axis=-1)
    moved = out.reshape((*grp.shape[:-2], grp.shape[-2] * grp.shape[-1]))
    return np.moveaxis(moved, -1, axis).copy()


def _prelu_weight(xa, weight, axis):
    """Weight reshaped to broadcast against x along `axis` (and its size)."""
    w = np.asarray(weight).astype(xa.dtype).reshape(-1)
    if xa.ndim < 2:
        if w.size != 1:
            raise ValueError("prelu: 0-d/1-d input takes a single slope")
        return w.reshape(()), w.size
    ax = axis % xa.ndim
    if w.size == 1:
        return w.reshape(()), 1
    if w.size != xa.shape[ax]:
        raise ValueError(f"prelu: weight has {w.size} slopes, input has {xa.shape[ax]} channels")
    shape = [1] * xa.ndim
    shape[ax] = w.size
    return w.reshape(shape), w.size


def prelu(x, weight, axis: int = 1) -> np.ndarray:
    """PReLU: y = x (x > 0) else w_c x, one slope per channel along axis.

    As PyTorch: prelu(-0) = w*(-0), NaN -> NaN, a NaN slope gives NaN for
    x <= 0 only.
    """
    xa = _as_float(x)
    w, _ = _prelu_weight(xa, weight, axis)
    with np.errstate(all="ignore"):
        return _finish(np.where(xa > 0, xa, w * xa), xa)


def prelu_backward(grad_output, x, weight, axis: int = 1):
    """(grad_x, grad_weight) of prelu.

    grad_x = g (x > 0) else w g -- NaN x takes the w*g branch (PyTorch's
    _prelu_kernel_backward); grad_weight = sum over all but the channel axis of
    (x > 0 ? +0 : x g), shaped like weight.
    """
    g, xa = _as_float_pair(grad_output, x)
    wa = np.asarray(weight)
    w, size = _prelu_weight(xa, weight, axis)
    with np.errstate(all="ignore"):
        gx = np.where(xa > 0, g, w * g)
        gw_el = np.where(xa > 0, 0, xa * g)
        if size == 1 or xa.ndim < 2:
            gw = np.sum(gw_el)
        else:
            ax = axis % xa.ndim
            others = tuple(i for i in range(xa.ndim) if i != ax)
            gw = np.sum(gw_el, axis=others)
    return _finish(gx, xa), np.asarray(gw, dtype=xa.dtype).reshape(wa.shape)

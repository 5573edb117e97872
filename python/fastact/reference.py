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

Conventions (all verified against PyTorch 2.13.0 CPU float64, see the
comments at each function and the special-value table in the tests):

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
  the true finite value; see the per-function comments.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal, localcontext
from fractions import Fraction

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
    with localcontext() as ctx:
        ctx.prec = 60
        two = Decimal(2)
        return {
            "sqrt_half": two.sqrt() / 2,  # 1/sqrt(2)
            "sqrt_2_over_pi": (two / _PI).sqrt(),  # sqrt(2/pi), GELU-tanh beta
            "two_over_sqrt_pi": two / _PI.sqrt(),  # erfc'(z) = -2/sqrt(pi) e^{-z^2}
            "inv_sqrt_2pi": 1 / (two * _PI).sqrt(),  # normal pdf constant
            "gelu_kappa": Decimal("0.044715"),  # exact decimal, GELU-tanh kappa
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
    return np.asarray(_ERFC(np.asarray(z, dtype=np.float64)), dtype=np.float64)


def _gelu_phi_big_phi(x64):
    """(Phi(x), phi(x)) in float64 for the erf-form GELU, accurate in tails.

    Phi(x) = erfc(v)/2 with v = -x/sqrt(2) carried as v_hi + v_lo (the
    rounding of x/sqrt(2) would otherwise be amplified by ~2 v^2 in the
    negative tail, e.g. 1e-13 relative at x = -30).
    erfc(v_hi + v_lo) ~= erfc(v_hi) - 2/sqrt(pi) exp(-v_hi^2) v_lo.
    phi(x) = exp(-x^2/2)/sqrt(2 pi), with x^2 carried as two words too.
    """
    c_hi, c_lo = _dd("sqrt_half", np.float64)
    xc = np.clip(x64, -1e3, 1e3)  # keeps NaN; beyond +-1e3 Phi is 0 or 1
    v_hi, v_lo = _two_prod(-xc, c_hi)
    v_lo = v_lo - xc * c_lo
    ev = np.exp(-(v_hi * v_hi))
    big_phi = (_erfc64(v_hi) - _const("two_over_sqrt_pi", np.float64) * ev * v_lo) / 2
    q, q_lo = _two_prod(xc, xc)
    small_phi = np.exp(-q / 2) * (1 - q_lo / 2) * _const("inv_sqrt_2pi", np.float64)
    return big_phi, small_phi, xc


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
# Elementwise activations: forward, derivative, backward per function.
# Each takes arrays already converted (x; g broadcast to x) and a dict of
# parameters already cast to x's dtype (strings stay strings).
# --------------------------------------------------------------------------

_Fn = Callable[..., np.ndarray]


class _Act:
    __slots__ = ("backward", "defaults", "derivative", "forward", "required")

    def __init__(self, forward: _Fn, derivative: _Fn, backward: _Fn | None,
                 defaults: dict, required: tuple[str, ...] = ()):
        self.forward = forward
        self.derivative = derivative
        # default backward: plain IEEE product grad * f'(x)
        self.backward = backward or (lambda g, x, p: g * derivative(x, p))
        self.defaults = defaults
        self.required = required


_ACTS: dict[str, _Act] = {}


def _register(name, forward, derivative, backward=None, defaults=None, required=()):
    _ACTS[name] = _Act(forward, derivative, backward, dict(defaults or {}), tuple(required))


def _step_derivative(x, mask_one, value_one=1):
    """value_one where mask_one, 0 elsewhere, NaN at NaN."""
    return _nan_where(np.isnan(x), np.where(mask_one, value_one, 0))


# identity ------------------------------------------------------------------
# f(x) = x, f'(x) = 1.  backward = grad unchanged (also at NaN x, as autograd
# simply forwards the gradient).
_register(
    "identity",
    lambda x, p: x.copy(),
    lambda x, p: _step_derivative(x, np.ones(x.shape, dtype=bool)),
    lambda g, x, p: g.copy(),
)


# relu -----------------------------------------------------------------------
# f(x) = max(x, 0).  PyTorch keeps x when not (x < 0): relu(-0) = -0,
# relu(NaN) = NaN.  f'(x) = 1 for x > 0, 0 for x <= 0 (kink: 0).
# backward = aten.threshold_backward(g, x, 0): 0 where x <= 0, else g; NaN x
# compares false and therefore PASSES THE GRADIENT THROUGH (grad 1 -> 1).
_register(
    "relu",
    lambda x, p: np.where(x < 0, 0, x),
    lambda x, p: _step_derivative(x, x > 0),
    lambda g, x, p: np.where(x <= 0, 0, g),
)


def _clamp(x, lo, hi):
    """PyTorch clamp/hardtanh: NaN stays NaN, -0 stays -0 inside the range."""
    return np.where(x < lo, lo, np.where(x > hi, hi, x))


def _window_backward(g, x, lo, hi, scale=None):
    """aten.hardtanh_backward semantics: g where lo < x < hi, else +0.

    NaN x is outside (comparisons false) -> 0, even for NaN g.
    """
    inside = (x > lo) & (x < hi)
    return np.where(inside, g if scale is None else g * scale, 0)


# relu6 ----------------------------------------------------------------------
# f(x) = min(max(x, 0), 6) (= hardtanh(x, 0, 6) in PyTorch; relu6(-0) = -0).
# f'(x) = 1 on the open interval (0, 6), 0 elsewhere incl. both kinks.
# backward = aten.hardtanh_backward(g, x, 0, 6): NaN x -> 0 (unlike relu!).
_register(
    "relu6",
    lambda x, p: _clamp(x, 0, 6),
    lambda x, p: _step_derivative(x, (x > 0) & (x < 6)),
    lambda g, x, p: _window_backward(g, x, 0, 6),
)


# leaky_relu -----------------------------------------------------------------
# f(x) = x for x > 0 else negative_slope * x  (leaky(-0) = -0, NaN -> NaN).
# f'(x) = 1 for x > 0, negative_slope for x <= 0 (kink: slope).
# backward = aten.leaky_relu_backward: x > 0 ? g : g * slope; NaN x takes the
# slope branch (grad 1 -> slope), NaN g -> NaN everywhere.
def _leaky_backward(g, x, p):
    return np.where(x > 0, g, g * p["negative_slope"])


_register(
    "leaky_relu",
    lambda x, p: np.where(x > 0, x, x * p["negative_slope"]),
    lambda x, p: _nan_where(np.isnan(x), np.where(x > 0, 1, p["negative_slope"])),
    _leaky_backward,
    {"negative_slope": 0.01},
)


# hardtanh -------------------------------------------------------------------
# f(x) = clamp(x, min_val, max_val), f'(x) = 1 on the open interval, 0 at the
# kinks and outside.  backward = aten.hardtanh_backward (NaN x -> 0).
_register(
    "hardtanh",
    lambda x, p: _clamp(x, p["min_val"], p["max_val"]),
    lambda x, p: _step_derivative(x, (x > p["min_val"]) & (x < p["max_val"])),
    lambda g, x, p: _window_backward(g, x, p["min_val"], p["max_val"]),
    {"min_val": -1.0, "max_val": 1.0},
)


# hardsigmoid ----------------------------------------------------------------
# f(x) = relu6(x + 3) / 6; f'(x) = 1/6 on (-3, 3), 0 elsewhere incl. +-3.
# backward = aten.hardsigmoid_backward: (x > -3 && x < 3) ? g/6 : 0, NaN x ->
# 0.  NOTE: PyTorch multiplies by the float32 constant 1.0f/6 even for
# float64 (0.16666666716337204, rel. error 3e-8); we return the exact g/6.
_register(
    "hardsigmoid",
    lambda x, p: _clamp(x + 3, 0, 6) / 6,
    lambda x, p: _step_derivative(x, (x > -3) & (x < 3)) / 6,
    lambda g, x, p: np.where((x > -3) & (x < 3), g / 6, 0),
)


# pwl_sigmoid ------------------------------------------------------------------
# The lecture's sigmoid made of two ReLUs (not in PyTorch):
# f(x) = (max(0, x+1) - max(0, x-1)) / 2 = (clamp(x, -1, 1) + 1) / 2.
# f'(x) = 1/2 on the open interval (-1, 1), 0 elsewhere incl. the kinks
# (hardtanh convention); backward like hardtanh_backward: NaN x -> 0.
_register(
    "pwl_sigmoid",
    lambda x, p: (_clamp(x, -1, 1) + 1) / 2,
    lambda x, p: _step_derivative(x, (x > -1) & (x < 1)) / 2,
    lambda g, x, p: np.where((x > -1) & (x < 1), g / 2, 0),
)


# threshold --------------------------------------------------------------------
# f(x) = x if x > threshold else value (PyTorch: x <= threshold ? value : x, so
# NaN -> NaN).  No defaults in PyTorch: both parameters are required.
# f'(x) = 1 for x > threshold, 0 otherwise.  backward =
# aten.threshold_backward(g, x, threshold): NaN x passes the gradient through.
_register(
    "threshold",
    lambda x, p: np.where(x <= p["threshold"], p["value"], x),
    lambda x, p: _step_derivative(x, x > p["threshold"]),
    lambda g, x, p: np.where(x <= p["threshold"], 0, g),
    {},
    ("threshold", "value"),
)


# hardshrink -------------------------------------------------------------------
# f(x) = x if |x| > lambd else 0.  PyTorch returns +0 in the dead zone (also
# for x = -0) and NaN for NaN.  f'(x) = 1 for |x| > lambd, 0 for |x| <= lambd.
# backward = aten.hardshrink_backward: g where x < -lambd or x > lambd, else
# 0; NaN x -> 0 (even for NaN g).
def _shrink_backward(g, x, p):
    lam = p["lambd"]
    return np.where((x < -lam) | (x > lam), g, 0)


_register(
    "hardshrink",
    lambda x, p: np.where((x >= -p["lambd"]) & (x <= p["lambd"]), 0, x),
    lambda x, p: _step_derivative(x, (x < -p["lambd"]) | (x > p["lambd"])),
    _shrink_backward,
    {"lambd": 0.5},
)


# softshrink -------------------------------------------------------------------
# f(x) = x - lambd (x > lambd), x + lambd (x < -lambd), 0 otherwise.
# Sign of zero in the dead zone: PyTorch is inconsistent -- its vectorised
# path (all full SIMD chunks of a tensor) returns +0, its scalar tail
# computes x*0 and returns -0 for x in [-lambd, -0].  We return +0, which is
# what PyTorch returns for the bulk of any tensor.  NaN -> NaN.
# f'(x) = 1 for |x| > lambd, 0 otherwise; backward = aten.softshrink_backward
# (same mask as hardshrink: NaN x -> 0).
def _softshrink(x, p):
    lam = p["lambd"]
    r = np.where(x > lam, x - lam, np.where(x < -lam, x + lam, 0))
    return np.where(np.isnan(x), x, r)


_register(
    "softshrink",
    _softshrink,
    lambda x, p: _step_derivative(x, (x < -p["lambd"]) | (x > p["lambd"])),
    _shrink_backward,
    {"lambd": 0.5},
)


# sigmoid ----------------------------------------------------------------------
# f(x) = 1/(1 + e^-x) via exp(-|x|) branches.  f'(x) = sigma(x) sigma(-x)
# = e/(1+e)^2 with e = exp(-|x|) (accurate in both tails; PyTorch's
# y*(1-y) from the rounded output is 0 for x > ~37).  backward = g * f'(x):
# PyTorch's sigmoid_backward(g, y) = g*(1-y)*y gives NaN for NaN x whatever g
# (0*NaN), and g = inf at x = +-inf gives inf*0 = NaN; the product does too.
_register("sigmoid", lambda x, p: _sigmoid(x), lambda x, p: _sigmoid_deriv(x))


# tanh -------------------------------------------------------------------------
# f(x) = tanh x (np.tanh, -0 preserved).  f'(x) = sech^2 x = 4e/(1+e)^2 with
# e = exp(-2|x|) (no 1 - tanh^2 cancellation).  backward = g * f'(x); same
# NaN/inf behaviour as PyTorch's tanh_backward(g, y) = g*(1-y^2).
def _tanh_deriv(x, p=None):
    e = np.exp(-2 * np.abs(x))
    return 4 * e / ((1 + e) * (1 + e))


_register("tanh", lambda x, p: np.tanh(x), _tanh_deriv)


# softsign ---------------------------------------------------------------------
# f(x) = x/(1+|x|); PyTorch computes inf/inf = NaN at x = +-inf and so do we
# (the limit would be +-1).  f'(x) = 1/(1+|x|)^2 (limit 0 at +-inf).
# backward: PyTorch has no softsign_backward; autograd differentiates the
# composite x / (1 + |x|):  g/b + (-g * ((x/b)/b)) * sgn(x),  b = 1 + |x|.
# Its consequences, mirrored here:
#   * NaN whenever g or x is inf or NaN (inf - inf, inf/inf); in particular
#     g = +-inf gives NaN at EVERY x (not +-inf);
#   * a zero result is +0 (a sum of two opposite terms), e.g. for g = -0 or
#     when the true value underflows (x = 1e308, g = -1), except g = -0 at
#     x = -0, where both terms are -0 and the result is -0;
#   * otherwise the accurate g * f'(x).
def _softsign_backward(g, x, p):
    b = 1 + np.abs(x)
    r = g / (b * b) + 0  # "+ 0" maps -0 to +0
    neg_zero = (g == 0) & np.signbit(g) & (x == 0) & np.signbit(x)
    r = np.where(neg_zero, -0.0, r)
    return _nan_where(~np.isfinite(g) | ~np.isfinite(x), r)


_register(
    "softsign",
    lambda x, p: x / (1 + np.abs(x)),
    lambda x, p: 1 / ((1 + np.abs(x)) * (1 + np.abs(x))),
    _softsign_backward,
)


# elu --------------------------------------------------------------------------
# f(x) = x (x > 0), alpha*expm1(x) (x <= 0); elu(-0) = -0, NaN -> NaN.
# f'(x) = 1 (x > 0), alpha*exp(x) (x <= 0: at the kink PyTorch uses the
# negative branch, f'(0) = alpha).  backward = aten.elu_backward = g * f'(x)
# (NaN x -> NaN for any g; g = inf at x = -inf -> inf*0 = NaN).
def _elu_deriv(x, p):
    return _nan_where(np.isnan(x), np.where(x > 0, 1, p["alpha"] * np.exp(x)))


_register(
    "elu",
    lambda x, p: np.where(x > 0, x, p["alpha"] * np.expm1(x)),
    _elu_deriv,
    None,
    {"alpha": 1.0},
)


# selu -------------------------------------------------------------------------
# f(x) = scale * elu(x, alpha) with PyTorch's fixed constants.
# f'(x) = scale (x > 0), scale*alpha*exp(x) (x <= 0; f'(0) = scale*alpha).
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _selu(x, p):
    sa = p["scale"] * p["alpha"]
    return np.where(x > 0, p["scale"] * x, sa * np.expm1(x))


def _selu_deriv(x, p):
    sa = p["scale"] * p["alpha"]
    return _nan_where(np.isnan(x), np.where(x > 0, p["scale"], sa * np.exp(x)))


_register("selu", _selu, _selu_deriv, None, {"alpha": _SELU_ALPHA, "scale": _SELU_SCALE})


# celu -------------------------------------------------------------------------
# f(x) = x (x > 0), alpha*expm1(x/alpha) (x <= 0).  f'(x) = 1 (x > 0),
# exp(x/alpha) (x <= 0; f'(0) = 1 from both sides).  backward = g * f'(x)
# (PyTorch: elu_backward with input_scale 1/alpha, same NaN/inf behaviour).
_register(
    "celu",
    lambda x, p: np.where(x > 0, x, p["alpha"] * np.expm1(x / p["alpha"])),
    lambda x, p: _nan_where(np.isnan(x), np.where(x > 0, 1, np.exp(x / p["alpha"]))),
    None,
    {"alpha": 1.0},
)


# softplus ---------------------------------------------------------------------
# PyTorch: f(x) = x if beta*x > threshold else log1p(exp(beta*x))/beta.
# The branch test uses the rounded product fl(beta*x) exactly like PyTorch;
# the value uses z = beta*x carried as z_hi + z_lo (exp amplifies the product's
# rounding error by |z|): sp(z_hi + z_lo) ~= sp(z_hi) + sigma(z_hi) z_lo, with
# sp(z) = max(z, 0) + log1p(exp(-|z|)).
# f'(x) = 1 in the linear branch, sigma(beta*x) otherwise.  backward =
# aten.softplus_backward = g * f'(x) (NaN x -> NaN; x = -inf -> g*0).
def _softplus_parts(x, p):
    beta = p["beta"]
    z = x * beta
    linear = z > p["threshold"]
    zc = np.where(linear | ~np.isfinite(z), 0, x)  # keep the split in range
    z_hi, z_lo = _two_prod(zc, np.full_like(zc, beta))
    z_hi = np.where(linear | ~np.isfinite(z), z, z_hi)
    z_lo = np.where(linear | ~np.isfinite(z), 0, z_lo)
    return linear, z_hi, z_lo


def _softplus(x, p):
    linear, z_hi, z_lo = _softplus_parts(x, p)
    s, _ = _sigmoid_pair(z_hi)
    sp = _softplus_core(z_hi) + np.where(z_lo != 0, s * z_lo, 0)
    return np.where(linear, x, sp / p["beta"])


def _softplus_deriv(x, p):
    linear, z_hi, z_lo = _softplus_parts(x, p)
    s, _ = _sigmoid_pair(z_hi, z_lo)
    return _nan_where(np.isnan(x), np.where(linear, 1, s))


_register(
    "softplus",
    _softplus,
    _softplus_deriv,
    None,
    {"beta": 1.0, "threshold": 20.0},
)


# logsigmoid -------------------------------------------------------------------
# f(x) = log sigma(x) = -softplus(-x) (no threshold):
# x < 0: x - log1p(e^x); x >= 0: 0 - log1p(e^-x) (written as 0 - ..., so that
# f(+inf) = +0 like PyTorch).  f'(x) = sigma(-x).  backward =
# aten.log_sigmoid_backward = g * sigma(-x) (x = +inf, g = inf -> NaN).
def _logsigmoid(x, p):
    e = np.log1p(np.exp(-np.abs(x)))
    return np.where(x < 0, x - e, 0 - e)


_register("logsigmoid", _logsigmoid, lambda x, p: _sigmoid(-x))


# silu -------------------------------------------------------------------------
# f(x) = x sigma(x).  silu(-inf) = -inf * 0 = NaN exactly as in PyTorch (the
# limit would be 0).  f'(x) = sigma(x) (1 + x sigma(-x)); limits 1 at +inf
# and 0 at -inf.  backward = aten.silu_backward: PyTorch returns NaN at
# x = +-inf for every g (its formula makes inf*0); mirrored.  Elsewhere
# g * f'(x).
def _silu_deriv_core(z):
    s, sm = _sigmoid_pair(z)
    zc = np.where(np.isinf(z), 0, z)
    d = s * (1 + zc * sm)
    return np.where(np.isinf(z), np.where(z > 0, 1, 0), d)


def _silu_backward(g, x, p):
    return _nan_where(np.isinf(x), g * _silu_deriv_core(x))


_register(
    "silu",
    lambda x, p: x * _sigmoid(x),
    lambda x, p: _silu_deriv_core(x),
    _silu_backward,
)


# swish ------------------------------------------------------------------------
# f(x) = x sigma(beta x) (not in PyTorch; beta = 1 is silu, bit for bit).
# beta*x is carried as two words before sigma.  f'(x) = sigma(z)(1 + z
# sigma(-z)), z = beta x.  Special values follow silu (for beta > 0):
# f(-inf) = NaN, backward NaN at x = +-inf.
def _swish_z(x, p):
    xc = np.where(np.isfinite(x), x, 0)
    z_hi, z_lo = _two_prod(xc, np.full_like(xc, p["beta"]))
    z_hi = np.where(np.isfinite(x), z_hi, x * p["beta"])
    return z_hi, z_lo


def _swish(x, p):
    z_hi, z_lo = _swish_z(x, p)
    s, _ = _sigmoid_pair(z_hi, z_lo)
    return x * s


def _swish_deriv(x, p):
    z_hi, z_lo = _swish_z(x, p)
    return _nan_where(np.isnan(x), _silu_deriv_core(z_hi))


_register(
    "swish",
    _swish,
    _swish_deriv,
    lambda g, x, p: _nan_where(np.isinf(x), g * _swish_deriv(x, p)),
    {"beta": 1.0},
)


# mish -------------------------------------------------------------------------
# f(x) = x tanh(softplus(x)).  With t = e^x (x <= 0) or t = e^-x (x > 0):
#   tanh(softplus x) = t(t+2) / (t(t+2) + 2)        (x <= 0)
#                    = (1 + 2t) / (1 + 2t + 2t^2)   (x > 0)
# -- all terms positive, no cancellation, no overflow.  mish(-inf) = NaN
# (-inf * 0) as in PyTorch.  f'(x) = tanh(sp) + x sech^2(sp) sigma(x) with
#   sech^2(sp) = 4 (1+t)^2 / ((1+t)^2 + 1)^2           (x <= 0)
#              = 4 (1+t)^2 t^2 / ((1+t)^2 + t^2)^2     (x > 0)
# limits 1 (+inf), 0 (-inf).  backward = aten.mish_backward: NaN at x = +-inf
# for every g (mirrored), else g * f'(x).
def _mish_parts(x):
    t = np.exp(-np.abs(x))
    pos = x > 0
    t2 = t * (t + 2)
    tsp = np.where(pos, (1 + 2 * t) / (1 + 2 * t + 2 * t * t), t2 / (t2 + 2))
    op = (1 + t) * (1 + t)
    sech2 = np.where(pos, 4 * op * (t * t) / ((op + t * t) * (op + t * t)),
                     4 * op / ((op + 1) * (op + 1)))
    return tsp, sech2


def _mish_deriv(x, p=None):
    tsp, sech2 = _mish_parts(x)
    xc = np.where(np.isinf(x), 0, x)
    d = tsp + xc * sech2 * _sigmoid(x)
    return np.where(np.isinf(x), np.where(x > 0, 1, 0), d)


_register(
    "mish",
    lambda x, p: x * _mish_parts(x)[0],
    _mish_deriv,
    lambda g, x, p: _nan_where(np.isinf(x), g * _mish_deriv(x)),
)


# gelu -------------------------------------------------------------------------
# approximate="none": f(x) = x Phi(x), Phi(x) = erfc(-x/sqrt 2)/2 (erfc keeps
# the x << 0 tail relatively accurate; -x/sqrt 2 is carried as two words).
# Computed in float64 via math.erfc even for long-double input.
# f'(x) = Phi(x) + x phi(x); limits 1 (+inf), 0 (-inf).
# approximate="tanh": f(x) = x/2 (1 + tanh u) = x sigma(2u),
# u = sqrt(2/pi)(x + 0.044715 x^3), u as two words, exact constants.
# f'(x) = sigma(2u) + 2x sigma(2u) sigma(-2u) u',  u' = sqrt(2/pi)(1 + 3 k x^2).
# Beyond |x| = 1e3 both forms are exactly x (x > 0) or x*0 = -0 (x < 0) in
# any precision we support; we clip there to avoid overflow in x^3.
# PyTorch: gelu(-inf) = NaN (-inf * 0; mirrored), backward (aten.gelu_backward)
# NaN at x = +-inf for every g (mirrored).  For |x| >~ 1e154 PyTorch's tanh
# backward is also NaN (x^3 overflows inside its formula); we return the true
# value (1 or 0) there.
def _check_approx(p):
    a = p["approximate"]
    if a not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {a!r}")
    return a


def _gelu_tanh_sig(x):
    xc = np.clip(x, -1e3, 1e3)
    u_hi, u_lo = _gelu_tanh_u(xc)
    s, sm = _sigmoid_pair(2 * u_hi, 2 * u_lo)
    return xc, s, sm


def _gelu(x, p):
    if _check_approx(p) == "tanh":
        _, s, _ = _gelu_tanh_sig(x)
        return x * s
    big_phi, _, _ = _gelu_phi_big_phi(np.asarray(x, dtype=np.float64))
    return x * big_phi.astype(x.dtype)


def _gelu_deriv(x, p):
    if _check_approx(p) == "tanh":
        xc, s, sm = _gelu_tanh_sig(x)
        k = _const("gelu_kappa", x.dtype)
        du = _const("sqrt_2_over_pi", x.dtype) * (1 + 3 * k * (xc * xc))
        return s + 2 * xc * s * sm * du
    big_phi, small_phi, xc = _gelu_phi_big_phi(np.asarray(x, dtype=np.float64))
    return (big_phi + xc * small_phi).astype(x.dtype)


_register(
    "gelu",
    _gelu,
    _gelu_deriv,
    lambda g, x, p: _nan_where(np.isinf(x), g * _gelu_deriv(x, p)),
    {"approximate": "none"},
)


# hardswish --------------------------------------------------------------------
# f(x) = x relu6(x+3)/6.  PyTorch evaluates x*min(max(x+3,0),6)/6 everywhere:
# x <= -3 gives x*0 (-0, and NaN at x = -inf: mirrored); x >= 3 gives
# (x*6)/6, which overflows to inf for x > DBL_MAX/6 and can be 1 ulp off x;
# we return exactly x for x >= 3 (so hardswish(1e308) = 1e308, PyTorch: inf).
# f'(x) = 0 (x < -3), (2x+3)/6 (-3 < x < 3), 1 (x > 3); kinks as PyTorch:
# f'(-3) = 0, f'(3) = 1.  backward = aten.hardswish_backward:
# x <= -3 -> +0 (also for NaN g), x >= 3 -> g, else g*(2x+3)/6 (NaN x ->NaN).
def _hardswish(x, p):
    return np.where(x >= 3, x, x * _clamp(x + 3, 0, 6) / 6)


def _hardswish_deriv(x, p):
    d = np.where(x <= -3, 0, np.where(x >= 3, 1, (2 * x + 3) / 6))
    return _nan_where(np.isnan(x), d)


def _hardswish_backward(g, x, p):
    return np.where(x <= -3, 0, np.where(x >= 3, g, g * ((2 * x + 3) / 6)))


_register("hardswish", _hardswish, _hardswish_deriv, _hardswish_backward)


# tanhshrink -------------------------------------------------------------------
# f(x) = x - tanh x, evaluated without cancellation (see _tanhshrink_accurate).
# PyTorch computes x - tanh(x) literally, which is +0 for x = +-0 and for every
# |x| where tanh(x) rounds to x; we return the accurate value, and normalise
# zero results to +0 (so f(-0) = +0 and f(-5e-324) = +0 as in PyTorch).
# f'(x) = tanh^2 x (1 at +-inf).  backward: autograd of the composite
# x - tanh(x):  g + tanh_backward(-g, y) = g + (-g)(1 - y^2).  Mirrored:
#   * g = +-inf -> NaN for every x (inf - inf, or inf*0 once y = +-1);
#   * a zero result is always +0 (sum of two opposite terms): g = +-0, and
#     x = +-0 with any finite g;  NaN g or NaN x -> NaN;
#   * otherwise the accurate g * tanh^2 x (PyTorch returns +0 where
#     1 - y^2 rounds to 1, i.e. |x| < ~1e-8; we return the tiny true value).
def _tanhshrink_backward(g, x, p):
    t = np.tanh(x)
    r = g * (t * t) + 0  # "+ 0" maps -0 to +0
    return _nan_where(np.isinf(g), r)


_register(
    "tanhshrink",
    lambda x, p: _tanhshrink_accurate(x) + 0,  # "+ 0" maps -0 to +0
    lambda x, p: np.tanh(x) ** 2,
    _tanhshrink_backward,
)


# sbaf -------------------------------------------------------------------------
# Saturated bistable activation function (not in PyTorch):
#   f(x) = 1 / (1 + k x^alpha (1-x)^(1-alpha)),  0 <= x <= 1,
# NaN outside [0, 1] (incl. +-inf; -0 counts as 0).  Parameters are assumed
# k >= 0, 0 <= alpha <= 1.  With t = k x^alpha (1-x)^(1-alpha):
#   f'(x) = y(1-y)(x-alpha)/(x(1-x)) = k x^(alpha-1) (1-x)^(-alpha) (x-alpha) / (1+t)^2
# (the second form avoids 1-y cancellation).  At the end points the formula is
# 0*inf-like; we return the one-sided limit from inside [0, 1]:
#   f'(0) = lim x->0+  = -inf for 0 < alpha < 1;  k/(1+k)^2 for alpha = 0;  -k for alpha = 1
#   f'(1) = lim x->1-  = +inf for 0 < alpha < 1;  k for alpha = 0;  -k/(1+k)^2 for alpha = 1
# (via f' = k/(1+t)^2 [(1-alpha) x^a (1-x)^-a - alpha x^(a-1) (1-x)^(1-a)],
# a term with a zero coefficient counting as 0).  k = 0 gives f' = 0.
# backward = g * f'(x) (plain IEEE product: g = 0 at an end point gives NaN).
def _sbaf_t(x, p):
    return p["k"] * np.power(x, p["alpha"]) * np.power(1 - x, 1 - p["alpha"])


def _sbaf_domain(x):
    inside = (x >= 0) & (x <= 1)
    return inside, np.where(inside, x, 0.5) + 0  # "+ 0": -0 -> +0


def _sbaf(x, p):
    inside, xc = _sbaf_domain(x)
    y = 1 / (1 + _sbaf_t(xc, p))
    return _nan_where(~inside, y)


def _sbaf_deriv(x, p):
    k, a = p["k"], p["alpha"]
    inside, xc = _sbaf_domain(x)
    t = _sbaf_t(xc, p)
    den = (1 + t) * (1 + t)
    interior = (xc > 0) & (xc < 1)
    xi = np.where(interior, xc, 0.5)
    d_in = k * np.power(xi, a - 1) * np.power(1 - xi, -a) * (xi - a) / den
    # end points: two-term form with zero-coefficient terms dropped
    xe = np.where(interior, 0, xc)
    term1 = 0 if a == 1 else (1 - a) * np.power(xe, a) * np.power(1 - xe, -a)
    term2 = 0 if a == 0 else a * np.power(xe, a - 1) * np.power(1 - xe, 1 - a)
    d_end = k * (term1 - term2) / den
    d = np.where(interior, d_in, d_end)
    if k == 0:
        d = np.zeros_like(d)
    return _nan_where(~inside, d)


_register("sbaf", _sbaf, _sbaf_deriv, None, {"k": 0.98, "alpha": 0.5})


# arelu ------------------------------------------------------------------------
# f(x) = k x^n for x > 0, else +0 (not in PyTorch; we propagate NaN).
# f'(x) = k n x^(n-1) for x > 0, else 0 (also at x = 0).
# backward: x <= 0 -> +0 (masked like relu/threshold_backward, also for NaN
# g); NaN x -> NaN (we do NOT copy relu's pass-through quirk); else g f'(x).
def _arelu(x, p):
    xp = np.where(x > 0, x, 1)
    r = np.where(x > 0, p["k"] * np.power(xp, p["n"]), 0)
    return np.where(np.isnan(x), x, r)


def _arelu_deriv(x, p):
    xp = np.where(x > 0, x, 1)
    d = np.where(x > 0, p["k"] * p["n"] * np.power(xp, p["n"] - 1), 0)
    return _nan_where(np.isnan(x), d)


_register(
    "arelu",
    _arelu,
    _arelu_deriv,
    lambda g, x, p: _nan_where(np.isnan(x), np.where(x > 0, g * _arelu_deriv(x, p), 0)),
    {"k": 0.54, "n": 1.30},
)


NAMES: tuple[str, ...] = (
    "identity", "relu", "relu6", "leaky_relu", "hardtanh", "hardsigmoid",
    "pwl_sigmoid", "threshold", "hardshrink", "softshrink", "sigmoid", "tanh",
    "softsign", "elu", "selu", "celu", "softplus", "logsigmoid", "silu", "swish",
    "mish", "gelu", "hardswish", "tanhshrink", "sbaf", "arelu",
)
assert set(NAMES) == set(_ACTS)

DEFAULTS: dict[str, dict] = {name: dict(_ACTS[name].defaults) for name in NAMES}


def _params(name: str, dt, params: dict) -> dict:
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

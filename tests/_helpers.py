"""Shared helpers for the kernel tests: the activation cases, input generators, the
reference oracle in extended precision, ulp metrics and readable mismatch reports.

Conventions used by every kernel test:

* A *case* is one activation with one parameter set: the catalogue defaults plus one
  non-default set for every activation that has parameters (``threshold`` has no defaults;
  it gets two explicit sets).
* Parameters are rounded to the array dtype before they reach the reference, because the
  kernels convert them to the element type once per call (``activations-inl.hpp``): the
  specification of ``leaky_relu(x: float32, 0.2)`` is ``x * float32(0.2)``.
* The reference (``fastact.reference``) is evaluated one precision above the dtype under
  test: float64 for float32 arrays, long double (x87, 64-bit significand) for float64
  arrays. Errors are measured against that unrounded value, in ulps of the dtype under test.
"""

from __future__ import annotations

import functools
import zlib
from dataclasses import dataclass

import numpy as np
import pytest

import fastact

try:  # the oracle is written concurrently; fail the tests that need it, not the import
    from fastact import reference as R
except ImportError:  # pragma: no cover - only while reference.py does not exist yet
    R = None

ACTIVATIONS = tuple(fastact.activations())

# One non-default parameter set per activation with parameters (exactly representable in
# float32 except where the rounding is the point).
NON_DEFAULT_PARAMS: dict[str, dict[str, float]] = {
    "leaky_relu": {"negative_slope": 0.2},
    "hardtanh": {"min_val": -2.0, "max_val": 3.0},
    "threshold": {"threshold": 0.5, "value": -1.0},
    "hardshrink": {"lambd": 1.25},
    "softshrink": {"lambd": 1.25},
    "elu": {"alpha": 0.5},
    "celu": {"alpha": 2.0},
    "softplus": {"beta": 2.0, "threshold": 10.0},
    "swish": {"beta": 1.5},
    "sbaf": {"k": 2.0, "alpha": 0.25},
    "arelu": {"k": 1.5, "n": 2.5},
    "gelu": {"approximate": "tanh"},
}
# Activations whose parameters are all required (no catalogue default): the "default" set.
REQUIRED_PARAMS_BASE: dict[str, dict[str, float]] = {
    "threshold": {"threshold": 0.0, "value": 0.0},
}

PIECEWISE_CONSTANT_DERIVATIVE = frozenset({
    "identity", "relu", "relu6", "leaky_relu", "hardtanh", "hardsigmoid", "pwl_sigmoid",
    "threshold", "hardshrink", "softshrink",
})

# Slack on top of a documented ulp bound for the reference's own error: the float64
# reference is within ~2^-28 float32 ulp, the long-double one within ~2^-9 float64 ulp.
HAIR = 1.0 / 64


@dataclass(frozen=True)
class Case:
    """One activation with one parameter set."""

    name: str
    params: tuple[tuple[str, float], ...]

    @property
    def id(self) -> str:
        if not self.params:
            return self.name
        return self.name + "(" + ",".join(
            f"{k}={v}" if isinstance(v, str) else f"{k}={v:g}" for k, v in self.params
        ) + ")"

    @property
    def info(self) -> dict:
        return fastact.info(self.name)

    @property
    def piecewise_constant_derivative(self) -> bool:
        """The derivative is a constant on each piece, so a gradient is one correctly
        rounded product (g, 0, g * slope, g / 6, g / 2)."""
        return self.name in PIECEWISE_CONSTANT_DERIVATIVE

    @property
    def from_y(self) -> bool:
        return self.info["backward_from_y"]

    def max_ulp(self, dtype) -> float:
        return self.info["max_ulp"][np.dtype(dtype).name]

    def rounded_params(self, dtype) -> dict[str, float]:
        """The parameters as the kernels see them: rounded to the element type."""
        t = np.dtype(dtype).type
        return {k: v if isinstance(v, str) else float(t(v)) for k, v in self.params}

    # The fastact calls (parameters passed unrounded: the library rounds them itself).
    def forward(self, x, **kw):
        return getattr(fastact, self.name)(x, **dict(self.params), **kw)

    def backward(self, g, x=None, **kw):
        return getattr(fastact, self.name + "_backward")(g, x, **dict(self.params), **kw)

    # The oracle, evaluated at x (already in the reference precision).
    def ref_forward(self, xr, dtype):
        return _oracle().forward(self.name, xr, **self.rounded_params(dtype))

    def ref_backward(self, gr, xr, dtype):
        return _oracle().backward(self.name, gr, xr, **self.rounded_params(dtype))

    def ref_derivative(self, xr, dtype):
        return _oracle().derivative(self.name, xr, **self.rounded_params(dtype))


def _oracle():
    if R is None:
        pytest.fail("python/fastact/reference.py (the oracle) is missing")
    return R


def param_sets(name: str) -> list[dict[str, float]]:
    info = fastact.info(name)
    # an activation with required parameters needs an entry in REQUIRED_PARAMS_BASE
    base = REQUIRED_PARAMS_BASE[name] if info["required_params"] else dict(info["params"])
    sets = [base]
    if name in NON_DEFAULT_PARAMS:
        sets.append({**base, **NON_DEFAULT_PARAMS[name]})
    return sets


CASES = tuple(Case(name, tuple(p.items())) for name in ACTIVATIONS for p in param_sets(name))
CASE_PARAMS = [pytest.param(c, id=c.id) for c in CASES]
FROM_Y_CASE_PARAMS = [pytest.param(c, id=c.id) for c in CASES if c.from_y]
DTYPE_PARAMS = [pytest.param(np.float32, id="float32"), pytest.param(np.float64, id="float64")]


# ---------------------------------------------------------------------------------------
# Kinks and branch points.


def kinks(case: Case) -> list[float]:
    """The points where the derivative jumps (the catalogue's "kinks"; 0 for the smooth
    functions and for elu/selu/celu, whose subgradient convention applies at 0)."""
    p = dict(case.params)
    table = {
        "relu6": lambda: [0.0, 6.0],
        "hardtanh": lambda: [p["min_val"], p["max_val"]],
        "hardsigmoid": lambda: [-3.0, 3.0],
        "pwl_sigmoid": lambda: [-1.0, 1.0],
        "threshold": lambda: [p["threshold"]],
        "hardshrink": lambda: [-p["lambd"], p["lambd"]],
        "softshrink": lambda: [-p["lambd"], p["lambd"]],
        "hardswish": lambda: [-3.0, 3.0],
        # the switch to PyTorch's linear region (the derivative jumps from
        # sigmoid(threshold) to 1)
        "softplus": lambda: [p["threshold"] / p["beta"]],
        # the ends of the domain [0, 1] (NaN outside; infinite one-sided derivatives)
        "sbaf": lambda: [0.0, 1.0],
        # the derivative's zero; the float32 table's ends and interval boundaries
        "gelu": lambda: [0.0, -0.75179187, *_GELU_TABLE],
    }
    return table[case.name]() if case.name in table else [0.0]


# exp(z) leaves the normal range, reaches the last subnormal, rounds to 0, and is clamped
# (math-inl.hpp kMinArg), for float32 and float64.
_EXP_EDGES = [-87.33654, -103.27893, -103.97208, -104.0, -708.39642, -744.44007,
              -745.13322, -746.0]
# where 1 - sigmoid(x) rounds to 0 (float32 / float64)
_SIGMOID_ONE = [16.635532, 36.736801]
# x * exp(x) is still a subnormal a little beyond the clamp of exp
_X_EXP_TAIL = [-105.0, -107.0, -748.0, -750.0]
# float32 tables on uniform intervals (math-inl.hpp): sigmoid's covers |x| <= 11.24 (intervals
# of width 11.25/31.5 in -|x|, meeting at odd multiples of 11.25/63); silu's (and silu's
# gradient) is |x| <= 11.59 (width 0.8: boundaries at odd multiples of 0.4; the gradient's
# width 11.6/31.5 in -|x|: odd multiples of 0.18412698)
_SIGMOID_TABLE = [-11.24, 11.24, -0.17857143, 0.17857143, -5.5357143, 5.5357143, -10.892857]
_SILU_TABLE = [-11.59, 11.59, -0.4, 0.4, -4.4, 3.6, -0.18412698, 0.18412698, -5.7079365,
               5.7079365, -11.231746]
# gelu's (float32, exact form) covers |x| <= 8.49 on intervals uniform in |x| (|x| + 1):
# boundaries of intervals 0/1, 15/16, 30/31
_GELU_TABLE = [-8.49, 8.49, -0.73763728, 0.73763728, -5.8233003, 5.8233003, -8.3564388]


def branch_points(case: Case) -> list[float]:
    """Where the smooth kernels switch branch, clamp, saturate or underflow
    (math-inl.hpp, activations-inl.hpp), and where a derivative crosses zero: inputs are
    concentrated there too."""
    p = dict(case.params)

    def scaled(points, factor):
        return [v * factor for v in points]

    table = {
        "sigmoid": lambda: [0.0, *_EXP_EDGES, *_SIGMOID_ONE, *_SIGMOID_TABLE],
        # the small-argument polynomial up to atanh(1/2); saturation at 1 (f32 / f64)
        "tanh": lambda: [0.0, 0.5493061443340549, -0.5493061443340549, 9.010913, -9.010913,
                         19.061547, -19.061547],
        # 1 + |x| is formed as max(1, |x|) + min(1, |x|)
        "softsign": lambda: [0.0, 1.0, -1.0],
        # expm1 saturates at -1 (f32 / f64)
        "elu": lambda: [0.0, -17.32868, -37.429947, *_EXP_EDGES],
        "selu": lambda: [0.0, -17.32868, -37.429947, *_EXP_EDGES],
        "celu": lambda: scaled([0.0, -17.32868, -37.429947, *_EXP_EDGES], p.get("alpha", 1)),
        "softplus": lambda: scaled([0.0, p.get("threshold", 20), *_EXP_EDGES, *_SIGMOID_ONE],
                                   1 / p.get("beta", 1)),
        "logsigmoid": lambda: [0.0, *_EXP_EDGES, *(-v for v in _EXP_EDGES), *_SIGMOID_ONE],
        # -1.2784645: silu' = 0
        "silu": lambda: [0.0, -1.2784645, *_EXP_EDGES, *_X_EXP_TAIL, *_SILU_TABLE],
        "swish": lambda: scaled([0.0, -1.2784645, *_EXP_EDGES, *_X_EXP_TAIL, *_SILU_TABLE],
                                1 / p.get("beta", 1)),
        # -1.1924: mish' = 0
        "mish": lambda: [0.0, -1.1924, *_EXP_EDGES, *_X_EXP_TAIL],
        # -1.5: hardswish' = 0
        "hardswish": lambda: [-1.5],
        "tanhshrink": lambda: [0.0, 0.5493061443340549, -0.5493061443340549, 9.010913,
                               -9.010913, 19.061547, -19.061547],
        # sbaf' = 0 at x = alpha; the middle of the domain
        "sbaf": lambda: [p.get("alpha", 0.5), 0.5],
        # x^n = 1
        "arelu": lambda: [1.0],
    }
    return table[case.name]() if case.name in table else []


def interesting_points(case: Case) -> list[float]:
    return kinks(case) + branch_points(case)


# ---------------------------------------------------------------------------------------
# Inputs.


def seeded_rng(*key) -> np.random.Generator:
    """A generator whose stream depends only on `key` (stable across runs and orders)."""
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


@functools.cache
def _mixed_inputs(case: Case, dtype_name: str, n: int, tag: str) -> np.ndarray:
    return _generate_mixed(case, np.dtype(dtype_name), n, tag)


def mixed_inputs(case: Case, dtype, n: int, tag: str = "") -> np.ndarray:
    """n values of `dtype` (read-only, cached: every ISA sees the same array), each drawn
    from one of three populations:

    * N(0, 3);
    * log-uniform magnitudes in [1e-30, 1e30], both signs;
    * points near the case's kinks and branch points: the point itself or a few ulps
      away, or a relative offset of 1e-7..1e-2.
    """
    return _mixed_inputs(case, np.dtype(dtype).name, n, tag)


def _generate_mixed(case: Case, dtype, n: int, tag: str = "") -> np.ndarray:
    """The uncached generator behind mixed_inputs."""
    rng = seeded_rng("mixed", case.id, np.dtype(dtype).name, n, tag)
    t = np.dtype(dtype).type
    kind = rng.integers(0, 3, n)
    normal = rng.normal(0.0, 3.0, n).astype(dtype)
    wide = (10.0 ** rng.uniform(-30, 30, n) * rng.choice([-1.0, 1.0], n)).astype(dtype)
    points = np.array(interesting_points(case), dtype=dtype)
    k = points[rng.integers(0, points.size, n)]
    near_ulps = step_ulps(k, rng.integers(-4, 5, n))
    offset = rng.normal(0.0, 1.0, n) * 10.0 ** rng.uniform(-7, -2, n)
    near_rel = (k + offset * np.maximum(np.abs(k), t(1))).astype(dtype)
    near = np.where(rng.random(n) < 0.5, near_ulps, near_rel)
    x = np.select([kind == 0, kind == 1], [normal, wide], near).astype(dtype)
    x = np.ascontiguousarray(x)
    x.flags.writeable = False
    return x


def step_ulps(x: np.ndarray, steps) -> np.ndarray:
    """x moved by `steps` representable numbers (np.nextafter applied |steps| times),
    for finite x; +0 and -0 both count as the zero between -min_subnormal and
    +min_subnormal."""
    x = np.asarray(x)
    nbits = 8 * x.dtype.itemsize
    i = x.view(np.dtype(f"i{x.dtype.itemsize}")).astype(np.int64)
    magnitude = i & np.int64((1 << (nbits - 1)) - 1)
    ordered = np.where(i < 0, -magnitude, magnitude) + np.asarray(steps, dtype=np.int64)
    sign = np.int64(-(1 << (nbits - 1))) if nbits == 64 else np.int64(1 << (nbits - 1))
    raw = np.where(ordered < 0, (-ordered) | sign, ordered)
    return raw.astype(np.dtype(f"i{x.dtype.itemsize}")).view(x.dtype)


def grad_outputs(dtype, n: int, tag: str = "") -> np.ndarray:
    """Random nonzero gradients N(0, 1) of `dtype` (read-only, cached)."""
    return _grad_outputs(np.dtype(dtype).name, n, tag)


@functools.cache
def _grad_outputs(dtype_name: str, n: int, tag: str) -> np.ndarray:
    rng = seeded_rng("grad", dtype_name, n, tag)
    g = rng.normal(0.0, 1.0, n)
    g = np.where(g == 0, 1.0, g).astype(dtype_name)
    g.flags.writeable = False
    return g


# ---------------------------------------------------------------------------------------
# Precision and ulps.

REF_DTYPE = {np.dtype(np.float32): np.dtype(np.float64),
             np.dtype(np.float64): np.dtype(np.longdouble)}


def to_ref(a: np.ndarray) -> np.ndarray:
    """a converted (exactly) to the precision the reference is evaluated in."""
    return np.asarray(a).astype(REF_DTYPE[np.dtype(a.dtype)])


def ulp(ref: np.ndarray, dtype) -> np.ndarray:
    """The spacing of `dtype` numbers at |ref| (ref in a wider type): 2**(e - p + 1) for
    2**e <= |ref| < 2**(e + 1), and never less than the smallest subnormal of `dtype`.
    Zero and the subnormal range use the smallest subnormal spacing."""
    fi = np.finfo(dtype)
    p = fi.nmant + 1
    a = np.abs(np.asarray(ref))
    with np.errstate(all="ignore"):
        _, e = np.frexp(a)  # a = m * 2**e with 0.5 <= m < 1
        u = np.ldexp(np.ones_like(a), e - p)
    tiny = a.dtype.type(fi.smallest_subnormal)
    return np.where(a == 0, tiny, np.maximum(u, tiny))


def ulp_error(y: np.ndarray, ref: np.ndarray, dtype) -> np.ndarray:
    """|y - ref| / ulp(ref) as float64; 0 where both are NaN or equal (infinities
    included), inf where exactly one is NaN or the infinities differ."""
    yr = np.asarray(y).astype(ref.dtype)
    with np.errstate(all="ignore"):
        err = np.abs(yr - ref) / ulp(ref, dtype)
        # a finite reference beyond the dtype's range rounds to +-inf: that is exact
        rounded = cast_ref(ref, dtype).astype(ref.dtype)
        overflow = np.isinf(rounded) & np.isfinite(ref)
        err = np.where(overflow, np.where(yr == rounded, 0.0, np.inf), err)
    same = (yr == ref) | (np.isnan(yr) & np.isnan(ref))
    err = np.where(same, 0.0, err)
    return np.where(np.isnan(err), np.inf, err).astype(np.float64)


def same_bits_or_both_nan(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise: identical bit patterns (so +0 != -0), or both NaN."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    u = np.dtype(f"u{a.dtype.itemsize}")
    return (a.view(u) == b.view(u)) | (np.isnan(a) & np.isnan(b))


def cast_ref(ref: np.ndarray, dtype) -> np.ndarray:
    """The reference rounded to `dtype`."""
    with np.errstate(all="ignore"):
        return np.asarray(ref).astype(dtype)


def cancellation_scale(case: Case, xr: np.ndarray, dtype) -> np.ndarray:
    """For derivatives written as a sum of terms that cancel where the derivative crosses
    zero, the sum of the terms' magnitudes at x (in the reference precision); 0 for the
    others. A kernel's rounding errors are relative to the terms, not to their sum.

    silu / swish: s (1 + z (1 - s)), z = beta x, s = sigmoid(z);
    mish: t + x (1 - t^2) sigmoid(x), t = tanh(softplus(x));
    hardswish: x / 3 + 1/2 on [-3, 3];
    gelu: Phi(x) + x phi(x) (erf form; the tanh form's s (1 + x (1 - s) z') alike), zero near
    x = -0.75.
    """
    oracle = _oracle()
    p = case.rounded_params(dtype)
    with np.errstate(all="ignore"):
        if case.name in ("silu", "swish"):
            z = xr * xr.dtype.type(p.get("beta", 1.0))
            s, sm = oracle.forward("sigmoid", z), oracle.forward("sigmoid", -z)
            k = s * (1 + np.abs(z) * sm)
        elif case.name == "mish":
            t = np.tanh(oracle.forward("softplus", xr))
            k = np.abs(t) + np.abs(xr) * (1 - t * t) * oracle.forward("sigmoid", xr)
        elif case.name == "hardswish":
            k = np.where(np.abs(xr) <= 3, np.abs(xr) / 3 + xr.dtype.type(0.5), 0)
        elif case.name == "gelu":
            # the terms' size is the same for both forms to within a constant factor
            phi = np.exp(-xr * xr / 2) / np.sqrt(2 * np.pi)
            cdf = oracle.forward("gelu", xr) / np.where(xr == 0, 1, xr)
            k = np.abs(cdf) + np.abs(xr) * phi * (1 + xr * xr * 0.134145)
        else:
            return np.zeros_like(xr)
    return np.where(np.isfinite(k), k, 0).astype(xr.dtype)


# ---------------------------------------------------------------------------------------
# The accuracy contracts (shared by test_forward, test_backward and test_special_values;
# the bounds are derived in the docstring of test_backward.py).

SMOOTH_FROM_X_ULP = 10.0
FROM_Y_C = 4.0


def forward_violations(case: Case, dtype, x: np.ndarray, y: np.ndarray):
    """(bad, ref, err, bound text): elements of y = f(x) outside the catalogue bound.
    A bound of 0 (identity) means the bits of x."""
    bound = case.max_ulp(dtype)
    if bound == 0:
        return ~same_bits_or_both_nan(y, x), x, None, "bitwise"
    ref = case.ref_forward(to_ref(x), dtype)
    err = ulp_error(y, ref, dtype)
    return err > bound + HAIR, ref, err, f"bound {bound} ulp, max {err.max(initial=0):.4g}"


def from_y_alternative(case: Case, x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Where y = f(x) cannot tell which piece x was on, the gradient of the other piece
    (NaN elsewhere). Documented limits of differentiating from y (fastact.info notes):
    - pwl_sigmoid/hardsigmoid: an x within half an ulp inside a kink rounds y onto the
      saturated value 0 or 1, where the flat piece's gradient 0 is returned;
    - softplus: y = x + log1p(exp(-beta x)) exceeds threshold / beta slightly before x does,
      so just below the switch the linear piece's gradient (g) is returned (relative
      difference exp(-threshold))."""
    y = case.forward(x)
    alt = np.full(x.shape, np.nan, dtype=np.result_type(g, np.float64))
    if case.name in ("pwl_sigmoid", "hardsigmoid"):
        alt[(y == 0) | (y == 1)] = 0.0
    elif case.name == "softplus":
        p = {**case.info["params"], **dict(case.params)}
        dt = x.dtype.type
        with np.errstate(over="ignore", invalid="ignore"):
            linear = dt(p["beta"]) * y > dt(p["threshold"])
        alt[linear] = g[linear]
    return alt


def gradient_violations(case: Case, dtype, x: np.ndarray, g: np.ndarray, got: np.ndarray,
                        *, from_y: bool):
    """(bad, ref, err, bound text): elements of a gradient at x (computed from x, or from
    y = f(x) if from_y) outside the bound for this activation."""
    bad, ref, err, what = _gradient_violations(case, dtype, x, g, got, from_y=from_y)
    if from_y:
        alt = from_y_alternative(case, x, g)
        bad &= ~(got.astype(np.float64) == alt)
    return bad, ref, err, what


def _gradient_violations(case: Case, dtype, x: np.ndarray, g: np.ndarray, got: np.ndarray,
                         *, from_y: bool):
    xr, gr = to_ref(x), to_ref(g)
    ref = case.ref_backward(gr, xr, dtype)
    if case.max_ulp(dtype) == 0:  # identity: the gradient passes through bit for bit
        return ~same_bits_or_both_nan(got, g), g, None, "bitwise"
    if case.piecewise_constant_derivative:
        err = ulp_error(got, ref, dtype)
        return err > 0.5 + HAIR, ref, err, f"bound 0.5 ulp, max {err.max(initial=0):.4g}"
    with np.errstate(all="ignore"):
        abs_err = np.abs(got.astype(ref.dtype) - ref)
        u = ulp(ref, dtype)
        eps = ref.dtype.type(np.finfo(dtype).eps)
        tiny = ref.dtype.type(np.finfo(dtype).smallest_subnormal)
        if from_y:
            d = case.ref_derivative(xr, dtype)
            allowed = FROM_Y_C * eps * np.abs(gr) * (1 + np.abs(d)) + u / 2
            what = f"bound {FROM_Y_C} eps |g| (1 + |d|) + ulp/2"
        else:
            kappa = cancellation_scale(case, xr, dtype)
            allowed = (SMOOTH_FROM_X_ULP * (u + eps / 2 * np.abs(gr) * kappa)
                       + 2 * np.abs(gr) * tiny)
            what = f"bound {SMOOTH_FROM_X_ULP} (ulp + eps/2 |g| kappa) + 2 |g| tiny"
        rounded = cast_ref(ref, dtype)
        same = ((got.astype(ref.dtype) == ref) | (np.isnan(got) & np.isnan(ref))
                | (np.isinf(rounded) & (got == rounded)))  # overflow rounds to +-inf
        bad = ~(same | (abs_err <= allowed))  # NaN against a number is bad
        err = (abs_err / u).astype(np.float64)
    return bad, ref, err, what


# ---------------------------------------------------------------------------------------
# Reports.


def bits(v) -> str:
    v = np.asarray(v)
    u = np.dtype(f"u{v.dtype.itemsize}")
    return f"0x{int(v.view(u)):0{2 * v.dtype.itemsize}x}"


def mismatch_report(title: str, bad: np.ndarray, x: np.ndarray, got: np.ndarray,
                    expected: np.ndarray, *, g: np.ndarray | None = None,
                    err: np.ndarray | None = None, limit: int = 8) -> str:
    """A readable list of the first `limit` failing elements (with input bits)."""
    idx = np.flatnonzero(bad)
    lines = [f"{title}: {idx.size} of {bad.size} elements wrong (isa={fastact.get_isa()})"]
    for i in idx[:limit]:
        line = (f"  [{i}] x={x.flat[i]!r} ({bits(x.flat[i])})"
                f" got={got.flat[i]!r} ({bits(got.flat[i])})"
                f" expected={expected.flat[i]!r}")
        if g is not None:
            line += f" grad_output={g.flat[i]!r}"
        if err is not None:
            line += f" err={err.flat[i]:.4g}"
        lines.append(line)
    return "\n".join(lines)

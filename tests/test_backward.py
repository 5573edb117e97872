"""Gradients against the reference oracle, from x and from y, and against finite
differences of fastact's own forward.

Bounds (``u`` = ulp of the result in the dtype under test, ``eps`` = machine epsilon,
``g`` = grad_output, ``d`` = the reference derivative at x, ``tiny`` = smallest subnormal):

* From x, piecewise-constant derivatives (identity, relu, relu6, leaky_relu, hardtanh,
  hardsigmoid, pwl_sigmoid, threshold, hardshrink, softshrink): the gradient is ``g``,
  ``0``, ``g * slope``, ``g / 6`` or ``g / 2``, one correctly rounded operation, so
  ``|err| <= (0.5 + HAIR) u``; identity must return ``g`` bit for bit.
* From x, computed derivatives: e.g. sigmoid's ``g * (e r r)`` with ``e = exp(-|x|)``
  (<= 0.6 ulp) and ``r = 1 / (1 + e)``: the relative errors of its five or six roundings
  add up to at most ~9.4 units of 2^-p, so ``SMOOTH_FROM_X_ULP = 10`` ulps (measured
  maximum over sigmoid, tanh, softsign and the exponential family: 5.05). Where the
  derivative is a sum of terms that cancel (silu / swish, mish, hardswish cross zero), each
  rounding is relative to a term, not to the sum: ``+ 10 (eps / 2) |g| kappa`` with kappa
  the sum of the terms' magnitudes (``_helpers.cancellation_scale``). In the subnormal
  range exp and the products carry absolute errors of up to 1.5 tiny, scaled by |g|:
  ``+ 2 |g| tiny``.
* From y (y computed by fastact's forward in the same dtype and ISA, compared with the
  reference gradient at the *same* x): the derivative inherits the rounding of y. y carries
  at most m ulps (m = the forward bound, <= 2), an absolute error <= m eps |y|, and the
  derivative written in y changes with slope L, so the inherited error is
  ``<= L m eps |y| |g|``; where the y-formula applies, L |y| <= 1 for sigmoid, logsigmoid,
  softplus, celu and elu (alpha <= 1), 2 for tanh and softsign, 1.76 for selu, so
  ``L m |y| <= 4``. The roundings of the formula and the product add ``<= 1.5 eps |g d|``.
  Bound (``FROM_Y_C = 4``): ``|err| <= 4 eps |g| (1 + |d|) + u / 2`` (measured:
  <= 1.1 eps |g| (1 + |d|)). For the piecewise-constant derivatives the from-x bound
  applies: y decides the same piece as x unless rounding puts y on a kink, i.e. unless
  the y formula is ambiguous, which is then a defect this test reports.
  (The constants live in ``_helpers``, shared with test_special_values.py.)
* Finite differences (float64, points away from kinks): central differences with step
  ``h ~ 2^-17 max(1, |x|)`` have truncation error ~h^2 |f'''| and rounding error
  ~eps |f| / h, both below 1e-9 here; the check uses 1e-7 relative.
"""

from __future__ import annotations

import numpy as np
import pytest

from _helpers import (
    CASE_PARAMS,
    CASES,
    DTYPE_PARAMS,
    FROM_Y_CASE_PARAMS,
    Case,
    grad_outputs,
    gradient_violations,
    kinks,
    mismatch_report,
    mixed_inputs,
    seeded_rng,
)
from conftest import SIZES

# The lane and tail structure is exercised at every size by test_forward.py and thread
# splitting bitwise by test_consistency.py; here a subset keeps the run short: empty, one
# element, below / above each vector width and the 2x unroll, and a large array (several
# 4096-element chunks).
BACKWARD_SIZES = (*(n for n in SIZES if n in (0, 1, 7, 9, 17, 33, 65, 1000)), 20011)


def _check_against_reference(case: Case, dtype, x, g, got, title, *, from_y: bool):
    bad, ref, err, what = gradient_violations(case, dtype, x, g, got, from_y=from_y)
    assert not bad.any(), mismatch_report(
        f"{case.id} {title} {np.dtype(dtype).name}: {what}", bad, x, got, ref, g=g, err=err)


@pytest.mark.parametrize("size", BACKWARD_SIZES, ids=lambda n: f"n={n}")
@pytest.mark.parametrize("dtype", DTYPE_PARAMS)
@pytest.mark.parametrize("case", CASE_PARAMS)
def test_backward_from_x_matches_reference(case, dtype, size, isa):
    x = mixed_inputs(case, dtype, size)
    g = grad_outputs(dtype, size)
    got = case.backward(g, x)
    assert got.dtype == np.dtype(dtype)
    assert got.shape == x.shape
    _check_against_reference(case, dtype, x, g, got, "backward(x)", from_y=False)


@pytest.mark.parametrize("size", BACKWARD_SIZES, ids=lambda n: f"n={n}")
@pytest.mark.parametrize("dtype", DTYPE_PARAMS)
@pytest.mark.parametrize("case", FROM_Y_CASE_PARAMS)
def test_backward_from_y_matches_reference_at_same_x(case, dtype, size, isa):
    x = mixed_inputs(case, dtype, size)
    g = grad_outputs(dtype, size)
    y = case.forward(x)
    got = case.backward(g, y=y)
    assert got.dtype == np.dtype(dtype)
    assert got.shape == x.shape
    _check_against_reference(case, dtype, x, g, got, "backward(y=f(x))", from_y=True)


NO_FROM_Y = [c for c in CASES if not c.from_y]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in NO_FROM_Y])
def test_backward_from_y_is_rejected_where_unsupported(case, isa):
    x = np.linspace(-2, 2, 9)
    with pytest.raises(TypeError):
        case.backward(np.ones_like(x), y=x)


def _away_from_kinks(case: Case, x: np.ndarray) -> np.ndarray:
    keep = np.ones(x.shape, dtype=bool)
    for k in kinks(case):
        keep &= np.abs(x - k) > 1e-2 * max(1.0, abs(k))
    return x[keep]


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_backward_matches_finite_difference_float64(case, isa):
    rng = seeded_rng("fd", case.id)
    x = _away_from_kinks(case, rng.normal(0.0, 3.0, 2000))
    if case.name == "sbaf":  # domain [0, 1]; f''' grows like x^-3.5 towards its ends
        x = rng.uniform(0.1, 0.9, 2000)
    # a power-of-two step per element, ~2^-17 max(1, |x|)
    h = np.ldexp(1.0, np.frexp(np.maximum(1.0, np.abs(x)))[1] - 17)
    xp, xm = x + h, x - h
    fp, fm = case.forward(xp), case.forward(xm)
    inside = np.isfinite(fp) & np.isfinite(fm)  # sbaf is NaN outside [0, 1]
    assert inside.sum() >= 100, "too few points inside the domain"
    x, xp, xm, fp, fm = x[inside], xp[inside], xm[inside], fp[inside], fm[inside]
    fd = (fp - fm) / (xp - xm)
    g = seeded_rng("fd grad", case.id).normal(0.0, 1.0, x.size)
    got = case.backward(g, x)
    expected = g * fd
    bad = ~(np.abs(got - expected) <= 1e-7 * np.abs(g) * (1 + np.abs(fd)))
    assert not bad.any(), mismatch_report(
        f"{case.id} backward(x) vs central difference (float64)", bad, x, got, expected, g=g)

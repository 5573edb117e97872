"""Forward values against the reference oracle, for every activation, parameter set,
dtype, ISA and array size in ``conftest.SIZES``.

Inputs mix N(0, 3), log-uniform magnitudes 1e-30..1e30 of both signs, and points at and a
few ulps around each activation's kinks and the smooth kernels' branch points (see
``_helpers.mixed_inputs``). The error of each element is measured in ulps of the output
dtype against the reference evaluated one precision higher (float64 for float32, long
double for float64), as ``|y - ref| / ulp(ref)`` with the smallest subnormal spacing at
zero and in the subnormal range, and must not exceed the catalogue's
``fastact.info(name)["max_ulp"][dtype]`` plus ``HAIR`` (the reference's own error).
A bound of 0 (identity) is checked bitwise against the input itself.
"""

from __future__ import annotations

import numpy as np
import pytest

import fastact
from _helpers import (
    CASE_PARAMS,
    DTYPE_PARAMS,
    Case,
    forward_violations,
    gradient_violations,
    mismatch_report,
    mixed_inputs,
)
from conftest import SIZES


@pytest.mark.parametrize("size", SIZES, ids=lambda n: f"n={n}")
@pytest.mark.parametrize("dtype", DTYPE_PARAMS)
@pytest.mark.parametrize("case", CASE_PARAMS)
def test_forward_matches_reference(case, dtype, size, isa):
    x = mixed_inputs(case, dtype, size)
    y = case.forward(x)
    assert y.dtype == np.dtype(dtype)
    assert y.shape == x.shape
    bad, ref, err, what = forward_violations(case, dtype, x, y)
    assert not bad.any(), mismatch_report(
        f"{case.id} forward {np.dtype(dtype).name}: {what}", bad, x, y, ref, err=err)


# Parameter values that select other float32 code paths than the default and the
# NON_DEFAULT_PARAMS cases: sbaf's square-root form divides for k > 2 (1 + k sqrt(x (1 - x))
# can exceed 2) and uses a division-free reciprocal below; softplus and swish with beta = 1
# (their own loop variants) against other betas, and softplus's threshold below and at or
# above 17.5 (float32: the linear region's test is left out there).
PATH_PARAMS = [
    Case("sbaf", (("k", 3.0), ("alpha", 0.5))),
    Case("sbaf", (("k", 50.0), ("alpha", 0.5))),
    Case("sbaf", (("k", 2.0), ("alpha", 0.5))),
    Case("swish", (("beta", 1.0),)),
    Case("swish", (("beta", 1.0000001),)),
    Case("softplus", (("beta", 1.0), ("threshold", 20.0))),
    Case("softplus", (("beta", 1.0), ("threshold", 5.0))),
    Case("softplus", (("beta", 1.0), ("threshold", 17.5))),
    Case("softplus", (("beta", 0.5), ("threshold", 20.0))),  # exact z = beta x (see info)
]


@pytest.mark.parametrize("threshold", [17.5, 20.0, 1e30])
def test_softplus_without_the_threshold_test_is_exact_in_the_linear_region(threshold, isa):
    """float32, beta = 1, threshold >= 17.5: the kernel computes log1p(exp(x)) everywhere;
    above the threshold that must still be x itself, and the gradient dy itself."""
    x = np.concatenate([np.linspace(17.5, 1e4, 50001, dtype=np.float32),
                        np.geomspace(1e4, 3e38, 1001).astype(np.float32),
                        np.array([np.inf, np.nextafter(np.float32(17.5), np.float32(0))],
                                 np.float32)])
    x = x[x > threshold]
    np.testing.assert_array_equal(fastact.softplus(x, threshold=threshold), x)
    g = np.linspace(-3, 3, x.size).astype(np.float32)
    np.testing.assert_array_equal(fastact.softplus_backward(g, x, threshold=threshold), g)


@pytest.mark.parametrize("dtype", DTYPE_PARAMS)
@pytest.mark.parametrize("case", PATH_PARAMS, ids=lambda c: c.id)
def test_parameter_dependent_paths_match_reference(case, dtype, isa):
    x = mixed_inputs(case, dtype, 20011, "paths")
    if case.name == "sbaf":  # its domain, densely, with the ends
        x = np.concatenate([np.linspace(0, 1, 20011, dtype=dtype), np.array([0, 1, -0.0], dtype)])
    y = case.forward(x)
    bad, ref, err, what = forward_violations(case, dtype, x, y)
    assert not bad.any(), mismatch_report(
        f"{case.id} forward {np.dtype(dtype).name}: {what}", bad, x, y, ref, err=err)
    g = np.ones_like(x)
    _check_gradient(case, dtype, x, g, case.backward(g, x))


def _check_gradient(case, dtype, x, g, got):
    bad, ref, err, what = gradient_violations(case, dtype, x, g, got, from_y=False)
    assert not bad.any(), mismatch_report(
        f"{case.id} backward {np.dtype(dtype).name}: {what}", bad, x, got, ref, g=g, err=err)

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

from _helpers import CASE_PARAMS, DTYPE_PARAMS, forward_violations, mismatch_report, mixed_inputs
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

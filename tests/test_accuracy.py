"""Accuracy: every activation's max ulp error against the catalogue's bound, and the error
measure itself (fastact.accuracy.ulp_error) on hand-made cases."""

from __future__ import annotations

import numpy as np
import pytest

import fastact
from fastact import accuracy as A

# The ISA chosen at import (the conftest's `isa` fixture switches it per test): it gets the
# full default sweeps, the other ISAs coarser ones to keep the suite fast.
DEFAULT_ISA = fastact.get_isa()
COARSE_F32_STEP = 65521  # odd prime: ~65,500 float32 points
COARSE_F64_POINTS = 1 << 16
DTYPES = ("float32", "float64")

F32 = np.float32
F64 = np.float64
LD = np.longdouble
FLT = np.finfo(F32)
DBL = np.finfo(F64)


# ---------------------------------------------------------------------------------------
# Every activation within its documented bound


def _describe(r: dict) -> str:
    x = r["worst_x"]
    return (
        f"{r['name']} {r['dtype']} {r['isa']}: max {r['max_ulp']} ulp > bound {r['bound']} "
        f"at x = {float(x)!r} ({A._hex_bits(x)}): y = {float(r['worst_y'])!r}, "
        f"reference = {np.format_float_scientific(r['worst_ref'], unique=True)} "
        f"({r['count']} points)"
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", fastact.activations())
def test_max_ulp_within_catalogue_bound(name, dtype, isa):
    full = isa == DEFAULT_ISA
    r = A.measure(
        name,
        dtype,
        step=A.F32_DEFAULT_STEP if full else COARSE_F32_STEP,
        points=A.F64_DEFAULT_POINTS if full else COARSE_F64_POINTS,
    )
    assert r["isa"] == isa
    assert r["bound"] == fastact.info(name)["max_ulp"][dtype]
    assert r["max_ulp"] <= r["bound"], _describe(r)


# arelu's float32 power (math-inl.hpp's float32_power: float64 polynomials cut to a float32
# result's needs) for parameters far from the defaults: exponents small, large and negative,
# negative and tiny scales, and the backward's product with gradients across the range,
# against the float64 reference at the parameters rounded to float32 (as the kernels take
# them). A strided sweep of every positive finite float32 pattern, +inf and 0.
ARELU_PARAMS = [(0.54, 1.3), (2.0, 0.5), (1.0, 50.0), (3.0, 0.01), (0.5, -1.5), (-2.0, 2.0),
               (1e-30, 3.0), (7.0, 1.0)]


@pytest.mark.parametrize("k,n", ARELU_PARAMS)
def test_arelu_float32_power_for_any_parameters(isa, k, n):
    from fastact import reference as R

    k, n = float(F32(k)), float(F32(n))
    step = 4093 if isa == DEFAULT_ISA else 65521
    bits = np.arange(0, 0x7F800000, step, dtype=np.uint32)
    x = np.concatenate([bits.view(F32), F32([np.inf, 0.0, FLT.tiny, FLT.max])])
    bound = fastact.info("arelu")["max_ulp"]["float32"]
    with np.errstate(all="ignore"):
        err = A.ulp_error(fastact.arelu(x, k=k, n=n),
                          R.forward("arelu", x.astype(F64), k=k, n=n), "float32").ulps
        assert err.max() <= bound, ("forward", float(x[err.argmax()]), err.max())
        for scale in (1e-3, 1e-30, 3e38):
            g = np.full_like(x, F32(scale))
            ref = R.backward("arelu", g.astype(F64), x.astype(F64), k=k, n=n)
            err = A.ulp_error(fastact.arelu_backward(g, x, k=k, n=n), ref, "float32").ulps
            assert err.max() <= bound, ("backward", scale, float(x[err.argmax()]), err.max())


@pytest.mark.exhaustive
@pytest.mark.parametrize("name", fastact.activations())
def test_exhaustive_float32_within_catalogue_bound(name, request):
    """Every float32 input on the active ISA (minutes per function): -m exhaustive."""
    if "exhaustive" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("all 2**32 inputs: run with -m exhaustive")
    r = A.measure(name, "float32", exhaustive=True)
    assert r["max_ulp"] <= r["bound"], _describe(r)


# ---------------------------------------------------------------------------------------
# measure()


def test_measure_result_and_isa_restored():
    others = [i for i, ok in fastact.available_isas().items() if ok and i != fastact.get_isa()]
    before = fastact.get_isa()
    isa = others[0] if others else before
    r = A.measure("relu", "float32", isa=isa, step=COARSE_F32_STEP)
    assert fastact.get_isa() == before
    assert r["isa"] == isa
    assert set(r) >= {
        "max_ulp", "worst_x", "worst_y", "worst_ref", "count", "zero_sign_mismatches", "isa",
    }
    assert r["count"] == A.float32_sweep(COARSE_F32_STEP).size
    assert r["max_ulp"] == 0.0


def test_measure_finds_an_injected_error(monkeypatch):
    """A kernel that is 3 ulps off at one input must be reported with that input."""
    real = fastact.relu
    bad_x = F32(1.5)

    def relu_off_by_3_ulp(x, **kw):
        y = real(x, **kw)
        at = x == bad_x
        y[at] = np.nextafter(np.nextafter(np.nextafter(y[at], F32(9)), F32(9)), F32(9))
        return y

    monkeypatch.setattr(fastact, "relu", relu_off_by_3_ulp)
    r = A.measure("relu", "float32", step=COARSE_F32_STEP, jobs=2)
    assert r["max_ulp"] == 3.0
    assert r["worst_x"] == bad_x and r["worst_ref"] == 1.5


def test_measure_counts_zero_sign_mismatches(monkeypatch):
    """A kernel returning every zero with the wrong sign: 0 ulp, but each one counted."""
    real = fastact.relu

    def relu_flipped_zeros(x, **kw):
        y = real(x, **kw)
        y[y == 0] *= -1
        return y

    monkeypatch.setattr(fastact, "relu", relu_flipped_zeros)
    x = np.array([-0.0, 0.0, -1.0, 2.0, -np.inf], dtype=F64)
    r = A.measure("relu", "float64", inputs=x)
    assert r["zero_sign_mismatches"] == 4
    assert r["max_ulp"] == 0.0


def test_measure_rejects_bad_arguments():
    with pytest.raises(ValueError, match="unknown activation"):
        A.measure("no_such_activation", "float32")
    with pytest.raises(ValueError, match="float32 or float64"):
        A.measure("relu", "float16")
    with pytest.raises(ValueError, match="exhaustive"):
        A.measure("relu", "float64", exhaustive=True)
    with pytest.raises(ValueError, match=r"not available"):
        A.measure("relu", "float32", isa="vax")


def test_measure_parameters_rounded_like_the_kernel():
    # leaky_relu(x, 0.01) in float32 multiplies by float32(0.01): correctly rounded against
    # the reference evaluated with that same slope.
    r = A.measure("leaky_relu", "float32", params={"negative_slope": 0.01}, step=COARSE_F32_STEP)
    assert r["params"] == {"negative_slope": 0.01}
    assert r["max_ulp"] <= 0.5


# ---------------------------------------------------------------------------------------
# Sweeps


def _has(x: np.ndarray, value: float, negative: bool) -> bool:
    if np.isnan(value):
        return bool(np.isnan(x).any())
    return bool(((x == value) & (np.signbit(x) == negative)).any())


@pytest.mark.parametrize(
    "x", [A.float32_sweep(), A.float64_sweep()], ids=["float32", "float64"]
)
def test_sweeps_include_the_special_points(x):
    fi = np.finfo(x.dtype)
    for v in (0.0, np.inf, fi.smallest_subnormal, fi.max, fi.smallest_normal):
        assert _has(x, v, negative=False) and _has(x, -v, negative=True), v
    assert _has(x, np.nan, False)
    assert (x < 0).sum() > x.size // 3 and (x > 0).sum() > x.size // 3


def test_float32_sweep_is_strided_over_all_bit_patterns():
    x = A.float32_sweep(4099)
    bits = x.view(np.uint32)[: -A.special_points(F32).size]
    assert bits.size == -(-(1 << 32) // 4099)
    assert np.all(np.diff(bits.astype(np.int64)) == 4099)
    # the low mantissa bits take every value
    assert np.unique(bits & 0xFF).size == 256
    with pytest.raises(ValueError, match="odd"):
        A.float32_sweep(4098)


def test_float64_sweep_covers_the_useful_range():
    x = A.float64_sweep(1 << 16)
    a = np.abs(x[np.isfinite(x)])
    in_range = (a >= A.F64_RANGE[0]) & (a <= A.F64_RANGE[1])
    assert in_range.sum() >= (1 << 16) - 2
    assert a.max() == DBL.max and a[a > 0].min() == DBL.smallest_subnormal
    assert np.unique(x.view(np.uint64) & np.uint64(0xFF)).size == 256


# ---------------------------------------------------------------------------------------
# ulp_error on hand-made cases


def ulps(y, ref, dtype):
    return A.ulp_error(y, ref, dtype).ulps


def test_one_ulp_off():
    assert ulps(np.nextafter(F32(1), F32(2)), 1.0, F32) == 1.0
    assert ulps(np.nextafter(F64(1), F64(2)), LD(1), F64) == 1.0
    assert ulps(F32(-3), -np.nextafter(F32(3), F32(4)).astype(F64), F32) == 1.0


def test_half_ulp_is_correct_rounding():
    assert ulps(F32(1), 1 + 2.0**-24, F32) == 0.5
    assert ulps(F64(1), LD(1) + LD(2) ** -53, F64) == 0.5


def test_ulp_is_that_of_the_correctly_rounded_result():
    # ref = 1 - 2**-26 rounds to 1, so the ulp is 2**-23, not the 2**-24 below 1.
    ref = 1 - 2.0**-26
    assert ulps(F32(1), ref, F32) == 0.125
    assert ulps(np.nextafter(F32(1), F32(0)), ref, F32) == 0.375


def test_float64_is_measured_in_long_double():
    # In float64 the reference 1 + 2**-54 would be 1 and the error 0.
    assert ulps(F64(1), LD(1) + LD(2) ** -54, F64) == 0.25


def test_subnormals():
    tiny32, tiny64 = FLT.smallest_subnormal, DBL.smallest_subnormal
    assert ulps(tiny32, 0.0, F32) == 1.0
    assert ulps(F32(3) * tiny32, F64(tiny32), F32) == 2.0
    assert ulps(F32(0), F64(tiny32) / 2, F32) == 0.5  # rounds (to even) to 0: ulp = tiny
    assert ulps(F64(0), LD(tiny64) / 4, F64) == 0.25
    assert ulps(F64(2) * tiny64, LD(tiny64), F64) == 1.0
    # largest subnormal and smallest normal share the spacing
    big_sub = np.nextafter(FLT.smallest_normal, F32(0))
    assert ulps(big_sub, F64(FLT.smallest_normal), F32) == 1.0


def test_nan():
    assert ulps(F32(np.nan), np.nan, F32) == 0.0
    assert ulps(F32(np.nan), 1.0, F32) == np.inf
    assert ulps(F32(1), np.nan, F32) == np.inf
    assert ulps(F64(np.nan), LD("nan"), F64) == 0.0


def test_infinities():
    inf = np.inf
    assert ulps(F32(inf), inf, F32) == 0.0
    assert ulps(F32(-inf), -inf, F32) == 0.0
    assert ulps(F32(-inf), inf, F32) == np.inf
    assert ulps(F32(inf), 1.0, F32) == np.inf
    assert ulps(F32(1), inf, F32) == np.inf
    assert ulps(F32(FLT.max), inf, F32) == np.inf
    assert ulps(F64(inf), LD(inf), F64) == 0.0


def test_overflow_against_a_finite_reference():
    ulp_max = 2.0**104  # spacing of FLT_MAX
    halfway = 2.0**128 - 2.0**103  # FLT_MAX + ulp/2: rounds (to even) to inf
    assert ulps(F32(np.inf), halfway, F32) == 0.5
    assert ulps(FLT.max, halfway, F32) == 0.5
    assert ulps(FLT.max, 2.0**128 + ulp_max, F32) == 2.0
    assert ulps(F32(np.inf), 1e300, F32) == 0.0  # the correctly rounded result is inf
    assert ulps(F32(np.inf), float(FLT.max), F32) == np.inf  # max does not round to inf
    assert ulps(F32(-np.inf), halfway, F32) == np.inf


def test_signed_zeros():
    e = A.ulp_error(
        np.array([-0.0, 0.0, 0.0, -0.0, -0.0, 0.0], dtype=F32),
        np.array([0.0, -0.0, 0.0, -0.0, -1e-60, 1e-60]),
        F32,
    )
    assert e.ulps.tolist()[:4] == [0.0, 0.0, 0.0, 0.0]
    assert e.zero_sign_mismatches.tolist() == [True, True, False, False, False, False]
    assert 0 < e.ulps[4] < 1e-10
    e64 = A.ulp_error(F64(-0.0), LD(0), F64)
    assert e64.ulps == 0.0 and e64.zero_sign_mismatches


def test_shapes_and_dtype_check():
    e = A.ulp_error(np.ones((2, 3), dtype=F32), np.ones(3), F32)
    assert e.ulps.shape == (2, 3) and e.zero_sign_mismatches.shape == (2, 3)
    assert e.ulps.dtype == np.float64
    with pytest.raises(ValueError, match="float32 or float64"):
        A.ulp_error(np.ones(2, dtype=np.float16), np.ones(2), np.float16)


def test_ulp_error_never_nan_on_all_special_pairs():
    s = A.special_points(F32)
    y, ref = np.meshgrid(s, s.astype(F64))
    e = A.ulp_error(y, ref, F32)
    assert not np.isnan(e.ulps).any()
    assert (e.ulps[y.astype(F64) == ref] == 0).all()

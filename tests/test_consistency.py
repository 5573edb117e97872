"""Bitwise consistency of the kernels with themselves.

(a) Position invariance (``loop-inl.hpp``: "an element's result depends only on its value
    and the ISA: never on the array length, its offset, the chunking ... or the thread
    count"): f(x)[k] == f(x[k:k+1])[0]; f(x[off:off+n]) == f(x)[off:off+n] for every
    offset 0..17 (all alignments of a 64-byte vector for both dtypes, so that each element
    moves through every lane, the unrolled body, the single vector and the masked tail);
    strided views; and 1 thread versus 2 above the parallel cut-off (several chunks).
(b) Cross-ISA agreement: the AVX2 and AVX-512 kernels are the scalar kernels' operation
    sequence (the scalar path uses std::fma and the same formulas), so ISAs must give
    identical bits. The one exception is by design: the float32 kernels of the activations
    with per-interval tables use them only on the ISAs where a lookup is one operation
    (``fastact.info(name)["float32_tables"]``: scalar, AVX-512) and a computed form on the
    others (AVX2), so for those the ISAs agree within each form. Each ISA's
    distance from the reference is checked by test_forward.py / test_backward.py; here a
    difference is reported with its size in ulps.

Every check covers forward, backward from x and (where supported) backward from y, on
mixed inputs plus the special values.
"""

from __future__ import annotations

import numpy as np
import pytest

import fastact
from _helpers import (
    CASE_PARAMS,
    DTYPE_PARAMS,
    Case,
    grad_outputs,
    kinks,
    mismatch_report,
    mixed_inputs,
    same_bits_or_both_nan,
)


def nan_variants(dtype) -> np.ndarray:
    """NaNs of both signs, quiet and signalling, with payloads: an op that skips the
    canonicalisation (NaNPolicy in activations-inl.hpp) must still give each of them the same
    bits wherever it stands."""
    if np.dtype(dtype) == np.float32:
        bits = np.array([0x7FC00000, 0xFFC00000, 0x7FC12345, 0xFFD00001, 0x7F800001, 0xFFA00F00],
                        np.uint32)
    else:
        bits = np.array([0x7FF8000000000000, 0xFFF8000000000000, 0x7FF8123456789ABC,
                         0xFFF9000000000001, 0x7FF0000000000001, 0xFFF4000000F00000], np.uint64)
    return bits.view(dtype)


def inputs(case: Case, dtype, n: int) -> np.ndarray:
    """n mixed inputs with the special values (NaNs, +-inf, +-0, subnormals, the kinks)
    spread through them."""
    x = mixed_inputs(case, dtype, n, tag="consistency").copy()
    fi = np.finfo(dtype)
    finite = [np.inf, -np.inf, 0.0, -0.0, fi.smallest_subnormal, -fi.smallest_subnormal,
              fi.max, -fi.max, *kinks(case)]
    specials = np.concatenate([nan_variants(dtype), np.array(finite, dtype=dtype)])
    x[np.arange(specials.size) * (n // specials.size)] = specials
    return x


def operations(case: Case):
    """(label, fn(x, g, **kw)) for forward, backward from x and backward from y."""
    ops = [
        ("forward", lambda x, g, **kw: case.forward(x, **kw)),
        ("backward(x)", lambda x, g, **kw: case.backward(g, x, **kw)),
    ]
    if case.from_y:
        # y is computed from x in a separate full call, so a view of x maps to a view of y
        ops.append(("backward(y)", lambda y, g, **kw: case.backward(g, y=y, **kw)))
    return ops


def operands(case: Case, label: str, x: np.ndarray) -> np.ndarray:
    return case.forward(x) if label == "backward(y)" else x


def assert_same(title, x, got, expected):
    ok = same_bits_or_both_nan(got, expected)
    assert ok.all(), mismatch_report(title, ~ok, x, got, expected)


# ---------------------------------------------------------------------------------------
# (a) position invariance


@pytest.mark.parametrize("dtype", DTYPE_PARAMS)
@pytest.mark.parametrize("case", CASE_PARAMS)
def test_single_element_calls_match_full_array(case, dtype, isa):
    n = 70
    x = inputs(case, dtype, n)
    g = grad_outputs(dtype, n, "single")
    for label, fn in operations(case):
        v = operands(case, label, x)
        full = fn(v, g)
        single = np.array([fn(v[k:k + 1], g[k:k + 1])[0] for k in range(n)], dtype=dtype)
        assert_same(f"{case.id} {label}: single-element calls vs one call", x, single, full)


@pytest.mark.parametrize("dtype", DTYPE_PARAMS)
@pytest.mark.parametrize("case", CASE_PARAMS)
def test_fast_paths_give_the_general_paths_bits(case, dtype, isa):
    """Kernels with a fast path (FastBounds, activations-inl.hpp) take it for a block of four
    vectors whose every |x| lies within a bound, their general path otherwise: the two must
    agree bit for bit. The same moderate and tiny values (+-0, subnormals, the kinks) are
    computed in blocks of their own and in blocks that a huge value in every 16th element
    sends down the general path."""
    n = 4096
    x = mixed_inputs(case, dtype, n, tag="fast-paths").copy()
    x = np.where(np.isfinite(x) & (np.abs(x) <= 8), x, x.dtype.type(0.5))
    fi = np.finfo(dtype)
    tiny = [0.0, -0.0, fi.smallest_subnormal, -fi.smallest_subnormal, 3 * fi.smallest_subnormal,
            -3 * fi.smallest_subnormal, fi.tiny, -fi.tiny, 1e-30, -1e-30, *kinks(case)]
    spots = 16 * np.arange(len(tiny) * 8) + 1 + np.arange(len(tiny) * 8) % 15
    x[spots] = np.resize(np.array(tiny, dtype=dtype), spots.size)
    g = grad_outputs(dtype, n, "fast-paths")
    kept = np.arange(n) % 16 != 0
    for label, fn in operations(case):
        v = operands(case, label, x)
        mixed = v.copy()
        mixed[~kept] = dtype(1e30)
        alone, beside_huge = fn(v, g), fn(mixed, g)
        assert_same(f"{case.id} {label}: blocks of moderate values vs blocks with a huge one",
                    x[kept], beside_huge[kept], alone[kept])


@pytest.mark.parametrize("dtype", DTYPE_PARAMS)
@pytest.mark.parametrize("case", CASE_PARAMS)
def test_offset_and_strided_views_match_full_array(case, dtype, isa):
    n = 100
    big = inputs(case, dtype, n + 2 * 17)
    g = grad_outputs(dtype, big.size, "views")
    for label, fn in operations(case):
        v = operands(case, label, big)
        full = fn(v, g)
        for off in range(18):
            part = fn(v[off:off + n], g[off:off + n])
            assert_same(f"{case.id} {label}: x[{off}:{off + n}] vs full result",
                        big[off:off + n], part, full[off:off + n])
        for step in (2, 3, -1):
            part = fn(v[::step], g[::step])
            assert_same(f"{case.id} {label}: x[::{step}] vs full result",
                        big[::step], part, full[::step])


@pytest.mark.parametrize("dtype", DTYPE_PARAMS)
@pytest.mark.parametrize("case", CASE_PARAMS)
def test_thread_count_does_not_change_bits(case, dtype, isa):
    # above the parallel cut-off (32768 elements), ten 4096-element chunks and a tail
    n = 40973
    x = inputs(case, dtype, n)
    g = grad_outputs(dtype, n, "threads")
    for label, fn in operations(case):
        v = operands(case, label, x)
        one = fn(v, g, threads=1)
        two = fn(v, g, threads=2)
        assert_same(f"{case.id} {label}: threads=2 vs threads=1", x, two, one)


# ---------------------------------------------------------------------------------------
# (b) cross-ISA agreement


def _ulp_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Number of representable numbers between a and b (NaN pairs count as 0)."""
    nbits = 8 * a.dtype.itemsize
    ia = a.view(np.dtype(f"i{a.dtype.itemsize}")).astype(np.int64)
    ib = b.view(np.dtype(f"i{b.dtype.itemsize}")).astype(np.int64)
    mask = np.int64((1 << (nbits - 1)) - 1)
    oa = np.where(ia < 0, -(ia & mask), ia)
    ob = np.where(ib < 0, -(ib & mask), ib)
    d = np.abs(oa - ob).astype(np.float64)
    return np.where(np.isnan(a) & np.isnan(b), 0.0, d)


def _with_isa(name: str, fn):
    previous = fastact.get_isa()
    fastact.set_isa(name)
    try:
        return fn()
    finally:
        fastact.set_isa(previous)


@pytest.mark.parametrize("dtype", DTYPE_PARAMS)
@pytest.mark.parametrize("case", CASE_PARAMS)
def test_isas_give_identical_bits(case, dtype):
    isas = [name for name, ok in fastact.available_isas().items() if ok]
    # ISAs that must agree: all, or for a float32 kernel with two forms those of each form
    if case.info["float32_tables"] and np.dtype(dtype) == np.float32:
        tables = case.info["float32_tables"]
        groups = [[i for i in isas if i in tables], [i for i in isas if i not in tables]]
    else:
        groups = [isas]
    groups = [group for group in groups if len(group) >= 2]
    if not groups:
        pytest.skip("no two available ISAs share this kernel's form")
    n = 20011
    x = inputs(case, dtype, n)
    g = grad_outputs(dtype, n, "isa")
    failures = []
    for label, fn in operations(case):
        for group in groups:
            results = {}
            for name in group:
                def run(label=label, fn=fn):
                    return fn(operands(case, label, x), g)
                results[name] = _with_isa(name, run)
            base = group[0]
            for name in group[1:]:
                same = same_bits_or_both_nan(results[name], results[base])
                if not same.all():
                    dist = _ulp_distance(results[name], results[base])
                    i = int(np.argmax(dist))
                    if dist.max() == 0:  # only zero signs or NaN payloads differ
                        i = int(np.argmax(~same))
                    failures.append(
                        f"{label}: {name} differs from {base} in {int((~same).sum())} of {n} "
                        f"elements, by up to {dist.max():.0f} ulp (e.g. x={x[i]!r}: "
                        f"{name}={results[name][i]!r}, {base}={results[base][i]!r})")
    assert not failures, f"{case.id} {np.dtype(dtype).name}:\n  " + "\n  ".join(failures)

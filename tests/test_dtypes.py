"""The dtype rules: float32/float64 native, ints and bool in float64, float16 in float32 and
returned as float16, everything else a TypeError; grad_output follows the same rules and
the gradient comes back in x's (or y's) dtype.

Expected values are fastact's own float32/float64 results on the converted inputs, compared
bit for bit.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from _layout_helpers import (
    ACTIVATIONS,
    FROM_Y,
    Untouched,
    assert_bitwise,
    assert_c_result,
    assert_names,
    bwd,
    fwd,
    grads,
    layout,
    values,
)

acts = pytest.mark.parametrize("name", ACTIVATIONS)
# float16 results (and test inputs) may overflow to inf in the cast, with NumPy's warning.
f16_overflow = pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")

INT_DTYPES = (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64)


def _ints(dtype, n=300) -> np.ndarray:
    info = np.iinfo(dtype)
    rng = np.random.default_rng(n + info.bits)
    small = rng.integers(max(info.min, -12), min(info.max, 12), size=n, endpoint=True)
    x = small.astype(dtype)
    # The extremes, rounded by the conversion to float64 (int64/uint64 lose bits).
    x[:4] = [info.min, info.max, 0, info.max - 1]
    return x


def _float16(n=400) -> np.ndarray:
    x = values(n, np.float64)
    with np.errstate(over="ignore"):
        x16 = x.astype(np.float16)
    extra = np.array(
        [65504, -65504, 6e-8, -6e-8, 1e-5, np.inf, -np.inf, np.nan, 0.0, -0.0, 2.0**-14],
        np.float16,
    )
    x16[: extra.size] = extra
    return x16


# ---- forward -------------------------------------------------------------------------------


@acts
def test_integer_and_bool_inputs_compute_in_float64(name, isa):
    for dtype in INT_DTYPES:
        x = _ints(dtype)
        want = fwd(name, x.astype(np.float64))
        with Untouched(x):
            res = fwd(name, x)
        assert_c_result(res, x.shape, np.float64)
        assert_bitwise(res, want, f"{name}({np.dtype(dtype).name})")
        # Strided integer input and an out= in float64.
        xs = x[::-3]
        out = np.empty(xs.shape, np.float64)
        assert fwd(name, xs, out=out) is out
        assert_bitwise(out, fwd(name, xs.astype(np.float64)), f"{name}({dtype} strided, out=)")
    b = np.array([True, False, True, True])
    res = fwd(name, b)
    assert_c_result(res, (4,), np.float64)
    assert_bitwise(res, fwd(name, b.astype(np.float64)), f"{name}(bool)")
    # Python ints, bools and lists of them.
    assert_bitwise(fwd(name, 3), fwd(name, np.array(3.0)), f"{name}(3)")
    assert_bitwise(fwd(name, True), fwd(name, np.array(1.0)), f"{name}(True)")
    assert_bitwise(fwd(name, [[-2, 0], [5, 7]]), fwd(name, np.array([[-2.0, 0], [5, 7]])), "list")
    assert_bitwise(fwd(name, np.int8(-3)), fwd(name, np.array(-3.0)), f"{name}(np.int8)")


@f16_overflow
@acts
def test_float16_computed_in_float32(name, isa):
    x16 = _float16()
    want = fwd(name, x16.astype(np.float32)).astype(np.float16)
    with Untouched(x16):
        res = fwd(name, x16)
    assert_c_result(res, x16.shape, np.float16)
    assert_bitwise(res, want, f"{name}(float16)")
    # Strided, misaligned, reversed float16 views; out=; in place; 0-d.
    for kind in ("step2", "reversed", "misaligned1", "misaligned_step2"):
        xv = layout(kind, x16)
        assert_bitwise(fwd(name, xv), want, f"{name}(float16 {kind})")
        out = layout(kind, np.zeros(x16.size, np.float16))
        assert fwd(name, x16, out=out) is out
        assert_bitwise(np.ascontiguousarray(out), want, f"{name}(float16, out={kind})")
        assert fwd(name, xv, out=xv) is xv
        assert_bitwise(np.ascontiguousarray(xv), want, f"{name}(float16 {kind}, out=x)")
    res = fwd(name, np.float16(0.75))
    assert_c_result(res, (), np.float16)
    want = fwd(name, np.array([0.75], np.float32)).astype(np.float16).reshape(())
    assert_bitwise(res, want, f"{name}(float16 0-d)")


@f16_overflow
@acts
def test_float32_float64_kept(name, isa):
    for dtype in (np.float32, np.float64):
        x = values(100, dtype)
        res = fwd(name, x)
        assert_c_result(res, x.shape, dtype)
    # Big-endian input: the same values, in native byte order (as NumPy's ufuncs return).
    for dtype in (">f4", ">f8", ">f2"):
        xb = values(100, np.float64).astype(dtype)
        native = xb.astype(np.dtype(dtype).newbyteorder("="))
        res = fwd(name, xb)
        assert_c_result(res, xb.shape, native.dtype)
        assert res.dtype.isnative
        assert_bitwise(res, fwd(name, native), f"{name}({dtype})")
        out = np.empty(100, native.dtype)
        assert fwd(name, xb, out=out) is out
        assert_bitwise(out, res, f"{name}({dtype}, out=native)")
        g = grads(100, np.float64).astype(dtype)
        res = bwd(name, g, xb)
        assert_c_result(res, xb.shape, native.dtype)
        want = bwd(name, g.astype(native.dtype), native)
        assert_bitwise(res, want, f"{name}_backward({dtype})")


@f16_overflow
@acts
def test_equal_but_not_identical_dtype(name):
    # NumPy hands out distinct dtype objects that compare equal (unpickled arrays, dtypes
    # with metadata, explicit byte order '='): they are the same dtype for x, grad and out.
    for dtype in (np.float32, np.float64, np.float16):
        x = values(50, np.float64).astype(dtype)
        x_unpickled = pickle.loads(pickle.dumps(x))
        assert x_unpickled.dtype == x.dtype
        want = fwd(name, x)
        res = fwd(name, x_unpickled)
        assert res.dtype == x.dtype
        assert_bitwise(res.astype(dtype), want, f"{name}(unpickled {np.dtype(dtype).name})")
        out = np.empty(50, dtype)
        assert fwd(name, x_unpickled, out=out) is out, "out of the plain dtype rejected"
        assert_bitwise(out, want, f"{name}(unpickled x, out=)")
        out_meta = np.empty(50, np.dtype(dtype, metadata={"unit": "V"}))
        assert fwd(name, x, out=out_meta) is out_meta, "out with dtype metadata rejected"
        assert_bitwise(out_meta.view(dtype), want, f"{name}(out with metadata)")
        g = grads(50, np.float64).astype(dtype)
        out = np.empty(50, dtype)
        assert bwd(name, g, x_unpickled, out=out) is out
        assert_bitwise(out, bwd(name, g, x), f"{name}_backward(unpickled x, out=)")


# ---- backward ------------------------------------------------------------------------------

# (x dtype, compute dtype, result dtype)
X_RULES = (
    (np.float16, np.float32, np.float16),
    (np.float32, np.float32, np.float32),
    (np.float64, np.float64, np.float64),
    (np.int32, np.float64, np.float64),
    (np.uint8, np.float64, np.float64),
    (np.bool_, np.float64, np.float64),
)
G_DTYPES = (np.float16, np.float32, np.float64, np.int8, np.int16, np.int64, np.uint32, np.bool_)


def _as(vals: np.ndarray, dtype) -> np.ndarray:
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return vals > 0
    if dtype.kind in "iu":
        lo = 0 if dtype.kind == "u" else -20
        return np.clip(np.nan_to_num(vals * 4), lo, 20).astype(dtype)
    with np.errstate(over="ignore"):
        return vals.astype(dtype)


@f16_overflow
@acts
def test_backward_dtype_rules(name, isa):
    n = 200
    xvals, gvals = values(n, np.float64), grads(n, np.float64)
    for xdt, cdt, rdt in X_RULES:
        x = _as(xvals, xdt)
        xc = x.astype(cdt)
        y = fwd(name, x)
        assert y.dtype == rdt
        yc = y.astype(cdt)
        for gdt in G_DTYPES:
            g = _as(gvals, gdt)
            gc = g.astype(cdt)  # grad_output is cast to the computation's type
            what = f"x {np.dtype(xdt).name}, grad {np.dtype(gdt).name}"
            with Untouched(g, x):
                res = bwd(name, g, x)
            assert_c_result(res, (n,), rdt)
            assert_bitwise(res, bwd(name, gc, xc).astype(rdt), f"{name}_backward({what})")
            out = np.empty(n, rdt)
            assert bwd(name, g, x, out=out) is out
            assert_bitwise(out, res, f"{name}_backward({what}, out=)")
            if name in FROM_Y:
                with Untouched(g, y):
                    res = bwd(name, g, y=y)
                assert_c_result(res, (n,), rdt)
                assert_bitwise(res, bwd(name, gc, y=yc).astype(rdt), f"{name}_backward(y, {what})")


@f16_overflow
@acts
def test_backward_float16_in_place(name, isa):
    x16 = _float16(300)
    g16 = _as(grads(300, np.float64), np.float16)
    want = bwd(name, g16.astype(np.float32), x16.astype(np.float32)).astype(np.float16)
    g = g16.copy()
    assert bwd(name, g, x16, out=g) is g
    assert_bitwise(g, want, f"{name}_backward(float16, out=grad_output)")
    x = x16.copy()
    assert bwd(name, g16, x, out=x) is x
    assert_bitwise(x, want, f"{name}_backward(float16, out=x)")
    # Python lists: float64.
    res = bwd(name, g16.tolist(), x16.tolist())
    assert_c_result(res, (300,), np.float64)
    want64 = bwd(name, g16.astype(np.float64), x16.astype(np.float64))
    assert_bitwise(res, want64, f"{name}_backward(lists)")


# ---- rejected dtypes -----------------------------------------------------------------------


def _rejected():
    n = 4
    out = [
        ("complex64", np.ones(n, np.complex64)),
        ("complex128", np.ones(n, np.complex128)),
        ("object", np.array([1.0, 2.0, None, 3.0], dtype=object)),
        ("object of floats", np.array([1.0, 2.0, 3.0, 4.0], dtype=object)),
        ("str", np.array(["1", "2", "3", "4"])),
        ("bytes", np.array([b"1", b"2", b"3", b"4"])),
        ("datetime64", np.arange(n).astype("datetime64[s]")),
        ("timedelta64", np.arange(n).astype("timedelta64[s]")),
        ("structured", np.zeros(n, dtype=[("a", "f4"), ("b", "f4")])),
        ("void", np.zeros(n, dtype="V4")),
    ]
    if np.dtype(np.longdouble).itemsize not in (4, 8):
        out.append(("longdouble", np.ones(n, np.longdouble)))
    return out


REJECTED = _rejected()
REJECTED_SCALARS = (1j, "1.5", "abc", None, b"1", np.complex64(1), np.datetime64(1, "s"))


@acts
@pytest.mark.parametrize(("label", "bad"), REJECTED, ids=[r[0] for r in REJECTED])
def test_rejected_dtypes(name, label, bad):
    n = bad.shape[0]
    good = np.linspace(-2, 2, n)
    out = np.full(n, 7.0)
    with Untouched(bad, out, good):
        with pytest.raises(TypeError) as e:
            fwd(name, bad)
        assert_names(e, name)
        with pytest.raises(TypeError) as e:
            fwd(name, bad, out=out)
        assert_names(e, name)
        with pytest.raises(TypeError) as e:
            bwd(name, good, bad, out=out)
        assert_names(e, name, backward=True)
        with pytest.raises(TypeError) as e:
            bwd(name, bad, good, out=out)
        assert_names(e, name, backward=True)
        if name in FROM_Y:
            with pytest.raises(TypeError) as e:
                bwd(name, good, y=bad, out=out)
            assert_names(e, name, backward=True)
            with pytest.raises(TypeError) as e:
                bwd(name, bad, y=good, out=out)
            assert_names(e, name, backward=True)


@acts
def test_rejected_scalars_and_sequences(name):
    for bad in (*REJECTED_SCALARS, [1j, 2.0], ["a", "b"]):
        with pytest.raises(TypeError) as e:
            fwd(name, bad)
        assert_names(e, name)
        with pytest.raises(TypeError) as e:
            bwd(name, 1.0 if np.ndim(bad) == 0 else [1.0, 1.0], bad)
        assert_names(e, name, backward=True)

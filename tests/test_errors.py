"""Every error path: the exception type, a message naming the function, and nothing written:
on every error the out array and every input are unchanged bit for bit (whole buffers). And
successful calls modify nothing but out."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import fastact
from _layout_helpers import (
    ACTIVATIONS,
    FROM_Y,
    NOT_FROM_Y,
    Untouched,
    assert_names,
    bwd,
    fwd,
    grads,
    kwargs,
    layout,
    values,
)

acts = pytest.mark.parametrize("name", ACTIVATIONS)
# float16 results may overflow to inf in the cast, with NumPy's warning.
f16_overflow = pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
N = 40


def _floats(n, dtype) -> np.ndarray:
    """values() in `dtype`, finite ones clipped so that float16 does not overflow."""
    x = values(n, np.float64)
    return np.where(np.isfinite(x), np.clip(x, -6e4, 6e4), x).astype(dtype)


def _arrays(dtype=np.float32):
    x = values(N, dtype).copy()
    g = grads(N, dtype).copy()
    return x, g, np.full(N, 7.0, dtype)


def _raises(exc, call, name, backward, *arrays):
    """call() raises exc naming the function, and changes none of `arrays`."""
    with Untouched(*arrays), pytest.raises(exc) as e:
        call()
    assert_names(e, name, backward)
    return e


def _calls(name, x, g, y=None):
    """The forward and backward calls taking out=, as (label, backward?, call(out, **extra))."""
    calls = [
        ("forward", False, lambda out, **kw: fwd(name, x, out=out, **kw)),
        ("backward(x)", True, lambda out, **kw: bwd(name, g, x, out=out, **kw)),
    ]
    if name in FROM_Y and y is not None:
        calls.append(("backward(y)", True, lambda out, **kw: bwd(name, g, y=y, out=out, **kw)))
    return calls


# ---- out= ----------------------------------------------------------------------------------


@acts
def test_out_wrong_shape(name):
    x, g, _ = _arrays()
    y = fwd(name, x)
    for label, backward, call in _calls(name, x, g, y):
        for shape in ((N + 1,), (N - 1,), (N, 1), (1, N), (), (2, N // 2), (0,)):
            out = np.full(shape, 7.0, np.float32)
            e = _raises(ValueError, lambda c=call, o=out: c(o), name, backward, x, g, y, out)
            assert "shape" in str(e.value), label
    # 0-d input, 1-element out; 2-d input, transposed-shape out.
    x0 = np.array(0.5, np.float32)
    out = np.zeros(1, np.float32)
    _raises(ValueError, lambda: fwd(name, x0, out=out), name, False, x0, out)
    x2 = values(12, np.float32).reshape(3, 4).copy()
    out = np.zeros((4, 3), np.float32)
    _raises(ValueError, lambda: fwd(name, x2, out=out), name, False, x2, out)
    _raises(ValueError, lambda: bwd(name, x2, x2, out=out), name, True, x2, out)


@f16_overflow
@acts
def test_out_wrong_dtype(name):
    cases = (
        (np.float32, np.float64), (np.float64, np.float32), (np.float16, np.float32),
        (np.float32, np.float16), (np.int32, np.float32), (np.int32, np.int32),
        (np.bool_, np.bool_), (np.float64, np.complex128), (np.float32, np.int32),
        (np.uint8, np.float16),
    )
    for xdt, odt in cases:
        x = _floats(N, xdt) if np.dtype(xdt).kind == "f" else np.arange(N).astype(xdt)
        g = grads(N, np.float64).copy()
        y = fwd(name, x)
        for _, backward, call in _calls(name, x, g, y):
            out = np.zeros(N, odt)
            e = _raises(TypeError, lambda c=call, o=out: c(o), name, backward, x, g, y, out)
            assert "dtype" in str(e.value)
    # Wrong dtype and wrong shape: either error, nothing written.
    x, g, _ = _arrays()
    out = np.zeros(N + 1, np.float64)
    with Untouched(x, out), pytest.raises((TypeError, ValueError)) as e:
        fwd(name, x, out=out)
    assert_names(e, name)


@acts
def test_out_read_only(name):
    x, g, out = _arrays()
    out.flags.writeable = False
    y = fwd(name, x)
    for _, backward, call in _calls(name, x, g, y):
        e = _raises(ValueError, lambda c=call: c(out), name, backward, x, g, y, out)
        assert "read-only" in str(e.value) or "writ" in str(e.value)
        # A broadcast (zero-stride) view is read-only too.
        bo = np.broadcast_to(np.float32(3.0), (N,))
        _raises(ValueError, lambda c=call, o=bo: c(o), name, backward, x, g, y, bo)
    # In place on a read-only x.
    ro = x.copy()
    ro.flags.writeable = False
    _raises(ValueError, lambda: fwd(name, ro, out=ro), name, False, ro)
    _raises(ValueError, lambda: bwd(name, g, ro, out=ro), name, True, g, ro)


@acts
def test_out_not_an_ndarray(name):
    x, g, _ = _arrays()
    y = fwd(name, x)
    for _, backward, call in _calls(name, x, g, y):
        for bad in ([0.0] * N, tuple([0.0] * N), np.float32(0.0), bytearray(4 * N), 1.0, "out",
                    memoryview(bytearray(4 * N)).cast("f")):
            _raises(TypeError, lambda c=call, o=bad: c(o), name, backward, x, g, y)


# ---- grad_output ---------------------------------------------------------------------------


@acts
def test_grad_output_shape_must_match(name):
    x, _, out = _arrays()
    y = fwd(name, x)
    modes = [("x", x)] + ([("y", y)] if name in FROM_Y else [])
    for mode, v in modes:
        for gshape in ((N + 1,), (N - 1,), (1, N), (N, 1), (), (1,), (0,), (2, N // 2)):
            g = np.ones(gshape, np.float32)

            def call(g=g, v=v, mode=mode, out=None):
                if mode == "x":
                    return bwd(name, g, v, out=out)
                return bwd(name, g, y=v, out=out)

            e = _raises(ValueError, call, name, True, g, v)
            assert "shape" in str(e.value) and "broadcast" in str(e.value)
            _raises(ValueError, lambda c=call: c(out=out), name, True, g, v, out)
        # Python scalars do not broadcast either; nor does a 0-d x with a 1-element grad.
        _raises(ValueError, lambda v=v, m=mode: bwd(name, 1.0, **{m: v}), name, True, v)
        _raises(ValueError, lambda m=mode: bwd(name, np.ones(1), **{m: np.float32(0.5)}), name,
                True)


@acts
def test_grad_output_bad_dtype(name):
    x, _, out = _arrays()
    y = fwd(name, x)
    for bad in (np.ones(N, np.complex64), np.ones(N, object), np.array(["1"] * N),
                np.arange(N).astype("datetime64[s]")):
        _raises(TypeError, lambda b=bad: bwd(name, b, x, out=out), name, True, bad, x, out)
        if name in FROM_Y:
            _raises(TypeError, lambda b=bad: bwd(name, b, y=y, out=out), name, True, bad, y, out)


# ---- x and y -------------------------------------------------------------------------------


@acts
def test_backward_needs_exactly_one_of_x_and_y(name):
    x, g, out = _arrays()
    y = fwd(name, x)
    _raises(TypeError, lambda: bwd(name, g, out=out), name, True, g, out)
    _raises(TypeError, lambda: bwd(name, g, None, y=None, out=out), name, True, g, out)
    _raises(TypeError, lambda: bwd(name, g, x, y=y, out=out), name, True, g, x, y, out)
    _raises(TypeError, lambda: bwd(name, g, x=x, y=y), name, True, g, x, y)


@pytest.mark.parametrize("name", NOT_FROM_Y)
def test_y_rejected_where_the_derivative_needs_x(name):
    x, g, out = _arrays()
    y = fwd(name, x)
    e = _raises(TypeError, lambda: bwd(name, g, y=y, out=out), name, True, g, y, out)
    assert re.search(r"\bx\b", str(e.value)), str(e.value)
    assert fastact.info(name)["backward_from_y"] is False


def test_threshold_is_not_from_y():
    assert "threshold" in NOT_FROM_Y


# ---- parameters ----------------------------------------------------------------------------

# Numeric parameters; string-valued ones (gelu's approximate) have their own tests below.
PARAM_NAMES = [(n, p) for n in ACTIVATIONS for p, d in fastact.info(n)["params"].items()
               if not isinstance(d, str)]
STRING_PARAMS = [(n, p) for n in ACTIVATIONS for p, d in fastact.info(n)["params"].items()
                 if isinstance(d, str)]


@pytest.mark.parametrize(("name", "param"), STRING_PARAMS)
def test_string_param_checked(name, param):
    x, g, out = _arrays()
    f, b = getattr(fastact, name), getattr(fastact, f"{name}_backward")
    for bad, err in (("nope", ValueError), ("", ValueError), (1.0, TypeError), (None, TypeError)):
        kw = _with(name, param, bad)
        e = _raises(err, lambda k=kw: f(x, **k, out=out), name, False, x, out)
        assert param in str(e.value)
        _raises(err, lambda k=kw: b(g, x, **k, out=out), name, True, x, out, g)
BAD_TYPES = ("0.5", 1j, None, True, False, np.bool_(True), [0.5], np.array([0.5]), b"1",
             np.complex128(1))


def _with(name, param, value):
    kw = {p: (d if d is not None else kwargs(name)[p])
          for p, d in fastact.info(name)["params"].items()}
    kw[param] = value
    return kw


@pytest.mark.parametrize(("name", "param"), PARAM_NAMES)
def test_param_wrong_type(name, param):
    x, g, out = _arrays()
    y = fwd(name, x)
    f, b = getattr(fastact, name), getattr(fastact, f"{name}_backward")
    for bad in BAD_TYPES:
        kw = _with(name, param, bad)
        e = _raises(TypeError, lambda k=kw: f(x, **k, out=out), name, False, x, out)
        assert param in str(e.value)
        _raises(TypeError, lambda k=kw: b(g, x, **k, out=out), name, True, g, x, out)
        if name in FROM_Y:
            _raises(TypeError, lambda k=kw: b(g, y=y, **k, out=out), name, True, g, y, out)
    # Positionally too.
    order = list(fastact.info(name)["params"])
    args = [_with(name, param, "bad")[p] for p in order]
    _raises(TypeError, lambda: f(x, *args, out=out), name, False, x, out)
    _raises(TypeError, lambda: b(g, x, *args, out=out), name, True, g, x, out)


@pytest.mark.parametrize(("name", "param"), PARAM_NAMES)
def test_param_nan(name, param):
    x, g, out = _arrays()
    y = fwd(name, x)
    f, b = getattr(fastact, name), getattr(fastact, f"{name}_backward")
    for nan in (math.nan, np.float32("nan"), np.float64("nan"), -math.nan):
        kw = _with(name, param, nan)
        e = _raises(ValueError, lambda k=kw: f(x, **k, out=out), name, False, x, out)
        assert param in str(e.value) and "NaN" in str(e.value)
        _raises(ValueError, lambda k=kw: b(g, x, **k, out=out), name, True, g, x, out)
        if name in FROM_Y:
            _raises(ValueError, lambda k=kw: b(g, y=y, **k, out=out), name, True, g, y, out)


@pytest.mark.parametrize(("name", "param"), PARAM_NAMES)
def test_param_real_numbers_accepted(name, param):
    # Python ints and NumPy real scalars are fine and mean their float value.
    x, g, _ = _arrays()
    f, b = getattr(fastact, name), getattr(fastact, f"{name}_backward")
    for v in (2, -2, 1):
        try:
            want, want_g = f(x, **_with(name, param, float(v))), b(g, x, **_with(name, param, v))
        except ValueError:  # not a valid value for this parameter (e.g. hardtanh's bounds)
            continue
        break
    else:  # pragma: no cover
        pytest.fail(f"no integral value accepted for {name}({param})")
    for good in (v, np.int64(v), np.int8(v), np.float32(v), np.float64(v), float(v)):
        kw = _with(name, param, good)
        with Untouched(x, g):
            np.testing.assert_array_equal(f(x, **kw), want)
            np.testing.assert_array_equal(b(g, x, **kw), want_g)


def _hardtanh_calls(x, g, out, **kw):
    y = fastact.hardtanh(x)
    return (
        (False, lambda: fastact.hardtanh(x, out=out, **kw)),
        (True, lambda: fastact.hardtanh_backward(g, x, out=out, **kw)),
        (True, lambda: fastact.hardtanh_backward(g, y=y, out=out, **kw)),
    ), y


def test_hardtanh_min_greater_than_max():
    x, g, out = _arrays()
    for lo, hi in ((1.0, -1.0), (0.5, 0.25), (2.0, 1.0), (np.inf, -np.inf), (1e-300, 0.0)):
        calls, y = _hardtanh_calls(x, g, out, min_val=lo, max_val=hi)
        for backward, call in calls:
            e = _raises(ValueError, call, "hardtanh", backward, x, g, y, out)
            assert "min_val" in str(e.value) and "max_val" in str(e.value)
    # Positionally, and min == max is allowed.
    _raises(ValueError, lambda: fastact.hardtanh(x, 1.0, -1.0), "hardtanh", False, x)
    fastact.hardtanh(x, 0.5, 0.5)
    fastact.hardtanh_backward(g, y=x, min_val=0.5, max_val=0.5)


def test_softshrink_negative_lambd():
    x, g, out = _arrays()
    y = fastact.softshrink(x)
    for lambd in (-0.5, -1e-300, -np.inf, np.float32(-1), -1):
        for backward, call in (
            (False, lambda v=lambd: fastact.softshrink(x, v, out=out)),
            (True, lambda v=lambd: fastact.softshrink_backward(g, x, v, out=out)),
            (True, lambda v=lambd: fastact.softshrink_backward(g, y=y, lambd=v, out=out)),
        ):
            e = _raises(ValueError, call, "softshrink", backward, x, g, y, out)
            assert "lambd" in str(e.value)
    # 0 and -0 are fine.
    fastact.softshrink(x, 0.0)
    fastact.softshrink(x, -0.0)


@pytest.mark.parametrize(("name", "param"), [("leaky_relu", "negative_slope"),
                                             ("hardshrink", "lambd")])
def test_negative_param_rejected_only_from_y(name, param):
    x, g, out = _arrays()
    y = fwd(name, x)
    f, b = getattr(fastact, name), getattr(fastact, f"{name}_backward")
    e = _raises(ValueError, lambda: b(g, y=y, out=out, **{param: -0.1}), name, True, g, y, out)
    assert param in str(e.value)
    _raises(ValueError, lambda: b(g, y=y, **{param: -np.inf}), name, True, g, y)
    # From x and forward, a negative value is fine.
    with Untouched(x, g):
        f(x, **{param: -0.1})
        b(g, x, **{param: -0.1})
        b(g, y=y, **{param: 0.0})


def test_threshold_requires_both_params():
    x, g, out = _arrays()
    cases = (
        (False, lambda: fastact.threshold(x, out=out)),
        (False, lambda: fastact.threshold(x, 0.5, out=out)),
        (False, lambda: fastact.threshold(x, value=-1.0, out=out)),
        (False, lambda: fastact.threshold(x, threshold=0.5, out=out)),
        (True, lambda: fastact.threshold_backward(g, x, out=out)),
        (True, lambda: fastact.threshold_backward(g, x, 0.5, out=out)),
        (True, lambda: fastact.threshold_backward(g, x, value=-1.0, out=out)),
    )
    for backward, call in cases:
        _raises(TypeError, call, "threshold", backward, x, g, out)
    fastact.threshold(x, 0.5, -1.0)


@acts
def test_unknown_keyword_and_too_many_arguments(name):
    x, g, out = _arrays()
    n_params = len(fastact.info(name)["params"])
    with Untouched(x, g, out):
        with pytest.raises(TypeError):
            fwd(name, x, out=out, bogus=1)
        with pytest.raises(TypeError):
            bwd(name, g, x, out=out, bogus=1)
        with pytest.raises(TypeError):
            getattr(fastact, name)(x, *([0.5] * (n_params + 1)))
        with pytest.raises(TypeError):
            getattr(fastact, name)()


# ---- threads= ------------------------------------------------------------------------------

BAD_THREAD_TYPES = (True, False, 1.0, 2.5, "2", [2], np.float64(2.0), 1j)
BAD_THREAD_VALUES = (0, -1, -(2**70), 1025, 2**31, 2**64)


@acts
def test_threads_errors(name):
    x, g, out = _arrays()
    y = fwd(name, x)
    before = fastact.get_num_threads()
    for _, backward, call in _calls(name, x, g, y):
        for bad in BAD_THREAD_TYPES:
            e = _raises(TypeError, lambda c=call, t=bad: c(out, threads=t), name, backward,
                        x, g, y, out)
            assert "threads" in str(e.value)
            _raises(TypeError, lambda c=call, t=bad: c(None, threads=t), name, backward, x, g, y)
        for bad in BAD_THREAD_VALUES:
            e = _raises(ValueError, lambda c=call, t=bad: c(out, threads=t), name, backward,
                        x, g, y, out)
            assert "threads" in str(e.value)
    assert fastact.get_num_threads() == before
    # The limits themselves are fine.
    for ok in (1, 1024):
        with Untouched(x):
            np.testing.assert_array_equal(fwd(name, x, threads=ok), y)


def test_set_num_threads_errors():
    before = fastact.get_num_threads()
    for bad in (*BAD_THREAD_TYPES, None):
        with pytest.raises(TypeError) as e:
            fastact.set_num_threads(bad)
        assert "set_num_threads" in str(e.value)
        assert fastact.get_num_threads() == before
    for bad in BAD_THREAD_VALUES:
        with pytest.raises(ValueError) as e:
            fastact.set_num_threads(bad)
        assert "set_num_threads" in str(e.value)
        assert fastact.get_num_threads() == before


# ---- x -------------------------------------------------------------------------------------


@acts
def test_bad_x_with_out(name):
    _, g, out = _arrays()
    for bad in (np.ones(N, np.complex128), np.array(["a"] * N), np.ones(N, object)):
        _raises(TypeError, lambda b=bad: fwd(name, b, out=out), name, False, bad, out)
        _raises(TypeError, lambda b=bad: bwd(name, g, b, out=out), name, True, bad, g, out)


# ---- successful calls modify nothing but out -----------------------------------------------


@f16_overflow
@acts
def test_success_modifies_only_out(name, isa):
    for dtype in (np.float16, np.float32, np.float64, np.int16):
        x = _floats(300, dtype) if np.dtype(dtype).kind == "f" else (
            np.arange(-150, 150).astype(dtype))
        g = grads(300, np.float64).astype(np.float32)
        for kind in ("contiguous", "step2", "reversed", "misaligned1"):
            xv, gv = layout(kind, x), layout(kind, g)
            with Untouched(xv, gv):
                y = fwd(name, xv)
                bwd(name, gv, xv)
                out = np.empty_like(y)
                fwd(name, xv, out=out)
                bwd(name, gv, xv, out=out)
                if name in FROM_Y:
                    yv = layout(kind, y)
                    with Untouched(yv):
                        bwd(name, gv, y=yv)
                        bwd(name, gv, y=yv, out=out)

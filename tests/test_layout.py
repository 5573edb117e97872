"""Shapes, strides, misaligned views, 0-d and empty arrays, out=, in place, overlap and N-d.

The expected value of every call is fastact's own result for the same elements passed as a
plain C-contiguous array (no out=), compared bit for bit. Each test runs per activation and
per ISA and loops over the layouts inside, to keep the suite fast.
"""

from __future__ import annotations

import numpy as np
import pytest

from _layout_helpers import (
    ACTIVATIONS,
    FLOATS,
    FROM_Y,
    INPUT_LAYOUTS_1D,
    LAYOUTS_1D,
    PARALLEL_SIZE,
    SENTINEL,
    SIMD_ISAS,
    Untouched,
    WriteCheck,
    assert_bitwise,
    assert_c_result,
    at_offset,
    bwd,
    fwd,
    grads,
    hexbits,
    layout,
    nd_views,
    reference,
    using_isa,
    values,
)
from conftest import SIZES

# conftest's SIZES around every vector width and the 2x unroll; the sizes of several chunks
# are covered by the *_parallel tests below.
LAYOUT_SIZES = tuple(n for n in SIZES if n <= 1000)
acts = pytest.mark.parametrize("name", ACTIVATIONS)


def _dtname(dtype) -> str:
    return np.dtype(dtype).name


# ---- strides and alignment -----------------------------------------------------------------


@acts
def test_1d_layouts(name, isa):
    for dtype in FLOATS:
        for kind in INPUT_LAYOUTS_1D:
            for n in LAYOUT_SIZES:
                x, g, y, gx, gy = reference(name, n, dtype)
                xv, gv = layout(kind, x), layout(kind, g)
                if "misaligned" in kind or ("offset1" in kind and kind != "offset1"):
                    assert not xv.flags.aligned or n == 0
                what = f"{_dtname(dtype)} {kind}, n={n}"
                with Untouched(xv, gv):
                    res = fwd(name, xv)
                    assert_c_result(res, (n,), dtype)
                    assert_bitwise(res, y, f"{name}({what})")
                    res = bwd(name, gv, xv)
                    assert_c_result(res, (n,), dtype)
                    assert_bitwise(res, gx, f"{name}_backward({what} grad and x)")
                    # One argument contiguous, the other not.
                    assert_bitwise(bwd(name, g, xv), gx, f"{name}_backward({what} x)")
                    assert_bitwise(bwd(name, gv, x), gx, f"{name}_backward({what} grad)")
                if name in FROM_Y:
                    yv = layout(kind, y)
                    with Untouched(yv, gv):
                        res = bwd(name, gv, y=yv)
                        assert_c_result(res, (n,), dtype)
                        assert_bitwise(res, gy, f"{name}_backward({what} grad, y=)")


@acts
def test_zero_stride_and_readonly_inputs(name, isa):
    for dtype in FLOATS:
        x, g, y, gx, _ = reference(name, 1000, dtype)
        for i in (0, 3, 12, 100):
            bx = np.broadcast_to(x[i : i + 1], (40, 25))  # zero strides, read-only
            assert bx.strides == (0, 0)
            want = fwd(name, np.ascontiguousarray(bx))
            with Untouched(bx):
                assert_bitwise(fwd(name, bx), want, f"{name}(broadcast)")
            bg = np.broadcast_to(g[:25], (40, 25))
            want_g = bwd(name, np.ascontiguousarray(bg), np.ascontiguousarray(bx))
            with Untouched(bx, bg):
                res = bwd(name, bg, bx)
            assert_bitwise(res, want_g, f"{name}_backward(broadcast)")
        ro = x.copy()
        ro.flags.writeable = False
        assert_bitwise(fwd(name, ro), y, f"{name}(read-only)")
        assert_bitwise(bwd(name, g, ro), gx, f"{name}_backward(read-only x)")


@acts
def test_python_sequences(name, isa):
    x, g = values(50, np.float64), grads(50, np.float64)
    res = fwd(name, x.reshape(5, 10).tolist())
    assert_c_result(res, (5, 10), np.float64)
    assert_bitwise(res, fwd(name, x).reshape(5, 10), f"{name}(nested list)")
    assert_bitwise(fwd(name, tuple(x.tolist())), fwd(name, x), f"{name}(tuple)")
    assert_bitwise(bwd(name, g.tolist(), x.tolist()), bwd(name, g, x), f"{name}_backward(lists)")


@acts
def test_element_independent_of_position(name, isa):
    # An element's result depends on its value only: not on the array's length or on where
    # in the array it sits (the kernels' unrolled body, single-vector step and masked tail).
    n = 67
    for dtype in FLOATS:
        x, g, y, gx, gy = reference(name, n, dtype)
        bad = []
        for i in range(n):
            for lo, hi in ((i, i + 1), (max(0, i - 1), i + 1), (i, min(n, i + 2)), (i, n)):
                k = i - lo
                parts = [
                    ("forward", fwd(name, x[lo:hi])[k], y[i]),
                    ("backward(x)", bwd(name, g[lo:hi], x[lo:hi])[k], gx[i]),
                ]
                if gy is not None:
                    parts.append(("backward(y)", bwd(name, g[lo:hi], y=y[lo:hi])[k], gy[i]))
                for what, got, want in parts:
                    if hexbits(got) != hexbits(want):
                        bad.append(
                            f"{_dtname(dtype)} {what} x={x[i]!r} g={g[i]!r}: element {k} of "
                            f"[{lo}:{hi}] gives {hexbits(got)}, element {i} of [0:{n}] gives "
                            f"{hexbits(want)}"
                        )
        assert not bad, f"{name}: {len(bad)} position-dependent results, e.g. " + "; ".join(
            bad[:4]
        )


@acts
def test_rare_lanes_found_beside_nans(name, isa):
    # The table kernels test four vectors at once for inputs beyond their tables (a running
    # maximum of |x|), where a NaN lane could hide a large value in the same lane of another
    # vector. Dense mixes of NaNs, infinities and tail values, each element's result compared
    # with its own one-element call.
    rng = np.random.default_rng(5)
    pool = np.array([np.nan, -np.nan, np.inf, -np.inf, 30.0, -30.0, 12.0, -12.0, 9.0, -9.0,
                     100.0, -100.0, 0.5, -2.0])
    for dtype in FLOATS:
        for _ in range(4):
            x = rng.choice(pool, size=512).astype(dtype)
            g = np.ones_like(x)
            single_fwd = np.concatenate([fwd(name, x[i:i + 1]) for i in range(x.size)])
            single_bwd = np.concatenate([bwd(name, g[i:i + 1], x[i:i + 1]) for i in range(x.size)])
            assert_bitwise(fwd(name, x), single_fwd, f"{name} {_dtname(dtype)}")
            assert_bitwise(bwd(name, g, x), single_bwd, f"{name}_backward {_dtname(dtype)}")


# ---- 0-d and empty -------------------------------------------------------------------------


@acts
def test_zero_d(name, isa):
    for dtype in FLOATS:
        x1, g1 = values(25, dtype), grads(25, dtype)
        for i in range(25):
            # The plain contiguous call on the same element.
            xi, gi = x1[i : i + 1], g1[i : i + 1]
            want_y = fwd(name, xi).reshape(())
            want_gx = bwd(name, gi, xi).reshape(())
            for x in (np.array(x1[i]), x1[i], xi.reshape(())):  # 0-d array, numpy scalar, view
                res = fwd(name, x)
                assert_c_result(res, (), dtype)
                assert_bitwise(res, want_y, f"{name}(0-d {x1[i]!r})")
                res = bwd(name, np.array(g1[i]), x)
                assert_c_result(res, (), dtype)
                assert_bitwise(res, want_gx, f"{name}_backward(0-d {x1[i]!r})")
            out = np.array(SENTINEL, dtype)
            assert fwd(name, xi.reshape(()), out=out) is out
            assert_bitwise(out, want_y, f"{name}(0-d, out=)")
            out = np.array(SENTINEL, dtype)
            assert bwd(name, g1[i], x1[i], out=out) is out
            assert_bitwise(out, want_gx, f"{name}_backward(0-d, out=)")
            if name in FROM_Y:
                res = bwd(name, g1[i], y=np.array(want_y))
                assert_c_result(res, (), dtype)
                want = bwd(name, gi, y=want_y.reshape(1)).reshape(())
                assert_bitwise(res, want, f"{name}_backward(0-d y)")
    # Python numbers are float64 0-d arrays.
    res = fwd(name, 0.75)
    assert_c_result(res, (), np.float64)
    assert_bitwise(res, fwd(name, np.array([0.75])).reshape(()), f"{name}(0.75)")
    res = bwd(name, 2.0, 0.75)
    assert_c_result(res, (), np.float64)
    want = bwd(name, np.array([2.0]), np.array([0.75])).reshape(())
    assert_bitwise(res, want, f"{name}_backward(2.0, 0.75)")


EMPTY_SHAPES = ((0,), (3, 0), (0, 4, 2), (2, 0, 0), (0, 0))


@acts
def test_empty(name, isa):
    for dtype in (np.float16, np.float32, np.float64, np.int32, np.bool_):
        result_dtype = np.float64 if np.dtype(dtype).kind in "biu" else dtype
        for shape in EMPTY_SHAPES:
            x = np.zeros(shape, dtype)
            for xv in (x, x[::-1], x.T):
                res = fwd(name, xv)
                assert_c_result(res, xv.shape, result_dtype)
                out = np.empty(xv.shape, result_dtype)
                assert fwd(name, xv, out=out) is out
                res = bwd(name, np.zeros(xv.shape), xv)
                assert_c_result(res, xv.shape, result_dtype)
                assert bwd(name, np.zeros(xv.shape), xv, out=out) is out
                if name in FROM_Y:
                    res = bwd(name, np.zeros(xv.shape, np.float32), y=xv)
                    assert_c_result(res, xv.shape, result_dtype)
    assert_c_result(fwd(name, []), (0,), np.float64)


# ---- out= ----------------------------------------------------------------------------------

OUT_KINDS = ("contiguous", "offset1", "step2", "reversed", "reversed_step2", "misaligned1",
             "misaligned_half", "misaligned_step2")


@acts
def test_out(name, isa):
    for dtype in FLOATS:
        for kind in OUT_KINDS:
            for n in (1, 7, 17, 100, 1000):
                x, g, y, gx, gy = reference(name, n, dtype)
                what = f"out={kind} {_dtname(dtype)}, n={n}"
                out = layout(kind, np.full(n, -777.0, dtype))
                check = WriteCheck(out)
                with Untouched(x):
                    assert fwd(name, x, out=out) is out
                check.verify(y, f"{name}({what})")

                out = layout(kind, np.full(n, -777.0, dtype))
                check = WriteCheck(out)
                xs = layout("step2", x)  # a strided input too
                with Untouched(xs, g):
                    assert bwd(name, g, xs, out=out) is out
                check.verify(gx, f"{name}_backward({what})")
                if name in FROM_Y:
                    out = layout(kind, np.full(n, -777.0, dtype))
                    check = WriteCheck(out)
                    with Untouched(y, g):
                        assert bwd(name, g, y=y, out=out) is out
                    check.verify(gy, f"{name}_backward(y=, {what})")


@acts
def test_in_place(name, isa):
    for dtype in FLOATS:
        for kind in LAYOUTS_1D:
            for n in (1, 17, 1000):
                x, g, y, gx, gy = reference(name, n, dtype)
                what = f"[{kind} {_dtname(dtype)}, n={n}]"

                xv = layout(kind, x)
                check = WriteCheck(xv)
                assert fwd(name, xv, out=xv) is xv
                check.verify(y, f"{name}(x, out=x) {what}")

                # Backward written over grad_output, over x, and (from y) over y.
                gv, xv = layout(kind, g), layout(kind, x)
                check = WriteCheck(gv)
                with Untouched(xv):
                    assert bwd(name, gv, xv, out=gv) is gv
                check.verify(gx, f"{name}_backward(out=grad_output) {what}")

                gv, xv = layout(kind, g), layout(kind, x)
                check = WriteCheck(xv)
                with Untouched(gv):
                    assert bwd(name, gv, xv, out=xv) is xv
                check.verify(gx, f"{name}_backward(out=x) {what}")

                # grad_output and x the same array, written in place.
                xv = layout(kind, x)
                check = WriteCheck(xv)
                assert bwd(name, xv, xv, out=xv) is xv
                check.verify(bwd(name, x, x), f"{name}_backward(x, x, out=x) {what}")

                if name in FROM_Y:
                    gv, yv = layout(kind, g), layout(kind, y)
                    check = WriteCheck(yv)
                    with Untouched(gv):
                        assert bwd(name, gv, y=yv, out=yv) is yv
                    check.verify(gy, f"{name}_backward(y=y, out=y) {what}")


# ---- partial overlap -----------------------------------------------------------------------
#
# Each case builds (x, out) sharing one buffer, with `x` holding the test values; the answer
# must equal the non-overlapping one and nothing outside `out` may change.


def _share(case: str, vals: np.ndarray):
    n, dt = vals.size, vals.dtype
    s = dt.itemsize
    vec = 64 // s  # one AVX-512 vector
    chunk = 4096 + 3
    if case == "out_shifted_right":
        buf = np.full(n + 1, SENTINEL, dt)
        x, out = buf[:n], buf[1:]
    elif case == "out_shifted_left":
        buf = np.full(n + 1, SENTINEL, dt)
        x, out = buf[1:], buf[:n]
    elif case == "out_shifted_by_vector":
        buf = np.full(n + vec, SENTINEL, dt)
        x, out = buf[:n], buf[vec:]
    elif case == "out_shifted_back_by_vector":
        buf = np.full(n + vec, SENTINEL, dt)
        x, out = buf[vec:], buf[:n]
    elif case == "out_shifted_by_chunk":
        buf = np.full(n + chunk, SENTINEL, dt)
        x, out = buf[:n], buf[chunk:]
    elif case == "out_shifted_back_by_chunk":
        buf = np.full(n + chunk, SENTINEL, dt)
        x, out = buf[chunk:], buf[:n]
    elif case == "half_element_misaligned_out":
        buf = np.full((n + 1) * s, 0xA5, np.uint8)
        x, out = buf[: n * s].view(dt), buf[s // 2 : s // 2 + n * s].view(dt)
    elif case == "half_element_misaligned_x":
        buf = np.full((n + 1) * s, 0xA5, np.uint8)
        x, out = buf[s // 2 : s // 2 + n * s].view(dt), buf[: n * s].view(dt)
    elif case == "interleaved":
        buf = np.full(2 * n + 1, SENTINEL, dt)
        x, out = buf[0 : 2 * n : 2], buf[1 : 2 * n + 1 : 2]
    elif case == "strided_x_contiguous_out":
        buf = np.full(2 * n, SENTINEL, dt)
        x, out = buf[::2], buf[:n]
    elif case == "contiguous_x_strided_out":
        buf = np.full(2 * n, SENTINEL, dt)
        x, out = buf[:n], buf[::2]
    elif case == "out_reversed_x":
        buf = np.full(n, SENTINEL, dt)
        x, out = buf, buf[::-1]
    elif case == "x_reversed_out":
        buf = np.full(n + 1, SENTINEL, dt)
        x, out = buf[n - 1 :: -1], buf[1:]
    else:  # pragma: no cover
        raise ValueError(case)
    x[...] = vals
    return x, out


OVERLAP_CASES = (
    "out_shifted_right", "out_shifted_left", "out_shifted_by_vector",
    "out_shifted_back_by_vector", "out_shifted_by_chunk", "out_shifted_back_by_chunk",
    "half_element_misaligned_out", "half_element_misaligned_x", "interleaved",
    "strided_x_contiguous_out", "contiguous_x_strided_out", "out_reversed_x", "x_reversed_out",
)
# The cases where a kernel writing straight into `out` would read its own results, and
# with several threads, another thread's.
PARALLEL_OVERLAP_CASES = (
    "out_shifted_right", "out_shifted_by_chunk", "out_shifted_back_by_chunk",
    "half_element_misaligned_out",
)
OVERLAP_SIZES = (1, 2, 17, 100, 5000)


@acts
def test_overlap_forward(name, isa):
    for dtype in FLOATS:
        for case in OVERLAP_CASES:
            for n in OVERLAP_SIZES:
                vals = values(n, dtype)
                want = fwd(name, vals)
                x, out = _share(case, vals)
                check = WriteCheck(out)
                assert fwd(name, x, out=out) is out
                check.verify(want, f"{name}: {case}, {_dtname(dtype)}, n={n}")


@acts
def test_overlap_forward_parallel(name, isa):
    n = PARALLEL_SIZE
    vals = values(n, np.float32)
    want = fwd(name, vals, threads=1)
    for case in PARALLEL_OVERLAP_CASES:
        x, out = _share(case, vals)
        check = WriteCheck(out)
        assert fwd(name, x, out=out, threads=2) is out
        check.verify(want, f"{name}: {case}, float32, n={n}, threads=2")


BACKWARD_OVERLAPS = (
    # (the argument `out` partially overlaps, case)
    ("grad", "out_shifted_right"), ("grad", "out_shifted_left"),
    ("grad", "out_shifted_by_chunk"), ("grad", "half_element_misaligned_out"),
    ("grad", "interleaved"), ("grad", "out_reversed_x"),
    ("x", "out_shifted_right"), ("x", "out_shifted_left"),
    ("x", "out_shifted_back_by_chunk"), ("x", "half_element_misaligned_x"),
    ("x", "contiguous_x_strided_out"), ("x", "out_reversed_x"),
)


def _backward_overlap(name, dtype, n, target, case, threads=None):
    x, g, y, gx, gy = reference(name, n, dtype)
    modes = [("x", x, gx)] + ([("y", y, gy)] if name in FROM_Y else [])
    for mode, v, want in modes:
        if target == "grad":
            gv, out = _share(case, g)
            vv = v.copy()
            other = vv
        else:
            vv, out = _share(case, v)
            gv = g.copy()
            other = gv
        check = WriteCheck(out)
        with Untouched(other):
            if mode == "x":
                res = bwd(name, gv, vv, out=out, threads=threads)
            else:
                res = bwd(name, gv, y=vv, out=out, threads=threads)
        assert res is out
        what = f"out overlaps {target} {case}, {_dtname(dtype)}, n={n}, threads={threads}"
        check.verify(want, f"{name}_backward({mode}): {what}")


@acts
def test_overlap_backward(name, isa):
    for dtype in FLOATS:
        for target, case in BACKWARD_OVERLAPS:
            for n in OVERLAP_SIZES:
                _backward_overlap(name, dtype, n, target, case)


@acts
def test_overlap_backward_parallel(name, isa):
    for target, case in (("grad", "out_shifted_by_chunk"), ("x", "out_shifted_back_by_chunk")):
        _backward_overlap(name, np.float64, PARALLEL_SIZE, target, case, threads=2)


@acts
def test_overlap_backward_all_three(name, isa):
    # grad_output, x and out all partial views of one buffer, at every order of offsets.
    for dtype in FLOATS:
        for n in (1, 9, 1000):
            x, g, y, _, _ = reference(name, n, dtype)
            modes = [("x", x)] + ([("y", y)] if name in FROM_Y else [])
            for mode, v in modes:
                for og, ov, oo in ((0, 1, 2), (2, 1, 0), (1, 0, 2), (0, 2, 1), (2, 0, 1)):
                    buf = np.full(n + 2, SENTINEL, dtype)
                    gv, vv, out = buf[og : og + n], buf[ov : ov + n], buf[oo : oo + n]
                    # The inputs overlap each other too: their values are what lands there.
                    gv[...] = g
                    vv[...] = v
                    g_now, v_now = gv.copy(), vv.copy()
                    want = (
                        bwd(name, g_now, v_now) if mode == "x" else bwd(name, g_now, y=v_now)
                    )
                    check = WriteCheck(out)
                    if mode == "x":
                        res = bwd(name, gv, vv, out=out)
                    else:
                        res = bwd(name, gv, y=vv, out=out)
                    assert res is out
                    check.verify(
                        want, f"{name}_backward({mode}) offsets g={og} {mode}={ov} out={oo}, "
                        f"{_dtname(dtype)}, n={n}"
                    )


# ---- streaming stores ----------------------------------------------------------------------


@acts
@pytest.mark.parametrize("simd", SIMD_ISAS)
@pytest.mark.parametrize("direction", ["forward", "backward"])
def test_large_misaligned_out(name, simd, direction):
    # Outputs of 16 MiB and more are written with streaming stores after a head that aligns
    # the destination (SIMD ISAs): here an out= one element past a vector boundary, against
    # the same elements computed in two calls below the streaming size; forward, and the
    # backward from x (the loops with the fast paths).
    n = (16 << 20) // 4 + 2 * 4096 + 6  # float32; even, so halves keep every position's parity
    x, g = values(n, np.float32), grads(n, np.float32)
    h = (n // 2) & ~63

    def run(part, **kw):
        if direction == "forward":
            return fwd(name, x[part], threads=1, **kw)
        return bwd(name, g[part], x[part], threads=1, **kw)

    buf = np.empty(n + 1, np.float32)
    buf[0] = SENTINEL
    out = buf[1:]
    with using_isa(simd):
        want = np.concatenate([run(slice(None, h)), run(slice(h, None))])
        assert run(slice(None), out=out) is out
    assert buf[0] == SENTINEL
    assert_bitwise(out, want, f"{name} {direction}(n={n}, out= one element past alignment)")


# ---- N-d -----------------------------------------------------------------------------------


def _nd_check(name, dtype, shape, threads=None, views=None):
    size = int(np.prod(shape))
    xs, gs = nd_views(values(size, dtype), shape), nd_views(grads(size, dtype), shape)
    for view, x in xs.items():
        if views is not None and view not in views:
            continue
        g = gs[view]
        what = f"3-d {view} {shape} {_dtname(dtype)}"
        flat_x, flat_g = x.ravel(), g.ravel()  # C-order copies of the logical elements
        want = fwd(name, flat_x).reshape(x.shape)
        want_g = bwd(name, flat_g, flat_x).reshape(x.shape)
        with Untouched(x, g):
            res = fwd(name, x, threads=threads)
            assert_c_result(res, x.shape, dtype)
            assert_bitwise(res, want, f"{name}({what})")
            res = bwd(name, g, x, threads=threads)
            assert_c_result(res, x.shape, dtype)
            assert_bitwise(res, want_g, f"{name}_backward({what})")
            # A transposed (non-contiguous) out of the same shape.
            out = np.full(x.shape[::-1], -777.0, dtype).T
            assert fwd(name, x, out=out, threads=threads) is out
            assert_bitwise(np.ascontiguousarray(out), want, f"{name}({what}, out=.T)")
            out = np.full(x.shape[::-1], -777.0, dtype).T
            assert bwd(name, g, x, out=out, threads=threads) is out
            assert_bitwise(np.ascontiguousarray(out), want_g, f"{name}_backward({what}, out=.T)")
        if name in FROM_Y:
            yv = want.transpose(2, 1, 0)
            gv = np.ascontiguousarray(g).transpose(2, 1, 0)
            res = bwd(name, gv, y=yv, threads=threads)
            want_y = bwd(name, gv.ravel(), y=yv.ravel()).reshape(yv.shape)
            assert_bitwise(res, want_y, f"{name}_backward({what}, y transposed)")
        # In place on a misaligned, transposed 3-d view.
        xw = at_offset(x.ravel(), 1).reshape(x.shape).transpose(2, 0, 1)
        want_w = fwd(name, np.ascontiguousarray(xw))
        check = WriteCheck(xw)
        assert fwd(name, xw, out=xw, threads=threads) is xw
        check.verify(want_w, f"{name}({what}, out=x misaligned transposed)")


@acts
def test_nd(name, isa):
    for dtype in FLOATS:
        _nd_check(name, dtype, (5, 6, 7))


@acts
def test_nd_parallel(name, isa):
    _nd_check(name, np.float32, (41, 37, 49), threads=2, views=("flipped_transposed",))

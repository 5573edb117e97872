"""The structured activations: softmax, log_softmax, softmin, glu, maxout, prelu.

Every kernel test runs on each ISA the CPU has (the ``isa`` fixture). Forward results are
measured in ulps against ``fastact.reference`` one precision up (float64 for float32, long
double for float64); gradients against the reference VJPs with a bound scaled by the sizes of
the terms that cancel, and against central finite differences; then thread-count bitwise
invariance, layouts, dtypes, ``out=``, bad arguments and the special values (checked against
PyTorch when it is installed).
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import fastact
from fastact import reference as R

DTYPES = (np.float32, np.float64)
REF = {np.dtype(np.float32): np.float64, np.dtype(np.float64): np.longdouble}
SOFTMAX_OPS = ("softmax", "log_softmax", "softmin")
# Documented bounds; measured maxima (all ISAs, rows up to 30000, logit scales 0.5 to 50; see
# the doc blocks in cpp/kernels/structured-inl.hpp): softmax/softmin 3.3 ulp, log_softmax 3.7
# (5.8 units of the smallest subnormal where its result is subnormal),
# glu 2.3, the glu gradient 7.3 (its b half in float64; the a half 2.3).
MAX_ULP = {"softmax": 4.0, "softmin": 4.0, "log_softmax": 4.0, "glu": 3.0, "glu_backward": 8.0}
# Gradients: |error| <= GRAD_TOL * eps * (the magnitude of the terms that cancel).
GRAD_TOL = 8.0


def rng_for(*tags) -> np.random.Generator:
    """A generator seeded by the tags (stable across runs: no str hash randomisation)."""
    return np.random.default_rng([zlib.crc32(str(t).encode()) for t in tags] + [20261123])


def to_ref(a):
    a = np.asarray(a)
    return a.astype(REF[a.dtype])


def ulp_error(y, ref, dtype) -> np.ndarray:
    """|y - ref| in ulps of dtype at ref; 0 where equal or both NaN, inf where one is NaN."""
    fi = np.finfo(dtype)
    y = np.asarray(y).astype(ref.dtype)
    with np.errstate(all="ignore"):
        _, e = np.frexp(np.abs(ref))
        u = np.maximum(np.ldexp(np.ones_like(ref), e - (fi.nmant + 1)), fi.smallest_subnormal)
        err = np.abs(y - ref) / u
        rounded = ref.astype(dtype).astype(ref.dtype)  # beyond the range: +-inf is exact
        err = np.where(np.isinf(rounded) & np.isfinite(ref), np.where(y == rounded, 0, np.inf), err)
    err = np.where((y == ref) | (np.isnan(y) & np.isnan(ref)), 0.0, err)
    return np.where(np.isnan(err), np.inf, err).astype(np.float64)


def same_bits(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    u = np.dtype(f"u{a.dtype.itemsize}")
    return bool(np.all(a.view(u) == b.view(u)))


def logits(shape, dtype, scale=5.0, tag="") -> np.ndarray:
    r = rng_for("logits", shape, np.dtype(dtype).name, scale, tag)
    return (r.standard_normal(shape) * scale).astype(dtype)


def grads(shape, dtype, tag="") -> np.ndarray:
    return rng_for("grad", shape, np.dtype(dtype).name, tag).standard_normal(shape).astype(dtype)


def fn(name):
    return getattr(fastact, name)


# (shape, axis): the axis last (row kernels, lengths around every vector width and the
# blocks of the sums), not last (column kernels, partial column vectors and blocks), 1 and 0
# lengths, empty arrays.
SHAPES = [
    ((7, 1000), -1),
    ((3, 33), 1),
    ((9, 17), -1),
    ((2, 5000), -1),
    ((6, 1), -1),
    ((5, 17, 9), 1),
    ((4, 3, 70), 0),
    ((2, 5, 3, 40), 2),
    ((1, 300, 130), -2),
    ((3, 4, 5), -3),
    ((6, 50, 3), 1),  # inner extents below 8 run transposed through the row kernels
    ((40, 2), 0),
    ((2, 33, 7), -2),
]
EMPTY_SHAPES = [((3, 0), -1), ((0, 5), -1), ((4, 0, 3), 1), ((2, 3, 0), 1)]


# ---------------------------------------------------------------------------------------
# softmax family: forward accuracy


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", SOFTMAX_OPS)
@pytest.mark.parametrize("shape,axis", SHAPES, ids=lambda v: str(v))
def test_softmax_forward_accuracy(isa, op, dtype, shape, axis):
    for scale in (1.0, 8.0, 40.0):
        x = logits(shape, dtype, scale)
        y = fn(op)(x, axis=axis)
        assert y.dtype == dtype and y.shape == x.shape and y.flags.c_contiguous
        ref = getattr(R, op)(to_ref(x), axis=axis)
        err = ulp_error(y, ref, dtype)
        assert err.max() <= MAX_ULP[op], (
            op,
            scale,
            err.max(),
            np.unravel_index(err.argmax(), err.shape),
        )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", SOFTMAX_OPS)
@pytest.mark.parametrize("offset", [-800.0, -200.0, -30.0, -17.0, -6.5, -5.5, 0.0, 99.0, 101.0,
                                    650.0, 701.0])
def test_softmax_accuracy_for_any_row_maximum(isa, op, dtype, offset):
    """Rows whose maximum lies on either side of the limits of the scaled-exp form (float32
    [-6, 100], float64 [-16, 700]), and rows one logit dominates (y tiny in log_softmax)."""
    x = logits((6, 70), dtype, 3.0, "offset") + dtype(offset)
    x[3:, 5] = x[3:].max(axis=1) + dtype(25.0)  # dominant logits: the others' terms ~ e^-25
    x[5, 6] = x[5, 5]  # two equal maxima
    x = x.astype(dtype)
    src = -x if op == "softmin" else x
    assert src.max(axis=1).min() < offset + 30 < src.max(axis=1).max() or op == "softmin"
    err = ulp_error(fn(op)(x), getattr(R, op)(to_ref(x)), dtype)
    assert err.max() <= MAX_ULP[op], (err.max(), np.unravel_index(err.argmax(), err.shape))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", SOFTMAX_OPS)
def test_softmax_columns_with_mixed_maxima(isa, op, dtype):
    """Columns (and short rows, run as columns) whose maxima lie on both sides of the scaled
    form's range share vectors: each keeps its own form, so it has the same bits as in a
    block of copies of itself, and the accuracy bound."""
    offsets = np.array([-800.0, -200.0, -30.0, -17.0, -6.5, -5.5, 0.0, 99.0, 101.0, 650.0,
                        701.0, 3.0, 40.0, -3.0, 120.0, 10.0, 20.0])
    for length in (10, 300):
        x = logits((length, offsets.size), dtype, 3.0, "mixed") + offsets.astype(dtype)
        for xx, axis in ((x, 0), (np.ascontiguousarray(x.T), -1)):
            y = fn(op)(xx, axis=axis)
            err = ulp_error(y, getattr(R, op)(to_ref(xx), axis=axis), dtype)
            assert err.max() <= MAX_ULP[op], (length, axis, err.max())
            g = grads(xx.shape, dtype, "mixed")
            dx = fn(op + "_backward")(g, xx, axis=axis)
            for j in range(offsets.size):
                col = np.take(xx, [j], axis=1 - (axis % 2))
                alone = np.repeat(col, offsets.size, axis=1 - (axis % 2))
                assert same_bits(np.take(fn(op)(alone, axis=axis), [0], axis=1 - (axis % 2)),
                                 np.take(y, [j], axis=1 - (axis % 2))), (length, axis, j)
                galone = np.repeat(np.take(g, [j], axis=1 - (axis % 2)), offsets.size,
                                   axis=1 - (axis % 2))
                bx = fn(op + "_backward")(galone, alone, axis=axis)
                assert same_bits(np.take(bx, [0], axis=1 - (axis % 2)),
                                 np.take(dx, [j], axis=1 - (axis % 2))), (length, axis, j)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", SOFTMAX_OPS)
def test_softmax_rows_beyond_the_normal_span(isa, op, dtype):
    """A row whose logits all lie within the normal span of its maximum (float32 85, float64
    700) scales its terms by one multiplication, a row with one logit further below by
    ldexp: appending such a logit (its term ~e^-90 or e^-710 of the others, below half an
    ulp of every sum) must leave the other outputs' bits alone, forward and backward."""
    far = 90.0 if dtype == np.float32 else 710.0
    x = logits((4, 300), dtype, 3.0, "span")
    sign = -1 if op == "softmin" else 1
    extra = (x.max(axis=1, keepdims=True) if op == "softmin" else x.min(axis=1, keepdims=True))
    wide = np.concatenate([x, extra - dtype(sign * far)], axis=1).astype(dtype)
    g = grads(x.shape, dtype, "span")
    gw = np.concatenate([g, np.zeros((4, 1), dtype)], axis=1)
    assert same_bits(fn(op)(wide)[:, :-1], fn(op)(x))
    assert same_bits(fn(op + "_backward")(gw, wide)[:, :-1], fn(op + "_backward")(g, x))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", SOFTMAX_OPS)
def test_softmax_long_rows_accuracy_does_not_grow(isa, op, dtype):
    """The sums are blocked and compensated: the error does not grow with the row length."""
    x = logits((2, 30000), dtype, 5.0)
    err = ulp_error(fn(op)(x), getattr(R, op)(to_ref(x)), dtype)
    assert err.max() <= MAX_ULP[op]
    xt = np.ascontiguousarray(x.T)  # the same rows down the columns
    err = ulp_error(fn(op)(xt, axis=0), getattr(R, op)(to_ref(xt), axis=0), dtype)
    assert err.max() <= MAX_ULP[op]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", SOFTMAX_OPS)
def test_softmax_large_logits_stable(isa, op, dtype):
    x = np.array([[1e4, -1e4, 0.0, 1e4 - 1], [-1e4, -1e4 + 2, -1e4 + 1, -3e4]], dtype=dtype)
    ref = getattr(R, op)(to_ref(x))
    y = fn(op)(x)
    assert np.all(np.isfinite(y))
    assert ulp_error(y, ref, dtype).max() <= MAX_ULP[op]
    big = np.finfo(dtype).max
    x = np.array([big, -big, big / 2, 0.0], dtype=dtype)
    y = fn(op)(x)
    assert not np.any(np.isnan(y))


@pytest.mark.parametrize("op", SOFTMAX_OPS)
@pytest.mark.parametrize("shape,axis", EMPTY_SHAPES)
def test_softmax_empty(isa, op, shape, axis):
    x = np.zeros(shape, np.float32)
    assert fn(op)(x, axis=axis).shape == shape
    assert fn(op + "_backward")(x, x, axis=axis).shape == shape
    assert fn(op + "_backward")(x, y=x, axis=axis).shape == shape


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_zero_dim(isa, dtype):
    """A 0-d array is a length-1 axis: softmax 1, log_softmax 0 (as PyTorch)."""
    x = np.array(3.5, dtype)
    for axis in (0, -1):
        assert fastact.softmax(x, axis=axis).shape == ()
        assert fastact.softmax(x, axis=axis) == 1
        assert fastact.softmin(x, axis=axis) == 1
        assert fastact.log_softmax(x, axis=axis) == 0
    g = np.array(2.0, dtype)
    assert fastact.softmax_backward(g, x) == 0
    assert fastact.log_softmax_backward(g, x) == 0
    assert fastact.log_softmax_backward(g, y=np.array(0.0, dtype)) == 0
    for v in (np.nan, np.inf, -np.inf):
        assert np.isnan(fastact.softmax(np.array(v, dtype)))
        assert np.isnan(fastact.log_softmax(np.array(v, dtype)))
    with pytest.raises(ValueError, match="softmax"):
        fastact.softmax(x, axis=1)


# ---------------------------------------------------------------------------------------
# softmax family: gradients


def softmax_grad_scale(op, y, g, axis):
    """The magnitude of the terms of the gradient formula, from y = softmax(x) (or softmin)."""
    if op == "log_softmax":
        return np.abs(g) + np.abs(y) * np.sum(np.abs(g), axis=axis, keepdims=True)
    return np.abs(y) * (np.abs(g) + np.sum(np.abs(g * y), axis=axis, keepdims=True))


def check_grad(dx, ref, scale, dtype, what):
    err = np.abs(dx.astype(ref.dtype) - ref)
    bound = GRAD_TOL * np.finfo(dtype).eps * scale + np.finfo(dtype).tiny
    bad = err > bound
    assert not bad.any(), (what, np.max(err / bound), np.argwhere(bad)[:5])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", SOFTMAX_OPS)
@pytest.mark.parametrize("shape,axis", SHAPES, ids=lambda v: str(v))
def test_softmax_backward_from_x(isa, op, dtype, shape, axis):
    x = logits(shape, dtype, 4.0)
    g = grads(shape, dtype)
    dx = fn(op + "_backward")(g, x, axis=axis)
    assert dx.dtype == dtype and dx.shape == shape
    xr, gr = to_ref(x), to_ref(g)
    ref = getattr(R, op + "_backward")(gr, xr, axis=axis)
    sm = R.softmax(-xr if op == "softmin" else xr, axis=axis)
    check_grad(dx, ref, softmax_grad_scale(op, sm, gr, axis), dtype, op)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", SOFTMAX_OPS)
@pytest.mark.parametrize("shape,axis", SHAPES, ids=lambda v: str(v))
def test_softmax_backward_from_y(isa, op, dtype, shape, axis):
    x = logits(shape, dtype, 4.0)
    g = grads(shape, dtype)
    y = fn(op)(x, axis=axis)
    dx = fn(op + "_backward")(g, y=y, axis=axis)
    yr, gr = to_ref(y), to_ref(g)
    if op == "log_softmax":
        sm = np.exp(yr)
        ref = gr - sm * np.sum(gr, axis=axis, keepdims=True)
    else:
        sm = yr
        ref = yr * (gr - np.sum(gr * yr, axis=axis, keepdims=True))
        if op == "softmin":
            ref = -ref
    check_grad(dx, ref, softmax_grad_scale(op, sm, gr, axis), dtype, op)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", SOFTMAX_OPS)
def test_short_rows_in_lockstep(isa, op, dtype):
    """Rows of up to a few vectors run in lockstep, a block of rows transposed into the lanes
    of the column kernels: every length around the tiles and vectors, a batch of rows with a
    partial block, forward and both backward forms against the reference, and each row's
    bits independent of the rows batched with it."""
    for n in (1, 2, 3, 7, 8, 9, 10, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129):
        x = logits((133, n), dtype, 6.0, "short")
        x[5, 0] = x[5].max() + 30  # one dominant logit
        g = grads((133, n), dtype, "short")
        y = fn(op)(x)
        ref = getattr(R, op)(to_ref(x))
        err = ulp_error(y, ref, dtype)
        assert err.max() <= MAX_ULP[op], (n, err.max(), np.unravel_index(err.argmax(), err.shape))
        xr, gr = to_ref(x), to_ref(g)
        sm = R.softmax(-xr if op == "softmin" else xr)
        scale = softmax_grad_scale(op, sm, gr, -1)
        dx = fn(op + "_backward")(g, x)
        check_grad(dx, getattr(R, op + "_backward")(gr, xr), scale, dtype, (op, n, "x"))
        dy = fn(op + "_backward")(g, y=y)
        check_grad(dy, getattr(R, op + "_backward")(gr, xr), scale, dtype, (op, n, "y"))
        for i in (0, 5, 31, 63, 64, 100, 132):
            assert same_bits(fn(op)(x[i : i + 1]), y[i : i + 1]), (n, i)
            assert same_bits(fn(op + "_backward")(g[i : i + 1], x[i : i + 1]), dx[i : i + 1])
            assert same_bits(fn(op + "_backward")(g[i : i + 1], y=y[i : i + 1]), dy[i : i + 1])


def numeric_grad(f, x, g, h=1e-6):
    """d/dx sum(g * f(x)) by central differences (float64)."""
    out = np.zeros_like(x)
    flat, of = x.reshape(-1), out.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        up = np.sum(g * f(x))
        flat[i] = old - h
        down = np.sum(g * f(x))
        flat[i] = old
        of[i] = (up - down) / (2 * h)
    return out


@pytest.mark.parametrize("op", SOFTMAX_OPS)
@pytest.mark.parametrize("shape,axis", [((3, 7), -1), ((4, 5, 3), 1), ((5, 2), 0)])
def test_softmax_gradient_matches_finite_differences(isa, op, shape, axis):
    x = logits(shape, np.float64, 2.0)
    g = grads(shape, np.float64)
    num = numeric_grad(lambda v: fn(op)(v, axis=axis), x.copy(), g)
    for dx in (
        fn(op + "_backward")(g, x, axis=axis),
        fn(op + "_backward")(g, y=fn(op)(x, axis=axis), axis=axis),
    ):
        np.testing.assert_allclose(dx, num, rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------------------------------
# glu


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "shape,axis", [((5, 40), -1), ((3, 6, 17), 1), ((8, 3), 0), ((2, 2, 5000), -1), ((4, 2, 1), -2)]
)
def test_glu_forward_and_backward(isa, dtype, shape, axis):
    x = logits(shape, dtype, 6.0, "glu")
    y = fastact.glu(x, axis=axis)
    out_shape = list(shape)
    out_shape[axis] //= 2
    assert y.shape == tuple(out_shape) and y.dtype == dtype
    assert ulp_error(y, R.glu(to_ref(x), axis=axis), dtype).max() <= MAX_ULP["glu"]
    g = grads(y.shape, dtype, "glu")
    dx = fastact.glu_backward(g, x, axis=axis)
    assert dx.shape == shape and dx.dtype == dtype
    ref = R.glu_backward(to_ref(g), to_ref(x), axis=axis)
    # each half is a product of a few roundings: a few ulps, elementwise
    assert ulp_error(dx, ref, dtype).max() <= MAX_ULP["glu_backward"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_glu_short_halves_in_lockstep(isa, dtype):
    """Halves of up to half a vector run transposed, slices as lanes: the same per-element
    operations as the row loop, so the same bits as the elementwise formula a * sigmoid(b)
    with fastact's own sigmoid (and its derivative for the backward), for every half length
    on either side of the cut, a partial block of slices, and the axis not last."""
    for h, shape, axis in [*(((h, (133, 2 * h), -1)) for h in range(1, 11)),
                           (4, (70, 4, 2), 1), (3, (3, 6, 1), 1)]:
        x = logits(shape, dtype, 6.0, ("gluls", h))
        a, b = np.split(x, 2, axis=axis)
        y = fastact.glu(x, axis=axis)
        assert same_bits(y, a * fastact.sigmoid(b)), (h, shape)
        g = grads(y.shape, dtype, ("gluls", h))
        dx = fastact.glu_backward(g, x, axis=axis)
        ds = fastact.sigmoid_backward(np.ones_like(b), b)
        expect = np.concatenate([g * fastact.sigmoid(b), g * (a * ds)], axis=axis)
        assert same_bits(dx, expect), (h, shape)


def test_glu_gradient_matches_finite_differences(isa):
    x = logits((3, 8), np.float64, 2.0, "glufd")
    g = grads((3, 4), np.float64, "glufd")
    num = numeric_grad(lambda v: fastact.glu(v), x.copy(), g)
    np.testing.assert_allclose(fastact.glu_backward(g, x), num, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("dtype", DTYPES)
def test_glu_where_the_sigmoid_is_subnormal(isa, dtype):
    """a * sigmoid(b) with sigmoid(b) subnormal (b < -87 in float32, -708 in float64) and a
    large a is a normal number: it must keep its accuracy, as must the gradient, whose
    sigmoid'(b) is subnormal for |b| beyond the same limit (both signs), also in vectors
    that mix such lanes with ordinary ones."""
    edge = 87.0 if dtype == np.float32 else 708.0
    rng = np.random.default_rng(7)
    n = 4099
    a = rng.choice([-1, 1], n) * rng.uniform(1, 3e3, n)
    b = rng.choice([-1, 1], n) * rng.uniform(edge - 5, edge + 15, n)
    b[::5] = rng.normal(0, 3, b[::5].size)
    x = np.concatenate([a, b]).astype(dtype)
    y = fastact.glu(x)
    assert ulp_error(y, R.glu(to_ref(x)), dtype).max() <= MAX_ULP["glu"]
    g = grads(y.shape, dtype, "glutiny")
    dx = fastact.glu_backward(g, x)
    err = ulp_error(dx, R.glu_backward(to_ref(g), to_ref(x)), dtype)
    assert err.max() <= MAX_ULP["glu_backward"], (err[:n].max(), err[n:].max())


@pytest.mark.parametrize("dtype", DTYPES)
def test_glu_results_do_not_depend_on_their_neighbours(isa, dtype):
    """Four vectors of b within the sigmoid's fast bound take its fast path, a block with
    one b beyond it (here -100, or +-1000) the general one: every other element keeps its
    bits whichever way its block went, forward and backward."""
    h = 1000
    x = logits((3, 2 * h), dtype, 3.0, "neighbours")
    g = grads((3, h), dtype, "neighbours")
    y, dx = fastact.glu(x), fastact.glu_backward(g, x)
    for j, value in ((5, -100.0), (517, 1000.0), (998, -1000.0)):
        xj = x.copy()
        xj[:, h + j] = dtype(value)
        keep = np.arange(h) != j
        assert same_bits(fastact.glu(xj)[:, keep], y[:, keep]), j
        dxj = fastact.glu_backward(g, xj)
        assert same_bits(dxj[:, :h][:, keep], dx[:, :h][:, keep]), j
        assert same_bits(dxj[:, h:][:, keep], dx[:, h:][:, keep]), j


@pytest.mark.parametrize("dtype", DTYPES)
def test_glu_special_values(isa, dtype):
    inf, nan = np.inf, np.nan
    a = np.array([-inf, 2.0, 3.0, nan, -0.0, inf], dtype)
    b = np.array([-inf, inf, nan, 1.0, 5.0, -inf], dtype)
    y = fastact.glu(np.concatenate([a, b]))
    expect = R.glu(np.concatenate([a, b]).astype(np.float64)).astype(dtype)
    np.testing.assert_array_equal(np.isnan(y), np.isnan(expect))
    assert np.isnan(y[0])  # -inf * sigmoid(-inf) = -inf * 0, as PyTorch
    assert y[1] == 2.0


# ---------------------------------------------------------------------------------------
# maxout


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "shape,axis,pieces",
    [
        ((5, 40), -1, 4),
        ((3, 12, 17), 1, 3),
        ((9, 3), 0, 3),
        ((2, 7000), -1, 7),
        ((4, 6), -1, 1),
        ((4, 6), -1, 6),
        ((3, 10, 70), -2, 2),
        # contiguous groups go through batches of 64 transposed groups (up to 16 pieces)
        ((3, 2000), -1, 2),
        ((2, 16 * 131), -1, 16),
        ((2, 17 * 70), -1, 17),
    ],
)
def test_maxout_exact(isa, dtype, shape, axis, pieces):
    x = logits(shape, dtype, 3.0, "maxout")
    x = np.round(x * 2) / 2  # many ties: the first maximal element must win
    y = fastact.maxout(x, pieces, axis=axis)
    ref = R.maxout(x, pieces, axis=axis).astype(dtype)
    assert same_bits(y, ref)
    g = grads(y.shape, dtype, "maxout")
    dx = fastact.maxout_backward(g, x, pieces, axis=axis)
    assert same_bits(dx, R.maxout_backward(g, x, pieces, axis=axis).astype(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_maxout_nan_ties_and_signed_zero(isa, dtype):
    nan, inf = np.nan, np.inf
    x = np.array(
        [
            [1.0, nan, 2.0, nan],
            [nan, 5.0, 1.0, 1.0],
            [3.0, 3.0, 1.0, 3.0],
            [0.0, -0.0, 0.0, -0.0],
            [-0.0, 0.0, -inf, -inf],
            [-inf, inf, inf, -inf],
        ],
        dtype,
    )
    for axis, xx in ((-1, x), (0, np.ascontiguousarray(x.T))):
        y = fastact.maxout(xx, 4, axis=axis).reshape(-1)
        np.testing.assert_array_equal(y, [nan, nan, 3.0, 0.0, -0.0, inf])
        assert np.signbit(y[3]) == False and np.signbit(y[4]) == True
        g = np.arange(1, 7, dtype=dtype).reshape((6, 1) if axis == -1 else (1, 6))
        dx = fastact.maxout_backward(g, xx, 4, axis=axis)
        dx = dx if axis == -1 else dx.T
        first = [1, 0, 0, 0, 0, 1]  # the first NaN, else the first maximal element
        expect = np.zeros((6, 4), dtype)
        expect[np.arange(6), first] = np.arange(1, 7)
        assert same_bits(np.ascontiguousarray(dx), expect)


def test_maxout_gradient_matches_finite_differences(isa):
    x = rng_for("mfd").permutation(24).astype(np.float64).reshape(3, 8)  # distinct values
    g = grads((3, 4), np.float64, "mfd")
    num = numeric_grad(lambda v: fastact.maxout(v, 2), x.copy(), g, h=1e-3)
    np.testing.assert_allclose(fastact.maxout_backward(g, x, 2), num, rtol=1e-9, atol=1e-9)


# ---------------------------------------------------------------------------------------
# prelu


PRELU_SHAPES = [
    ((6, 5), 1),
    ((4, 3, 37), 1),
    ((2, 7, 3, 5), 1),
    ((3, 4, 6), -1),
    ((5, 4, 3), 0),
    ((2, 3, 5000), 1),
    ((2000, 64), 1),
    ((1, 70000), 1),
    # short channel extents: slopes expanded into rows, channels in chunks of 1024 elements
    ((20, 200, 9), 1),
]


def prelu_weight(shape, axis, dtype, single=False):
    n = 1 if single or len(shape) < 2 else shape[axis]
    return (rng_for("w", n).uniform(-0.5, 1.5, n)).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("single", [False, True])
@pytest.mark.parametrize("shape,axis", PRELU_SHAPES, ids=lambda v: str(v))
def test_prelu(isa, dtype, shape, axis, single):
    x = logits(shape, dtype, 2.0, "prelu")
    x.reshape(-1)[::7] = 0.0  # the kink: weight * g for grad_x, 0 for grad_weight
    w = prelu_weight(shape, axis, dtype, single)
    y = fastact.prelu(x, w, axis=axis)
    assert same_bits(y, R.prelu(x, w, axis=axis).astype(dtype))  # w x: exact in float64
    g = grads(shape, dtype, "prelu")
    gx, gw = fastact.prelu_backward(g, x, w, axis=axis)
    rgx, _ = R.prelu_backward(g, x, w, axis=axis)
    assert same_bits(gx, rgx.astype(dtype))
    assert gw.shape == w.shape and gw.dtype == dtype
    # grad_weight is a compensated sum: within a couple of ulps of the sum of |terms|
    _, exact = R.prelu_backward(to_ref(g), to_ref(x), to_ref(w), axis=axis)
    _, mass = R.prelu_backward(np.abs(to_ref(g)), -np.abs(to_ref(x)), to_ref(w), axis=axis)
    assert np.all(
        np.abs(gw - exact) <= 2 * np.finfo(dtype).eps * np.abs(mass) + np.finfo(dtype).tiny
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_prelu_low_dimensional_and_special(isa, dtype):
    inf, nan = np.inf, np.nan
    x = np.array([-2.0, -0.0, 0.0, 3.0, -inf, inf, nan], dtype)
    w = np.array(0.25, dtype)
    y = fastact.prelu(x, w)
    assert same_bits(y[:6], np.array([-0.5, -0.0, 0.0, 3.0, -inf, inf], dtype)) and np.isnan(y[6])
    assert np.signbit(y[1])  # prelu(-0) = w * -0
    g = np.ones_like(x)
    gx, gw = fastact.prelu_backward(g, x, w)
    np.testing.assert_array_equal(gx, [0.25, 0.25, 0.25, 1, 0.25, 1, 0.25])  # NaN x: w * g
    assert gw.shape == () and np.isnan(gw)  # the NaN term
    gx, gw = fastact.prelu_backward(g[:4], x[:4], [0.25])
    assert gw.shape == (1,) and gw[0] == -2.0
    assert fastact.prelu(np.array(-4.0, dtype), 0.5) == -2.0
    assert fastact.prelu(np.array(-4.0, dtype), 0.5).shape == ()


def test_prelu_gradient_matches_finite_differences(isa):
    x = logits((3, 4, 5), np.float64, 2.0, "pfd")
    x = np.where(np.abs(x) < 1e-2, 0.5, x)
    w = np.array([0.1, -0.3, 0.7, 1.2])
    g = grads((3, 4, 5), np.float64, "pfd")
    num_x = numeric_grad(lambda v: fastact.prelu(v, w), x.copy(), g)
    num_w = numeric_grad(lambda v: fastact.prelu(x, v), w.copy(), g)
    gx, gw = fastact.prelu_backward(g, x, w)
    np.testing.assert_allclose(gx, num_x, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(gw, num_w, rtol=1e-7, atol=1e-9)


# ---------------------------------------------------------------------------------------
# Threads: the same bits for every thread count


def thread_cases():
    """(name, callable(threads) -> array or tuple) over arrays above the one-thread cut-off."""
    cases = []
    for dtype in DTYPES:
        dn = np.dtype(dtype).name
        for shape, axis in (
            ((300, 1000), -1),
            ((16, 300, 40), 1),
            ((50, 7, 130), 0),
            ((3, 40000), -1),
            ((40000, 3), 0),
            ((6000, 10), -1),
        ):
            x = logits(shape, dtype, 5.0, "thr")
            g = grads(shape, dtype, "thr")
            for op in SOFTMAX_OPS:
                f, b = fn(op), fn(op + "_backward")
                y = f(x, axis=axis)
                cases.append(
                    (f"{op}{shape}{dn}", lambda t, f=f, x=x, a=axis: f(x, axis=a, threads=t))
                )
                cases.append(
                    (
                        f"{op}_bx{shape}{dn}",
                        lambda t, b=b, g=g, x=x, a=axis: b(g, x, axis=a, threads=t),
                    )
                )
                cases.append(
                    (
                        f"{op}_by{shape}{dn}",
                        lambda t, b=b, g=g, y=y, a=axis: b(g, y=y, axis=a, threads=t),
                    )
                )
        x = logits((64, 2, 3000), dtype, 3.0, "thr")
        g = grads((64, 1, 3000), dtype, "thr")
        cases.append((f"glu{dn}", lambda t, x=x: fastact.glu(x, axis=1, threads=t)))
        cases.append(
            (f"glu_b{dn}", lambda t, x=x, g=g: fastact.glu_backward(g, x, axis=1, threads=t))
        )
        for shape, axis, p in (((200, 1200), -1, 3), ((20, 12, 900), 1, 4)):
            x = logits(shape, dtype, 3.0, "thr")
            gs = list(shape)
            gs[axis] //= p
            g = grads(tuple(gs), dtype, "thr")
            cases.append(
                (
                    f"maxout{shape}{dn}",
                    lambda t, x=x, a=axis, p=p: fastact.maxout(x, p, axis=a, threads=t),
                )
            )
            cases.append(
                (
                    f"maxout_b{shape}{dn}",
                    lambda t, x=x, g=g, a=axis, p=p: fastact.maxout_backward(
                        g, x, p, axis=a, threads=t
                    ),
                )
            )
        for shape, single in (
            ((3000, 64), False),
            ((8, 16, 4096), False),
            ((8, 16, 4096), True),
            ((2, 3, 100000), False),
            ((5, 20000), False),
            ((300, 64, 16), False),
            ((40, 200, 9), False),
        ):
            x = logits(shape, dtype, 2.0, "thr")
            g = grads(shape, dtype, "thr")
            w = prelu_weight(shape, 1, dtype, single)
            cases.append(
                (f"prelu{shape}{single}{dn}", lambda t, x=x, w=w: fastact.prelu(x, w, threads=t))
            )
            cases.append(
                (
                    f"prelu_b{shape}{single}{dn}",
                    lambda t, x=x, w=w, g=g: fastact.prelu_backward(g, x, w, threads=t),
                )
            )
    return cases


@pytest.mark.parametrize("isa_name", ["avx512", "avx2", "scalar"])
def test_results_do_not_depend_on_thread_count(isa_name):
    if not fastact.available_isas()[isa_name]:
        pytest.skip(f"this CPU does not support {isa_name}")
    previous = fastact.get_isa()
    fastact.set_isa(isa_name)
    try:
        cases = thread_cases() if isa_name != "scalar" else thread_cases()[::5]
        for name, run in cases:
            one = run(1)
            for t in (2, 3, 5):
                other = run(t)
                if isinstance(one, tuple):
                    assert all(same_bits(a, b) for a, b in zip(one, other, strict=True)), (name, t)
                else:
                    assert same_bits(one, other), (name, t)
    finally:
        fastact.set_isa(previous)


# ---------------------------------------------------------------------------------------
# Layouts, dtypes, out=


def all_calls(x, g_full, axis=1):
    """Each structured function on x (3-d, axis 1 even and divisible by 2)."""
    gh = np.ascontiguousarray(np.take(g_full, range(x.shape[axis] // 2), axis=axis))
    w = np.linspace(-0.5, 1.5, x.shape[axis]).astype(x.dtype if x.dtype.kind == "f" else np.float64)
    calls = {}
    for op in SOFTMAX_OPS:
        calls[op] = lambda x, op=op: fn(op)(x, axis=axis)
        calls[op + "_bx"] = lambda x, op=op: fn(op + "_backward")(g_full, x, axis=axis)
        calls[op + "_by"] = lambda x, op=op: fn(op + "_backward")(g_full, y=x, axis=axis)
    calls["glu"] = lambda x: fastact.glu(x, axis=axis)
    calls["glu_b"] = lambda x: fastact.glu_backward(gh, x, axis=axis)
    calls["maxout"] = lambda x: fastact.maxout(x, 2, axis=axis)
    calls["maxout_b"] = lambda x: fastact.maxout_backward(gh, x, 2, axis=axis)
    calls["prelu"] = lambda x: fastact.prelu(x, w, axis=axis)
    calls["prelu_b"] = lambda x: fastact.prelu_backward(g_full, x, w, axis=axis)
    return calls


def strided_views(base):
    """Non-contiguous, reversed, Fortran-ordered and misaligned arrays equal to `base`."""
    big = np.zeros((base.shape[0], base.shape[1] * 2, base.shape[2] + 3), base.dtype)
    big[:, ::2, 1:-2] = base
    rev = np.ascontiguousarray(base[::-1, :, ::-1])
    raw = np.zeros(base.nbytes + 1, np.uint8)
    mis = raw[1:].view(base.dtype).reshape(base.shape)
    mis[...] = base
    assert not mis.flags.aligned
    return {
        "strided": big[:, ::2, 1:-2],
        "reversed": rev[::-1, :, ::-1],
        "fortran": np.asfortranarray(base),
        "misaligned": mis,
    }


@pytest.mark.parametrize("dtype", DTYPES)
def test_layouts_give_the_contiguous_result(isa, dtype):
    base = logits((3, 8, 5), dtype, 3.0, "layout")
    g = grads((3, 8, 5), dtype, "layout")
    calls = all_calls(base, g)
    expected = {k: c(base) for k, c in calls.items()}
    for vname, v in strided_views(base).items():
        np.testing.assert_array_equal(v, base)
        for k, c in calls.items():
            got = c(v)
            if isinstance(got, tuple):
                assert all(same_bits(a, b) for a, b in zip(got, expected[k], strict=True)), (
                    vname,
                    k,
                )
            else:
                assert same_bits(got, expected[k]), (vname, k)


@pytest.mark.parametrize("op", (*SOFTMAX_OPS, "glu", "maxout", "prelu"))
def test_dtype_rules(isa, op):
    ints = np.arange(-6, 6, dtype=np.int32).reshape(3, 4)

    def call(x):
        if op == "maxout":
            return fastact.maxout(x, 2)
        if op == "prelu":
            return fastact.prelu(x, 0.25)
        return fn(op)(x)

    y = call(ints)
    assert y.dtype == np.float64 and same_bits(y, call(ints.astype(np.float64)))
    assert call(ints > 0).dtype == np.float64
    assert call(ints.tolist()).dtype == np.float64
    h = (ints / 4).astype(np.float16)
    yh = call(h)
    assert yh.dtype == np.float16 and same_bits(yh, call(h.astype(np.float32)).astype(np.float16))
    for bad in (ints.astype(np.complex64), ints.astype(object), np.array([["a", "b"]])):
        with pytest.raises(TypeError, match=op):
            call(bad)


@pytest.mark.parametrize("dtype", DTYPES)
def test_out_argument(isa, dtype):
    x = logits((4, 6), dtype, 2.0, "out")
    g = grads((4, 6), dtype, "out")
    keep_x, keep_g = x.copy(), g.copy()
    y = fastact.softmax(x)
    out = np.full_like(x, 7)
    assert fastact.softmax(x, out=out) is out and same_bits(out, y)
    # checked before anything is written
    for bad, exc in (
        (np.full((4, 5), 7, dtype), ValueError),
        (np.full((4, 6), 7, np.float16), TypeError),
        ([0.0] * 24, TypeError),
    ):
        with pytest.raises(exc, match="softmax"):
            fastact.softmax(x, out=bad)
        if isinstance(bad, np.ndarray):
            assert np.all(bad == 7)
    ro = np.zeros_like(x)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        fastact.softmax(x, out=ro)
    assert same_bits(x, keep_x) and same_bits(g, keep_g)  # nothing the user passed moved
    # non-contiguous out
    big = np.zeros((4, 12), dtype)
    fastact.log_softmax(x, out=big[:, ::2])
    assert same_bits(big[:, ::2].copy(), fastact.log_softmax(x))
    # glu/maxout: out has the smaller shape
    o = np.empty((4, 3), dtype)
    assert fastact.glu(x, out=o) is o and same_bits(o, fastact.glu(x))
    assert fastact.maxout(x, 2, out=o) is o and same_bits(o, fastact.maxout(x, 2))
    with pytest.raises(ValueError, match="glu"):
        fastact.glu(x, out=np.empty((4, 6), dtype))
    # prelu_backward: a pair, either may be None
    w = np.array([0.5, 0.25, 1, 2, 3, 4], dtype)
    gx, gw = fastact.prelu_backward(g, x, w)
    ox, ow = np.empty_like(x), np.empty_like(w)
    rx, rw = fastact.prelu_backward(g, x, w, out=(ox, ow))
    assert rx is ox and rw is ow and same_bits(ox, gx) and same_bits(ow, gw)
    rx, rw = fastact.prelu_backward(g, x, w, out=(None, ow))
    assert rw is ow and same_bits(rx, gx)
    with pytest.raises(ValueError, match="prelu_backward"):
        fastact.prelu_backward(g, x, w, out=(ox, np.empty(5, dtype)))
    with pytest.raises(TypeError, match="prelu_backward"):
        fastact.prelu_backward(g, x, w, out=ox)


@pytest.mark.parametrize("op", SOFTMAX_OPS)
def test_in_place_and_aliasing(isa, op):
    x = logits((5, 40), np.float32, 3.0, "alias")
    g = grads((5, 40), np.float32, "alias")
    y = fn(op)(x)
    for axis in (-1, 0):  # row and column kernels
        xa = x if axis == -1 else np.ascontiguousarray(x.T)
        ga = g if axis == -1 else np.ascontiguousarray(g.T)
        ya = fn(op)(xa, axis=axis)
        dxa = fn(op + "_backward")(ga, xa, axis=axis)
        dya = fn(op + "_backward")(ga, y=ya, axis=axis)
        t = xa.copy()
        assert fn(op)(t, axis=axis, out=t) is t and same_bits(t, ya)
        t = ga.copy()  # dx into the gradient's memory, from x: needs a separate buffer inside
        assert same_bits(fn(op + "_backward")(t, xa, axis=axis, out=t), dxa)
        t = xa.copy()
        assert same_bits(fn(op + "_backward")(ga, t, axis=axis, out=t), dxa)
        t = ga.copy()
        assert same_bits(fn(op + "_backward")(t, y=ya, axis=axis, out=t), dya)
        t = ya.copy()
        assert same_bits(fn(op + "_backward")(ga, y=t, axis=axis, out=t), dya)
    # partial overlap: out shifted by one row inside the same buffer as x
    buf = np.zeros(6 * 40, np.float32)
    buf[:200] = x.reshape(-1)
    res = fn(op)(buf[:200].reshape(5, 40), out=buf[40:].reshape(5, 40))
    assert same_bits(res, y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_glu_maxout_prelu_aliasing(isa, dtype):
    x = logits((6, 8), dtype, 3.0, "alias2")
    g = grads((6, 4), dtype, "alias2")
    gx_glu, gx_max = fastact.glu_backward(g, x), fastact.maxout_backward(g, x, 2)
    buf = x.copy().reshape(-1)
    assert same_bits(fastact.glu(buf.reshape(6, 8), out=buf[:24].reshape(6, 4)), fastact.glu(x))
    buf = x.copy().reshape(-1)
    assert same_bits(
        fastact.maxout(buf.reshape(6, 8), 2, out=buf[24:].reshape(6, 4)), fastact.maxout(x, 2)
    )
    t = x.copy()
    assert same_bits(fastact.glu_backward(g, t, out=t), gx_glu)
    t = x.copy()
    assert same_bits(fastact.maxout_backward(g, t, 2, out=t), gx_max)
    # in place over several batches of transposed groups
    x3 = logits((3, 1000), np.float64, 3.0, "alias3")
    g3 = grads((3, 500), np.float64, "alias3")
    t = x3.copy()
    assert same_bits(fastact.maxout_backward(g3, t, 2, out=t), fastact.maxout_backward(g3, x3, 2))
    # the gradient array inside the output's memory
    big = np.zeros(48, dtype)
    big[:24] = g.reshape(-1)
    assert same_bits(fastact.glu_backward(big[:24].reshape(6, 4), x, out=big.reshape(6, 8)), gx_glu)
    w = np.linspace(0.1, 0.8, 8).astype(dtype)
    gp, gw = fastact.prelu_backward(x, x, w)
    t = x.copy()
    r = fastact.prelu_backward(x, t, w, out=(t, None))
    assert same_bits(r[0], gp) and same_bits(r[1], gw)
    t = x.copy()
    assert same_bits(fastact.prelu(t, w, out=t), fastact.prelu(x, w))


# ---------------------------------------------------------------------------------------
# Bad arguments: TypeError / ValueError naming the function


def test_bad_arguments():
    x = np.zeros((4, 6))
    for op in SOFTMAX_OPS:
        for axis in (2, -3):
            with pytest.raises(ValueError, match=rf"^{op}: axis"):
                fn(op)(x, axis=axis)
            with pytest.raises(ValueError, match=rf"^{op}_backward: axis"):
                fn(op + "_backward")(x, x, axis=axis)
        for axis in (1.0, "1", None, True):
            with pytest.raises(TypeError, match=rf"^{op}: axis"):
                fn(op)(x, axis=axis)
        assert fn(op)(x, axis=np.int64(0)).shape == x.shape
        with pytest.raises(TypeError, match="exactly one"):
            fn(op + "_backward")(x)
        with pytest.raises(TypeError, match="exactly one"):
            fn(op + "_backward")(x, x, y=x)
        with pytest.raises(ValueError, match="no broadcasting"):
            fn(op + "_backward")(x[:, :3], x)
        with pytest.raises(ValueError, match=rf"^{op}: threads"):
            fn(op)(x, threads=0)
        with pytest.raises(TypeError, match=rf"^{op}: threads"):
            fn(op)(x, threads=1.5)
    with pytest.raises(ValueError, match=r"^glu: .*odd"):
        fastact.glu(np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"^glu: "):
        fastact.glu(np.zeros(()))
    with pytest.raises(ValueError, match=r"^glu_backward: grad_output"):
        fastact.glu_backward(x, x)
    with pytest.raises(TypeError, match=r"^glu_backward: .*forward input x"):
        fastact.glu_backward(x[:, :3], y=x)
    for pieces, exc in (
        (0, ValueError),
        (-2, ValueError),
        (4, ValueError),
        (2.0, TypeError),
        (True, TypeError),
        ("2", TypeError),
    ):
        with pytest.raises(exc, match=r"^maxout: "):
            fastact.maxout(x, pieces)
    with pytest.raises(TypeError, match=r"^maxout_backward: "):
        fastact.maxout_backward(x[:, :3], x)  # pieces missing
    with pytest.raises(TypeError, match=r"^maxout_backward: .*forward input x"):
        fastact.maxout_backward(x[:, :3], y=x, pieces=2)
    with pytest.raises(ValueError, match=r"^maxout_backward: grad_output"):
        fastact.maxout_backward(x, x, 2)
    with pytest.raises(ValueError, match=r"^maxout: "):
        fastact.maxout(np.zeros(()), 1)
    with pytest.raises(ValueError, match=r"^prelu: weight"):
        fastact.prelu(x, np.ones(3))
    with pytest.raises(ValueError, match=r"^prelu: weight"):
        fastact.prelu(x, np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"^prelu: .*single slope"):
        fastact.prelu(np.zeros(5), np.ones(5))
    with pytest.raises(ValueError, match=r"^prelu: axis"):
        fastact.prelu(x, np.ones(4), axis=2)
    with pytest.raises(TypeError, match=r"^prelu: weight"):
        fastact.prelu(x, np.ones(4, np.complex128))
    with pytest.raises(ValueError, match=r"^prelu_backward: weight"):
        fastact.prelu_backward(x, x, np.ones(5))
    with pytest.raises(ValueError, match=r"^prelu_backward: grad_output"):
        fastact.prelu_backward(x[:2], x, np.ones(6))
    assert fastact.prelu(x, np.ones(4), axis=0).shape == x.shape


# ---------------------------------------------------------------------------------------
# Special values, checked against PyTorch


SPECIAL_ROWS = [
    [1.0, 2.0, 3.0],
    [np.inf, 1.0, 2.0],
    [np.inf, np.inf, 1.0],
    [-np.inf, -np.inf, -np.inf],
    [-np.inf, 1.0, 2.0],
    [np.nan, 1.0, 2.0],
    [1e4, -1e4, 0.0],
    [np.inf, -np.inf, 0.0],
    [-0.0, 0.0, -0.0],
    [5.0, 5.0, 5.0],
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", SOFTMAX_OPS)
@pytest.mark.parametrize("width", [3, 300], ids=["lockstep", "row-kernel"])
def test_softmax_special_values_match_torch(isa, op, dtype, width):
    """Short rows run in lockstep through the column kernels, long ones through the row
    kernels: the special rows are padded with finite logits to reach the latter."""
    torch = pytest.importorskip("torch")
    pad = np.broadcast_to(np.linspace(-2.0, 2.0, width - 3), (len(SPECIAL_ROWS), width - 3))
    x = np.concatenate([np.array(SPECIAL_ROWS), pad], axis=1).astype(dtype)
    g = np.tile(1.0 + np.arange(width) % 3, (len(SPECIAL_ROWS), 1)).astype(dtype)
    tf = {
        "softmax": torch.softmax,
        "log_softmax": torch.log_softmax,
        "softmin": torch.nn.functional.softmin,
    }[op]
    tx = torch.tensor(x, requires_grad=True)
    ty = tf(tx, -1)
    ty.backward(torch.tensor(g))
    for mine, theirs in (
        (fn(op)(x), ty.detach().numpy()),
        (fn(op + "_backward")(g, x), tx.grad.numpy()),
    ):
        np.testing.assert_array_equal(np.isnan(mine), np.isnan(theirs))
        np.testing.assert_allclose(
            mine,
            theirs,
            rtol=1e-5 if dtype == np.float32 else 1e-12,
            atol=1e-6 if dtype == np.float32 else 1e-14,
        )
    # the same, down the columns
    np.testing.assert_array_equal(
        np.isnan(fn(op)(np.ascontiguousarray(x.T), axis=0).T), np.isnan(ty.detach().numpy())
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_glu_and_prelu_match_torch(isa, dtype):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x = logits((4, 6, 5), dtype, 3.0, "torch")
    x[0, 0, :3] = [0.0, -0.0, np.nan]
    np.testing.assert_allclose(
        fastact.glu(x, axis=1), F.glu(torch.tensor(x), 1).numpy(), rtol=4 * np.finfo(dtype).eps
    )
    w = np.linspace(-0.5, 1.5, 6).astype(dtype)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    ty = F.prelu(tx, tw)
    g = grads(x.shape, dtype, "torch")
    ty.backward(torch.tensor(g))
    assert same_bits(fastact.prelu(x, w), ty.detach().numpy())
    gx, gw = fastact.prelu_backward(g, x, w)
    np.testing.assert_array_equal(gx, tx.grad.numpy())
    np.testing.assert_array_equal(np.isnan(gw), np.isnan(tw.grad.numpy()))
    ok = ~np.isnan(gw)
    np.testing.assert_allclose(
        gw[ok], tw.grad.numpy()[ok], rtol=1e-4 if dtype == np.float32 else 1e-12
    )


def test_public_api():
    for name in ("softmax", "log_softmax", "softmin", "glu", "maxout", "prelu"):
        assert name in fastact.__all__ and name + "_backward" in fastact.__all__
        assert fn(name).__doc__ and fn(name + "_backward").__doc__


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(5, 1000), (64, 34)])
def test_in_place_on_blocked_rows(isa, dtype, shape):
    # Every structured op with out= one of its inputs, on rows long enough for the register
    # blocks and fast paths of the row loops (and, axis 0, the column forms): each input
    # element must be read before its result overwrites it.
    x = logits(shape, dtype, 3.0, "inplace")
    g = grads(shape, dtype, "inplace")
    half = grads((shape[0], shape[1] // 2), dtype, "inplace-half")

    def check(fn, args, k, *, want=None, **kw):
        want = fn(*args, **kw) if want is None else want
        args = list(args)
        args[k] = args[k].copy()
        got = fn(*args, out=args[k], **kw)
        assert got is args[k] and same_bits(got, want), (fn.__name__, k, kw)

    for op in ("softmax", "log_softmax", "softmin"):
        f, b = getattr(fastact, op), getattr(fastact, op + "_backward")
        for axis in (-1, 0):
            check(f, (x,), 0, axis=axis)
            check(b, (g, x), 0, axis=axis)
            check(b, (g, x), 1, axis=axis)
            y = f(x, axis=axis)
            want = b(g, y=y, axis=axis)
            for k, arrays in ((0, (g.copy(), y)), (1, (g, y.copy()))):
                args = list(arrays)
                got = b(args[0], y=args[1], axis=axis, out=args[k])
                assert got is args[k] and same_bits(got, want), (op, "y", k, axis)
    check(fastact.glu_backward, (half, x), 1)
    check(fastact.maxout_backward, (half, x, 2), 1)
    w = np.linspace(0.05, 0.3, shape[1]).astype(dtype)
    check(fastact.prelu, (x, w), 0)
    gx, gw = fastact.prelu_backward(g, x, w)
    for k in (0, 1):  # out= the gradient's memory, then x's
        args = [g.copy(), x] if k == 0 else [g, x.copy()]
        got = fastact.prelu_backward(*args, w, out=(args[k], None))
        assert got[0] is args[k] and same_bits(got[0], gx) and same_bits(got[1], gw), k

"""Helpers shared by the layout, dtype, error, thread, dispatch and catalogue tests.

No oracle lives here: every expected value is fastact's own result for a plain, contiguous,
float32/float64 call, and the comparisons are bitwise.
"""

from __future__ import annotations

import contextlib
import functools
import re

import numpy as np

import fastact
from fastact import _core

ACTIVATIONS: tuple[str, ...] = tuple(fastact.activations())
# Activations without PyTorch defaults need their parameters spelled out.
REQUIRED_ARGS: dict[str, dict[str, float]] = {"threshold": {"threshold": 0.5, "value": -1.0}}
FROM_Y: tuple[str, ...] = tuple(n for n in ACTIVATIONS if fastact.info(n)["backward_from_y"])
NOT_FROM_Y: tuple[str, ...] = tuple(n for n in ACTIVATIONS if n not in FROM_Y)
FLOATS = (np.float32, np.float64)

# The ISAs with vectors wider than an element: the ones whose streaming stores peel a head
# to align the destination.
SIMD_ISAS: tuple[str, ...] = tuple(i for i in ("avx2", "avx512") if fastact.available_isas()[i])


@contextlib.contextmanager
def using_isa(name: str):
    before = fastact.get_isa()
    fastact.set_isa(name)
    try:
        yield
    finally:
        fastact.set_isa(before)


_BUILD = _core.build_info()
CHUNK = int(_BUILD["chunk_elements"])
PARALLEL_MIN = int(_BUILD["parallel_min_elements"])
# A size that runs on several threads, with a partial last chunk.
PARALLEL_SIZE = max(PARALLEL_MIN, 65536) + 3 * CHUNK + 5

_UINT = {2: np.uint16, 4: np.uint32, 8: np.uint64}
SENTINEL = 1234.5  # fills the gaps of strided buffers


def kwargs(name: str) -> dict[str, float]:
    """The parameters every call of `name` needs (its required ones)."""
    return dict(REQUIRED_ARGS.get(name, {}))


def fwd(name: str, x, **kw):
    return getattr(fastact, name)(x, **kwargs(name), **kw)


def bwd(name: str, g, x=None, **kw):
    return getattr(fastact, f"{name}_backward")(g, x, **kwargs(name), **kw)


def values(n: int, dtype=np.float64, seed: int = 0) -> np.ndarray:
    """n inputs covering the interesting ranges: every kink of the catalogue (0, +-0.5,
    +-1, +-3, +-6, the threshold), +-0, +-inf, +-NaN, tiny and huge values and a spread of
    ordinary ones, in a fixed pseudo-random order. Read-only (cached): copy to modify."""
    return _values(n, np.dtype(dtype).str, seed)


@functools.lru_cache(maxsize=256)
def _values(n: int, dtype: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed + 7919 * n)
    special = np.array(
        [0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 3.0, -3.0, 6.0, -6.0, np.inf, -np.inf, np.nan,
         1e-30, -1e-30, 1e-300, 20.0, -20.0, 100.0, -100.0, 1e30, -1e30, 5.9, 0.49, 2.9,
         -np.nan],
        dtype=np.float64,
    )
    x = rng.normal(scale=4.0, size=n)
    mask = rng.random(n) < 0.1
    x[mask] = rng.choice(special, size=int(mask.sum()))
    x[: min(n, special.size)] = special[: min(n, special.size)]
    with np.errstate(over="ignore"):
        x = x.astype(dtype)
    x.flags.writeable = False
    return x


def grads(n: int, dtype=np.float64, seed: int = 1) -> np.ndarray:
    """n gradients: ordinary values with a few zeros, infinities and NaNs among them.
    Read-only (cached): copy to modify."""
    return _grads(n, np.dtype(dtype).str, seed)


@functools.lru_cache(maxsize=256)
def _grads(n: int, dtype: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed + 104729 * n)
    g = rng.normal(scale=2.0, size=n)
    mask = rng.random(n) < 0.05
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan])
    g[mask] = rng.choice(specials, size=int(mask.sum()))
    g = g.astype(dtype)
    g.flags.writeable = False
    return g


_REFERENCE: dict = {}


def reference(name: str, n: int, dtype):
    """(x, g, y, dx from x, dx from y or None): fastact's plain contiguous results on the
    standard inputs, with the ISA active now. All read-only."""
    key = (name, n, np.dtype(dtype).str, fastact.get_isa())
    r = _REFERENCE.get(key)
    if r is None:
        x, g = values(n, dtype), grads(n, dtype)
        y = fwd(name, x, threads=1)
        gx = bwd(name, g, x, threads=1)
        gy = bwd(name, g, y=y, threads=1) if name in FROM_Y else None
        for a in (y, gx, gy):
            if a is not None:
                a.flags.writeable = False
        r = (x, g, y, gx, gy)
        if n <= 10000:
            _REFERENCE[key] = r
    return r


def bits(a) -> np.ndarray:
    a = np.ascontiguousarray(a)
    return a.view(_UINT[a.dtype.itemsize]) if a.dtype.kind == "f" else a


def assert_bitwise(got, want, what: str = "") -> None:
    """Same shape, dtype and bits (NaN payloads and signed zeros included)."""
    assert isinstance(got, np.ndarray), f"{what}: got {type(got).__name__}, not an ndarray"
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype} != {want.dtype}"
    gb, wb = bits(got).ravel(), bits(want).ravel()
    if not np.array_equal(gb, wb):
        bad = np.flatnonzero(gb != wb)
        i = int(bad[0])
        raise AssertionError(
            f"{what}: {bad.size} of {gb.size} elements differ; first at flat index {i}: "
            f"got {np.ascontiguousarray(got).ravel()[i]!r} "
            f"want {np.ascontiguousarray(want).ravel()[i]!r}"
        )


def assert_c_result(res, like_shape, dtype) -> None:
    assert isinstance(res, np.ndarray)
    assert type(res) is np.ndarray
    assert res.shape == tuple(like_shape)
    assert res.dtype == np.dtype(dtype)
    assert res.flags.c_contiguous


def root(a: np.ndarray) -> np.ndarray:
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


class Untouched:
    """Snapshots whole underlying buffers (not just the views) and asserts, on exit, that
    not one byte changed. Use it around calls that must not write, and around error paths."""

    def __init__(self, *arrays):
        self.items = []
        for a in arrays:
            if isinstance(a, np.ndarray):
                r = root(a)
                self.items.append((r, r.tobytes(), a, a.tobytes()))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.check()
        return False

    def check(self) -> None:
        for r, rb, a, ab in self.items:
            assert a.tobytes() == ab, "an argument's elements were modified"
            assert r.tobytes() == rb, "the buffer under an argument was modified"


def byte_buffer(nbytes: int, fill: int = 0xA5) -> np.ndarray:
    """A uint8 buffer with room for an odd offset, filled with a recognisable byte."""
    return np.full(nbytes + 64, fill, dtype=np.uint8)


def at_offset(vals: np.ndarray, offset: int) -> np.ndarray:
    """A copy of 1-d `vals` placed `offset` bytes into a uint8 buffer (misaligned when the
    offset is not a multiple of the itemsize)."""
    size = vals.dtype.itemsize
    buf = byte_buffer(vals.size * size + offset)
    out = buf[offset : offset + vals.size * size].view(vals.dtype)
    out[...] = vals
    return out


def layout(kind: str, vals: np.ndarray) -> np.ndarray:
    """A view holding the 1-d `vals` (same elements, same order) in the layout `kind`,
    inside a larger buffer whose other elements are SENTINEL."""
    n, dt = vals.size, vals.dtype
    if kind == "contiguous":
        return vals.copy()
    if kind == "offset1":  # aligned to the element, not to the vector
        parent = np.full(n + 1, SENTINEL, dt)
        v = parent[1:]
    elif kind == "step2":
        parent = np.full(2 * n, SENTINEL, dt)
        v = parent[::2]
    elif kind == "step3_off1":
        parent = np.full(3 * n + 1, SENTINEL, dt)
        v = parent[1 : 3 * n + 1 : 3]
    elif kind == "reversed":
        parent = np.full(n + 1, SENTINEL, dt)
        v = parent[n - 1 :: -1] if n else parent[:0]
    elif kind == "reversed_step2":
        parent = np.full(2 * n + 1, SENTINEL, dt)
        v = parent[2 * n - 1 :: -2] if n else parent[:0]
    elif kind == "misaligned1":
        return at_offset(vals, 1)
    elif kind == "misaligned_half":
        return at_offset(vals, max(1, dt.itemsize // 2))
    elif kind == "misaligned_step2":
        w = at_offset(np.repeat(vals, 2), 3)
        v = w[::2]
        w[1::2] = SENTINEL
    elif kind == "misaligned_reversed":
        v = at_offset(vals[::-1].copy(), 5)[::-1]
        return v
    elif kind == "frombuffer_offset1":  # read-only, misaligned, over a bytes object
        return np.frombuffer(b"\xa5" + np.ascontiguousarray(vals).tobytes(), vals.dtype, offset=1)
    else:  # pragma: no cover
        raise ValueError(kind)
    v[...] = vals
    assert v.shape == vals.shape
    return v


# Writable layouts (usable as out= and in place) ...
LAYOUTS_1D = (
    "contiguous", "offset1", "step2", "step3_off1", "reversed", "reversed_step2",
    "misaligned1", "misaligned_half", "misaligned_step2", "misaligned_reversed",
)
# ... and read-only ones, for inputs.
INPUT_LAYOUTS_1D = (*LAYOUTS_1D, "frombuffer_offset1")


def nd_views(vals: np.ndarray, shape: tuple[int, int, int]) -> dict[str, np.ndarray]:
    """3-d views of a buffer of `vals` (the same elements in some order): transposed,
    Fortran, negative strides, a strided sub-block and a misaligned transpose."""
    a = vals.reshape(shape)
    out = {
        "c": a,
        "transposed": a.transpose(2, 0, 1),
        "fortran": np.asfortranarray(a),
        "flipped": a[::-1, :, ::-1],
        "flipped_transposed": a[:, ::-1, :].transpose(1, 2, 0),
        "swapaxes_stepped": np.swapaxes(a, 0, 2)[::2, :, ::-3],
        "misaligned_transposed": at_offset(vals, 1).reshape(shape).transpose(1, 0, 2),
    }
    return out


def error_names(name: str, backward: bool) -> re.Pattern:
    """Matches the function's name as a word (so 'relu' is not found in 'leaky_relu')."""
    fn = f"{name}_backward" if backward else name
    return re.compile(rf"(?<![\w]){re.escape(fn)}(?!\w)")


def assert_names(exc_info, name: str, backward: bool = False) -> None:
    msg = str(exc_info.value)
    pat = error_names(name, backward)
    assert pat.search(msg), f"error message does not name {pat.pattern!r}: {msg!r}"


def ulp_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|a - b| in ulps, on the ordered integer line; NaN vs NaN counts as 0."""
    a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    it = {4: np.int32, 8: np.int64}[a.dtype.itemsize]
    ia = a.view(it).astype(object if it is np.int64 else np.int64)
    ib = b.view(it).astype(object if it is np.int64 else np.int64)
    lo = np.iinfo(it).min
    ia = np.where(ia < 0, lo - ia, ia)
    ib = np.where(ib < 0, lo - ib, ib)
    d = np.abs(ia - ib)
    both_nan = np.isnan(a) & np.isnan(b)
    d = np.where(both_nan, 0, d)
    return d


class WriteCheck:
    """For an `out` view into a larger buffer: after the call, `verify(want)` asserts that
    out's elements hold exactly `want` and that no other byte of the buffer changed."""

    def __init__(self, out: np.ndarray):
        self.out = out
        self.root = root(out)
        self.before = self.root.copy()
        self.offset = out.__array_interface__["data"][0] - self.root.__array_interface__["data"][0]

    def verify(self, want: np.ndarray, what: str = "out") -> None:
        assert_bitwise(np.array(self.out, copy=True), np.ascontiguousarray(want), what)
        expected = self.before.copy()
        view = np.ndarray(
            self.out.shape, self.out.dtype, buffer=expected, offset=self.offset,
            strides=self.out.strides,
        )
        view[...] = want
        assert self.root.tobytes() == expected.tobytes(), (
            f"{what}: bytes outside out's elements were modified"
        )


def hexbits(v) -> str:
    """The bit pattern of one float, e.g. '0x7fc00000'."""
    return hex(int(bits(np.array(v)).reshape(-1)[0]))

"""``python -m fastact bench``: fastact against the code a user would otherwise write.

For each (direction, activation, size, dtype, thread count) -- a *group* -- the benchmark times
fastact (on the active ISA, or on every ISA with ``--isa``), every installed peer (NumPy,
SciPy, numexpr, PyTorch, each written the way a competent user writes it) and the bandwidth
kernels that bound the group, and prints Gelem/s, GB/s and fastact's speed-up over each peer.

Method (it follows shared/research/peers-baseline.md, which measured the peers on this kind of
machine):

* Inputs: ``x ~ N(0, 3^2)`` (``U(0, 1)`` for activations defined on [0, 1] only; the
  structured activations take n elements, rounded down to whole rows, in the shapes of
  ``STRUCTURED``: rows of 1000 along the last axis (``--row-length``), prelu (batch, 64, 16)),
  ``grad_output ~ N(0, 1)``, C-contiguous, 64-byte aligned (as are ``out`` and the saved
  ``y``: the same best-case alignment for every contender and every run), drawn once from a
  fixed seed; a size-n problem uses the first n elements. Results go into a preallocated ``out`` (and peers' temporaries into
  scratch buffers allocated before timing, as a user who calls the function in a loop would),
  so no timed call allocates unless the peer's API must. fastact's backward reads what the peers
  read (``--backward-from peers``): the saved forward output ``y=`` where PyTorch's backward
  op takes it (sigmoid_backward, tanh_backward, and the NumPy/numexpr forms written like
  them), precomputed as a network would have it; x everywhere else. Calls that are a single library call are timed
  through ``functools.partial`` (no Python frame of ours); multi-call forms are one closure.
* Correctness first: every contender is called once and its result compared with
  ``fastact.reference`` (float64); a wrong or failing contender is reported, never timed.
  Tolerance ``|r - ref| <= rtol |ref| + atol max|ref|`` (float32: 2e-4 / 2e-5, float64:
  1e-9 / 1e-11), loose enough for every peer's honest rounding, tight enough for any real
  bug. Above 2^20 elements the check covers 2^20 elements spread over the whole array with an
  odd stride (every SIMD lane position, every chunk, every thread's share) plus both ends,
  because the oracle is slow on 16M elements.
* Timing: warm-up (the checked call, then >= 1 call and >= 20 ms), then 5 repeats (3 for
  slow calls) of back-to-back calls, together at least ``--min-time`` (0.2 s) per contender.
  The repeats of all contenders of a group are interleaved round-robin (rotating the order
  each round), so they all see the same machine noise phases. Reported: the median per-call
  time over the repeats; min/max and every repeat are in the JSON. The garbage collector is
  off while timing. A group in which some contender's median exceeds 1.5x its fastest repeat
  is measured once more (within 10% of the run time) and the attempt with the lower median
  kept per contender. CPU time used by other processes during each group is recorded
  (/proc/stat); groups where it exceeds 0.25 CPU are flagged as disturbed.
* With more than one thread, each timed segment is preceded by >= 15 ms of untimed calls of
  the same contender: OpenMP workers of the previous contender (PyTorch's and fastact's
  runtimes are different libgomp copies) keep spinning for milliseconds after their last
  parallel region and would otherwise slow whichever contender runs next.
* Throughput: Gelem/s = n / time; GB/s = nominal bytes / time with forward = 2 streams (read
  x, write y) and backward = 3 streams (read grad, read x or y, write dx). Multi-pass peers
  move more bytes than that; the nominal figure makes everyone comparable.
* Bounds, timed in the same interleaved group on the same arrays: ``np.copyto(out, x)``
  (forward) and ``np.multiply(a, b, out=c)`` (backward) -- the speed rule's bandwidth bounds;
  ``fastact._core.copy(x, out, threads=t)`` (the active ISA's copy kernel through fastact's
  OpenMP driver) at sizes >= 2^20, the multi-threaded copy bandwidth that "% copy" refers to;
  ``np.maximum(x, 0, out=out)`` at tiny sizes, the per-call overhead yardstick.

Adding a peer form for a new activation is one entry in the registry below (``@form`` for a
NumPy/SciPy/PyTorch builder, one string in ``NUMEXPR_FORMS``); the activations themselves come
from ``fastact.activations()`` and ``STRUCTURED``.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import importlib.util
import itertools
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

import fastact
from fastact import _core
from fastact import reference as R

# ---- defaults ----------------------------------------------------------------------------

#: The representative set of the default run (sized for < 2 minutes: 14 groups of ~1.5-2 s per
#: activation): a pure bandwidth kernel (relu), exp-based (sigmoid), a transcendental with a
#: SIMD NumPy peer (tanh) and the transformers' default (gelu, erf-based).
DEFAULT_ACTIVATIONS = ("relu", "sigmoid", "tanh", "gelu")
#: One tiny size (per-call overhead), one in L1/L2, one in L3 (2 x 4 MiB), one in DRAM.
DEFAULT_SIZES = (4096, 65536, 1048576, 16777216)
#: Parameters for activations without defaults (PyTorch's threshold requires both).
BENCH_PARAMS: dict[str, dict[str, float]] = {"threshold": {"threshold": 0.25, "value": -0.5}}
#: Activations defined on [0, 1] only (NaN outside): benchmarked on x ~ U(0, 1).
UNIT_INTERVAL = frozenset({"sbaf"})



@dataclass(frozen=True)
class StructuredShape:
    """How an axis-wise activation is benchmarked: x's shape for (at most) n elements and a
    row length, the forward result's shape, and the keyword arguments of the call."""

    shape: Callable[[int, int], tuple[int, ...]]
    result_shape: Callable[[tuple[int, ...]], tuple[int, ...]]
    params: dict[str, Any]


#: Rows of ROW_LENGTH along the last axis by default (peers-baseline.md: softmax over rows of
#: 1000; --row-length sets another, e.g. 10 for a classifier's logits); prelu on (batch,
#: PRELU_CHANNELS, PRELU_WIDTH), a slope per channel (axis 1, PyTorch's).
ROW_LENGTH = 1000
MAXOUT_PIECES = 2
PRELU_CHANNELS, PRELU_WIDTH = 64, 16


def _rows(n: int, row_length: int) -> tuple[int, int]:
    return (max(1, n // row_length), row_length)


def _same(shape: tuple[int, ...]) -> tuple[int, ...]:
    return shape


def _halved(shape: tuple[int, ...]) -> tuple[int, ...]:
    return (*shape[:-1], shape[-1] // 2)


STRUCTURED: dict[str, StructuredShape] = {
    "softmax": StructuredShape(_rows, _same, {"axis": -1}),
    "log_softmax": StructuredShape(_rows, _same, {"axis": -1}),
    "softmin": StructuredShape(_rows, _same, {"axis": -1}),
    "glu": StructuredShape(_rows, _halved, {"axis": -1}),
    "maxout": StructuredShape(
        _rows, lambda s: (*s[:-1], s[-1] // MAXOUT_PIECES), {"pieces": MAXOUT_PIECES, "axis": -1}
    ),
    "prelu": StructuredShape(
        lambda n, _: (max(1, n // (PRELU_CHANNELS * PRELU_WIDTH)), PRELU_CHANNELS, PRELU_WIDTH),
        _same, {"axis": 1},
    ),
}

MIN_TIME = 0.2  # seconds of timed calls per contender and group (all repeats together)
REPEATS = 5
MIN_REPEATS = 3
WARMUP_TIME = 0.02
PRERUN_TIME = 0.015  # untimed calls before each segment when threads > 1 (see module doc)
NOISY_RATIO = 1.5  # median / fastest repeat above which a group is measured again
RETRY_MAX_GROUP_TIME = 3.0  # only groups faster than this are measured again
RETRY_SHARE = 0.1  # ... and retries take at most this share of the run

DISTURBED_CPU = 0.25  # other processes' CPU use above which a group is flagged
LARGE_N = 1 << 20  # from here: the copy kernel is timed and checks are sampled
TINY_N = 16384  # up to here: np.maximum is timed as the per-call overhead yardstick
DRAM_N = 16777216  # the size of the DRAM target (all threads against the threaded copy)
SPEEDUP_N = 1048576  # the size of the 2-thread speed-up target
CHECK_SAMPLE = 1 << 20
SEED = 20261124

TOLERANCE = {np.dtype(np.float32): (2e-4, 2e-5), np.dtype(np.float64): (1e-9, 1e-11)}

DIRECTIONS = ("forward", "backward")
STREAMS = {"forward": 2, "backward": 3}


# ---- problems: inputs, outputs, reference -------------------------------------------------


@dataclass
class Problem:
    """The arrays of one group: what every contender reads, and the `out` it writes.

    Elementwise activations: every array is 1-d of n elements. Structured ones (STRUCTURED):
    x has n elements in the activation's benchmark shape, `g` has the forward result's shape
    and `out` the direction's result shape; `flat` holds n-element 1-d views for the bounds."""

    name: str
    direction: str
    n: int  # elements of x
    dtype: np.dtype
    threads: int
    params: dict[str, Any]  # keyword arguments of fastact's call (and the reference's)
    x: np.ndarray  # forward input
    g: np.ndarray  # grad_output
    out: np.ndarray  # preallocated result
    saved_output: Callable[[], np.ndarray]
    flat: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # x, g, out for the bounds
    streams: float | None = None  # nominal streams per element of x (None: STREAMS)

    @property
    def y(self) -> np.ndarray:
        """The forward output as a network saves it, for backward-from-y forms (computed on
        first use: the oracle is slow on large arrays)."""
        return self.saved_output()

    def scratch(self, dtype: Any = None) -> np.ndarray:
        """A temporary the size of the problem, allocated (and touched) outside the timing."""
        return self.scratch_shaped((self.n,), dtype)

    def scratch_shaped(self, shape: tuple[int, ...], dtype: Any = None) -> np.ndarray:
        """scratch() of another shape (a structured activation's rows or row sums)."""
        return aligned_copy(np.zeros(math.prod(shape)),
                            self.dtype if dtype is None else dtype).reshape(shape)

    def scalar(self, value: float) -> np.generic:
        """`value` as a scalar of the problem's dtype (keeps numexpr/NumPy in that dtype)."""
        return self.dtype.type(value)


def aligned_copy(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """`values` as a new `dtype` array starting on a 64-byte boundary. NumPy's own buffers
    start 16 bytes past one (or 0, or 32, depending on the allocator's path), and every
    contender's speed, the bandwidth yardsticks' included, depends on the arrays' relative
    offsets: aligned arrays give every contender the same, best case, run after run."""
    dtype = np.dtype(dtype)
    raw = np.empty(values.size * dtype.itemsize + 64, np.uint8)
    start = -raw.ctypes.data % 64
    out = raw[start:start + values.size * dtype.itemsize].view(dtype)
    out[...] = values
    return out


class Inputs:
    """The largest arrays drawn once (64-byte aligned); problems take prefixes of them."""

    def __init__(self, n_max: int, dtype: np.dtype, row_length: int = ROW_LENGTH) -> None:
        rng = np.random.default_rng(SEED)
        self.dtype = np.dtype(dtype)
        self.row_length = row_length
        self.x = aligned_copy(rng.standard_normal(n_max, dtype=np.float64) * 3, self.dtype)
        self.g = aligned_copy(rng.standard_normal(n_max, dtype=np.float64), self.dtype)
        self._x_unit: np.ndarray | None = None
        self.out = aligned_copy(np.zeros(n_max), self.dtype)
        self._y: dict[str, np.ndarray] = {}

    def saved_output(self, name: str, params: dict[str, float], n: int) -> np.ndarray:
        """The forward output for backward-from-y forms: the reference, rounded to dtype.
        Only the latest activation's is kept."""
        if name not in self._y or self._y[name].size < n:
            x = self.x_for(name)[:n]
            self._y = {name: aligned_copy(R.forward(name, x, **params), self.dtype)}
        return self._y[name][:n]

    def saved_structured_output(self, name: str, params: dict[str, Any],
                                x: np.ndarray) -> np.ndarray:
        """saved_output for a structured activation: its reference result on the shaped x."""
        key = (name, x.shape)
        if key not in self._y:
            y = getattr(R, name)(x, **params)
            self._y = {key: aligned_copy(y.ravel(), self.dtype).reshape(y.shape)}
        return self._y[key]

    def x_for(self, name: str) -> np.ndarray:
        """x ~ N(0, 9), or x ~ U(0, 1) for activations defined on [0, 1] only (drawn once)."""
        if name not in UNIT_INTERVAL:
            return self.x
        if self._x_unit is None:
            rng = np.random.default_rng(SEED + 1)
            self._x_unit = aligned_copy(rng.random(self.x.size, dtype=np.float64), self.dtype)
        return self._x_unit

    def problem(self, name: str, direction: str, n: int, threads: int, params) -> Problem:
        if name in STRUCTURED:
            return self.structured_problem(name, direction, n, threads, params)
        return Problem(
            name, direction, n, self.dtype, threads, params, self.x_for(name)[:n],
            self.g[:n], self.out[:n], partial(self.saved_output, name, params, n),
        )

    def structured_problem(self, name: str, direction: str, n: int, threads: int,
                           params) -> Problem:
        """x: the first n elements (rounded down to whole rows) in STRUCTURED[name]'s shape;
        grad_output shaped like the forward result, out like the direction's result."""
        spec = STRUCTURED[name]
        shape = spec.shape(n, self.row_length)
        size = math.prod(shape)
        y_shape = spec.result_shape(shape)
        y_size = math.prod(y_shape)
        x = self.x[:size].reshape(shape)
        if name == "prelu":  # the slopes, one per channel, fixed by the seed
            rng = np.random.default_rng(SEED + 2)
            params = {**params, "weight": rng.uniform(0.05, 0.3, shape[1]).astype(self.dtype)}
        out = (self.out[:y_size].reshape(y_shape) if direction == "forward"
               else self.out[:size].reshape(shape))
        streams = (1 + y_size / size) if direction == "forward" else (1 + 1 + y_size / size)
        return Problem(
            name, direction, size, self.dtype, threads, params, x,
            self.g[:y_size].reshape(y_shape), out,
            partial(self.saved_structured_output, name, params, x),
            flat=(self.x[:size], self.g[:size], self.out[:size]), streams=streams,
        )


def check_indices(n: int) -> slice | np.ndarray:
    """Which elements a result is checked on (all of them up to CHECK_SAMPLE, see above)."""
    if n <= CHECK_SAMPLE:
        return slice(None)
    # The first and last 4,096 elements and a stride through the middle, in increasing
    # order without repeats by construction (np.unique on the union took 1.5 s at 16M).
    edge = 4096
    stride = (n // CHECK_SAMPLE) | 1
    middle = np.arange(0, n, stride)
    middle = middle[(middle >= edge) & (middle < n - edge)]
    return np.concatenate([np.arange(0, edge), middle, np.arange(n - edge, n)])


@dataclass
class Expected:
    """Reference values at the checked indices (of the flattened result), with the
    per-element tolerance: one part per array of the result (prelu's backward has two)."""

    index: slice | np.ndarray
    shapes: list[tuple[int, ...]]
    refs: list[np.ndarray]  # flat, in the problem's dtype (float32 checks run in float32)
    tols: list[np.ndarray]


def expected(p: Problem) -> Expected:
    with np.errstate(all="ignore"):
        if p.name in STRUCTURED:  # whole rows: checked in full
            idx: slice | np.ndarray = slice(None)
            if p.direction == "forward":
                ref = getattr(R, p.name)(p.x, **p.params)
            else:
                ref = getattr(R, p.name + "_backward")(p.g, p.x, **p.params)
        else:
            idx = check_indices(p.n)
            x = p.x[idx]
            if p.direction == "forward":
                ref = R.forward(p.name, x, **p.params)
            else:
                ref = R.backward(p.name, p.g[idx], x, **p.params)
    parts = ref if isinstance(ref, tuple) else (ref,)
    rtol, atol = TOLERANCE[p.dtype]
    refs, tols, shapes = [], [], []
    for part in parts:
        part = np.asarray(part)
        shapes.append(part.shape if p.name in STRUCTURED else (p.n,))
        flat = part.ravel()
        mag = np.abs(flat)
        # One extra unit in the last place of the dtype covers rounding the reference to it.
        tol = rtol * mag + atol * float(mag.max(initial=0.0)) + np.finfo(p.dtype).eps * mag
        refs.append(flat.astype(p.dtype))
        tols.append(tol.astype(p.dtype))
    return Expected(idx, shapes, refs, tols)


def check(result: Any, p: Problem, exp: Expected) -> str | None:
    """None if `result` matches the reference, else what is wrong with it."""
    parts = result if isinstance(result, tuple | list) else (result,)
    if len(parts) != len(exp.refs):
        return f"result has {len(parts)} arrays, expected {len(exp.refs)}"
    for k, (part, shape, ref, tol) in enumerate(
            zip(parts, exp.shapes, exp.refs, exp.tols, strict=True)):
        if hasattr(part, "numpy"):  # a torch tensor
            part = part.numpy()
        r = np.asarray(part)
        what = f"result[{k}]" if len(parts) > 1 else "result"
        if r.shape != shape:
            return f"{what} has shape {r.shape}, expected {shape}"
        if r.dtype != p.dtype:
            return f"{what} has dtype {r.dtype}, expected {p.dtype}"
        got = r.ravel()[exp.index]
        with np.errstate(all="ignore"):
            err = np.abs(got - ref)
            bad = ~(err <= tol)  # NaN counts as wrong ...
        if not bad.any():
            continue
        bad &= ~(np.isnan(got) & np.isnan(ref))  # ... unless the reference is NaN too
        if not bad.any():
            continue
        i = int(np.argmax(bad))
        where = i if isinstance(exp.index, slice) else int(exp.index[i])
        arg = f"x[{where}]={float(p.x[where])!r}: " if p.name not in STRUCTURED else ""
        return (
            f"{what}: {int(bad.sum())} wrong elements, e.g. element {where}: {arg}"
            f"got {float(got[i])!r}, expected {float(ref[i])!r}"
        )
    return None


# ---- the peer registry ---------------------------------------------------------------------
#
# A *form* turns a Problem into a zero-argument callable that computes the result (into
# p.out where the API allows) and returns it. Everything a user would set up once -- scratch
# buffers, masks, constants -- is built in the form, outside the timed call; every conversion
# the user pays on each call (torch.from_numpy) is inside it.

Form = Callable[[Problem], Callable[[], Any]]


@dataclass(frozen=True)
class Peer:
    name: str
    module: str  # what must be importable
    threaded: bool  # whether it honours the thread count
    note: str

    def available(self) -> bool:
        return importlib.util.find_spec(self.module) is not None

    def version(self) -> str:
        return str(getattr(importlib.import_module(self.module), "__version__", "?"))


PEERS: dict[str, Peer] = {
    p.name: p
    for p in (
        Peer("numpy", "numpy", False,
             "stable ufunc expressions with out= and preallocated temporaries"),
        Peer("scipy", "scipy", False, "scipy.special (expit, log_expit, ...) with out="),
        Peer("numexpr", "numexpr", True,
             "numexpr.evaluate strings with out=, constants in the array dtype"),
        Peer("torch", "torch", True,
             "forward: torch.nn.functional ops through their ATen out= overload "
             "(relu as clamp_min, as aten::relu itself does); backward: "
             "torch.ops.aten.*_backward.grad_input; torch.from_numpy inside the timed call"),
    )
}

FORMS: dict[str, dict[tuple[str, str], Form]] = {name: {} for name in PEERS}


def form(peer: str, direction: str, *names: str) -> Callable[[Form], Form]:
    """Registers a builder as `peer`'s form of `direction` for each activation in `names`."""

    def register(builder: Form) -> Form:
        for name in names:
            FORMS[peer][(direction, name)] = builder
        return builder

    return register


def peer_forms(peer: str, direction: str, name: str) -> Form | None:
    return FORMS[peer].get((direction, name))


# NumPy ---------------------------------------------------------------------------------------
# Masked gradients are g * mask with a preallocated bool mask: np.where and copyto(where=)
# run at ~0.25 Gelem/s on random masks (branchy), g * mask at ~2.5.


@form("numpy", "forward", "identity")
def _np_identity(p: Problem):
    return _returning(np.copyto, p.out, p.x)


def _returning(fn: Callable[..., Any], out: np.ndarray, *args: Any) -> Callable[[], Any]:
    """For ufunc-like calls that return None (np.copyto): a call returning `out`."""

    def call():
        fn(out, *args)
        return out

    return call


@form("numpy", "backward", "identity")
def _np_identity_bwd(p: Problem):
    return _returning(np.copyto, p.out, p.g)


@form("numpy", "forward", "relu")
def _np_relu(p: Problem):
    return partial(np.maximum, p.x, 0, out=p.out)


@form("numpy", "forward", "relu6", "hardtanh")
def _np_clamp(p: Problem):
    lo, hi = (0.0, 6.0) if p.name == "relu6" else (p.params["min_val"], p.params["max_val"])
    return partial(np.clip, p.x, p.scalar(lo), p.scalar(hi), out=p.out)


@form("numpy", "forward", "leaky_relu")
def _np_leaky(p: Problem):
    s, x, o = p.scalar(p.params["negative_slope"]), p.x, p.out
    if 0 <= s <= 1:  # max(x, s*x) is x for x > 0 and s*x for x <= 0

        def call():
            np.multiply(x, s, out=o)
            return np.maximum(x, o, out=o)

        return call
    return lambda: np.where(x > 0, x, x * s)


@form("numpy", "forward", "hardsigmoid", "pwl_sigmoid")
def _np_hard_sigmoid(p: Problem):
    # hardsigmoid = clip(x/6 + 1/2, 0, 1); pwl_sigmoid = clip(x/2 + 1/2, 0, 1)
    scale = p.scalar(1 / 6 if p.name == "hardsigmoid" else 0.5)
    half, zero, one, x, o = p.scalar(0.5), p.scalar(0), p.scalar(1), p.x, p.out

    def call():
        np.multiply(x, scale, out=o)
        np.add(o, half, out=o)
        return np.clip(o, zero, one, out=o)

    return call


@form("numpy", "forward", "threshold")
def _np_threshold(p: Problem):
    # x * mask + value * ~mask: one term is exactly 0, so the sum is exact.
    th, v, x, o = p.scalar(p.params["threshold"]), p.scalar(p.params["value"]), p.x, p.out
    m, t = p.scratch(bool), p.scratch()

    def call():
        np.greater(x, th, out=m)
        np.multiply(x, m, out=o)
        np.logical_not(m, out=m)
        np.multiply(m, v, out=t)
        return np.add(o, t, out=o)

    return call


@form("numpy", "forward", "hardshrink")
def _np_hardshrink(p: Problem):
    lam, x, o = p.scalar(p.params["lambd"]), p.x, p.out
    m, t = p.scratch(bool), p.scratch()

    def call():
        np.abs(x, out=t)
        np.greater(t, lam, out=m)
        return np.multiply(x, m, out=o)

    return call


@form("numpy", "forward", "softshrink")
def _np_softshrink(p: Problem):
    lam, x, o = p.scalar(p.params["lambd"]), p.x, p.out

    def call():  # x - clip(x, -lambd, lambd)
        np.clip(x, -lam, lam, out=o)
        return np.subtract(x, o, out=o)

    return call


@form("numpy", "forward", "sigmoid")
def _np_sigmoid(p: Problem):
    # 0.5 + 0.5 tanh(x/2): stable (no overflow, no warning) and NumPy's tanh is SIMD; the
    # exp(-|x|) form needs a select, which NumPy only has as the slow np.where.
    half, x, o = p.scalar(0.5), p.x, p.out

    def call():
        np.multiply(x, half, out=o)
        np.tanh(o, out=o)
        np.multiply(o, half, out=o)
        return np.add(o, half, out=o)

    return call


@form("numpy", "forward", "tanh")
def _np_tanh(p: Problem):
    return partial(np.tanh, p.x, out=p.out)


@form("numpy", "forward", "softsign")
def _np_softsign(p: Problem):
    one, x, o, t = p.scalar(1), p.x, p.out, p.scratch()

    def call():
        np.abs(x, out=t)
        np.add(t, one, out=t)
        return np.divide(x, t, out=o)

    return call


def _np_masked_grad(p: Problem, make_mask: Callable[[np.ndarray], None], scale=None):
    """g * mask (* scale): the gradient of every piecewise-linear activation."""
    g, o, m = p.g, p.out, p.scratch(bool)
    s = None if scale is None else p.scalar(scale)

    def call():
        make_mask(m)
        np.multiply(g, m, out=o)
        return o if s is None else np.multiply(o, s, out=o)

    return call


def _np_window(p: Problem, lo: float, hi: float, scale=None):
    """Gradient nonzero on the open interval (lo, hi): exact comparisons, no |x - c| trick."""
    x, m2 = p.x, p.scratch(bool)
    lo_, hi_ = p.scalar(lo), p.scalar(hi)

    def mask(m):
        np.greater(x, lo_, out=m)
        np.less(x, hi_, out=m2)
        np.logical_and(m, m2, out=m)

    return _np_masked_grad(p, mask, scale)


@form("numpy", "backward", "relu", "threshold")
def _np_relu_bwd(p: Problem):
    th, x = p.scalar(p.params.get("threshold", 0.0)), p.x
    return _np_masked_grad(p, lambda m: np.greater(x, th, out=m))


@form("numpy", "backward", "relu6", "hardtanh", "hardsigmoid", "pwl_sigmoid")
def _np_window_bwd(p: Problem):
    lo, hi, scale = {
        "relu6": (0.0, 6.0, None),
        "hardsigmoid": (-3.0, 3.0, 1 / 6),
        "pwl_sigmoid": (-1.0, 1.0, 0.5),
    }.get(p.name, (p.params.get("min_val"), p.params.get("max_val"), None))
    return _np_window(p, lo, hi, scale)


@form("numpy", "backward", "hardshrink", "softshrink")
def _np_shrink_bwd(p: Problem):
    lam, x, t = p.scalar(p.params["lambd"]), p.x, p.scratch()

    def mask(m):
        np.abs(x, out=t)
        np.greater(t, lam, out=m)

    return _np_masked_grad(p, mask)


@form("numpy", "backward", "leaky_relu")
def _np_leaky_bwd(p: Problem):
    # g * (s + (1 - s) * [x > 0])
    s = p.scalar(p.params["negative_slope"])
    rest, x, g, o = p.scalar(1 - p.params["negative_slope"]), p.x, p.g, p.out
    m, t = p.scratch(bool), p.scratch()

    def call():
        np.greater(x, 0, out=m)
        np.multiply(m, rest, out=t)
        np.add(t, s, out=t)
        return np.multiply(g, t, out=o)

    return call


@form("numpy", "backward", "sigmoid")
def _np_sigmoid_bwd(p: Problem):  # g * y * (1 - y) from the saved output
    one, y, g, o, t = p.scalar(1), p.y, p.g, p.out, p.scratch()

    def call():
        np.subtract(one, y, out=t)
        np.multiply(t, y, out=t)
        return np.multiply(g, t, out=o)

    return call


@form("numpy", "backward", "tanh")
def _np_tanh_bwd(p: Problem):  # g * (1 - y^2) from the saved output
    one, y, g, o, t = p.scalar(1), p.y, p.g, p.out, p.scratch()

    def call():
        np.multiply(y, y, out=t)
        np.subtract(one, t, out=t)
        return np.multiply(g, t, out=o)

    return call


@form("numpy", "backward", "softsign")
def _np_softsign_bwd(p: Problem):  # g / (1 + |x|)^2
    one, x, g, o, t = p.scalar(1), p.x, p.g, p.out, p.scratch()

    def call():
        np.abs(x, out=t)
        np.add(t, one, out=t)
        np.multiply(t, t, out=t)
        return np.divide(g, t, out=o)

    return call


# The exponential family: f = top * x for x > 0, a * expm1(x / c) for x <= 0, computed as
# top * max(x, 0) + a * expm1(min(x, 0) / c) -- one of the two terms is exactly 0.
def _exp_family(p: Problem) -> tuple[float, float, float]:
    """(top, a, c) of elu, selu or celu."""
    if p.name == "selu":
        return _SELU_SCALE, _SELU_SCALE * _SELU_ALPHA, 1.0
    alpha = p.params["alpha"]
    return (1.0, alpha, 1.0) if p.name == "elu" else (1.0, alpha, alpha)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@form("numpy", "forward", "elu", "selu", "celu")
def _np_exp_family(p: Problem):
    top, a, c = (p.scalar(v) for v in _exp_family(p))
    x, o, t, zero = p.x, p.out, p.scratch(), p.scalar(0)

    def call():
        np.minimum(x, zero, out=t)
        if c != 1:
            np.divide(t, c, out=t)
        np.expm1(t, out=t)
        np.multiply(t, a, out=t)
        np.maximum(x, zero, out=o)
        if top != 1:
            np.multiply(o, top, out=o)
        return np.add(o, t, out=o)

    return call


@form("numpy", "backward", "elu", "selu", "celu")
def _np_exp_family_bwd(p: Problem):
    # f' = top for x > 0, (a / c) exp(x / c) for x <= 0:
    #    = (a / c) exp(min(x, 0) / c) + [x > 0] (top - a / c)
    top, a, c = _exp_family(p)
    slope, jump = p.scalar(a / c), p.scalar(top - a / c)
    x, g, o, t, m, zero = p.x, p.g, p.out, p.scratch(), p.scratch(bool), p.scalar(0)
    inv_c = p.scalar(1 / c)

    def call():
        np.minimum(x, zero, out=t)
        if c != 1:
            np.multiply(t, inv_c, out=t)
        np.exp(t, out=t)
        np.multiply(t, slope, out=t)
        if jump != 0:
            np.greater(x, zero, out=m)
            np.multiply(m, jump, out=o)
            np.add(t, o, out=t)
        return np.multiply(g, t, out=o)

    return call


def _np_sigmoid_into(x: np.ndarray, o: np.ndarray, half: np.generic, scale=None) -> None:
    """o = sigmoid(scale * x) = 0.5 + 0.5 tanh(scale * x / 2) (see the sigmoid form)."""
    np.multiply(x, half if scale is None else half * scale, out=o)
    np.tanh(o, out=o)
    np.multiply(o, half, out=o)
    np.add(o, half, out=o)


@form("numpy", "forward", "softplus")
def _np_softplus(p: Problem):
    # log(1 + exp(beta x)) / beta = logaddexp(0, beta x) / beta (stable); above the threshold
    # it differs from x by < exp(-threshold) relative, far inside the check's tolerance.
    beta, x, o = p.scalar(p.params["beta"]), p.x, p.out
    zero = p.scalar(0)
    if beta == 1:
        return partial(np.logaddexp, zero, x, out=o)

    def call():
        np.multiply(x, beta, out=o)
        np.logaddexp(zero, o, out=o)
        return np.divide(o, beta, out=o)

    return call


@form("numpy", "backward", "softplus")
def _np_softplus_bwd(p: Problem):  # g * sigmoid(beta x)
    beta, x, g, o, t, half = p.params["beta"], p.x, p.g, p.out, p.scratch(), p.scalar(0.5)

    def call():
        _np_sigmoid_into(x, t, half, None if beta == 1 else p.scalar(beta))
        return np.multiply(g, t, out=o)

    return call


@form("numpy", "forward", "logsigmoid")
def _np_logsigmoid(p: Problem):  # -logaddexp(0, -x)
    x, o, zero = p.x, p.out, p.scalar(0)

    def call():
        np.negative(x, out=o)
        np.logaddexp(zero, o, out=o)
        return np.negative(o, out=o)

    return call


@form("numpy", "backward", "logsigmoid")
def _np_logsigmoid_bwd(p: Problem):  # g * sigmoid(-x)
    x, g, o, t, half = p.x, p.g, p.out, p.scratch(), p.scalar(0.5)
    minus_one = p.scalar(-1)

    def call():
        _np_sigmoid_into(x, t, half, minus_one)
        return np.multiply(g, t, out=o)

    return call


@form("numpy", "forward", "silu", "swish")
def _np_swish(p: Problem):  # x * sigmoid(beta x)
    beta = p.params.get("beta", 1.0)
    x, o, half = p.x, p.out, p.scalar(0.5)
    scale = None if beta == 1 else p.scalar(beta)

    def call():
        _np_sigmoid_into(x, o, half, scale)
        return np.multiply(o, x, out=o)

    return call


@form("numpy", "backward", "silu", "swish")
def _np_swish_bwd(p: Problem):  # g * s * (1 + beta x (1 - s)), s = sigmoid(beta x)
    beta = p.params.get("beta", 1.0)
    x, g, o, s, t = p.x, p.g, p.out, p.scratch(), p.scratch()
    half, one = p.scalar(0.5), p.scalar(1)
    scale = None if beta == 1 else p.scalar(beta)

    def call():
        _np_sigmoid_into(x, s, half, scale)
        np.subtract(one, s, out=t)
        np.multiply(t, x, out=t)
        if scale is not None:
            np.multiply(t, scale, out=t)
        np.add(t, one, out=t)
        np.multiply(t, s, out=t)
        return np.multiply(g, t, out=o)

    return call


@form("numpy", "forward", "mish")
def _np_mish(p: Problem):  # x * tanh(logaddexp(0, x))
    x, o, zero = p.x, p.out, p.scalar(0)

    def call():
        np.logaddexp(zero, x, out=o)
        np.tanh(o, out=o)
        return np.multiply(o, x, out=o)

    return call


@form("numpy", "backward", "mish")
def _np_mish_bwd(p: Problem):  # g * (t + x (1 - t^2) sigmoid(x)), t = tanh(softplus(x))
    x, g, o, t, s = p.x, p.g, p.out, p.scratch(), p.scratch()
    zero, half, one = p.scalar(0), p.scalar(0.5), p.scalar(1)

    def call():
        np.logaddexp(zero, x, out=t)
        np.tanh(t, out=t)
        _np_sigmoid_into(x, s, half)
        np.multiply(t, t, out=o)
        np.subtract(one, o, out=o)
        np.multiply(o, x, out=o)
        np.multiply(o, s, out=o)
        np.add(o, t, out=o)
        return np.multiply(o, g, out=o)

    return call


@form("numpy", "forward", "hardswish")
def _np_hardswish(p: Problem):  # x * clip(x/6 + 1/2, 0, 1)
    x, o = p.x, p.out
    sixth, half, zero, one = p.scalar(1 / 6), p.scalar(0.5), p.scalar(0), p.scalar(1)

    def call():
        np.multiply(x, sixth, out=o)
        np.add(o, half, out=o)
        np.clip(o, zero, one, out=o)
        return np.multiply(o, x, out=o)

    return call


@form("numpy", "backward", "hardswish")
def _np_hardswish_bwd(p: Problem):
    # f' = 0 below -3, x/3 + 1/2 on [-3, 3], 1 above: (x/3 + 1/2) [-3 <= x <= 3] + [x > 3]
    x, g, o, t = p.x, p.g, p.out, p.scratch()
    m, m2 = p.scratch(bool), p.scratch(bool)
    third, half, three, minus_three = (p.scalar(v) for v in (1 / 3, 0.5, 3, -3))

    def call():
        np.multiply(x, third, out=t)
        np.add(t, half, out=t)
        np.greater_equal(x, minus_three, out=m)
        np.less_equal(x, three, out=m2)
        np.logical_and(m, m2, out=m)
        np.multiply(t, m, out=t)
        np.greater(x, three, out=m)
        np.add(t, m, out=t)
        return np.multiply(g, t, out=o)

    return call


@form("numpy", "forward", "tanhshrink")
def _np_tanhshrink(p: Problem):  # x - tanh(x)
    x, o = p.x, p.out

    def call():
        np.tanh(x, out=o)
        return np.subtract(x, o, out=o)

    return call


@form("numpy", "backward", "tanhshrink")
def _np_tanhshrink_bwd(p: Problem):  # g * tanh(x)^2
    x, g, o, t = p.x, p.g, p.out, p.scratch()

    def call():
        np.tanh(x, out=t)
        np.multiply(t, t, out=t)
        return np.multiply(g, t, out=o)

    return call


@form("numpy", "forward", "arelu")
def _np_arelu(p: Problem):  # k max(x, 0)^n
    k, n, x, o, zero = p.scalar(p.params["k"]), p.scalar(p.params["n"]), p.x, p.out, p.scalar(0)

    def call():
        np.maximum(x, zero, out=o)
        np.power(o, n, out=o)
        return np.multiply(o, k, out=o)

    return call


@form("numpy", "backward", "arelu")
def _np_arelu_bwd(p: Problem):  # g k n max(x, 0)^(n - 1), 0 for x <= 0 (n > 1)
    kn = p.scalar(p.params["k"] * p.params["n"])
    n1, x, g, o, zero = p.scalar(p.params["n"] - 1), p.x, p.g, p.out, p.scalar(0)

    def call():
        np.maximum(x, zero, out=o)
        np.power(o, n1, out=o)
        np.multiply(o, kn, out=o)
        return np.multiply(o, g, out=o)

    return call


@form("numpy", "forward", "sbaf")
def _np_sbaf(p: Problem):  # 1 / (1 + k x^alpha (1 - x)^(1 - alpha)) on [0, 1]
    k, a = p.scalar(p.params["k"]), p.scalar(p.params["alpha"])
    one, x, o, t = p.scalar(1), p.x, p.out, p.scratch()

    def call():
        np.subtract(one, x, out=t)
        np.power(t, one - a, out=t)
        np.power(x, a, out=o)
        np.multiply(o, t, out=o)
        np.multiply(o, k, out=o)
        np.add(o, one, out=o)
        return np.divide(one, o, out=o)

    return call


@form("numpy", "backward", "sbaf")
def _np_sbaf_bwd(p: Problem):
    # g k x^(alpha-1) (1-x)^(-alpha) (x - alpha) / (1 + t)^2 with t = k x^alpha (1-x)^(1-alpha)
    # = x (1 - x) times the first two factors: two powers serve both (the form without the
    # y (1 - y) cancellation, as the reference's).
    k, a = p.scalar(p.params["k"]), p.scalar(p.params["alpha"])
    one, x, g, o, u, w = p.scalar(1), p.x, p.g, p.out, p.scratch(), p.scratch()

    def call():
        np.subtract(one, x, out=u)
        np.power(u, -a, out=w)
        np.power(x, a - one, out=o)
        np.multiply(o, w, out=o)
        np.multiply(o, k, out=o)  # k x^(alpha-1) (1-x)^(-alpha)
        np.multiply(o, x, out=w)
        np.multiply(w, u, out=w)
        np.add(w, one, out=w)  # 1 + t
        np.multiply(w, w, out=w)
        np.subtract(x, a, out=u)
        np.multiply(o, u, out=o)
        np.divide(o, w, out=o)
        return np.multiply(o, g, out=o)

    return call


# SciPy ---------------------------------------------------------------------------------------


@form("scipy", "forward", "sigmoid")
def _sp_sigmoid(p: Problem):
    from scipy.special import expit

    return partial(expit, p.x, out=p.out)


@form("scipy", "forward", "logsigmoid")
def _sp_logsigmoid(p: Problem):
    from scipy.special import log_expit

    return partial(log_expit, p.x, out=p.out)


@form("scipy", "backward", "logsigmoid", "softplus")
def _sp_sigmoid_grad(p: Problem):  # g * expit(-x) (logsigmoid), g * expit(beta x) (softplus)
    from scipy.special import expit

    scale = p.scalar(-1 if p.name == "logsigmoid" else p.params["beta"])
    x, g, o = p.x, p.g, p.out

    def call():
        np.multiply(x, scale, out=o)
        expit(o, out=o)
        return np.multiply(o, g, out=o)

    return call


@form("scipy", "forward", "softplus")
def _sp_softplus(p: Problem):  # -log_expit(-beta x) / beta
    from scipy.special import log_expit

    scale, inv = p.scalar(-p.params["beta"]), p.scalar(-1 / p.params["beta"])
    x, o = p.x, p.out

    def call():
        np.multiply(x, scale, out=o)
        log_expit(o, out=o)
        return np.multiply(o, inv, out=o)

    return call


@form("scipy", "forward", "silu", "swish")
def _sp_swish(p: Problem):  # x * expit(beta x)
    from scipy.special import expit

    beta = p.params.get("beta", 1.0)
    x, o, scale = p.x, p.out, p.scalar(beta)

    def call():
        if beta == 1:
            expit(x, out=o)
        else:
            np.multiply(x, scale, out=o)
            expit(o, out=o)
        return np.multiply(o, x, out=o)

    return call


@form("scipy", "backward", "silu", "swish")
def _sp_swish_bwd(p: Problem):  # g * s * (1 + beta x (1 - s)), s = expit(beta x)
    from scipy.special import expit

    beta = p.params.get("beta", 1.0)
    x, g, o, s, t = p.x, p.g, p.out, p.scratch(), p.scratch()
    one, scale = p.scalar(1), p.scalar(beta)

    def call():
        np.multiply(x, scale, out=t)
        expit(t, out=s)
        np.subtract(one, s, out=o)
        np.multiply(o, t, out=o)
        np.add(o, one, out=o)
        np.multiply(o, s, out=o)
        return np.multiply(o, g, out=o)

    return call


@form("scipy", "forward", "gelu")
def _sp_gelu(p: Problem):  # x ndtr(x); tanh form: x expit(2u), u = sqrt(2/pi)(x + c x^3)
    from scipy.special import expit, ndtr

    x, o, t = p.x, p.out, p.scratch()
    if p.params.get("approximate", "none") == "none":

        def call():
            ndtr(x, out=o)
            return np.multiply(o, x, out=o)

        return call
    c, two_r = p.scalar(0.044715), p.scalar(2 * math.sqrt(2 / math.pi))

    def call_tanh():
        np.multiply(x, x, out=t)
        np.multiply(t, c, out=t)
        np.multiply(t, x, out=t)
        np.add(t, x, out=t)
        np.multiply(t, two_r, out=t)
        expit(t, out=o)
        return np.multiply(o, x, out=o)

    return call_tanh


@form("scipy", "backward", "gelu")
def _sp_gelu_bwd(p: Problem):  # g (ndtr(x) + x phi(x)); the exact form only
    from scipy.special import ndtr

    if p.params.get("approximate", "none") != "none":
        raise NotImplementedError("no SciPy form of the tanh-approximate GELU's gradient")
    x, g, o, t = p.x, p.g, p.out, p.scratch()
    minus_half, inv_sqrt_2pi = p.scalar(-0.5), p.scalar(1 / math.sqrt(2 * math.pi))

    def call():
        np.multiply(x, x, out=t)
        np.multiply(t, minus_half, out=t)
        np.exp(t, out=t)
        np.multiply(t, x, out=t)
        np.multiply(t, inv_sqrt_2pi, out=t)
        ndtr(x, out=o)
        np.add(o, t, out=o)
        return np.multiply(o, g, out=o)

    return call


@form("scipy", "forward", "mish")
def _sp_mish(p: Problem):  # x * tanh(-log_expit(-x))
    from scipy.special import log_expit

    x, o = p.x, p.out

    def call():
        np.negative(x, out=o)
        log_expit(o, out=o)
        np.negative(o, out=o)
        np.tanh(o, out=o)
        return np.multiply(o, x, out=o)

    return call


# numexpr -------------------------------------------------------------------------------------
# One string per form. Names: x, g, y (saved forward output), the activation's parameters and
# the constants below, all scalars of the array dtype (a Python float would make numexpr
# compute in float64).

NUMEXPR_CONSTANTS = {"zero": 0.0, "half": 0.5, "one": 1.0, "six": 6.0, "three": 3.0,
                     "sixth": 1 / 6, "selu_scale": _SELU_SCALE,
                     "selu_scale_alpha": _SELU_SCALE * _SELU_ALPHA}
_NE_SOFTPLUS = "(log1p(exp(-abs({z}))) + where({z} > zero, {z}, zero))"  # stable log(1 + e^z)

NUMEXPR_FORMS: dict[tuple[str, str], str] = {
    ("forward", "identity"): "x",
    ("forward", "relu"): "where(x < zero, zero, x)",
    ("forward", "relu6"): "where(x < zero, zero, where(x > six, six, x))",
    ("forward", "leaky_relu"): "where(x > zero, x, x * negative_slope)",
    ("forward", "hardtanh"): "where(x < min_val, min_val, where(x > max_val, max_val, x))",
    ("forward", "hardsigmoid"):
        "where(x <= -three, zero, where(x >= three, one, x * sixth + half))",
    ("forward", "pwl_sigmoid"): "where(x <= -one, zero, where(x >= one, one, x * half + half))",
    ("forward", "threshold"): "where(x > threshold, x, value)",
    ("forward", "hardshrink"): "where(abs(x) > lambd, x, zero)",
    ("forward", "softshrink"): "where(x > lambd, x - lambd, where(x < -lambd, x + lambd, zero))",
    ("forward", "sigmoid"): "one / (one + exp(-x))",
    ("forward", "tanh"): "tanh(x)",
    ("forward", "softsign"): "x / (one + abs(x))",
    ("backward", "identity"): "g",
    ("backward", "relu"): "where(x > zero, g, zero)",
    ("backward", "relu6"): "where((x > zero) & (x < six), g, zero)",
    ("backward", "leaky_relu"): "where(x > zero, g, g * negative_slope)",
    ("backward", "hardtanh"): "where((x > min_val) & (x < max_val), g, zero)",
    ("backward", "hardsigmoid"): "where((x > -three) & (x < three), g * sixth, zero)",
    ("backward", "pwl_sigmoid"): "where((x > -one) & (x < one), g * half, zero)",
    ("backward", "threshold"): "where(x > threshold, g, zero)",
    ("backward", "hardshrink"): "where(abs(x) > lambd, g, zero)",
    ("backward", "softshrink"): "where(abs(x) > lambd, g, zero)",
    ("backward", "sigmoid"): "g * y * (one - y)",
    ("backward", "tanh"): "g * (one - y * y)",
    ("backward", "softsign"): "g / ((one + abs(x)) * (one + abs(x)))",
    ("forward", "elu"): "where(x > zero, x, alpha * expm1(x))",
    ("forward", "selu"): "where(x > zero, selu_scale * x, selu_scale_alpha * expm1(x))",
    ("forward", "celu"): "where(x > zero, x, alpha * expm1(x / alpha))",
    ("forward", "softplus"):
        f"where(beta * x > threshold, x, {_NE_SOFTPLUS.format(z='beta * x')} / beta)",
    ("forward", "logsigmoid"): "where(x < zero, x, zero) - log1p(exp(-abs(x)))",
    ("forward", "silu"): "x / (one + exp(-x))",
    ("forward", "swish"): "x / (one + exp(-beta * x))",
    ("forward", "mish"): f"x * tanh({_NE_SOFTPLUS.format(z='x')})",
    ("forward", "hardswish"): "x * where(x <= -three, zero, where(x >= three, one, "
                              "x * sixth + half))",
    ("forward", "tanhshrink"): "x - tanh(x)",
    ("backward", "elu"): "where(x > zero, g, g * alpha * exp(x))",
    ("backward", "selu"): "where(x > zero, g * selu_scale, g * selu_scale_alpha * exp(x))",
    ("backward", "celu"): "where(x > zero, g, g * exp(x / alpha))",
    ("backward", "softplus"): "where(beta * x > threshold, g, g / (one + exp(-beta * x)))",
    ("backward", "logsigmoid"): "g / (one + exp(x))",
    ("backward", "silu"): "g * (one + x * (one - one / (one + exp(-x)))) / (one + exp(-x))",
    ("backward", "swish"):
        "g * (one + beta * x * (one - one / (one + exp(-beta * x)))) / (one + exp(-beta * x))",
    ("backward", "mish"): f"g * (tanh({_NE_SOFTPLUS.format(z='x')}) + x * (one - "
                          f"tanh({_NE_SOFTPLUS.format(z='x')}) ** 2) / (one + exp(-x)))",
    ("backward", "hardswish"):
        "where(x < -three, zero, where(x <= three, g * (x / three + half), g))",
    ("backward", "tanhshrink"): "g * tanh(x) * tanh(x)",
    ("forward", "arelu"): "where(x > zero, k * x ** n, zero)",
    ("backward", "arelu"): "where(x > zero, g * k * n * x ** (n - one), zero)",
    ("forward", "sbaf"): "one / (one + k * x ** alpha * (one - x) ** (one - alpha))",
    ("backward", "sbaf"): "g * k * x ** (alpha - one) * (one - x) ** (-alpha) * (x - alpha) / "
                          "(one + k * x ** alpha * (one - x) ** (one - alpha)) ** 2",
}


def _numexpr_form(expr: str) -> Form:
    def build(p: Problem):
        import numexpr

        names: dict[str, Callable[[], Any]] = {
            k: partial(p.scalar, v) for k, v in {**NUMEXPR_CONSTANTS, **p.params}.items()
        }
        names.update(x=lambda: p.x, g=lambda: p.g, y=lambda: p.y)
        used = {k: v() for k, v in names.items() if re.search(rf"\b{k}\b", expr)}
        return partial(numexpr.evaluate, expr, local_dict=used, out=p.out)

    return build


for (_direction, _name), _expr in NUMEXPR_FORMS.items():
    FORMS["numexpr"][(_direction, _name)] = _numexpr_form(_expr)


# PyTorch -------------------------------------------------------------------------------------


def _torch_out(op_name: str, *args_of: Callable[[Problem], Any]) -> Form:
    """torch.ops.aten.<op>.out(x, *params, out=y): the F.* op's kernel, into a preallocated y."""

    def build(p: Problem):
        import torch

        op = getattr(torch.ops.aten, op_name).out
        x, out, args = p.x, p.out, tuple(a(p) for a in args_of)
        from_numpy = torch.from_numpy
        return lambda: op(from_numpy(x), *args, out=from_numpy(out))

    return build


def _torch_grad(op_name: str, saved: str, *args_of: Callable[[Problem], Any]) -> Form:
    """torch.ops.aten.<op>_backward.grad_input(g, x or y, *params, grad_input=out)."""

    def build(p: Problem):
        import torch

        op = getattr(torch.ops.aten, op_name).grad_input
        g, v, out, args = p.g, getattr(p, saved), p.out, tuple(a(p) for a in args_of)
        from_numpy = torch.from_numpy
        return lambda: op(from_numpy(g), from_numpy(v), *args, grad_input=from_numpy(out))

    return build


def _param(name: str) -> Callable[[Problem], float]:
    return lambda p: p.params[name]


def _const(value: Any) -> Callable[[Problem], Any]:
    return lambda p: value


for _name, _op, _args in (
    ("relu6", "hardtanh", (_const(0.0), _const(6.0))),
    ("leaky_relu", "leaky_relu", (_param("negative_slope"),)),
    ("hardtanh", "hardtanh", (_param("min_val"), _param("max_val"))),
    ("hardsigmoid", "hardsigmoid", ()),
    ("threshold", "threshold", (_param("threshold"), _param("value"))),
    ("hardshrink", "hardshrink", (_param("lambd"),)),
    ("softshrink", "softshrink", (_param("lambd"),)),
    ("sigmoid", "sigmoid", ()),
    ("tanh", "tanh", ()),
):
    FORMS["torch"][("forward", _name)] = _torch_out(_op, *_args)

# Activations whose PyTorch backward op takes the saved output (sigmoid_backward,
# tanh_backward); the NumPy and numexpr forms of these take it too.
TORCH_BACKWARD_FROM_OUTPUT: set[str] = set()

for _name, _op, _saved, _args in (
    ("relu", "threshold_backward", "x", (_const(0.0),)),
    ("relu6", "hardtanh_backward", "x", (_const(0.0), _const(6.0))),
    ("leaky_relu", "leaky_relu_backward", "x", (_param("negative_slope"), _const(False))),
    ("hardtanh", "hardtanh_backward", "x", (_param("min_val"), _param("max_val"))),
    ("hardsigmoid", "hardsigmoid_backward", "x", ()),
    ("threshold", "threshold_backward", "x", (_param("threshold"),)),
    ("hardshrink", "hardshrink_backward", "x", (_param("lambd"),)),
    ("softshrink", "softshrink_backward", "x", (_param("lambd"),)),
    ("sigmoid", "sigmoid_backward", "y", ()),
    ("tanh", "tanh_backward", "y", ()),
):
    FORMS["torch"][("backward", _name)] = _torch_grad(_op, _saved, *_args)
    if _saved == "y":
        TORCH_BACKWARD_FROM_OUTPUT.add(_name)


for _name, _op, _args in (
    ("elu", "elu", (_param("alpha"),)),
    ("selu", "elu", (_const(_SELU_ALPHA), _const(_SELU_SCALE))),  # what aten::selu runs
    ("celu", "celu", (_param("alpha"),)),
    ("softplus", "softplus", (_param("beta"), _param("threshold"))),
    ("logsigmoid", "log_sigmoid", ()),
    ("silu", "silu", ()),
    ("mish", "mish", ()),
    ("hardswish", "hardswish", ()),
):
    FORMS["torch"][("forward", _name)] = _torch_out(_op, *_args)

for _name, _op, _saved, _args in (
    ("softplus", "softplus_backward", "x", (_param("beta"), _param("threshold"))),
    ("silu", "silu_backward", "x", ()),
):
    FORMS["torch"][("backward", _name)] = _torch_grad(_op, _saved, *_args)


@form("torch", "backward", "elu", "selu", "celu")
def _torch_elu_bwd(p: Problem):  # aten::elu_backward(g, alpha, scale, input_scale, False, x)
    import torch

    alpha = {"selu": _SELU_ALPHA}.get(p.name) or p.params["alpha"]
    scale = _SELU_SCALE if p.name == "selu" else 1.0
    input_scale = 1 / alpha if p.name == "celu" else 1.0
    op = torch.ops.aten.elu_backward.grad_input
    g, x, out, from_numpy = p.g, p.x, p.out, torch.from_numpy
    return lambda: op(from_numpy(g), alpha, scale, input_scale, False, from_numpy(x),
                      grad_input=from_numpy(out))


@form("torch", "backward", "logsigmoid")
def _torch_logsigmoid_bwd(p: Problem):  # the buffer comes from the forward, as in autograd
    import torch

    op = torch.ops.aten.log_sigmoid_backward.grad_input
    _, buffer = torch.ops.aten.log_sigmoid_forward(torch.from_numpy(p.x))
    g, x, out, from_numpy = p.g, p.x, p.out, torch.from_numpy
    return lambda: op(from_numpy(g), from_numpy(x), buffer, grad_input=from_numpy(out))


@form("torch", "backward", "mish")
def _torch_mish_bwd(p: Problem):  # aten::mish_backward has no out= overload
    import torch

    op = torch.ops.aten.mish_backward
    g, x, from_numpy = p.g, p.x, torch.from_numpy
    return lambda: op(from_numpy(g), from_numpy(x))


@form("torch", "backward", "hardswish")
def _torch_hardswish_bwd(p: Problem):
    import torch

    op = torch.ops.aten.hardswish_backward.out
    g, x, out, from_numpy = p.g, p.x, p.out, torch.from_numpy
    return lambda: op(from_numpy(g), from_numpy(x), out=from_numpy(out))


@form("torch", "forward", "swish")
def _torch_swish(p: Problem):  # silu for beta = 1, else x * sigmoid(beta x)
    import torch

    beta, x, out, from_numpy = p.params["beta"], p.x, p.out, torch.from_numpy
    if beta == 1:
        silu = torch.ops.aten.silu.out
        return lambda: silu(from_numpy(x), out=from_numpy(out))

    def call():
        xt, ot = from_numpy(x), from_numpy(out)
        torch.mul(xt, beta, out=ot).sigmoid_()
        return ot.mul_(xt)

    return call


@form("torch", "backward", "swish")
def _torch_swish_bwd(p: Problem):  # silu_backward for beta = 1, else the chain rule
    import torch

    beta, g, x, out, from_numpy = p.params["beta"], p.g, p.x, p.out, torch.from_numpy
    if beta == 1:
        op = torch.ops.aten.silu_backward.grad_input
        return lambda: op(from_numpy(g), from_numpy(x), grad_input=from_numpy(out))
    s, t = torch.from_numpy(p.scratch()), torch.from_numpy(p.scratch())

    def call():
        xt, ot = from_numpy(x), from_numpy(out)
        torch.mul(xt, beta, out=t)
        torch.sigmoid(t, out=s)
        torch.mul(t, torch.sub(1.0, s, out=ot), out=t).add_(1.0).mul_(s)
        return torch.mul(t, from_numpy(g), out=ot)

    return call


@form("torch", "forward", "tanhshrink")
def _torch_tanhshrink(p: Problem):  # F.tanhshrink is x - tanh(x), allocating; same, out=
    import torch

    x, out, from_numpy = p.x, p.out, torch.from_numpy

    def call():
        xt, ot = from_numpy(x), from_numpy(out)
        torch.tanh(xt, out=ot)
        return torch.sub(xt, ot, out=ot)

    return call


@form("torch", "backward", "tanhshrink")
def _torch_tanhshrink_bwd(p: Problem):  # no aten op: g * tanh(x)^2
    import torch

    g, x, out, t, from_numpy = p.g, p.x, p.out, torch.from_numpy(p.scratch()), torch.from_numpy

    def call():
        torch.tanh(from_numpy(x), out=t)
        t.mul_(t)
        return torch.mul(from_numpy(g), t, out=from_numpy(out))

    return call


@form("torch", "forward", "gelu")
def _torch_gelu(p: Problem):
    import torch

    op, approximate = torch.ops.aten.gelu.out, p.params.get("approximate", "none")
    x, out, from_numpy = p.x, p.out, torch.from_numpy
    return lambda: op(from_numpy(x), approximate=approximate, out=from_numpy(out))


@form("torch", "backward", "gelu")
def _torch_gelu_bwd(p: Problem):
    import torch

    op, approximate = torch.ops.aten.gelu_backward.grad_input, p.params.get("approximate", "none")
    g, x, out, from_numpy = p.g, p.x, p.out, torch.from_numpy
    return lambda: op(from_numpy(g), from_numpy(x), approximate=approximate,
                      grad_input=from_numpy(out))


@form("torch", "forward", "relu")
def _torch_relu(p: Problem):
    import torch

    x, out, from_numpy = p.x, p.out, torch.from_numpy
    # aten::relu is clamp_min(x, 0); its out= overload is a slower generic path.
    return lambda: torch.clamp_min(from_numpy(x), 0.0, out=from_numpy(out))


@form("torch", "forward", "identity")
def _torch_identity(p: Problem):
    import torch

    x, out, from_numpy = p.x, p.out, torch.from_numpy
    return lambda: from_numpy(out).copy_(from_numpy(x))


@form("torch", "backward", "identity")
def _torch_identity_bwd(p: Problem):
    import torch

    g, out, from_numpy = p.g, p.out, torch.from_numpy
    return lambda: from_numpy(out).copy_(from_numpy(g))


@form("torch", "forward", "pwl_sigmoid")
def _torch_pwl_sigmoid(p: Problem):  # (hardtanh(x) + 1) / 2, in place on the out tensor
    import torch

    hardtanh = torch.ops.aten.hardtanh.out
    x, out, from_numpy = p.x, p.out, torch.from_numpy
    return lambda: hardtanh(from_numpy(x), -1.0, 1.0, out=from_numpy(out)).add_(1.0).mul_(0.5)


@form("torch", "backward", "pwl_sigmoid")
def _torch_pwl_sigmoid_bwd(p: Problem):
    import torch

    op = torch.ops.aten.hardtanh_backward.grad_input
    g, x, out, from_numpy = p.g, p.x, p.out, torch.from_numpy
    return lambda: op(from_numpy(g), from_numpy(x), -1.0, 1.0, grad_input=from_numpy(out)).mul_(
        0.5
    )


@form("torch", "forward", "softsign")
def _torch_softsign(p: Problem):  # F.softsign is a composite that allocates; same math, out=
    import torch

    x, out, t, from_numpy = p.x, p.out, torch.from_numpy(p.scratch()), torch.from_numpy

    def call():
        xt = from_numpy(x)
        torch.abs(xt, out=t).add_(1.0)
        return torch.div(xt, t, out=from_numpy(out))

    return call


@form("torch", "backward", "softsign")
def _torch_softsign_bwd(p: Problem):  # no aten op: g / (1 + |x|)^2
    import torch

    g, x, out, t, from_numpy = p.g, p.x, p.out, torch.from_numpy(p.scratch()), torch.from_numpy

    def call():
        torch.abs(from_numpy(x), out=t).add_(1.0)
        t.mul_(t)
        return torch.div(from_numpy(g), t, out=from_numpy(out))

    return call


# Structured activations ---------------------------------------------------------------------
# Shapes as in STRUCTURED: rows of ROW_LENGTH along the last axis, prelu (batch, channels,
# width). The softmax family's backward forms read the saved output y, as PyTorch's
# _softmax_backward_data does; glu, maxout and prelu read x.


def _row_sums(p: Problem) -> np.ndarray:
    return p.scratch_shaped((*p.x.shape[:-1], 1))


@form("numpy", "forward", "softmax", "softmin")
def _np_softmax(p: Problem):  # exp(x - max) / sum; softmin: the same on -x
    x, o, m, s = p.x, p.out, _row_sums(p), _row_sums(p)
    negate = p.name == "softmin"

    def call():
        src = np.negative(x, out=o) if negate else x
        np.max(src, axis=-1, keepdims=True, out=m)
        np.subtract(src, m, out=o)
        np.exp(o, out=o)
        np.sum(o, axis=-1, keepdims=True, out=s)
        return np.divide(o, s, out=o)

    return call


@form("numpy", "forward", "log_softmax")
def _np_log_softmax(p: Problem):  # (x - max) - log(sum(exp(x - max)))
    x, o, t, m, s = p.x, p.out, p.scratch_shaped(p.x.shape), _row_sums(p), _row_sums(p)

    def call():
        np.max(x, axis=-1, keepdims=True, out=m)
        np.subtract(x, m, out=o)
        np.exp(o, out=t)
        np.sum(t, axis=-1, keepdims=True, out=s)
        np.log(s, out=s)
        return np.subtract(o, s, out=o)

    return call


@form("numpy", "backward", "softmax", "softmin")
def _np_softmax_bwd(p: Problem):  # y (g - sum(g y)); softmin: its negation
    g, y, o, t, s = p.g, p.y, p.out, p.scratch_shaped(p.x.shape), _row_sums(p)
    negate = p.name == "softmin"

    def call():
        np.multiply(g, y, out=o)
        np.sum(o, axis=-1, keepdims=True, out=s)
        np.multiply(y, s, out=t)
        return np.subtract(t, o, out=o) if negate else np.subtract(o, t, out=o)

    return call


@form("numpy", "backward", "log_softmax")
def _np_log_softmax_bwd(p: Problem):  # g - exp(y) sum(g)
    g, y, o, s = p.g, p.y, p.out, _row_sums(p)

    def call():
        np.exp(y, out=o)
        np.sum(g, axis=-1, keepdims=True, out=s)
        np.multiply(o, s, out=o)
        return np.subtract(g, o, out=o)

    return call


def _glu_halves(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    h = x.shape[-1] // 2
    return x[..., :h], x[..., h:]


@form("numpy", "forward", "glu")
def _np_glu(p: Problem):  # a sigmoid(b), sigmoid as in the sigmoid form
    (a, b), o, half = _glu_halves(p.x), p.out, p.scalar(0.5)

    def call():
        _np_sigmoid_into(b, o, half)
        return np.multiply(a, o, out=o)

    return call


@form("numpy", "backward", "glu")
def _np_glu_bwd(p: Problem):  # [g s, g a s (1 - s)], s = sigmoid(b)
    (a, b), (oa, ob) = _glu_halves(p.x), _glu_halves(p.out)
    g, s, half, one = p.g, p.scratch_shaped(p.g.shape), p.scalar(0.5), p.scalar(1)

    def call():
        _np_sigmoid_into(b, s, half)
        np.multiply(g, s, out=oa)
        np.subtract(one, s, out=ob)
        np.multiply(ob, oa, out=ob)
        np.multiply(ob, a, out=ob)
        return p.out

    return call


def _maxout_groups(p: Problem, v: np.ndarray) -> np.ndarray:
    pieces = p.params["pieces"]
    return v.reshape(*v.shape[:-1], v.shape[-1] // pieces, pieces)


@form("numpy", "forward", "maxout")
def _np_maxout(p: Problem):
    x3, o = _maxout_groups(p, p.x), p.out
    return partial(np.max, x3, axis=-1, out=o)


@form("numpy", "backward", "maxout")
def _np_maxout_bwd(p: Problem):  # the gradient to each group's first maximum
    x3, o3, g = _maxout_groups(p, p.x), _maxout_groups(p, p.out), p.g[..., None]

    def call():
        o3.fill(0)
        np.put_along_axis(o3, np.argmax(x3, axis=-1)[..., None], g, axis=-1)
        return p.out

    return call


def _prelu_slopes(p: Problem) -> np.ndarray:
    return p.params["weight"].reshape(1, -1, 1)


@form("numpy", "forward", "prelu")
def _np_prelu(p: Problem):  # max(x, 0) + w min(x, 0)
    x, o, t, w, zero = p.x, p.out, p.scratch_shaped(p.x.shape), _prelu_slopes(p), p.scalar(0)

    def call():
        np.minimum(x, zero, out=t)
        np.multiply(t, w, out=t)
        np.maximum(x, zero, out=o)
        return np.add(o, t, out=o)

    return call


@form("numpy", "backward", "prelu")
def _np_prelu_bwd(p: Problem):  # (g (x > 0) + g w (x <= 0), sum of g min(x, 0) per channel)
    x, g, o, w = p.x, p.g, p.out, _prelu_slopes(p)
    t, mask, zero = p.scratch_shaped(x.shape), p.scratch_shaped(x.shape, bool), p.scalar(0)
    rest = (1 - w).astype(p.dtype)

    def call():
        np.greater(x, zero, out=mask)
        np.multiply(g, w, out=o)
        np.multiply(g, mask, out=t)
        np.multiply(t, rest, out=t)
        np.add(o, t, out=o)
        np.minimum(x, zero, out=t)
        np.multiply(t, g, out=t)
        return o, np.sum(t, axis=(0, 2))

    return call


@form("scipy", "forward", "softmax", "log_softmax", "softmin")
def _sp_softmax(p: Problem):  # scipy.special.softmax / log_softmax (no out=)
    import scipy.special

    fn = scipy.special.log_softmax if p.name == "log_softmax" else scipy.special.softmax
    x, t = p.x, p.scratch_shaped(p.x.shape)
    if p.name == "softmin":
        return lambda: fn(np.negative(x, out=t), axis=-1)
    return partial(fn, x, axis=-1)


@form("scipy", "forward", "glu")
def _sp_glu(p: Problem):  # a expit(b)
    from scipy.special import expit

    (a, b), o = _glu_halves(p.x), p.out

    def call():
        expit(b, out=o)
        return np.multiply(a, o, out=o)

    return call


@form("scipy", "backward", "glu")
def _sp_glu_bwd(p: Problem):
    from scipy.special import expit

    (a, b), (oa, ob) = _glu_halves(p.x), _glu_halves(p.out)
    g, s, one = p.g, p.scratch_shaped(p.g.shape), p.scalar(1)

    def call():
        expit(b, out=s)
        np.multiply(g, s, out=oa)
        np.subtract(one, s, out=ob)
        np.multiply(ob, oa, out=ob)
        np.multiply(ob, a, out=ob)
        return p.out

    return call


@form("torch", "forward", "softmax", "log_softmax", "softmin")
def _torch_softmax(p: Problem):  # aten::_softmax / _log_softmax, what F.softmax runs, out=
    import torch

    op = (torch.ops.aten._log_softmax if p.name == "log_softmax" else torch.ops.aten._softmax).out
    x, out, from_numpy = p.x, p.out, torch.from_numpy
    if p.name == "softmin":  # F.softmin is softmax(-x)
        t = torch.from_numpy(p.scratch_shaped(p.x.shape))
        return lambda: op(torch.neg(from_numpy(x), out=t), -1, False, out=from_numpy(out))
    return lambda: op(from_numpy(x), -1, False, out=from_numpy(out))


@form("torch", "backward", "softmax", "log_softmax", "softmin")
def _torch_softmax_bwd(p: Problem):  # aten::_(log_)softmax_backward_data from the output
    import torch

    aten = torch.ops.aten
    if p.name == "log_softmax":
        op = partial(aten._log_softmax_backward_data.out, dim=-1, input_dtype=torch.float32)
    else:
        op = partial(aten._softmax_backward_data.out, dim=-1, input_dtype=torch.float32)
    g, y, out, from_numpy = p.g, p.y, p.out, torch.from_numpy
    key = "out" if p.name == "log_softmax" else "grad_input"
    if p.name == "softmin":  # softmin's output is softmax(-x): the chain rule negates
        return lambda: op(from_numpy(g), from_numpy(y), **{key: from_numpy(out)}).neg_()
    return lambda: op(from_numpy(g), from_numpy(y), **{key: from_numpy(out)})


@form("torch", "forward", "glu")
def _torch_glu(p: Problem):
    import torch

    op, x, out, from_numpy = torch.ops.aten.glu.out, p.x, p.out, torch.from_numpy
    return lambda: op(from_numpy(x), -1, out=from_numpy(out))


@form("torch", "backward", "glu")
def _torch_glu_bwd(p: Problem):
    import torch

    op, g, x, out = torch.ops.aten.glu_backward.grad_input, p.g, p.x, p.out
    from_numpy = torch.from_numpy
    return lambda: op(from_numpy(g), from_numpy(x), -1, grad_input=from_numpy(out))


@form("torch", "forward", "maxout")
def _torch_maxout(p: Problem):  # amax over each group of pieces
    import torch

    x3, out, from_numpy = _maxout_groups(p, p.x), p.out, torch.from_numpy
    return lambda: torch.amax(from_numpy(x3), -1, out=from_numpy(out))


@form("torch", "backward", "maxout")
def _torch_maxout_bwd(p: Problem):  # argmax, then scatter the gradient into zeros
    import torch

    x3, o3, g = _maxout_groups(p, p.x), _maxout_groups(p, p.out), p.g[..., None]
    from_numpy = torch.from_numpy

    def call():
        index = torch.argmax(from_numpy(x3), -1, keepdim=True)
        from_numpy(o3).zero_().scatter_(-1, index, from_numpy(g))
        return p.out

    return call


@form("torch", "forward", "prelu")
def _torch_prelu(p: Problem):  # F.prelu (no out= overload)
    import torch

    x, w, from_numpy = p.x, torch.from_numpy(p.params["weight"]), torch.from_numpy
    return lambda: torch.nn.functional.prelu(from_numpy(x), w)


@form("torch", "backward", "prelu")
def _torch_prelu_bwd(p: Problem):  # aten::_prelu_kernel_backward, the weight's sum as autograd
    import torch

    op = torch.ops.aten._prelu_kernel_backward
    g, x, from_numpy = p.g, p.x, torch.from_numpy
    w = torch.from_numpy(_prelu_slopes(p))

    def call():
        gx, gw = op(from_numpy(g), from_numpy(x), w)
        return gx, gw.sum((0, 2))

    return call


TORCH_BACKWARD_FROM_OUTPUT.update(("softmax", "log_softmax", "softmin"))


# ---- contenders --------------------------------------------------------------------------


@dataclass
class Contender:
    """One timed thing in a group: fastact on one ISA, a peer, or a bound kernel."""

    label: str  # column name: "fastact[avx512]", "numpy", "bound:np.copyto", ...
    kind: str  # "fastact" | "peer" | "bound"
    call: Callable[[], Any] | None = None
    prepare: Callable[[], None] = lambda: None
    threads_used: int = 1
    checked: bool = True  # compared with the reference (bounds are not activations)
    status: str = "ok"  # "ok" | "wrong" | "error" | "unavailable"
    detail: str = ""
    times: list[float] = field(default_factory=list)  # per-call seconds, one per repeat
    calls_per_repeat: list[int] = field(default_factory=list)
    attempt_medians: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def _set_threads(peer: str, threads: int) -> Callable[[], None]:
    if peer == "torch":
        import torch

        return lambda: torch.set_num_threads(threads)
    if peer == "numexpr":
        import numexpr

        return lambda: numexpr.set_num_threads(threads)
    return lambda: None


def fastact_contender(p: Problem, isa: str, from_y: bool) -> Contender:
    c = Contender(f"fastact[{isa}]", "fastact", threads_used=p.threads)
    c.prepare = partial(fastact.set_isa, isa)
    if p.name == "prelu" and p.direction == "backward":  # out= is (grad_x, grad_weight)
        c.call = partial(fastact.prelu_backward, p.g, p.x, **p.params, out=(p.out, None),
                         threads=p.threads)
    elif p.direction == "forward":
        c.call = partial(getattr(fastact, p.name), p.x, **p.params, out=p.out, threads=p.threads)
    elif from_y:
        c.call = partial(getattr(fastact, p.name + "_backward"), p.g, **p.params, y=p.y,
                         out=p.out, threads=p.threads)
    else:
        c.call = partial(getattr(fastact, p.name + "_backward"), p.g, p.x, **p.params,
                         out=p.out, threads=p.threads)
    return c


def peer_contender(p: Problem, peer: str) -> Contender | None:
    builder = peer_forms(peer, p.direction, p.name)
    if builder is None:
        return None
    threaded = PEERS[peer].threaded
    c = Contender(peer, "peer", threads_used=p.threads if threaded else 1)
    try:
        c.prepare = _set_threads(peer, p.threads)
        c.prepare()
        c.call = builder(p)
    except Exception as e:  # noqa: BLE001 -- a peer that fails to build is reported
        c.status, c.detail = "error", f"{type(e).__name__}: {e}"
    return c


def bound_contenders(p: Problem) -> list[Contender]:
    """The bandwidth and overhead yardsticks of the group (see the module doc)."""
    out: list[Contender] = []
    # Structured problems: the same n-element streams, on flat views (their own results
    # have other shapes).
    x, g, o = p.flat if p.flat is not None else (p.x, p.g, p.out)
    if p.direction == "forward":
        out.append(Contender("bound:np.copyto", "bound", _returning(np.copyto, o, x),
                             checked=False))
    else:
        out.append(Contender("bound:np.multiply", "bound",
                             partial(np.multiply, g, x, out=o), checked=False))
    if p.n >= LARGE_N:
        out.append(Contender(f"bound:copy@{p.threads}", "bound",
                             partial(_core.copy, x, o, threads=p.threads),
                             threads_used=p.threads, checked=False))
    if p.n <= TINY_N:
        out.append(Contender("bound:np.maximum", "bound",
                             partial(np.maximum, x, 0, out=o), checked=False))
    return out


# ---- timing ------------------------------------------------------------------------------


def _run(call: Callable[[], Any], k: int) -> float:
    """Seconds per call over k back-to-back calls."""
    t0 = time.perf_counter()
    for _ in itertools.repeat(None, k):
        call()
    return (time.perf_counter() - t0) / k


def _run_for(call: Callable[[], Any], seconds: float) -> None:
    """Untimed calls for about `seconds` (at least one)."""
    end = time.perf_counter() + seconds
    call()
    while time.perf_counter() < end:
        call()


def _warm_up(c: Contender) -> float:
    """At least 1 call (after the checked one) and WARMUP_TIME seconds; returns the fastest
    per-call time seen."""
    c.prepare()
    t0, best, calls = time.perf_counter(), math.inf, 0
    while calls < 1 or time.perf_counter() - t0 < WARMUP_TIME:
        k = 1 if calls < 1 else max(1, int(0.005 / best))
        best = min(best, _run(c.call, k))
        calls += 1
    return best


def measure(contenders: Sequence[Contender], threads: int, min_time: float) -> None:
    """Interleaved repeats of every ok contender (see the module doc)."""
    live = [c for c in contenders if c.status == "ok"]
    plan: dict[int, tuple[int, int]] = {}  # repeats, calls per repeat
    per_call_estimate: dict[int, float] = {}
    for c in live:
        t = _warm_up(c)
        repeats = REPEATS
        k = max(1, math.ceil(min_time / (REPEATS * t)))
        if k == 1 and REPEATS * t > min_time:  # slow call: fewer, single-call repeats
            repeats = max(MIN_REPEATS, math.ceil(min_time / t))
        plan[id(c)] = (repeats, k)
        per_call_estimate[id(c)] = t
        c.times, c.calls_per_repeat = [], []
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for r in range(max((plan[id(c)][0] for c in live), default=0)):
            order = live[r % len(live):] + live[: r % len(live)]
            for c in order:
                repeats, k = plan[id(c)]
                if r >= repeats:
                    continue
                c.prepare()
                if threads > 1 and per_call_estimate[id(c)] < 4 * PRERUN_TIME:
                    _run_for(c.call, PRERUN_TIME)
                per_call = _run(c.call, k)
                c.times.append(per_call)
                c.calls_per_repeat.append(k)
                # A segment far slower than planned (a stalled thread, another process) must
                # not stretch the run: later repeats get fewer calls.
                planned = min_time / repeats
                if k > 1 and per_call * k > 3 * planned:
                    plan[id(c)] = (repeats, max(1, math.ceil(planned / per_call)))
    finally:
        if gc_was_enabled:
            gc.enable()


def is_noisy(c: Contender) -> bool:
    return c.status == "ok" and len(c.times) > 1 and c.median > NOISY_RATIO * min(c.times)


# ---- the run ---------------------------------------------------------------------------------


@dataclass
class Group:
    direction: str
    name: str
    n: int  # the size asked for (tables are per size)
    dtype: str
    threads: int
    params: dict[str, float]
    contenders: list[Contender]
    noisy: bool = False
    seconds: float = 0.0
    other_cpu: float | None = None  # CPUs used by other processes while it was timed
    retry_seconds: float = 0.0
    elements: int = 0  # elements of x (structured: n rounded down to whole rows)
    streams: float | None = None  # nominal streams per element (None: STREAMS[direction])

    @property
    def disturbed(self) -> bool:
        return self.other_cpu is not None and self.other_cpu > DISTURBED_CPU

    def get(self, label: str) -> Contender | None:
        for c in self.contenders:
            if c.label == label and c.status == "ok" and c.times:
                return c
        return None

    def rate(self, label: str) -> float | None:
        """Gelem/s of contender `label`, None if it was not timed."""
        c = self.get(label)
        return None if c is None else (self.elements or self.n) / c.median / 1e9

    def gbs(self, label: str, streams: float | None = None) -> float | None:
        r = self.rate(label)
        if r is None:
            return None
        return r * self.streams_of(label, streams) * np.dtype(self.dtype).itemsize

    def streams_of(self, label: str, streams: float | None = None) -> float:
        """Nominal streams of `label`: the bounds' own (copies 2, np.multiply 3), else the
        group's (structured results may be shorter than x: glu, maxout)."""
        if streams is not None:
            return streams
        if label.startswith(("bound:copy", "bound:np.maximum", "bound:np.copyto")):
            return 2
        if label == "bound:np.multiply":
            return 3
        return self.streams if self.streams is not None else STREAMS[self.direction]


@dataclass
class Settings:
    activations: list[str]
    sizes: list[int]
    threads: list[int]
    dtype: np.dtype
    directions: list[str]
    peers: list[str]
    isas: list[str]
    primary_isa: str
    backward_from: str  # "peers" | "x" | "y" (see --backward-from)
    min_time: float
    row_length: int = ROW_LENGTH  # the axis-wise activations' rows (see --row-length)
    # The default run (no --threads) measures each size on the thread counts its targets
    # read: below SPEEDUP_N (in cache, call overhead) 1 thread, from DRAM_N (bandwidth) all
    # threads, between (the 2-thread speed-up) both; keeps it under 2 minutes.
    default_thread_plan: bool = False


class CpuMonitor:
    """CPUs used by *other* processes since start(): busy time of the whole machine (from
    /proc/stat) minus this process's CPU time, per second of wall time. Other engineers' jobs
    on a small VM skew any benchmark; the groups they overlap are flagged, not hidden."""

    def __init__(self) -> None:
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.start()

    def _busy(self) -> float | None:
        try:
            with open("/proc/stat") as f:
                v = [int(x) for x in f.readline().split()[1:8]]
        except (OSError, ValueError):
            return None
        return (v[0] + v[1] + v[2] + v[5] + v[6]) / self.tick  # user nice system irq softirq

    def start(self) -> None:
        self.t0, self.busy0, self.own0 = time.perf_counter(), self._busy(), time.process_time()

    def others(self) -> float | None:
        busy, wall = self._busy(), time.perf_counter() - self.t0
        if busy is None or self.busy0 is None or wall <= 0:
            return None
        return max(0.0, (busy - self.busy0 - (time.process_time() - self.own0)) / wall)


def params_for(name: str) -> dict[str, Any]:
    """Every parameter given explicitly (the defaults, or BENCH_PARAMS; a structured
    activation's axis and pieces; prelu's slopes are drawn with its problem)."""
    if name in STRUCTURED:
        return dict(STRUCTURED[name].params)
    params = {k: v for k, v in fastact.info(name)["params"].items() if v is not None}
    params.update(BENCH_PARAMS.get(name, {}))
    return params


def run_group(inputs: Inputs, s: Settings, direction: str, name: str, n: int, threads: int,
              exp: Expected | None, may_retry: bool = True) -> tuple[Group, Expected]:
    params = params_for(name)
    p = inputs.problem(name, direction, n, threads, params)
    if exp is None:
        exp = expected(p)
    contenders: list[Contender] = []
    for isa in s.isas:
        contenders.append(fastact_contender(p, isa, backward_from_y(s.backward_from, name)))
    for peer in s.peers:
        c = peer_contender(p, peer)
        if c is not None:
            contenders.append(c)
    contenders.extend(bound_contenders(p))
    # Correctness first, one contender at a time (they share `out`).
    for c in contenders:
        if c.status != "ok":
            continue
        try:
            c.prepare()
            p.out.fill(np.nan)
            result = c.call()
        except Exception as e:  # noqa: BLE001 -- a failing contender is reported, not timed
            c.status, c.detail = "error", f"{type(e).__name__}: {e}"
            continue
        if c.checked:
            problem = check(result, p, exp)
            if problem:
                c.status, c.detail = "wrong", problem
    t0 = time.perf_counter()
    monitor = CpuMonitor()
    measure(contenders, threads, s.min_time)
    for c in contenders:
        if c.times:
            c.attempt_medians.append(c.median)
    noisy = any(is_noisy(c) for c in contenders)
    retry_start = time.perf_counter()
    if noisy and may_retry and retry_start - t0 < RETRY_MAX_GROUP_TIME:
        previous = {id(c): (c.times, c.calls_per_repeat) for c in contenders}
        measure(contenders, threads, s.min_time)
        for c in contenders:
            if not c.times:
                continue
            c.attempt_medians.append(c.median)
            old_times, old_k = previous[id(c)]
            if old_times and statistics.median(old_times) < c.median:
                c.times, c.calls_per_repeat = old_times, old_k
        noisy = any(is_noisy(c) for c in contenders)
    fastact.set_isa(s.primary_isa)
    group = Group(direction, name, n, str(s.dtype), threads, params, contenders, noisy,
                  time.perf_counter() - t0, monitor.others(),
                  time.perf_counter() - retry_start, elements=p.n, streams=p.streams)
    return group, exp


def backward_from_y(policy: str, name: str) -> bool:
    """Whether fastact's backward of `name` reads the output y under --backward-from
    `policy`: 'peers' gives it the tensor PyTorch's backward op takes (the same input every
    peer form of that activation gets), 'y' uses y wherever fastact supports it."""
    if not fastact.info(name)["backward_from_y"]:
        return False
    return policy == "y" or (policy == "peers" and name in TORCH_BACKWARD_FROM_OUTPUT)


class Progress:
    """One status line on stderr (rewritten in place on a terminal)."""

    def __init__(self, total: int, enabled: bool = True) -> None:
        self.total, self.done, self.t0 = total, 0, time.perf_counter()
        self.enabled = enabled
        self.tty = sys.stderr.isatty()

    def show(self, text: str) -> None:
        if not self.enabled:
            return
        elapsed = time.perf_counter() - self.t0
        line = f"[{self.done + 1:3d}/{self.total}] {elapsed:5.0f} s  {text}"
        if self.tty:
            sys.stderr.write("\r\x1b[K" + line)
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def finish(self) -> None:
        if self.enabled and self.tty:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def run(s: Settings, progress: bool = True) -> list[Group]:
    inputs = Inputs(max(s.sizes), s.dtype, s.row_length)
    for peer in s.peers:  # import (and initialise) peers before any timing
        importlib.import_module(PEERS[peer].module)
        _set_threads(peer, 1)()
    plan = [
        (name, direction, n, t)
        for name in s.activations
        for direction in s.directions
        for n in s.sizes
        for t in s.threads
        if not (s.default_thread_plan and n < SPEEDUP_N and t > 1)
        and not (s.default_thread_plan and n >= DRAM_N and t < max(s.threads))
    ]
    bar = Progress(len(plan), progress)
    groups: list[Group] = []
    cache: dict[tuple[str, str, int], Expected] = {}
    retried = 0.0
    for name, direction, n, t in plan:
        bar.show(f"{direction:8s} {name:12s} n={n:<9d} threads={t}")
        key = (name, direction, n)
        if key not in cache:
            cache.clear()  # the plan's order means one entry is all that is ever reused
        # Retries of noisy groups may take at most RETRY_SHARE of the run so far.
        may_retry = retried < RETRY_SHARE * (time.perf_counter() - bar.t0) + 1.0
        group, cache[key] = run_group(inputs, s, direction, name, n, t, cache.get(key),
                                      may_retry)
        retried += group.retry_seconds
        groups.append(group)
        bar.done += 1
    bar.finish()
    return groups


# ---- reporting ---------------------------------------------------------------------------


def _fmt_rate(rate: float | None, gbs: float | None) -> str:
    if rate is None:
        return "-"
    return f"{rate:6.2f} ({gbs:5.1f})"


def _status_cell(c: Contender | None) -> str:
    if c is None:
        return "-"
    return {"wrong": "WRONG", "error": "error"}.get(c.status, "-")


def _n_label(n: int) -> str:
    for unit, size in (("M", 1 << 20), ("K", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size}{unit}"
    return str(n)


def speedup(g: Group, fast_label: str, peer: str) -> float | None:
    a, b = g.get(fast_label), g.get(peer)
    if a is None or b is None:
        return None
    return b.median / a.median


def format_tables(groups: list[Group], s: Settings) -> str:
    """The results on stdout: one table per (direction, size, threads), one row per activation."""
    primary = f"fastact[{s.primary_isa}]"
    fast_labels = [f"fastact[{i}]" for i in s.isas]
    lines: list[str] = [
        "Cells: Gelem/s (GB/s, nominal 2 streams forward / 3 backward) of the median call;",
        "peers: also fastact's speed-up (peer time / fastact time). bound: np.copyto (forward)",
        "or np.multiply(a, b, out=c) (backward), and fastact's share of its GB/s. copy:",
        "fastact._core.copy on the group's thread count, and fastact's share of its GB/s.",
        "max(x,0) us: np.maximum(x, 0, out=) per call vs fastact per call.",
        "¹ single-threaded peer. † noisy group (a median > 1.5x its fastest repeat, after a",
        "retry). ‡ disturbed group (other processes used > 0.25 CPU while it ran).",
        "(y): fastact's backward read the saved output y, as the peers' did.",
    ]
    keys = sorted({(g.direction, g.n, g.threads) for g in groups},
                  key=lambda k: (DIRECTIONS.index(k[0]), k[1], k[2]))
    problems: list[str] = []
    for direction, n, threads in keys:
        rows = [g for g in groups if (g.direction, g.n, g.threads) == (direction, n, threads)]
        peers = [p for p in s.peers if any(g.get(p) or _any(g, p) for g in rows)]
        has_copy = n >= LARGE_N
        has_tiny = n <= TINY_N
        head = ["activation", *fast_labels, *peers, "bound"]
        if has_copy:
            head.append("copy")
        if has_tiny:
            head.append("max(x,0) us")
        table = [head]
        for g in rows:
            from_y = direction == "backward" and backward_from_y(s.backward_from, g.name)
            row = [g.name + (" (y)" if from_y else "") + ("†" if g.noisy else "")
                   + ("‡" if g.disturbed else "")]
            for lab in fast_labels:
                row.append(_fmt_rate(g.rate(lab), g.gbs(lab)) if g.get(lab)
                           else _status_cell(_any(g, lab)))
            for peer in peers:
                c = g.get(peer)
                if c is None:
                    row.append(_status_cell(_any(g, peer)))
                    continue
                sp = speedup(g, primary, peer)
                mark = "¹" if threads > 1 and not PEERS[peer].threaded else ""
                row.append(f"{_fmt_rate(g.rate(peer), g.gbs(peer))}{mark}"
                           + (f" {sp:5.2f}x" if sp else ""))
            bound = "bound:np.copyto" if direction == "forward" else "bound:np.multiply"
            row.append(_with_share(g, bound, primary))
            if has_copy:
                row.append(_with_share(g, f"bound:copy@{threads}", primary, streams=2))
            if has_tiny:
                m, f = g.get("bound:np.maximum"), g.get(primary)
                row.append(f"{m.median * 1e6:.2f} vs {f.median * 1e6:.2f}" if m and f else "-")
            table.append(row)
            for c in g.contenders:
                if c.status in ("wrong", "error"):
                    problems.append(f"  {direction} {g.name} n={n} threads={threads} "
                                    f"{c.label}: {c.status}: {c.detail}")
        title = (f"{direction}, {s.dtype}, n = {n:,} ({_n_label(n)}), "
                 f"{threads} thread{'s' if threads > 1 else ''}")
        if any(g.name in STRUCTURED and g.name != "prelu" for g in rows):
            title += f"; softmax, glu, maxout rows of {s.row_length}"
        lines += ["", title, *_markdown(table)]
    if problems:
        lines += ["", "Wrong or failing contenders (not timed):", *problems]
    return "\n".join(lines)


def _any(g: Group, label: str) -> Contender | None:
    return next((c for c in g.contenders if c.label == label), None)


def _with_share(g: Group, bound: str, fast: str, streams: int | None = None) -> str:
    """The bound's rate and fastact's share of it in GB/s (nominal bytes)."""
    b = g.get(bound)
    if b is None:
        return "-"
    bgbs = g.gbs(bound, streams)
    fgbs = g.gbs(fast)
    share = f" {100 * fgbs / bgbs:4.0f}%" if fgbs else ""
    return f"{_fmt_rate(g.rate(bound), bgbs)}{share}"


def _markdown(table: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    fmt = [" | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                      enumerate(zip(r, widths, strict=True))) for r in table]
    sep = "-|-".join("-" * w for w in widths)
    return ["| " + fmt[0] + " |", "|-" + sep + "-|", *("| " + f + " |" for f in fmt[1:])]


def geomean_speedups(groups: list[Group], s: Settings) -> dict[str, dict[str, float]]:
    primary = f"fastact[{s.primary_isa}]"
    result = {}
    for peer in s.peers:
        ratios = [r for g in groups if (r := speedup(g, primary, peer))]
        if ratios:
            result[peer] = {"geomean": math.exp(sum(map(math.log, ratios)) / len(ratios)),
                            "groups": len(ratios), "min": min(ratios), "max": max(ratios)}
    return result


def evaluate_targets(groups: list[Group], s: Settings, all_threads: int) -> list[dict]:
    """The issue's speed targets, each a list of per-activation verdicts (ratios, same run)."""
    primary = f"fastact[{s.primary_isa}]"
    found: list[dict] = []

    def pick(direction, n, threads):
        return [g for g in groups if (g.direction, g.n, g.threads) == (direction, n, threads)]

    for direction in s.directions:  # in cache: min(2 x fastest peer, 85% of the bound)
        bound = "bound:np.copyto" if direction == "forward" else "bound:np.multiply"
        for g in pick(direction, 65536, 1):
            f, b = g.rate(primary), g.rate(bound)
            peers = {p: r for p in s.peers if (r := g.rate(p)) is not None}
            if f is None or b is None:
                continue
            best = max(peers.items(), key=lambda kv: kv[1]) if peers else (None, math.inf)
            target = min(2 * best[1], 0.85 * b)
            found.append({
                "rule": "cache", "direction": direction, "activation": g.name,
                "fastact": f, "fastest_peer": best[0], "peer": best[1] if best[0] else None,
                "bound": b, "target": target, "ratio": f / target, "pass": f >= target,
            })
    for g in pick("forward", DRAM_N, all_threads):  # DRAM: 90% of the threaded copy
        f, c = g.gbs(primary), g.gbs(f"bound:copy@{all_threads}", 2)
        if f is None or c is None:
            continue
        found.append({"rule": "dram", "direction": "forward", "activation": g.name,
                      "fastact_gbs": f, "copy_gbs": c, "ratio": f / (0.9 * c),
                      "fraction": f / c, "pass": f >= 0.9 * c})
    # tiny: fastact's per-call overhead, the fixed part of its call (its time less the 4096
    # elements at its in-cache rate), no larger than a whole np.maximum(x, 0, out=) call on
    # the same array; the call's total time where no in-cache rate was measured. A kernel
    # whose 4096 elements alone take longer than that ufunc call (gelu: ~5 us) is not
    # judged by its arithmetic here.
    for direction in s.directions:
        in_cache = {g.name: g for g in pick(direction, 65536, 1)}
        for g in pick(direction, 4096, 1):
            f, m = g.get(primary), g.get("bound:np.maximum")
            if f is None or m is None:
                continue
            # The fixed part of a call: its time less 4096 elements at the in-cache rate.
            big = in_cache.get(g.name)
            rate = big.rate(primary) if big else None
            fixed = f.median - g.elements / (rate * 1e9) if rate else None
            found.append({"rule": "tiny", "direction": direction, "activation": g.name,
                          "fastact_us": f.median * 1e6, "np_maximum_us": m.median * 1e6,
                          "fastact_fixed_us": None if fixed is None else fixed * 1e6,
                          "ratio": m.median / f.median,
                          "pass": (fixed if fixed is not None else f.median) <= m.median})
    if 2 in s.threads and 1 in s.threads:  # scaling: 2 threads >= 1.8x one, compute-bound
        for direction in s.directions:
            bound = "bound:np.copyto" if direction == "forward" else "bound:np.multiply"
            one = {g.name: g for g in pick(direction, SPEEDUP_N, 1)}
            for g2 in pick(direction, SPEEDUP_N, 2):
                g1 = one.get(g2.name)
                if g1 is None or g1.rate(primary) is None or g2.rate(primary) is None:
                    continue
                r1, r2, b = g1.rate(primary), g2.rate(primary), g1.rate(bound)
                compute_bound = b is not None and r1 < 0.6 * b
                found.append({"rule": "scaling", "direction": direction,
                              "activation": g2.name, "one_thread": r1, "two_threads": r2,
                              "bound_one_thread": b, "compute_bound": compute_bound,
                              "ratio": r2 / r1 / 1.8,
                              "pass": (r2 >= 1.8 * r1) if compute_bound else None})
    return found


def format_targets(targets: list[dict], s: Settings) -> str:
    if not targets:
        return ""
    lines = ["", f"Speed targets (fastact[{s.primary_isa}], {s.dtype}; ratios within this run):"]
    verdict = {True: "pass", False: "FAIL", None: "n/a"}
    for rule, title in (
        ("cache", "in cache, n=65,536, 1 thread: >= min(2 x fastest peer, 85% of bound), Gelem/s"),
        ("dram", "DRAM, n=16,777,216, all threads, forward: >= 90% of threaded copy, GB/s"),
        ("tiny", "tiny, n=4,096, 1 thread: per-call overhead (the call's fixed part) <= "
                 "np.maximum(x, 0, out=)"),
        ("scaling", "n=1,048,576: 2 threads >= 1.8x 1 thread (compute-bound: < 60% of bound)"),
    ):
        rows = [t for t in targets if t["rule"] == rule]
        if not rows:
            continue
        lines.append(f"  {title}")
        for t in rows:
            head = f"    {t['direction']:8s} {t['activation']:12s}"
            if rule == "cache":
                peer = (f"{t['fastest_peer']} {t['peer']:.2f}" if t["fastest_peer"]
                        else "no peer")
                body = (f"fastact {t['fastact']:6.2f}  fastest peer {peer:>13s}  "
                        f"bound {t['bound']:6.2f}  target {t['target']:6.2f}")
            elif rule == "dram":
                body = (f"fastact {t['fastact_gbs']:6.1f} GB/s  copy {t['copy_gbs']:6.1f} GB/s "
                        f"= {100 * t['fraction']:4.0f}%")
            elif rule == "tiny":
                fixed = t["fastact_fixed_us"]
                body = (f"fastact {t['fastact_us']:6.2f} us  np.maximum "
                        f"{t['np_maximum_us']:6.2f} us"
                        + (f"  (fastact's fixed part ~{fixed:5.2f} us)" if fixed else ""))
            else:
                body = (f"1 thread {t['one_thread']:6.2f}  2 threads {t['two_threads']:6.2f} "
                        f"= {t['two_threads'] / t['one_thread']:4.2f}x  "
                        f"{'compute-bound' if t['compute_bound'] else 'memory-bound'}")
            lines.append(f"{head} {body}  {verdict[t['pass']]}")
        failing = [f"{t['direction']} {t['activation']}" for t in rows if t["pass"] is False]
        lines.append(f"    failing: {', '.join(failing) if failing else 'none'}")
    return "\n".join(lines)


def format_summary(geo: dict[str, dict[str, float]], s: Settings) -> str:
    if not geo:
        return f"Summary: no peer timed against fastact[{s.primary_isa}]."
    parts = [f"{p} {v['geomean']:.2f}x ({v['groups']} groups)" for p, v in geo.items()]
    return f"Summary: geometric-mean speed-up of fastact[{s.primary_isa}] over " + ", ".join(
        parts
    )


# ---- machine and versions -----------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {
        "cpu_model": None,
        "logical_cpus": os.cpu_count(),
        "affinity": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "platform": platform.platform(),
        "caches": {},
    }
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        out = subprocess.run(
            ["lscpu"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
        for line in out.splitlines():
            key, _, value = line.partition(":")
            if "cache" in key.lower():
                info["caches"][key.strip()] = value.strip()
            elif key.strip() in ("Model name", "Core(s) per socket", "Socket(s)",
                                 "Thread(s) per core", "Hypervisor vendor"):
                info[key.strip()] = value.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return info


def versions(peers: Sequence[str]) -> dict[str, Any]:
    v: dict[str, Any] = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "fastact": fastact.__version__,
        "fastact_build": _core.build_info(),
    }
    for peer in peers:
        v[peer] = PEERS[peer].version()
        if peer == "torch":
            import torch

            v["torch_cpu_capability"] = torch.backends.cpu.get_cpu_capability()
    return v


def to_json(groups: list[Group], s: Settings, targets, geo, elapsed: float) -> dict:
    def contender(c: Contender, g: Group) -> dict:
        d: dict[str, Any] = {"label": c.label, "kind": c.kind, "status": c.status,
                             "threads_used": c.threads_used}
        if c.detail:
            d["detail"] = c.detail
        if c.times:
            streams = g.streams_of(c.label)
            d.update(
                median_s=c.median, min_s=min(c.times), max_s=max(c.times),
                repeats_s=c.times, calls_per_repeat=c.calls_per_repeat,
                attempt_medians_s=c.attempt_medians, streams=streams,
                gelem_s=g.elements / c.median / 1e9,
                gb_s=g.elements / c.median * streams * np.dtype(g.dtype).itemsize / 1e9,
            )
        return d

    return {
        "machine": machine_info(),
        "versions": versions(s.peers),
        "isa": {"primary": s.primary_isa, "benchmarked": s.isas,
                "available": fastact.available_isas()},
        "settings": {
            "activations": s.activations, "sizes": s.sizes, "threads": s.threads,
            "dtype": str(s.dtype), "directions": s.directions, "peers": s.peers,
            "backward_from": s.backward_from, "min_time_s": s.min_time, "repeats": REPEATS,
            "row_length": s.row_length,
            "seed": SEED, "tolerance": {str(k): v for k, v in TOLERANCE.items()},
        },
        "peers": {p: {"note": PEERS[p].note, "threaded": PEERS[p].threaded} for p in s.peers},
        "groups": [
            {"direction": g.direction, "activation": g.name, "n": g.n,
             "elements": g.elements, "dtype": g.dtype,
             "threads": g.threads, "params": g.params, "noisy": g.noisy,
             "other_cpu": g.other_cpu, "disturbed": g.disturbed, "seconds": g.seconds,
             "retry_seconds": g.retry_seconds,
             "fastact_reads": None if g.direction == "forward" else (
                 "y" if backward_from_y(s.backward_from, g.name) else "x"),
             "contenders": [contender(c, g) for c in g.contenders],
             "speedups": {p: speedup(g, f"fastact[{s.primary_isa}]", p) for p in s.peers}}
            for g in groups
        ],
        "targets": targets,
        "geomean_speedups": geo,
        "elapsed_s": elapsed,
    }


def plot(groups: list[Group], s: Settings, path: str) -> None:
    """Throughput against size, one panel per (activation, direction)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [(a, d) for a in s.activations for d in s.directions]
    cols = len(s.directions)
    rows = len(s.activations)
    fig, axes = plt.subplots(rows, cols, figsize=(6 * cols, 3.2 * rows), squeeze=False)
    labels = [f"fastact[{i}]" for i in s.isas] + list(s.peers)
    styles = ["-", "--", ":", "-."]
    for ax, (name, direction) in zip(axes.flat, panels, strict=False):
        for li, label in enumerate(labels):
            for ti, t in enumerate(s.threads):
                pts = [(g.n, g.rate(label)) for g in groups
                       if (g.name, g.direction, g.threads) == (name, direction, t)
                       and g.rate(label) is not None]
                if pts:
                    xs, ys = zip(*sorted(pts), strict=True)
                    ax.plot(xs, ys, styles[ti % len(styles)], marker="o", markersize=3,
                            color=f"C{li}", label=f"{label} @{t}")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_title(f"{name} {direction} ({s.dtype})")
        ax.set_xlabel("elements")
        ax.set_ylabel("Gelem/s")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---- command line ----------------------------------------------------------------------------


def _parse_size(text: str) -> int:
    m = re.fullmatch(r"\s*(\d+)\s*([kKmM]?)\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 4096, 64K, 16M)")
    return int(m.group(1)) * {"": 1, "k": 1 << 10, "m": 1 << 20}[m.group(2).lower()]


def _split(values: Sequence[str] | None) -> list[str]:
    return [v for item in values or () for v in re.split(r"[,\s]+", item) if v]


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m fastact bench",
        description="Throughput of fastact's activations against NumPy, SciPy, numexpr and "
        "PyTorch, every result checked against fastact.reference first. The table goes to "
        "stdout, progress to stderr.",
    )
    ap.add_argument("--activations", nargs="+", metavar="NAME",
                    help=f"activations or 'all' (default: {', '.join(DEFAULT_ACTIVATIONS)})")
    ap.add_argument("--sizes", nargs="+", metavar="N",
                    help="element counts, e.g. 4096 64K 16M (default: 4K 64K 1M 16M: tiny, "
                    "L1/L2, L3, DRAM)")
    ap.add_argument("--threads", nargs="+", metavar="T",
                    help="thread counts or 'all' (default: 1 and all)")
    ap.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    ap.add_argument("--backward", action=argparse.BooleanOptionalAction, default=True,
                    help="also benchmark the gradients (default: yes)")
    ap.add_argument("--backward-from", choices=("peers", "x", "y"), default="peers",
                    help="what fastact's backward reads besides the gradient: 'peers' "
                    "(default) the tensor PyTorch's backward op takes (the output y for "
                    "sigmoid and tanh, else x); 'x' always; 'y' wherever supported")
    ap.add_argument("--peers", nargs="+", metavar="PEER",
                    help=f"peers among {', '.join(PEERS)}, or 'none' (default: every one "
                    "installed)")
    ap.add_argument("--isa", action="store_true",
                    help="run fastact on every ISA this CPU supports (default: the active one)")
    ap.add_argument("--all", action="store_true",
                    help="every activation, every ISA, every installed peer, forward and "
                    "backward")
    ap.add_argument("--row-length", type=int, default=ROW_LENGTH, metavar="N",
                    help="length of the rows (last axis) of softmax, log_softmax, softmin, glu "
                    f"and maxout (default {ROW_LENGTH}; even for glu and maxout)")
    ap.add_argument("--min-time", type=float, default=MIN_TIME,
                    help=f"seconds of timed calls per contender and group (default {MIN_TIME})")
    ap.add_argument("--json", metavar="FILE", help="write machine, versions, ISA and every "
                    "figure (all repeats) as JSON")
    ap.add_argument("--plot", metavar="FILE.png",
                    help="plot throughput against size per activation (needs matplotlib)")
    ap.add_argument("--quiet", action="store_true", help="no progress display on stderr")
    return ap


def settings_from(args: argparse.Namespace, ap: argparse.ArgumentParser) -> Settings:
    # Elementwise activations with a reference, then the structured ones (STRUCTURED).
    known = [a for a in fastact.activations() if a in R.NAMES] + list(STRUCTURED)
    acts = _split(args.activations)
    if args.all or acts == ["all"]:
        acts = list(known)
    elif not acts:
        acts = [a for a in DEFAULT_ACTIVATIONS if a in known]
    unknown = [a for a in acts if a not in known]
    if unknown:
        ap.error(f"unknown activation(s): {', '.join(unknown)}; known: {', '.join(known)}")

    if args.row_length < 1:
        ap.error("--row-length must be positive")
    uneven = [a for a in acts if a in ("glu", "maxout") and args.row_length % 2]
    if uneven:
        ap.error(f"--row-length {args.row_length}: {', '.join(uneven)} split each row in two; "
                 "give an even length")

    try:
        sizes = [_parse_size(v) for v in _split(args.sizes)] or list(DEFAULT_SIZES)
    except argparse.ArgumentTypeError as e:
        ap.error(str(e))
    if any(n < 1 for n in sizes):
        ap.error("sizes must be positive")
    sizes = sorted(set(sizes))

    all_threads = fastact.get_num_threads()
    threads: list[int] = []
    for v in _split(args.threads) or ["1", "all"]:
        if v == "all":
            threads.append(all_threads)
        elif v.isdigit() and int(v) >= 1:
            threads.append(int(v))
        else:
            ap.error(f"--threads: {v!r} is neither a positive integer nor 'all'")
    threads = sorted(set(threads))

    installed = [p for p, peer in PEERS.items() if peer.available()]
    requested = _split(args.peers)
    if args.all or not requested:
        peers = installed
    elif requested == ["none"]:
        peers = []
    else:
        bad = [p for p in requested if p not in PEERS]
        if bad:
            ap.error(f"unknown peer(s): {', '.join(bad)}; known: {', '.join(PEERS)}")
        missing = [p for p in requested if p not in installed]
        for p in missing:
            print(f"bench: peer {p} is not installed; skipping it", file=sys.stderr)
        peers = [p for p in requested if p in installed]

    primary = fastact.get_isa()
    available = [i for i, ok in fastact.available_isas().items() if ok]
    isas = [primary] + [i for i in reversed(available) if i != primary] if (
        args.isa or args.all) else [primary]
    return Settings(acts, sizes, threads, np.dtype(args.dtype),
                    ["forward", "backward"] if args.backward or args.all else ["forward"],
                    peers, isas, primary, args.backward_from, args.min_time,
                    # Without --threads, each size only on the thread counts its targets read
                    # (see Settings.default_thread_plan).
                    default_thread_plan=not args.threads, row_length=args.row_length)


def main(argv: list[str] | None = None) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    if args.plot and importlib.util.find_spec("matplotlib") is None:
        print("bench: --plot needs matplotlib, an optional extra: "
              "pip install 'fastact[plot]' (or pip install matplotlib)", file=sys.stderr)
        return 2
    s = settings_from(args, ap)
    t0 = time.perf_counter()
    groups = run(s, progress=not args.quiet)
    elapsed = time.perf_counter() - t0
    all_threads = fastact.get_num_threads()
    targets = evaluate_targets(groups, s, all_threads)
    geo = geomean_speedups(groups, s)

    m = machine_info()
    print(f"fastact {fastact.__version__} bench: {m['cpu_model']}, {m['logical_cpus']} CPUs; "
          f"ISA {s.primary_isa}; {s.dtype}; peers: "
          + (", ".join(f"{p} {PEERS[p].version()}" for p in s.peers) or "none")
          + f"; {elapsed:.0f} s")
    print(format_tables(groups, s))
    print(format_targets(targets, s))
    print()
    print(format_summary(geo, s))
    disturbed = [g for g in groups if g.disturbed]
    if disturbed:
        worst = max(g.other_cpu or 0.0 for g in disturbed)
        print(f"Warning: other processes used > {DISTURBED_CPU} CPU during {len(disturbed)} of "
              f"{len(groups)} groups (up to {worst:.2f} CPUs), marked ‡; rerun on a quiet "
              "machine before trusting their ratios.")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(to_json(groups, s, targets, geo, elapsed), f, indent=1)
        print(f"JSON written to {args.json}", file=sys.stderr)
    if args.plot:
        plot(groups, s, args.plot)
        print(f"plot written to {args.plot}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Measured accuracy of fastact's forward kernels, in ulps of the correctly rounded result.

``python -m fastact accuracy [NAME ...] [--exhaustive] [--dtype ...] [--isa ...] [--json FILE]``
runs every activation (default) on a sweep of inputs, compares each result with the
independent NumPy oracle ``fastact.reference`` evaluated in higher precision, and prints the
largest error against the bound the catalogue (``fastact._catalog``) states for it.

Error measure
    The error of a result ``y`` for the exact value ``ref`` is ``|y - ref| / ulp(ref)``, where
    ``ulp(ref)`` is the spacing of the dtype at ``|rn(ref)|``, ``rn(ref)`` being ``ref``
    rounded to the dtype (the correctly rounded result): ``2**(e - p + 1)`` for ``rn(ref)`` in
    ``[2**e, 2**(e+1))`` with ``p`` mantissa bits, the smallest subnormal for zero and
    subnormal results, and the spacing of the largest finite number when ``ref`` rounds to
    infinity. A correctly rounded result is therefore within 0.5 ulp. The reference is
    evaluated in float64 for float32 kernels and in long double (64-bit mantissa on x86) for
    float64 kernels, and the error is computed in that precision; the reference's own error
    (about 2**-29 float32 ulp, resp. 2**-11 float64 ulp) is the resolution of the measure.

Sweeps
    float32: a strided walk over all 2**32 bit patterns: pattern ``k * step`` for every ``k``
    (``step`` odd, so that the low mantissa bits take every value and both signs, all
    exponents, subnormals and NaN payloads are visited), plus fixed special points (see
    ``special_points``). ``--exhaustive`` walks every pattern instead, in blocks.
    float64: a strided walk over the bit patterns of ``|x|`` in ``[1e-30, 1e4]`` for both
    signs (where the activations do their non-trivial work), a coarse walk over all 2**64
    patterns (huge, tiny, subnormal, NaN), and the special points.

Inputs are processed in blocks of ``BLOCK`` elements: the reference's temporaries then stay
in cache (on 2**24-element blocks it runs several times slower) and memory stays bounded.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import NamedTuple

import numpy as np

import fastact

from . import _catalog

# Default float32 stride: an odd prime near 2**12, so the walk has about 2**32 / 4099
# ~ 1.05 million points and the low mantissa bits of consecutive points all differ.
F32_DEFAULT_STEP = 4099
# Default number of float64 points of the strided walk over the useful range.
F64_DEFAULT_POINTS = 1 << 20
# The float64 useful range (|x|) and the size of the coarse walk over all patterns.
F64_RANGE = (1e-30, 1e4)
F64_COARSE_POINTS = 1 << 16
# Elements per evaluation block (see the module docstring).
BLOCK = 1 << 18
# Progress granularity of the exhaustive float32 walk.
_PROGRESS_EVERY = 1 << 24

_WORK = {np.dtype(np.float32): np.dtype(np.float64), np.dtype(np.float64): np.dtype(np.longdouble)}
_UINT = {np.dtype(np.float32): np.uint32, np.dtype(np.float64): np.uint64}
DTYPES = ("float32", "float64")

# Parameters for activations that have required ones (the catalogue's REQUIRED): chosen
# inexact in binary, so the parameter's rounding to the dtype is exercised.
MEASURE_PARAMS: dict[str, dict[str, float]] = {
    "threshold": {"threshold": 0.1, "value": 20.0},
}


# ---------------------------------------------------------------------------------------
# ULP error


class UlpErrors(NamedTuple):
    """Result of ``ulp_error``: per-element errors and the zero-sign mismatch mask."""

    ulps: np.ndarray  # float64 errors in ulps, 0 .. inf (never NaN)
    zero_sign_mismatches: np.ndarray  # bool: y and rn(ref) are zeros of opposite sign


def ulp_error(y, ref, dtype) -> UlpErrors:
    """Error of ``y`` (values of ``dtype``, float32 or float64) against the more precise
    reference ``ref``, in ulps of the correctly rounded result (see the module docstring).

    Computed in float64 for float32 and in long double for float64. Special cases:

    * NaN: both NaN -> 0; exactly one NaN -> inf.
    * infinities: ``y`` and ``ref`` the same infinity -> 0; an infinite ``y`` where ``ref``
      is finite but rounds to that infinity is measured as ``2**emax`` (the value IEEE
      rounding treats as infinity), so a correct overflow costs <= 0.5 ulp; any other
      infinite ``y`` or ``ref`` -> inf.
    * signed zeros: ``-0`` against a reference that rounds to ``+0`` (or vice versa) is 0
      ulp, flagged in ``zero_sign_mismatches``.
    """
    dt = np.dtype(dtype)
    if dt not in _WORK:
        raise ValueError(f"ulp_error: dtype must be float32 or float64, got {dt}")
    work = _WORK[dt]
    y_in, ref_in = np.asarray(y), np.asarray(ref)
    shape = np.broadcast_shapes(y_in.shape, ref_in.shape)
    # errstate: casting signalling NaNs raises "invalid", and the common-case formula below
    # meets inf - inf and 0/NaN at special values, which are fixed up afterwards.
    with np.errstate(all="ignore"):
        yv = np.broadcast_to(y_in, shape).astype(dt, copy=False).ravel()
        rw = np.broadcast_to(ref_in, shape).astype(work, copy=False).ravel()
        rn = rw.astype(dt)  # the correctly rounded result, +-inf on overflow
        # np.spacing(v): distance from v to the next value away from zero, i.e. the ulp of
        # v's binade (2**(e - p + 1)), the smallest subnormal for zero and subnormal v;
        # NaN for infinite or NaN v.
        ulp = np.spacing(np.abs(rn))
        err = np.subtract(yv, rw, dtype=work)
        np.abs(err, out=err)
        np.divide(err, ulp, out=err, dtype=work)
        # Finite y and ref that round to a finite value give a finite error; every other
        # case (NaN, infinities, overflow) is non-finite here and handled on its own.
        # (np.max propagates NaN: one cheap pass tells whether there is any.)
        if err.size and not np.isfinite(err.max()):
            special = np.flatnonzero(~np.isfinite(err))
            err[special] = _special_errors(yv[special].astype(work), rw[special], rn[special])
        zero_sign = (yv == 0) & (rn == 0)
        if zero_sign.any():
            zero_sign &= np.signbit(yv) != np.signbit(rn)
    return UlpErrors(
        err.astype(np.float64, copy=False).reshape(shape), zero_sign.reshape(shape)
    )


def _special_errors(y: np.ndarray, r: np.ndarray, rn: np.ndarray) -> np.ndarray:
    """ulp_error for elements where y or r is NaN or infinite or r rounds to infinity
    (``y``, ``r`` in the working precision, ``rn`` = ``r`` rounded to the measured dtype)."""
    fi = np.finfo(rn.dtype)
    ulp_max = r.dtype.type(2.0) ** (fi.maxexp - 1 - fi.nmant)  # spacing of the largest finite
    overflow = r.dtype.type(2.0) ** fi.maxexp  # the value rounding to infinity stands for
    err = np.full(y.shape, np.inf, dtype=r.dtype)
    err[np.isnan(y) & np.isnan(r)] = 0
    y_inf, r_finite = np.isinf(y), np.isfinite(r)
    err[y_inf & (y == r)] = 0
    # y overflowed where ref is finite but rounds to the same infinity.
    over = y_inf & r_finite & (rn == y)
    err[over] = np.maximum(overflow - np.abs(r[over]), 0) / ulp_max
    # Finite y where ref rounds to infinity: measured with the largest finite's ulp.
    near = np.isfinite(y) & r_finite & np.isinf(rn)
    err[near] = np.abs(y[near] - r[near]) / ulp_max
    return err


# ---------------------------------------------------------------------------------------
# Sweeps


def special_points(dtype) -> np.ndarray:
    """Points every sweep includes: +-0, +-inf, NaN (both signs), +-smallest subnormal,
    +-largest subnormal, +-smallest normal, +-largest finite, and the multiples of 1/2 in
    [-8, 8] (the kinks of the piecewise-linear activations and their neighbourhood)."""
    dt = np.dtype(dtype)
    fi = np.finfo(dt)
    tiny_sub = fi.smallest_subnormal
    big_sub = np.nextafter(fi.smallest_normal, dt.type(0))
    positive = [0.0, math.inf, tiny_sub, big_sub, fi.smallest_normal, fi.max]
    values = np.array(positive, dtype=dt)
    halves = np.arange(-16, 17, dtype=dt) / dt.type(2)
    return np.concatenate([values, -values, np.array([np.nan, -np.nan], dtype=dt), halves])


def float32_sweep(step: int = F32_DEFAULT_STEP, offset: int = 0) -> np.ndarray:
    """Every ``step``-th float32 bit pattern from ``offset`` (over all 2**32 patterns, so both
    signs, every exponent, subnormals and NaNs), followed by ``special_points``.

    ``step`` must be odd (an even stride would freeze the lowest mantissa bit) and at least
    257 (smaller walks do not fit in memory well; use ``measure(exhaustive=True)``).
    """
    if step < 257 or step % 2 == 0:
        raise ValueError(f"float32_sweep: step must be an odd integer >= 257, got {step}")
    if not 0 <= offset < step:
        raise ValueError(f"float32_sweep: offset must be in [0, step), got {offset}")
    bits = np.arange(offset, 1 << 32, step, dtype=np.uint64).astype(np.uint32)
    return np.concatenate([bits.view(np.float32), special_points(np.float32)])


def float64_sweep(
    points: int = F64_DEFAULT_POINTS,
    lo: float = F64_RANGE[0],
    hi: float = F64_RANGE[1],
    coarse: int = F64_COARSE_POINTS,
) -> np.ndarray:
    """A strided walk over the float64 bit patterns of ``|x|`` in ``[lo, hi]``: ``points / 2``
    positive and as many negative values (the negative walk is offset by half a stride, so
    it is not the mirror image), then ``coarse`` points evenly strided over all 2**64
    patterns, then ``special_points``. Strides are odd, so low mantissa bits vary.
    """
    if not 0 < lo < hi < math.inf:
        raise ValueError(f"float64_sweep: need 0 < lo < hi < inf, got {lo}, {hi}")
    if points < 2 or coarse < 1:
        raise ValueError("float64_sweep: points must be >= 2 and coarse >= 1")
    lo_bits = int(np.float64(lo).view(np.uint64))
    hi_bits = int(np.float64(hi).view(np.uint64))
    half = points // 2
    stride = max(1, (hi_bits - lo_bits) // half) | 1
    k = np.arange(half, dtype=np.uint64)
    pos = np.uint64(lo_bits) + k * np.uint64(stride)
    neg = pos + np.uint64(stride // 2)
    sign = np.uint64(1 << 63)
    walk = np.concatenate([pos[pos <= hi_bits], neg[neg <= hi_bits] | sign])
    coarse_stride = ((1 << 64) // coarse) | 1
    everywhere = np.arange(coarse, dtype=np.uint64) * np.uint64(coarse_stride)
    bits = np.concatenate([walk, everywhere])
    return np.concatenate([bits.view(np.float64), special_points(np.float64)])


def _map_ordered(fn: Callable, items: Iterable, jobs: int | None) -> Iterator:
    """``map(fn, items)`` on ``jobs`` threads, in order, with at most ``2 * jobs`` items in
    flight (memory stays bounded however long ``items`` is). NumPy and the kernels release
    the GIL, so blocks of work run in parallel."""
    if jobs is None:
        jobs = os.cpu_count() or 1
    if jobs <= 1:
        yield from map(fn, items)
        return
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        pending: deque[Future] = deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _blocks(x: np.ndarray) -> Iterator[np.ndarray]:
    for start in range(0, x.size, BLOCK):
        yield x[start : start + BLOCK]


def _exhaustive_float32_blocks(progress: Progress | None) -> Iterator[np.ndarray]:
    """All 2**32 float32 bit patterns, ``BLOCK`` at a time, in order of the bits."""
    for start in range(0, 1 << 32, BLOCK):
        yield np.arange(start, start + BLOCK, dtype=np.uint64).astype(np.uint32).view(np.float32)
        if progress is not None and (start + BLOCK) % _PROGRESS_EVERY == 0:
            progress.update((start + BLOCK) / (1 << 32))


class Progress:
    """Progress of one long measurement on stderr: one rewritten line on a terminal, a line
    every eighth otherwise (logs)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.start = time.perf_counter()
        self.tty = sys.stderr.isatty()
        self.next_line = 0.125

    def update(self, fraction: float) -> None:
        elapsed = time.perf_counter() - self.start
        msg = f"{self.label}: {100 * fraction:5.1f}% ({elapsed:.0f} s)"
        if self.tty:
            print("\r" + msg, end="", file=sys.stderr, flush=True)
        elif fraction >= self.next_line:
            print(msg, file=sys.stderr, flush=True)
            self.next_line += 0.125

    def done(self) -> None:
        if self.tty:
            print("\r" + " " * (len(self.label) + 24) + "\r", end="", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------
# Measurement


def _reference_module():
    from . import reference

    return reference


def _check_name(name: str) -> None:
    if name not in _catalog.BY_NAME:
        raise ValueError(
            f"unknown activation {name!r}; known: {', '.join(fastact.activations())}"
        )
    if name not in _reference_module().NAMES:
        raise ValueError(f"fastact.reference has no oracle for {name!r}")


def _params(name: str, dtype: np.dtype, params: dict | None) -> tuple[dict, dict]:
    """(kernel parameters, reference parameters). The kernels convert parameters to the
    element type (as PyTorch does), so the reference gets the parameters rounded the same
    way: the measure is of the kernel's arithmetic, not of the parameter's representation."""
    act = _catalog.BY_NAME[name]
    merged = {p: d for p, d in act.params if d is not _catalog.REQUIRED}
    merged.update(MEASURE_PARAMS.get(name, {}))
    merged.update(params or {})
    missing = [p for p, _ in act.params if p not in merged]
    if missing:
        raise ValueError(f"{name}: give a value for the required parameter(s) {missing}")
    unknown = set(merged) - {p for p, _ in act.params}
    if unknown:
        raise ValueError(f"{name}: unknown parameter(s) {sorted(unknown)}")
    # String parameters (gelu's approximate) pass through unchanged.
    kernel = {p: v if isinstance(v, str) else float(v) for p, v in merged.items()}
    return kernel, {
        p: v if isinstance(v, str) else float(dtype.type(v)) for p, v in kernel.items()
    }


def _reference(name: str, x: np.ndarray, work: np.dtype, params: dict) -> np.ndarray:
    with np.errstate(invalid="ignore"):  # widening signalling NaNs raises "invalid"
        xw = x.astype(work)
    return _reference_module().forward(name, xw, **params)


def measure(
    name: str,
    dtype,
    exhaustive: bool = False,
    isa: str | None = None,
    params: dict | None = None,
    *,
    step: int = F32_DEFAULT_STEP,
    points: int = F64_DEFAULT_POINTS,
    inputs: Iterable | None = None,
    progress: bool = False,
    jobs: int | None = None,
) -> dict:
    """Max ulp error of ``fastact.NAME`` (forward) in ``dtype`` on ISA ``isa`` (default: the
    active one, which is restored afterwards).

    Inputs: ``inputs`` if given, else every float32 (``exhaustive``, float32 only), else
    ``float32_sweep(step)`` / ``float64_sweep(points)``. ``params`` overrides the
    activation's defaults (and ``MEASURE_PARAMS`` for required ones). Blocks of inputs are
    evaluated by ``jobs`` threads (default: one per CPU); the result does not depend on it.

    Returns ``dict(name, dtype, isa, params, count, max_ulp, worst_x, worst_y, worst_ref,
    zero_sign_mismatches, bound, exhaustive, seconds)``; ``worst_*`` are NumPy scalars of
    the dtype (``worst_ref`` of the reference's precision), ``bound`` the catalogue's.
    """
    _check_name(name)
    dt = np.dtype(dtype)
    if dt not in _WORK:
        raise ValueError(f"dtype must be float32 or float64, got {dt}")
    work = _WORK[dt]
    if np.finfo(work).nmant <= np.finfo(dt).nmant:  # pragma: no cover - not on x86-64
        raise RuntimeError(f"measuring {dt} needs a wider {work}, which this platform lacks")
    if exhaustive and dt != np.float32:
        raise ValueError("exhaustive=True walks all 2**32 float32 inputs; float64 has a sweep")
    if isa is not None and not fastact.available_isas().get(isa, False):
        raise ValueError(f"ISA {isa!r} is not available; available: {_isas_available()}")
    kernel_params, ref_params = _params(name, dt, params)
    forward = getattr(fastact, name)

    previous = fastact.get_isa()
    used_isa = isa or previous
    bar = Progress(f"{name} {dt} {used_isa}") if progress and exhaustive else None
    if inputs is not None:
        blocks = _blocks(np.asarray(inputs, dtype=dt).ravel())
    elif exhaustive:
        blocks = _exhaustive_float32_blocks(bar)
    elif dt == np.float32:
        blocks = _blocks(float32_sweep(step))
    else:
        blocks = _blocks(float64_sweep(points))

    def evaluate(x: np.ndarray) -> tuple:
        # One kernel thread: results are identical for every thread count, the blocks run
        # in parallel instead, and waking OpenMP workers for each small block between NumPy
        # calls costs more than the kernel itself.
        y = forward(x, **kernel_params, threads=1)
        ref = _reference(name, x, work, ref_params)
        err = ulp_error(y, ref, dt)
        i = int(np.argmax(err.ulps))
        zeros = int(np.count_nonzero(err.zero_sign_mismatches))
        return float(err.ulps[i]), (x[i], y[i], ref[i]), x.size, zeros

    start = time.perf_counter()
    count = zero_sign = 0
    max_ulp = -1.0
    worst = (dt.type(np.nan), dt.type(np.nan), work.type(np.nan))
    fastact.set_isa(used_isa)
    try:
        for block_max, block_worst, n, zeros in _map_ordered(evaluate, blocks, jobs):
            if block_max > max_ulp:  # the first occurrence of the maximum wins
                max_ulp, worst = block_max, block_worst
            count += n
            zero_sign += zeros
    finally:
        fastact.set_isa(previous)
        if bar is not None:
            bar.done()
    return {
        "name": name,
        "dtype": str(dt),
        "isa": used_isa,
        "params": kernel_params,
        "count": count,
        "max_ulp": max(max_ulp, 0.0),
        "worst_x": worst[0],
        "worst_y": worst[1],
        "worst_ref": worst[2],
        "zero_sign_mismatches": zero_sign,
        "bound": bound(name, dt),
        "exhaustive": exhaustive,
        "seconds": time.perf_counter() - start,
    }


def bound(name: str, dtype) -> float:
    """The catalogue's stated max error of ``name`` in ``dtype``, in ulps."""
    return _catalog.BY_NAME[name].max_ulp[DTYPES.index(str(np.dtype(dtype)))]


def _isas_available() -> list[str]:
    return [i for i, ok in fastact.available_isas().items() if ok]


# ---------------------------------------------------------------------------------------
# Command line


def _hex_bits(v) -> str:
    dt = np.asarray(v).dtype
    width = 2 * dt.itemsize
    return f"0x{int(np.asarray(v).view(_UINT[dt])):0{width}x}"


def _fmt_value(v) -> str:
    dt = np.asarray(v).dtype
    return f"{float(v):.{9 if dt == np.float32 else 17}g}"


def _fmt_ulp(u: float) -> str:
    # 9 digits: a correctly rounded 0.5 must not hide a 0.5000001.
    return "inf" if math.isinf(u) else f"{u:.9g}"


def _json_float(v) -> float | str:
    f = float(v)
    return f if math.isfinite(f) else str(f)


def _jsonable(r: dict) -> dict:
    out = dict(r)
    out["max_ulp"] = _json_float(r["max_ulp"])
    out["bound"] = _json_float(r["bound"])
    for k in ("worst_x", "worst_y"):
        out[k] = _json_float(r[k])
        out[k + "_hex"] = _hex_bits(r[k])
    # The long-double reference keeps its extra digits as a string.
    out["worst_ref"] = np.format_float_scientific(r["worst_ref"], unique=True)
    return out


_COLUMNS = (
    ("function", 12, "<"),
    ("dtype", 7, "<"),
    ("ISA", 6, "<"),
    ("points", 13, ">"),
    ("max ulp", 11, ">"),
    ("worst input", 45, "<"),
    ("+-0 sign", 8, ">"),
    ("bound", 5, ">"),
    ("result", 6, "<"),
    ("time", 7, ">"),
)


def _row(cells: Iterable[str]) -> str:
    return "  ".join(f"{c:{a}{w}}" for c, (_, w, a) in zip(cells, _COLUMNS, strict=True)).rstrip()


def _format_row(r: dict) -> str:
    x = r["worst_x"]
    return _row(
        (
            r["name"],
            r["dtype"],
            r["isa"],
            f"{r['count']:,}",
            _fmt_ulp(r["max_ulp"]),
            f"{_fmt_value(x)} ({_hex_bits(x)})" if r["max_ulp"] > 0 else "-",
            str(r["zero_sign_mismatches"]),
            f"{r['bound']:g}",
            "PASS" if r["passed"] else "FAIL",
            f"{r['seconds']:.1f}s",
        )
    )


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m fastact accuracy",
        description="Measure the max ulp error of fastact's forward kernels against the "
        "fastact.reference oracle (float32: float64 reference; float64: long double) and "
        "check it against the catalogue's bound. Exit status 1 if any bound is exceeded.",
    )
    p.add_argument("names", nargs="*", metavar="NAME", help="activations (default: all)")
    p.add_argument(
        "--exhaustive",
        action="store_true",
        help="float32: every one of the 2**32 inputs instead of the strided sweep "
        "(minutes per function); float64 keeps its sweep",
    )
    p.add_argument("--dtype", choices=(*DTYPES, "all"), default="all")
    p.add_argument(
        "--isa",
        choices=(*fastact.available_isas(), "all"),
        default=None,
        help=f"kernels to measure (default: the active ISA, {fastact.get_isa()})",
    )
    p.add_argument(
        "--step",
        type=int,
        default=F32_DEFAULT_STEP,
        help="float32 sweep stride in bit patterns, odd (default %(default)s: ~1M points)",
    )
    p.add_argument(
        "--points",
        type=int,
        default=F64_DEFAULT_POINTS,
        help="float64 sweep points in the useful range (default %(default)s)",
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="threads evaluating blocks of inputs (default: one per CPU)",
    )
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a parameter of the measured activations, e.g. approximate=tanh for gelu or "
        "beta=2 for swish (repeatable; default: the catalogue's measuring parameters)",
    )
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    return p


def _parse_params(items: list[str]) -> dict:
    """NAME=VALUE pairs: numbers become floats, anything else stays a string."""
    params: dict = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--param takes NAME=VALUE, got {item!r}")
        try:
            params[key] = float(value)
        except ValueError:
            params[key] = value
    return params


def main(argv: list[str] | None = None) -> int:
    """``python -m fastact accuracy``: returns the exit status (0 all within bound, 1 not)."""
    parser = _parser()
    args = parser.parse_args(argv)
    names = args.names or fastact.activations()
    unknown = [n for n in names if n not in _catalog.BY_NAME]
    if unknown:
        parser.error(
            f"unknown activation(s): {', '.join(unknown)}; "
            f"known: {', '.join(fastact.activations())}"
        )
    missing = [n for n in names if n not in _reference_module().NAMES]
    if missing:
        parser.error(f"fastact.reference has no oracle for: {', '.join(missing)}")
    if args.step < 257 or args.step % 2 == 0:
        parser.error(f"--step must be an odd integer >= 257, got {args.step}")
    if args.jobs is not None and args.jobs < 1:
        parser.error(f"--jobs must be >= 1, got {args.jobs}")
    if args.points < 2:
        parser.error(f"--points must be >= 2, got {args.points}")
    try:
        params = _parse_params(args.param)
        for name in names:
            if params:  # unknown names, then values the function itself rejects
                kernel, _ = _params(name, np.dtype(np.float32), params)
                getattr(fastact, name)(np.zeros(1, np.float32), **kernel)
    except ValueError as e:
        parser.error(str(e))
    dtypes = DTYPES if args.dtype == "all" else (args.dtype,)
    if args.isa == "all":
        isas = _isas_available()
    elif args.isa is not None and not fastact.available_isas()[args.isa]:
        parser.error(f"this CPU does not support {args.isa}; available: {_isas_available()}")
    else:
        isas = [args.isa or fastact.get_isa()]

    start = time.perf_counter()
    print(_row(c for c, _, _ in _COLUMNS))
    print(_row("-" * w for _, w, _ in _COLUMNS))
    results = []
    for name in names:
        for dtype in dtypes:
            for isa in isas:
                r = measure(
                    name,
                    dtype,
                    exhaustive=args.exhaustive and dtype == "float32",
                    isa=isa,
                    params=params or None,
                    step=args.step,
                    points=args.points,
                    progress=True,
                    jobs=args.jobs,
                )
                r["passed"] = r["max_ulp"] <= r["bound"]
                results.append(r)
                print(_format_row(r), flush=True)
    failed = [r for r in results if not r["passed"]]
    elapsed = time.perf_counter() - start
    print(
        f"{len(results) - len(failed)}/{len(results)} within the catalogue bound "
        f"({elapsed:.1f} s); ulps of the correctly rounded result; '+-0 sign' counts "
        "zero results whose sign differs from the reference's (not counted as error)"
    )
    for r in failed:
        print(
            f"FAIL {r['name']} {r['dtype']} {r['isa']}: max {_fmt_ulp(r['max_ulp'])} ulp > "
            f"bound {r['bound']:g} at x = {_fmt_value(r['worst_x'])} ({_hex_bits(r['worst_x'])}): "
            f"y = {_fmt_value(r['worst_y'])}, reference = "
            f"{np.format_float_scientific(r['worst_ref'], unique=True)}"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump([_jsonable(r) for r in results], f, indent=2)
            f.write("\n")
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""Special values in every lane position: bitwise where the answer is exact.

For every activation, parameter set, dtype and ISA, each special value -- +-0, +-inf,
+-NaN, +-smallest subnormal, +-smallest normal, +-largest finite, every kink exactly
(+-lambd, min_val / max_val, +-3 for hardsigmoid, +-1 for pwl_sigmoid, 0 and 6 for relu6,
the threshold, 0 elsewhere) and its two neighbours (np.nextafter) -- is placed at index k
of an array of 37 ordinary values, for every k in range(37), and each such array is passed
to fastact on its own. 37 elements are two full 16-lane vectors plus a masked tail of 5
(float32, AVX-512), four full 8-lane vectors plus 5, and so on, so every lane of the full
vectors and of the masked tail sees every special value.

Checked, forward, backward from x and backward from y (y = fastact's forward of the same
array, in the same dtype and ISA):

* the special element equals the reference bit for bit -- the sign of zero included -- or
  both are NaN, wherever the exact result is zero, infinite (also by overflow) or NaN, and
  for the correctly rounded functions (catalogue bound <= 0.5 ulp; for gradients the
  piecewise-constant derivatives) wherever the reference (evaluated one precision
  higher) is representable in the dtype. Elsewhere a rounding is involved -- e.g.
  selu(-inf) = -scale * alpha, g * mish'(0), or a tie that the long-double reference
  rounds twice -- and the element must be within the documented accuracy bound
  (``_helpers.forward_violations`` / ``gradient_violations``);
* every other element equals fastact's result for the ordinary array alone, bit for bit
  (a special value in one lane must not disturb its neighbours).

The gradients use an ordinary nonzero grad_output.
"""

from __future__ import annotations

import numpy as np
import pytest

import fastact
from _helpers import (
    CASE_PARAMS,
    DTYPE_PARAMS,
    FROM_Y_CASE_PARAMS,
    Case,
    bits,
    cast_ref,
    forward_violations,
    from_y_alternative,
    grad_outputs,
    gradient_violations,
    kinks,
    same_bits_or_both_nan,
    seeded_rng,
    to_ref,
)

LENGTH = 37


def special_values(case: Case, dtype) -> tuple[list[str], np.ndarray]:
    """(labels, values) of the special inputs of `case` in `dtype`, without duplicates."""
    t = np.dtype(dtype).type
    fi = np.finfo(dtype)
    candidates = [
        ("+0", t(0.0)), ("-0", t(-0.0)), ("+inf", t(np.inf)), ("-inf", t(-np.inf)),
        ("+nan", t(np.nan)), ("-nan", np.copysign(t(np.nan), t(-1))),
        ("+min_subnormal", fi.smallest_subnormal), ("-min_subnormal", -fi.smallest_subnormal),
        ("+min_normal", fi.smallest_normal), ("-min_normal", -fi.smallest_normal),
        ("+max", fi.max), ("-max", -fi.max),
    ]
    for k in kinks(case):
        kd = t(k)
        candidates += [
            (f"kink {kd!r}", kd),
            (f"nextafter({kd!r}, -inf)", np.nextafter(kd, t(-np.inf))),
            (f"nextafter({kd!r}, +inf)", np.nextafter(kd, t(np.inf))),
        ]
    labels, values, seen = [], [], set()
    for label, v in candidates:
        key = bits(np.asarray(v, dtype=dtype))
        if key not in seen:
            seen.add(key)
            labels.append(label)
            values.append(v)
    return labels, np.array(values, dtype=dtype)


def ordinary(dtype) -> np.ndarray:
    return seeded_rng("special filler", np.dtype(dtype).name).normal(0, 3, LENGTH).astype(dtype)


def embedded(values: np.ndarray, filler: np.ndarray):
    """Rows of `filler` with values[i] at column k of row i * LENGTH + k."""
    rows = np.arange(values.size * LENGTH)
    cols = rows % LENGTH
    x = np.tile(filler, (rows.size, 1))
    x[rows, cols] = np.repeat(values, LENGTH)
    return x, rows, cols


def run_rows(fn, *arrays) -> np.ndarray:
    """fn applied to each row separately (each row a separate call)."""
    return np.stack([fn(*(a[r] for a in arrays)) for r in range(arrays[0].shape[0])])


def check(title, labels, rows, cols, x, got, ref, within_bound, correctly_rounded,
          expected_plain, g=None):
    """ref: the reference at the special elements (one precision higher); within_bound:
    their mask of results inside the documented bound, used where no bitwise answer is
    defined (see the module docstring)."""
    expected = cast_ref(ref, got.dtype)
    representable = expected.astype(ref.dtype) == ref
    strict = (np.isnan(ref) | (ref == 0) | np.isinf(expected)
              | (correctly_rounded & representable))
    special = got[rows, cols]
    special_ok = np.where(strict, same_bits_or_both_nan(special, expected), within_bound)
    others = np.ones(got.shape, dtype=bool)
    others[rows, cols] = False
    plain_ok = same_bits_or_both_nan(got, np.broadcast_to(expected_plain, got.shape))
    plain_bad = others & ~plain_ok
    if special_ok.all() and not plain_bad.any():
        return
    lines = [f"{title} (isa={fastact.get_isa()}):"]
    for i, label in enumerate(labels):
        sel = slice(i * LENGTH, (i + 1) * LENGTH)
        wrong = np.flatnonzero(~special_ok[sel])
        if wrong.size:
            j = i * LENGTH + wrong[0]
            xv, gv = x[rows[j], cols[j]], special[j]
            lanes = "every lane" if wrong.size == LENGTH else f"lanes {wrong.tolist()}"
            extra = "" if g is None else f" grad_output={g[cols[j]]!r}"
            how = "bitwise" if strict[j] else "within the bound"
            lines.append(
                f"  {label}: x={xv!r} ({bits(xv)}){extra} got={gv!r} ({bits(gv)}) "
                f"expected={expected[j]!r} ({bits(expected[j])}, {how}) [{lanes}]")
        neighbours = np.flatnonzero(plain_bad[sel].any(axis=1))
        if neighbours.size:
            lines.append(f"  {label}: disturbs other lanes when placed at {neighbours.tolist()}")
    pytest.fail("\n".join(lines))


@pytest.mark.parametrize("dtype", DTYPE_PARAMS)
@pytest.mark.parametrize("case", CASE_PARAMS)
def test_forward_special_values(case, dtype, isa):
    labels, values = special_values(case, dtype)
    filler = ordinary(dtype)
    x, rows, cols = embedded(values, filler)
    got = run_rows(case.forward, x)
    xs = x[rows, cols]
    bad, ref, _, _ = forward_violations(case, dtype, xs, got[rows, cols])
    if ref is xs:  # identity: the bits of x are the reference
        ref = to_ref(xs)
    check(f"{case.id} forward {np.dtype(dtype).name}", labels, rows, cols, x, got, ref, ~bad,
          case.max_ulp(dtype) <= 0.5, case.forward(filler))


def _check_gradient(case, dtype, title, labels, rows, cols, x, g, got, from_y, plain):
    xs, gs = x[rows, cols], g[cols]
    bad, _, _, _ = gradient_violations(case, dtype, xs, gs, got[rows, cols], from_y=from_y)
    ref = case.ref_backward(to_ref(gs), to_ref(xs), dtype)
    if from_y:  # the documented ambiguities of differentiating from y
        alt = from_y_alternative(case, xs, gs).astype(ref.dtype)
        ref = np.where(got[rows, cols].astype(ref.dtype) == alt, alt, ref)
    check(f"{case.id} {title} {np.dtype(dtype).name}", labels, rows, cols, x, got, ref, ~bad,
          case.piecewise_constant_derivative, plain, g=g)


@pytest.mark.parametrize("dtype", DTYPE_PARAMS)
@pytest.mark.parametrize("case", CASE_PARAMS)
def test_backward_from_x_special_values(case, dtype, isa):
    labels, values = special_values(case, dtype)
    filler = ordinary(dtype)
    g = grad_outputs(dtype, LENGTH, "special")
    x, rows, cols = embedded(values, filler)
    got = run_rows(case.backward, np.tile(g, (x.shape[0], 1)), x)
    _check_gradient(case, dtype, "backward(x)", labels, rows, cols, x, g, got, False,
                    case.backward(g, filler))


@pytest.mark.parametrize("dtype", DTYPE_PARAMS)
@pytest.mark.parametrize("case", FROM_Y_CASE_PARAMS)
def test_backward_from_y_special_values(case, dtype, isa):
    labels, values = special_values(case, dtype)
    filler = ordinary(dtype)
    g = grad_outputs(dtype, LENGTH, "special")
    x, rows, cols = embedded(values, filler)
    y = run_rows(case.forward, x)
    got = run_rows(lambda gr, yr: case.backward(gr, y=yr), np.tile(g, (x.shape[0], 1)), y)
    _check_gradient(case, dtype, "backward(y=f(x))", labels, rows, cols, x, g, got, True,
                    case.backward(g, y=case.forward(filler)))

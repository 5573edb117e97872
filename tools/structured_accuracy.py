#!/usr/bin/env python3
"""Worst error of softmax, softmin and log_softmax over a sweep of rows, in ulps against
``fastact.reference`` one precision up (the measurement behind the bounds in
cpp/kernels/structured-inl.hpp).

Usage:  python tools/structured_accuracy.py [--quick]

Every ISA the CPU has, float32 and float64; rows of 7 to 30000 elements along the axis (row
kernels, or in lockstep through the column kernels for rows of a few vectors) and across it
(column kernels); logits N(c, s^2) for s in 0.5 ... 50 and c in
(0, -10, 40), the c = 40 rows with one logit dominating the others by e^20 (log_softmax's
y = -log1p(s) is then tiny). Prints, per (function, dtype), the worst error and where it
occurred, apart for results in the subnormal range (ulps of the smallest subnormal there).
About 3 minutes (--quick: rows up to 1000, 20 s).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

import fastact
from fastact import reference as R

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from test_structured import to_ref, ulp_error  # the tests' own ulp measure


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="rows up to 1000 elements")
    args = ap.parse_args()
    lengths = (7, 10, 33, 64, 100, 1000) if args.quick else (7, 10, 33, 64, 100, 128, 1000, 30000)
    rng = np.random.default_rng(5)
    worst: dict[tuple[str, str], tuple] = {}
    for isa in (i for i, ok in fastact.available_isas().items() if ok):
        fastact.set_isa(isa)
        for dtype in (np.float32, np.float64):
            for scale in (0.5, 1, 2, 5, 10, 20, 50):
                for n in lengths:
                    rows = max(2, 60000 // n)
                    for offset in (0.0, -10.0, 40.0):
                        x = (rng.standard_normal((rows, n)) * scale + offset).astype(dtype)
                        if offset == 40.0:
                            x[:, 3] = x.max(axis=1) + 20  # one logit dominates
                        for op in ("softmax", "log_softmax", "softmin"):
                            for axis, xx in ((-1, x), (0, np.ascontiguousarray(x.T))):
                                y = getattr(fastact, op)(xx, axis=axis)
                                ref = getattr(R, op)(to_ref(xx), axis=axis)
                                errs = ulp_error(y, ref, dtype)
                                tiny = np.abs(ref) < np.finfo(dtype).tiny
                                for part, mask in (("", ~tiny), (" (subnormal y)", tiny)):
                                    if not mask.any():
                                        continue
                                    err = float(errs[mask].max())
                                    key = (op + part, np.dtype(dtype).name)
                                    if err > worst.get(key, (0.0,))[0]:
                                        worst[key] = (err, isa, scale, n, offset, axis)
    print(f"{'function':26s} {'dtype':8s} {'max ulp':>8s}  where (isa, scale, row length, "
          "offset, axis)")
    for (op, dt), (err, *where) in sorted(worst.items()):
        print(f"{op:26s} {dt:8s} {err:8.2f}  {tuple(where)}")


if __name__ == "__main__":
    main()

"""Measures where two threads start to pay off, for the driver's kParallelMinElements.

For a cheap kernel (relu), a mid one (softsign) and an expensive one (tanh), times the
float32 forward on 1 and 2 threads at sizes around the chunk size, with the one-thread
cut-off lowered to 0 through a private measurement hook so that every size really runs
through OpenMP. The threshold belongs where the 2-thread time drops below the 1-thread
time for the cheapest kernel.

    python tools/measure_threshold.py
"""

from __future__ import annotations

import time

import numpy as np

import fastact


def per_call(f, reps: int = 15) -> float:
    f()
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(20):
            f()
        best = min(best, (time.perf_counter() - t0) / 20)
    return best


def main() -> None:
    info = fastact._core.build_info()
    print(f"isa={fastact.get_isa()} chunk={info['chunk_elements']} "
          f"parallel_min={info['parallel_min_elements']}")
    previous = fastact._core._set_parallel_min_elements(0)
    rng = np.random.default_rng(0)
    for name in ("relu", "softsign", "tanh"):
        f = getattr(fastact, name)
        for n in (8192, 16384, 32768, 49152, 65536, 98304, 131072, 262144, 1048576):
            x = rng.normal(0, 3, n).astype(np.float32)
            out = np.empty_like(x)
            t1 = per_call(lambda f=f, x=x, out=out: f(x, out=out, threads=1))
            t2 = per_call(lambda f=f, x=x, out=out: f(x, out=out, threads=2))
            print(f"{name:9s} n={n:8d}  1 thread {t1 * 1e6:8.2f} us  2 threads {t2 * 1e6:8.2f} us"
                  f"  speed-up {t1 / t2:5.2f}")
    fastact._core._set_parallel_min_elements(previous)


if __name__ == "__main__":
    main()

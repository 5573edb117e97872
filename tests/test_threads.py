"""threads=, set_num_threads/get_num_threads, OMP_NUM_THREADS, and results bitwise identical
for every thread count; concurrent calls from Python threads (the GIL is released)."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import fastact
from _layout_helpers import (
    ACTIVATIONS,
    CHUNK,
    FLOATS,
    FROM_Y,
    PARALLEL_MIN,
    SIMD_ISAS,
    assert_bitwise,
    bwd,
    fwd,
    grads,
    using_isa,
    values,
)

acts = pytest.mark.parametrize("name", ACTIVATIONS)
floats = pytest.mark.parametrize("dtype", FLOATS, ids=["float32", "float64"])

# Sizes straddling the one-thread cut-off and the chunk size of this build
# (fastact._core.build_info()) and of the design (64 Ki, 16 Ki), with partial last chunks.
# Every ISA runs the sizes at the cut-off; the best ISA (the fast kernels) also runs the
# larger ones, up to 1_000_003 (prime: 245 chunks, a partial last one).
SIZES_EVERY_ISA = (PARALLEL_MIN - 1, PARALLEL_MIN, PARALLEL_MIN + 1, 65537, 16384 * 5 + 3)
SIZES_BEST_ISA = (65535, 65536, PARALLEL_MIN + 3 * CHUNK + 1, 1_000_003)
BEST_ISA = next(i for i in ("avx512", "avx2", "scalar") if fastact.available_isas()[i])
THREAD_COUNTS = (2, 3, 4)


@pytest.fixture
def restore_threads():
    before = fastact.get_num_threads()
    yield before
    fastact.set_num_threads(before)


@acts
@floats
def test_bitwise_identical_for_every_thread_count(name, dtype, isa, restore_threads):
    sizes = SIZES_EVERY_ISA + (SIZES_BEST_ISA if isa == BEST_ISA else ())
    for n in sorted(set(sizes)):
        x, g = values(n, dtype), grads(n, dtype)
        y = fwd(name, x, threads=1)
        gx = bwd(name, g, x, threads=1)
        gy = bwd(name, g, y=y, threads=1) if name in FROM_Y else None
        for t in THREAD_COUNTS:
            what = f"{name} {np.dtype(dtype).name} n={n} threads={t} vs 1"
            assert_bitwise(fwd(name, x, threads=t), y, f"forward {what}")
            assert_bitwise(bwd(name, g, x, threads=t), gx, f"backward(x) {what}")
            if gy is not None:
                assert_bitwise(bwd(name, g, y=y, threads=t), gy, f"backward(y) {what}")
        if n == PARALLEL_MIN + 1:
            # The process-wide setting, used when threads=None.
            for t in (1, 2, 3, 4):
                fastact.set_num_threads(t)
                what = f"{name} {np.dtype(dtype).name} n={n} set_num_threads({t})"
                assert_bitwise(fwd(name, x), y, f"forward {what}")
                assert_bitwise(bwd(name, g, x), gx, f"backward(x) {what}")
                if gy is not None:
                    assert_bitwise(bwd(name, g, y=y), gy, f"backward(y) {what}")
            fastact.set_num_threads(restore_threads)


@acts
@pytest.mark.parametrize("simd", SIMD_ISAS)
def test_streaming_sizes_bitwise_identical_for_every_thread_count(name, simd):
    # From 16 MiB of output the kernels use streaming stores after a head that aligns the
    # destination (SIMD ISAs); with an out= one element past a vector boundary every chunk
    # starts misaligned. The thread count still must not change a bit.
    n = (16 << 20) // 4 + 2 * CHUNK + 6
    x = values(n, np.float32)
    results = []
    with using_isa(simd):
        for t in (1, 2, 3):
            buf = np.empty(n + 1, np.float32)
            out = buf[1:]
            assert fwd(name, x, out=out, threads=t) is out
            results.append(out)
    for t, res in zip((2, 3), results[1:], strict=True):
        assert_bitwise(res, results[0], f"{name} float32 n={n} (streaming) threads={t} vs 1")


def test_many_threads_on_small_and_large_arrays(restore_threads):
    # More threads than chunks, than cores, and the maximum.
    for n in (1, 100, PARALLEL_MIN, PARALLEL_MIN + 5):
        x = values(n, np.float32)
        want = fwd("tanh", x, threads=1)
        for t in (5, 7, 64, 1024):
            assert_bitwise(fwd("tanh", x, threads=t), want, f"tanh n={n} threads={t}")


def test_set_and_get_num_threads(restore_threads):
    before = restore_threads
    assert isinstance(before, int) and before >= 1
    assert fastact.set_num_threads(3) == before
    assert fastact.get_num_threads() == 3
    assert fastact.set_num_threads(1) == 3
    assert fastact.get_num_threads() == 1
    assert fastact.set_num_threads(1024) == 1
    assert fastact.get_num_threads() == 1024
    assert fastact.set_num_threads(before) == 1024
    assert fastact.get_num_threads() == before


def _run(code: str, **env) -> str:
    full = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "FASTACT_ISA")}
    full.update(env)
    r = subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True,
                       timeout=120, check=False)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip().splitlines()[-1]


_CHILD = """
import json, sys
import numpy as np
import fastact
sys.path.insert(0, {tests!r})
from _layout_helpers import values, fwd, bwd, grads
n = {n}
x, g = values(n, np.float32), grads(n, np.float32)
out = {{}}
for name in ("relu", "tanh", "sigmoid"):
    out[name] = fwd(name, x).view(np.uint32).tolist()[:: max(1, n // 5000)]
    out[name + "_b"] = bwd(name, g, x).view(np.uint32).tolist()[:: max(1, n // 5000)]
print(json.dumps({{"threads": fastact.get_num_threads(), "results": out}}))
"""


@pytest.mark.parametrize("omp", ["1", "2", "3"])
def test_omp_num_threads_sets_the_default(omp):
    n = PARALLEL_MIN + 3 * CHUNK + 1
    code = _CHILD.format(tests=os.path.dirname(__file__), n=n)
    got = json.loads(_run(code, OMP_NUM_THREADS=omp))
    assert got["threads"] == int(omp)
    x, g = values(n, np.float32), grads(n, np.float32)
    for name in ("relu", "tanh", "sigmoid"):
        step = max(1, n // 5000)
        want = fwd(name, x, threads=1).view(np.uint32)[::step]
        assert got["results"][name] == want.tolist(), f"{name} OMP_NUM_THREADS={omp}"
        want = bwd(name, g, x, threads=1).view(np.uint32)[::step]
        assert got["results"][name + "_b"] == want.tolist(), f"{name}_backward"


def test_default_threads_without_omp_num_threads():
    got = int(_run("import fastact; print(fastact.get_num_threads())"))
    assert got == len(os.sched_getaffinity(0))


# ---- Python threads ------------------------------------------------------------------------


def test_concurrent_python_threads_give_the_same_results(restore_threads):
    cases = []
    for i, name in enumerate(ACTIVATIONS):
        n = (1000, PARALLEL_MIN + 17, 200_003)[i % 3]
        dtype = FLOATS[i % 2]
        x, g = values(n, dtype), grads(n, dtype)
        cases.append((name, x, g, fwd(name, x, threads=1), bwd(name, g, x, threads=1)))
    errors: list[str] = []
    barrier = threading.Barrier(2)

    def work(k: int) -> None:
        try:
            barrier.wait(timeout=30)
            for rep in range(3):
                order = cases if (k + rep) % 2 == 0 else cases[::-1]
                for name, x, g, y, gx in order:
                    t = (1, 2, None)[(k + rep) % 3]
                    res = fwd(name, x, threads=t)
                    if res.tobytes() != y.tobytes():
                        errors.append(f"thread {k}: {name} forward differs (threads={t})")
                    out = np.empty_like(gx)
                    bwd(name, g, x, out=out, threads=t)
                    if out.tobytes() != gx.tobytes():
                        errors.append(f"thread {k}: {name} backward differs (threads={t})")
        except (AssertionError, RuntimeError, TypeError, ValueError) as e:  # pragma: no cover
            errors.append(f"thread {k}: {type(e).__name__}: {e}")

    workers = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=300)
    assert not any(w.is_alive() for w in workers)
    assert not errors, errors[:5]


def test_gil_is_released_during_the_computation():
    # While a long call runs in one Python thread, another Python thread keeps running. With
    # the GIL held it would be blocked for the whole call.
    x = np.linspace(-5, 5, 200_000)
    t0 = time.perf_counter()
    fastact.tanh(x, threads=1)
    per_element = max((time.perf_counter() - t0) / x.size, 1e-10)
    n = int(min(8_000_000, max(200_000, 0.15 / per_element)))  # about 150 ms per call
    x = np.linspace(-5, 5, n)
    out = np.empty_like(x)
    best = None
    for _ in range(3):
        window: list[float] = []
        started = threading.Event()

        def worker(window=window, started=started):
            started.set()
            a = time.perf_counter()
            fastact.tanh(x, out=out, threads=1)
            window.extend((a, time.perf_counter()))

        th = threading.Thread(target=worker)
        stamps = []
        th.start()
        started.wait()
        while th.is_alive():
            stamps.append(time.perf_counter())
        th.join()
        a, b = window
        inside = [s for s in stamps if a <= s <= b]
        points = [a, *inside, b]
        max_gap = max(q - p for p, q in itertools.pairwise(points))
        duration = b - a
        best = (max_gap / duration, len(inside), duration)
        if max_gap < 0.5 * duration and len(inside) > 100:
            break
    assert best[0] < 0.5 and best[1] > 100, (
        f"the other Python thread was blocked for {best[0]:.0%} of a {best[2] * 1e3:.0f} ms "
        f"call ({best[1]} iterations during it): the GIL is not released"
    )
    np.testing.assert_array_equal(out, fastact.tanh(x, threads=1))

"""pytest-benchmark suites: fastact and the code a user would otherwise write, in one group.

    python -m pytest benchmarks --benchmark-enable                 # time them
    python -m pytest benchmarks --benchmark-enable --bench-large   # also 16,777,216 elements
    python -m pytest                                               # CI: each one once

Every test is one (activation, size, threads, implementation; the structured activations
in the shapes of ``fastact.bench.STRUCTURED``): fastact on each ISA the CPU
has, and the NumPy form (and PyTorch's, when installed) from ``fastact.bench``'s peer registry,
so the suites and ``python -m fastact bench`` time exactly the same code. Tests of one
(direction, activation, size, threads) share a pytest-benchmark group, so the report compares
them side by side. Every test asserts its result against ``fastact.reference`` after timing.

With benchmarks disabled (pyproject's default ``--benchmark-disable``) each test runs its
function once as a smoke test; sizes above 65,536 elements are then not collected, to keep
the run short. There is never a timed assertion here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pytest

import fastact
from fastact import bench

SIZES = (4096, 65536, 1048576)
LARGE_SIZE = 16777216
SMOKE_MAX_SIZE = 65536  # largest size collected when benchmarks are disabled
ISAS = ("avx512", "avx2", "scalar")
PEERS = ("numpy", "torch")
DTYPE = np.dtype(np.float32)


def pytest_addoption(parser):
    parser.addoption(
        "--bench-large",
        action="store_true",
        default=False,
        help="fastact benchmarks: also 16,777,216 elements (or FASTACT_BENCH_LARGE=1)",
    )


def benchmarks_enabled(config) -> bool:
    """pytest-benchmark's own rule: disabled by --benchmark-disable unless --benchmark-enable."""
    disabled = config.getoption("benchmark_disable", default=False)
    return not (disabled and not config.getoption("benchmark_enable", default=False))


def pytest_report_header(config):
    mode = "timed" if benchmarks_enabled(config) else f"smoke (sizes <= {SMOKE_MAX_SIZE})"
    return [f"fastact benchmarks: {mode}; peers installed: {', '.join(_installed_peers())}"]


def _installed_peers() -> list[str]:
    return [p for p in PEERS if bench.PEERS[p].available()]


@dataclass(frozen=True)
class Case:
    direction: str
    name: str
    n: int
    threads: int
    impl: str  # an ISA name for fastact, else a peer name

    @property
    def is_fastact(self) -> bool:
        return self.impl in ISAS

    @property
    def group(self) -> str:
        return f"{self.direction} {self.name} n={self.n} threads={self.threads}"


def pytest_generate_tests(metafunc):
    if "case" not in metafunc.fixturenames:
        return
    config = metafunc.config
    direction = metafunc.module.DIRECTION
    enabled = benchmarks_enabled(config)
    sizes = [n for n in SIZES if enabled or n <= SMOKE_MAX_SIZE]
    if enabled and (config.getoption("bench_large", default=False)
                    or os.environ.get("FASTACT_BENCH_LARGE", "") not in ("", "0")):
        sizes.append(LARGE_SIZE)
    threads = sorted({1, fastact.get_num_threads()})
    supported = fastact.available_isas()
    peers = _installed_peers()
    params = []
    # elementwise, then the structured ones (softmax, ..., prelu: bench.STRUCTURED shapes)
    for name in [a for a in fastact.activations() if a in bench.R.NAMES] + list(bench.STRUCTURED):
        for n in sizes:
            for t in threads:
                for impl in (*ISAS, *peers):
                    marks = ()
                    if impl in ISAS and not supported.get(impl, False):
                        marks = pytest.mark.skip(reason=f"this CPU does not support {impl}")
                    elif impl in PEERS and bench.peer_forms(impl, direction, name) is None:
                        continue  # no sensible peer form of this activation
                    params.append(pytest.param(Case(direction, name, n, t, impl),
                                               id=f"{name}-{n}-t{t}-{impl}", marks=marks))
    metafunc.parametrize("case", params)


@pytest.fixture(scope="session")
def inputs(request):
    """The benchmark's inputs (x ~ N(0, 9), grad ~ N(0, 1)), drawn once per session."""
    config = request.config
    n_max = max(SIZES)
    if benchmarks_enabled(config) and (config.getoption("bench_large", default=False)
                                       or os.environ.get("FASTACT_BENCH_LARGE", "")
                                       not in ("", "0")):
        n_max = LARGE_SIZE
    elif not benchmarks_enabled(config):
        n_max = SMOKE_MAX_SIZE
    return bench.Inputs(n_max, DTYPE)


_EXPECTED: dict[tuple[str, str, int], bench.Expected] = {}


def _expected(p: bench.Problem) -> bench.Expected:
    key = (p.direction, p.name, p.n)
    if key not in _EXPECTED:
        _EXPECTED.clear()  # tests run in parameter order: one entry is all that is reused
        _EXPECTED[key] = bench.expected(p)
    return _EXPECTED[key]


@pytest.fixture
def run_case(inputs):
    """Times `case` with the benchmark fixture, then asserts its result is correct."""
    previous_isa = fastact.get_isa()

    def run(benchmark, case: Case):
        params = bench.params_for(case.name)
        p = inputs.problem(case.name, case.direction, case.n, case.threads, params)
        if case.is_fastact:
            contender = bench.fastact_contender(
                p, case.impl, from_y=bench.backward_from_y("peers", case.name))
        else:
            contender = bench.peer_contender(p, case.impl)
            assert contender is not None and contender.status == "ok", contender.detail
        contender.prepare()  # sets the ISA (fastact) or the peer's thread count
        benchmark.group = case.group
        streams = p.streams if p.streams is not None else bench.STREAMS[case.direction]
        benchmark.extra_info.update(
            elements=p.n, threads=case.threads, impl=case.impl,
            nominal_bytes=streams * p.n * DTYPE.itemsize,
        )
        p.out.fill(np.nan)  # a call that writes nothing cannot pass the check
        result = benchmark(contender.call)
        problem = bench.check(result, p, _expected(p))
        assert problem is None, f"{case.impl} {case.group}: {problem}"

    yield run
    fastact.set_isa(previous_isa)

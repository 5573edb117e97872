"""Shared fixtures: every kernel test runs once per ISA the CPU supports."""

from __future__ import annotations

import os

import numpy as np
import pytest

import fastact

ALL_ISAS = ("scalar", "avx2", "avx512")
# Sizes around every vector width (1, 4, 8, 16 lanes), the 2x unroll, and more than one
# threading chunk (100003 is prime).
SIZES = (0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 1000, 100003)
DTYPES = (np.float32, np.float64)


def pytest_report_header(config):
    header = (
        f"fastact {fastact.__version__}: isa={fastact.get_isa()} "
        f"available={fastact.available_isas()} threads={fastact.get_num_threads()} "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}"
    )
    return [header]


@pytest.fixture(params=ALL_ISAS)
def isa(request):
    """Activates one ISA for the test; skips ISAs this CPU lacks."""
    name = request.param
    if not fastact.available_isas()[name]:
        pytest.skip(f"this CPU does not support {name}")
    previous = fastact.get_isa()
    fastact.set_isa(name)
    yield name
    fastact.set_isa(previous)


@pytest.fixture
def rng():
    return np.random.default_rng(20261123)

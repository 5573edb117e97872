"""Backward throughput (grad_output and the forward input x; peers whose backward takes the
saved output y get it precomputed): fastact on every ISA, NumPy and PyTorch in one group per
(activation, size, threads). Parametrised in conftest.py; see its docstring."""

DIRECTION = "backward"


def test_backward(benchmark, case, run_case):
    run_case(benchmark, case)

"""Forward throughput: fastact on every ISA, NumPy and PyTorch in one group per
(activation, size, threads). Parametrised in conftest.py; see its docstring."""

DIRECTION = "forward"


def test_forward(benchmark, case, run_case):
    run_case(benchmark, case)

"""The command line: python -m fastact info | accuracy | bench."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import fastact
from fastact import __main__ as cli
from fastact import accuracy


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fastact", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_info_prints_version_isa_threads_compiler():
    p = run("info")
    assert p.returncode == 0, p.stderr
    build = fastact._core.build_info()
    assert fastact.__version__ in p.stdout
    assert fastact.get_isa() in p.stdout
    assert "threads" in p.stdout and str(fastact.get_num_threads()) in p.stdout
    assert "OMP_NUM_THREADS" in p.stdout
    assert build["compiler"] in p.stdout
    assert build["cxx_flags"] in p.stdout
    assert "OpenMP" in p.stdout
    assert f"{build['chunk_elements']:,}" in p.stdout


def test_info_json():
    p = run("info", "--json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["version"] == fastact.__version__
    assert d["isa"] == fastact.get_isa()
    assert d["available_isas"] == fastact.available_isas()
    assert d["float32_tables"] == {"scalar": True, "avx2": False, "avx512": True}
    assert d["threads"] == fastact.get_num_threads()
    assert d["compiler"] == fastact._core.build_info()["compiler"]


def test_no_subcommand_prints_help_and_exits_2():
    p = run()
    assert p.returncode == 2
    assert "usage:" in p.stderr and "accuracy" in p.stderr and "bench" in p.stderr


def test_accuracy_one_function_prints_a_table():
    p = run("accuracy", "sigmoid", "--dtype", "float32")
    assert p.returncode == 0, p.stdout + p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].split()[:4] == ["function", "dtype", "ISA", "points"]
    assert "max ulp" in lines[0] and "worst input" in lines[0] and "bound" in lines[0]
    rows = [line for line in lines if line.startswith("sigmoid ")]
    assert len(rows) == 1
    row = rows[0].split()
    assert row[1:3] == ["float32", fastact.get_isa()]
    assert "PASS" in row and "0x" in rows[0]
    assert "float64" not in p.stdout.split("sigmoid", 1)[1].split("\n")[0]


def test_accuracy_unknown_activation_fails_clearly():
    p = run("accuracy", "sigmoid", "no_such_activation")
    assert p.returncode != 0
    assert "unknown activation" in p.stderr and "no_such_activation" in p.stderr
    assert "PASS" not in p.stdout


def test_accuracy_exit_status_1_and_report_on_failure(monkeypatch, capsys):
    real = fastact.relu

    def relu_off_by_one_ulp(x, **kw):
        y = real(x, **kw)
        y[x == 2] = np.nextafter(y[x == 2], np.inf)
        return y

    monkeypatch.setattr(fastact, "relu", relu_off_by_one_ulp)
    status = accuracy.main(["relu", "--dtype", "float64"])
    out = capsys.readouterr().out
    assert status == 1
    assert "FAIL" in out and "0x4000000000000000" in out


def test_accuracy_json_and_isa_all(tmp_path, capsys):
    path = tmp_path / "acc.json"
    status = cli.main(
        ["accuracy", "relu", "softsign", "--isa", "all", "--step", "65521",
         "--points", "4096", "--json", str(path)]
    )
    assert status == 0, capsys.readouterr().out
    results = json.loads(path.read_text())
    isas = [i for i, ok in fastact.available_isas().items() if ok]
    assert len(results) == 2 * 2 * len(isas)
    assert {r["isa"] for r in results} == set(isas)
    for r in results:
        assert r["max_ulp"] <= r["bound"]
        assert r["worst_x_hex"].startswith("0x")


@pytest.mark.parametrize("argv", [["--step", "4098"], ["--isa", "vax"], ["--dtype", "int8"]])
def test_accuracy_bad_options(argv, capsys):
    with pytest.raises(SystemExit) as e:
        accuracy.main(["relu", *argv])
    assert e.value.code == 2
    assert "error" in capsys.readouterr().err


def test_bench_missing_module_is_reported(monkeypatch, capsys):
    monkeypatch.delattr(fastact, "bench", raising=False)
    monkeypatch.setitem(sys.modules, "fastact.bench", None)  # makes the import fail
    assert cli.main(["bench"]) == 1
    assert "fastact.bench is not available" in capsys.readouterr().err


def test_accuracy_param_selects_the_measured_form():
    p = run("accuracy", "gelu", "--param", "approximate=tanh", "--dtype", "float32",
            "--step", "65521")
    assert p.returncode == 0, p.stderr
    assert "gelu" in p.stdout and "PASS" in p.stdout


@pytest.mark.parametrize("param", ["approximate=bogus", "foo=1", "approximate"])
def test_accuracy_bad_param_is_a_usage_error(param):
    p = run("accuracy", "gelu", "--param", param, "--dtype", "float32")
    assert p.returncode == 2 and "error:" in p.stderr and "Traceback" not in p.stderr


@pytest.mark.parametrize("policy, expected", [
    (None, {"sigmoid": "y", "relu": "x"}),  # default: what PyTorch's backward op reads
    ("x", {"sigmoid": "x", "relu": "x"}),
    ("y", {"sigmoid": "y", "relu": "y"}),
])
def test_bench_backward_reads_what_the_policy_says(tmp_path, policy, expected):
    out = tmp_path / "bench.json"
    argv = ["bench", "--activations", "relu", "sigmoid", "--sizes", "4096", "--threads", "1",
            "--peers", "numpy", "--min-time", "0.01", "--json", str(out)]
    if policy:
        argv += ["--backward-from", policy]
    p = run(*argv)
    assert p.returncode == 0, p.stderr
    data = json.loads(out.read_text())
    reads = {g["activation"]: g["fastact_reads"] for g in data["groups"]
             if g["direction"] == "backward"}
    assert reads == expected
    assert data["settings"]["backward_from"] == (policy or "peers")
    for g in data["groups"]:
        assert all(c["status"] == "ok" for c in g["contenders"]), g


def test_bench_tiny_rule_judges_the_per_call_overhead(tmp_path):
    """The tiny-array target compares fastact's fixed part of a call (its time less the 4096
    elements at its in-cache rate) with a whole np.maximum(x, 0, out=) call: gelu, whose
    4096 elements alone take about as long as that call, is judged by its overhead."""
    out = tmp_path / "bench.json"
    p = run("bench", "--activations", "relu", "gelu", "--sizes", "4096", "65536",
            "--threads", "1", "--peers", "numpy", "--min-time", "0.01", "--json", str(out))
    assert p.returncode == 0, p.stderr
    data = json.loads(out.read_text())
    tiny = [t for t in data["targets"] if t["rule"] == "tiny"]
    assert {(t["direction"], t["activation"]) for t in tiny} == {
        (d, a) for d in ("forward", "backward") for a in ("relu", "gelu")}
    for t in tiny:
        fixed = t["fastact_fixed_us"]
        assert fixed is not None and fixed < t["fastact_us"], t
        assert t["pass"] == (fixed <= t["np_maximum_us"]), t


def test_bench_structured_activations(tmp_path):
    """The structured activations run in their benchmark shapes (rows of 1000; prelu on
    (batch, 64, 16)), every contender checked against the reference, with their own streams."""
    out = tmp_path / "bench.json"
    p = run("bench", "--activations", "softmax", "log_softmax", "glu", "maxout", "prelu",
            "--sizes", "4096", "--threads", "1", "--peers", "numpy", "--min-time", "0.01",
            "--json", str(out))
    assert p.returncode == 0, p.stderr
    data = json.loads(out.read_text())
    groups = {(g["direction"], g["activation"]): g for g in data["groups"]}
    assert len(groups) == 10
    for (direction, name), g in groups.items():
        assert g["elements"] == (4096 if name == "prelu" else 4000), (direction, name)
        assert all(c["status"] == "ok" for c in g["contenders"]), g
        labels = {c["label"] for c in g["contenders"]}
        assert {"numpy", "bound:np.maximum"} <= labels, (name, labels)
        fast = next(c for c in g["contenders"] if c["kind"] == "fastact")
        half = name in ("glu", "maxout")  # their result is half as long as x
        expect = {"forward": 1.5 if half else 2.0, "backward": 2.5 if half else 3.0}[direction]
        assert fast["streams"] == expect, (direction, name, fast["streams"])
    assert groups[("backward", "softmax")]["fastact_reads"] == "y"
    assert groups[("backward", "prelu")]["fastact_reads"] == "x"


def test_bench_row_length_option(tmp_path, capsys):
    """--row-length sets the rows of the axis-wise activations (a classifier's 10 logits);
    glu and maxout need an even length."""
    from fastact import bench

    out = tmp_path / "bench.json"
    p = run("bench", "--activations", "softmax", "glu", "--sizes", "4096", "--threads", "1",
            "--peers", "numpy", "--min-time", "0.01", "--row-length", "10", "--json", str(out))
    assert p.returncode == 0, p.stderr
    assert "rows of 10" in p.stdout
    data = json.loads(out.read_text())
    assert data["settings"]["row_length"] == 10
    for g in data["groups"]:
        assert g["elements"] == 4090, g["activation"]
        assert all(c["status"] == "ok" for c in g["contenders"]), g
    problem = bench.Inputs(4096, np.float32, 10).problem(
        "softmax", "forward", 4096, 1, bench.params_for("softmax"))
    assert problem.x.shape == (409, 10)
    for argv, message in ((["--activations", "glu", "--row-length", "7"], "even"),
                          (["--row-length", "0"], "positive")):
        with pytest.raises(SystemExit) as e:
            bench.main(argv)
        assert e.value.code == 2
        assert message in capsys.readouterr().err


def test_bench_check_catches_a_wrong_structured_result():
    from fastact import bench

    inputs = bench.Inputs(4096, np.float32)
    p = inputs.problem("prelu", "backward", 4096, 1, bench.params_for("prelu"))
    exp = bench.expected(p)
    gx, gw = fastact.prelu_backward(p.g, p.x, p.params["weight"])
    assert bench.check((gx, gw), p, exp) is None
    gw[3] += 1.0
    assert "result[1]" in bench.check((gx, gw), p, exp)
    assert "3 arrays, expected 2" in bench.check((gx, gw, gw), p, exp)
    q = inputs.problem("softmax", "forward", 4096, 1, bench.params_for("softmax"))
    y = fastact.softmax(q.x)
    assert bench.check(y, q, bench.expected(q)) is None
    assert "shape" in bench.check(y.reshape(-1), q, bench.expected(q))

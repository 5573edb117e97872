"""ISA selection: get_isa/available_isas/set_isa, FASTACT_ISA at import (in subprocesses), and
agreement between the ISAs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import fastact
from _layout_helpers import (
    ACTIVATIONS,
    FLOATS,
    FROM_Y,
    assert_bitwise,
    bwd,
    fwd,
    grads,
    ulp_distance,
    values,
)

ISAS = ("scalar", "avx2", "avx512")
AVAILABLE = tuple(i for i in ISAS if fastact.available_isas()[i])
BEST = AVAILABLE[-1]
N = 3000


def _cpu_flags() -> set[str] | None:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:  # pragma: no cover
        return None
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return None  # pragma: no cover


def _run(code: str, isa_env: str | None):
    env = {k: v for k, v in os.environ.items() if k != "FASTACT_ISA"}
    if isa_env is not None:
        env["FASTACT_ISA"] = isa_env
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.fixture
def restore_isa():
    before = fastact.get_isa()
    yield before
    fastact.set_isa(before)


def test_available_isas():
    avail = fastact.available_isas()
    assert isinstance(avail, dict)
    assert set(avail) == set(ISAS)
    assert all(type(v) is bool for v in avail.values())
    assert avail["scalar"] is True
    # A CPU with AVX-512 has AVX2.
    assert not avail["avx512"] or avail["avx2"]
    flags = _cpu_flags()
    if flags is not None:
        assert avail["avx2"] == ({"avx2", "fma"} <= flags)
        assert avail["avx512"] == ({"avx512f", "avx512bw", "avx512dq", "avx512vl"} <= flags)
    # A new dict each time.
    avail["scalar"] = False
    assert fastact.available_isas()["scalar"] is True


def test_default_isa_is_the_best_available():
    r = _run("import fastact; print(fastact.get_isa())", None)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == BEST
    for value in ("", "best"):
        r = _run("import fastact; print(fastact.get_isa())", value)
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == BEST, f"FASTACT_ISA={value!r}"


def test_set_isa(restore_isa):
    for name in AVAILABLE:
        assert fastact.set_isa(name) is None
        assert fastact.get_isa() == name
    fastact.set_isa("best")
    assert fastact.get_isa() == BEST
    for name in ISAS:
        if name not in AVAILABLE:  # pragma: no cover - this CPU has all three
            with pytest.raises(ValueError):
                fastact.set_isa(name)


@pytest.mark.parametrize("bad", ["bogus", "AVX2", "Scalar", "avx", "avx512 ", " scalar", "",
                                 "sse2", "avx512f", "neon"])
def test_set_isa_unknown_name(bad, restore_isa):
    fastact.set_isa("scalar")
    with pytest.raises(ValueError) as e:
        fastact.set_isa(bad)
    assert "set_isa" in str(e.value)
    assert fastact.get_isa() == "scalar"


@pytest.mark.parametrize("bad", [None, 2, 1.5, ["avx2"]])
def test_set_isa_wrong_type(bad, restore_isa):
    before = fastact.get_isa()
    with pytest.raises(TypeError):
        fastact.set_isa(bad)
    assert fastact.get_isa() == before


_CHILD = """
import sys
import numpy as np
sys.path.insert(0, {tests!r})
import fastact
from _layout_helpers import ACTIVATIONS, FROM_Y, bwd, fwd, grads, values
print(fastact.get_isa())
res = {{}}
for dt in (np.float32, np.float64):
    x, g = values({n}, dt), grads({n}, dt)
    for name in ACTIVATIONS:
        y = fwd(name, x)
        res[f"{{name}}-{{dt.__name__}}-fwd"] = y
        res[f"{{name}}-{{dt.__name__}}-bwdx"] = bwd(name, g, x)
        if name in FROM_Y:
            res[f"{{name}}-{{dt.__name__}}-bwdy"] = bwd(name, g, y=y)
np.savez({path!r}, **res)
"""


def _in_process(isa: str) -> dict[str, np.ndarray]:
    before = fastact.get_isa()
    fastact.set_isa(isa)
    try:
        res = {}
        for dt in FLOATS:
            x, g = values(N, dt), grads(N, dt)
            for name in ACTIVATIONS:
                y = fwd(name, x)
                res[f"{name}-{dt.__name__}-fwd"] = y
                res[f"{name}-{dt.__name__}-bwdx"] = bwd(name, g, x)
                if name in FROM_Y:
                    res[f"{name}-{dt.__name__}-bwdy"] = bwd(name, g, y=y)
        return res
    finally:
        fastact.set_isa(before)


@pytest.mark.parametrize("isa_name", ISAS)
def test_fastact_isa_environment_variable(isa_name, tmp_path):
    if isa_name not in AVAILABLE:  # pragma: no cover
        pytest.skip(f"this CPU does not support {isa_name}")
    path = tmp_path / "res.npz"
    code = _CHILD.format(tests=os.path.dirname(__file__), n=N, path=str(path))
    r = _run(code, isa_name)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[0] == isa_name
    child = dict(np.load(path))
    here = _in_process(isa_name)
    assert set(child) == set(here)
    for key, want in here.items():
        # The same ISA in another process: the same bits.
        assert_bitwise(child[key], want, f"FASTACT_ISA={isa_name} vs set_isa: {key}")
    # And within 1 ulp of the ISA this process chose at import (the best), same NaNs, where
    # the two ISAs run the same form (float32 tables or not: test_consistency.py).
    if isa_name != BEST:
        best = _in_process(BEST)
        for key, want in best.items():
            name, dtype = key.split("-")[:2]
            tables = fastact.info(name)["float32_tables"]
            if dtype == "float32" and (isa_name in tables) != (BEST in tables):
                continue
            got = child[key]
            assert np.array_equal(np.isnan(got), np.isnan(want)), f"{key}: NaNs differ"
            d = ulp_distance(got, want)
            assert int(d.max()) <= 1, (
                f"{key}: FASTACT_ISA={isa_name} and {BEST} differ by {int(d.max())} ulp at "
                f"index {int(np.argmax(d))}"
            )


@pytest.mark.parametrize("bad", ["bogus", "AVX512", "avx", "scalar ", "sse4"])
def test_bad_fastact_isa_fails_the_import(bad):
    code = (
        "try:\n"
        "    import fastact\n"
        "except ImportError as e:\n"
        "    print('ImportError:', e)\n"
        "else:\n"
        "    print('imported', fastact.get_isa())\n"
    )
    r = _run(code, bad)
    assert r.returncode == 0, r.stderr
    out = r.stdout.strip()
    assert out.startswith("ImportError:"), out
    assert "FASTACT_ISA" in out
    assert repr(bad) in out or bad in out

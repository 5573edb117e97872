"""The catalogue: activations() against the C++ list, the generated NAME / NAME_backward
functions and their signatures (PyTorch's defaults), and info()."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import numpy as np
import pytest

import fastact
from _layout_helpers import ACTIVATIONS, FROM_Y, assert_bitwise, grads, kwargs, values
from fastact import _catalog, _core

DEF_FILE = Path(__file__).resolve().parents[1] / "cpp" / "common" / "activations.def"

# PyTorch's defaults (torch.nn.functional) for the activations that have parameters; None:
# required (F.threshold has no defaults).
PYTORCH_PARAMS = {
    "leaky_relu": {"negative_slope": 0.01},
    "hardtanh": {"min_val": -1.0, "max_val": 1.0},
    "hardshrink": {"lambd": 0.5},
    "softshrink": {"lambd": 0.5},
    "threshold": {"threshold": None, "value": None},
    "elu": {"alpha": 1.0},
    "celu": {"alpha": 1.0},
    "softplus": {"beta": 1.0, "threshold": 20.0},
}
# Activations PyTorch defines without parameters.
PYTORCH_NO_PARAMS = ("relu", "relu6", "hardsigmoid", "sigmoid", "tanh", "softsign", "selu",
                     "logsigmoid", "silu", "mish", "hardswish", "tanhshrink")
INFO_KEYS = {"name", "params", "required_params", "formula", "derivative", "backward_from_y",
             "max_ulp", "measured_ulp", "float32_tables", "kinks", "special_values", "notes"}

acts = pytest.mark.parametrize("name", ACTIVATIONS)
P = inspect.Parameter


def test_activations_is_the_cpp_list():
    names = fastact.activations()
    assert isinstance(names, list)
    assert all(type(n) is str for n in names)
    assert len(set(names)) == len(names)
    assert names == list(_core.ACTIVATIONS)
    if DEF_FILE.exists():
        cpp = re.findall(r"^\s*FASTACT_ACTIVATION\((\w+)\s*,", DEF_FILE.read_text(), re.MULTILINE)
        assert names == cpp
    # A fresh list each time.
    names.append("bogus")
    assert "bogus" not in fastact.activations()
    for required in ("identity", "relu", "relu6", "leaky_relu", "hardtanh", "hardsigmoid",
                     "pwl_sigmoid", "threshold", "hardshrink", "softshrink", "sigmoid", "tanh",
                     "softsign"):
        assert required in names


def test_backward_from_y_flags_match_the_core():
    flags = dict(zip(_core.ACTIVATIONS, _core.BACKWARD_FROM_Y, strict=True))
    for name in ACTIVATIONS:
        assert fastact.info(name)["backward_from_y"] is bool(flags[name])


@acts
def test_functions_exist(name):
    f = getattr(fastact, name)
    b = getattr(fastact, f"{name}_backward")
    assert callable(f) and callable(b)
    assert f.__name__ == name and b.__name__ == f"{name}_backward"
    assert f.__module__ == "fastact" and b.__module__ == "fastact"
    assert name in fastact.__all__ and f"{name}_backward" in fastact.__all__
    assert f.__doc__ and name in f.__doc__
    assert b.__doc__ and name in b.__doc__


def _default(d):
    """A signature default as info() reports it: None for a required parameter."""
    if d is P.empty or d is getattr(fastact, "REQUIRED", object()):
        return None
    return d


@acts
def test_forward_signature(name):
    sig = inspect.signature(getattr(fastact, name))
    params = list(sig.parameters.values())
    info_params = fastact.info(name)["params"]
    assert [p.name for p in params] == ["x", *info_params, "out", "threads"]
    assert params[0].kind is P.POSITIONAL_OR_KEYWORD and params[0].default is P.empty
    for p in params[1:-2]:
        assert p.kind is P.POSITIONAL_OR_KEYWORD, p
        assert _default(p.default) == info_params[p.name]
    for p in params[-2:]:
        assert p.kind is P.KEYWORD_ONLY and p.default is None, p


@acts
def test_backward_signature(name):
    sig = inspect.signature(getattr(fastact, f"{name}_backward"))
    params = list(sig.parameters.values())
    info_params = fastact.info(name)["params"]
    assert [p.name for p in params] == ["grad_output", "x", *info_params, "y", "out", "threads"]
    assert params[0].kind is P.POSITIONAL_OR_KEYWORD and params[0].default is P.empty
    assert params[1].kind is P.POSITIONAL_OR_KEYWORD and params[1].default is None
    for p in params[2:-3]:
        assert p.kind is P.POSITIONAL_OR_KEYWORD, p
        assert _default(p.default) == info_params[p.name]
    for p in params[-3:]:
        assert p.kind is P.KEYWORD_ONLY and p.default is None, p


@pytest.mark.parametrize("name", sorted(set(PYTORCH_PARAMS) & set(ACTIVATIONS)))
def test_pytorch_defaults(name):
    want = PYTORCH_PARAMS[name]
    for fn in (name, f"{name}_backward"):
        sig = inspect.signature(getattr(fastact, fn))
        got = {p: _default(sig.parameters[p].default) for p in want}
        assert got == want, fn
        for p, d in want.items():
            if d is not None:
                assert type(sig.parameters[p].default) is float
    assert fastact.info(name)["params"] == want
    assert fastact.info(name)["required_params"] == [p for p, d in want.items() if d is None]


@pytest.mark.parametrize("name", sorted(set(PYTORCH_NO_PARAMS) & set(ACTIVATIONS)))
def test_no_parameters_where_pytorch_has_none(name):
    assert fastact.info(name)["params"] == {}
    assert list(inspect.signature(getattr(fastact, name)).parameters) == ["x", "out", "threads"]


@acts
def test_defaults_are_the_values_used(name):
    # Calling without a parameter equals passing its default, positionally or by keyword.
    info = fastact.info(name)
    x, g = values(500, np.float64), grads(500, np.float64)
    explicit = {p: (d if d is not None else kwargs(name)[p]) for p, d in info["params"].items()}
    f, b = getattr(fastact, name), getattr(fastact, f"{name}_backward")
    want = f(x, **kwargs(name))
    assert_bitwise(f(x, **explicit), want, f"{name} explicit defaults")
    assert_bitwise(f(x, *explicit.values()), want, f"{name} positional defaults")
    want_b = b(g, x, **kwargs(name))
    assert_bitwise(b(g, x, **explicit), want_b, f"{name}_backward explicit defaults")
    assert_bitwise(b(g, x, *explicit.values()), want_b, f"{name}_backward positional")
    assert_bitwise(b(grad_output=g, x=x, **explicit), want_b, f"{name}_backward keywords")
    assert_bitwise(f(x=x, **explicit), want, f"{name}(x=...)")


@acts
def test_info(name):
    info = fastact.info(name)
    assert set(info) == INFO_KEYS
    assert info["name"] == name
    assert isinstance(info["params"], dict)
    assert info["required_params"] == [p for p, d in info["params"].items() if d is None]
    for key in ("formula", "derivative", "kinks", "special_values", "notes"):
        assert isinstance(info[key], str)
    assert info["formula"] and info["derivative"]
    assert type(info["backward_from_y"]) is bool
    assert info["backward_from_y"] == (name in FROM_Y)
    assert set(info["max_ulp"]) == {"float32", "float64"}
    for v in info["max_ulp"].values():
        assert isinstance(v, (int, float)) and 0 <= v < 100
    # A fresh dict each time.
    info["params"]["bogus"] = 1
    info["name"] = "bogus"
    assert fastact.info(name)["name"] == name
    assert "bogus" not in fastact.info(name)["params"]


@acts
def test_backward_from_y_flag_matches_behaviour(name):
    x, g = values(100, np.float32), grads(100, np.float32)
    y = getattr(fastact, name)(x, **kwargs(name))
    b = getattr(fastact, f"{name}_backward")
    if fastact.info(name)["backward_from_y"]:
        assert b(g, y=y, **kwargs(name)).dtype == np.float32
    else:
        with pytest.raises(TypeError):
            b(g, y=y, **kwargs(name))


@pytest.mark.parametrize("bad", ["nope", "", "RELU", "relu_backward", " relu", "info"])
def test_info_unknown_name(bad):
    with pytest.raises(ValueError) as e:
        fastact.info(bad)
    assert repr(bad) in str(e.value) or bad in str(e.value)
    assert "fastact.info" in str(e.value)


def test_module_api():
    for fn in ("activations", "available_isas", "get_isa", "get_num_threads", "info",
               "set_isa", "set_num_threads"):
        assert callable(getattr(fastact, fn))
        assert fn in fastact.__all__
    assert isinstance(fastact.__version__, str) and fastact.__version__
    assert fastact.__version__ == _core.build_info()["version"]


@acts
def test_measured_error_is_within_the_stated_bound(name):
    info = fastact.info(name)
    for dtype in ("float32", "float64"):
        assert 0 <= info["measured_ulp"][dtype] <= info["max_ulp"][dtype], (name, dtype)


def test_float32_forms_are_described_and_measured():
    """The activations with float32 tables name the ISAs that use them (those whose lookup is
    one operation, as the core reports), and both forms' measured errors are within bound."""
    with_tables = sorted(i for i, on in _core.FLOAT32_TABLES.items() if on)
    assert set(_core.FLOAT32_TABLES) == set(fastact.available_isas())
    assert with_tables == ["avx512", "scalar"]
    names = [*fastact.activations(), *fastact.activations(structured=True)]
    two_forms = [n for n in names if fastact.info(n)["float32_tables"]]
    assert set(two_forms) == set(_catalog.MEASURED_ULP_COMPUTED)
    assert {"sigmoid", "tanh", "silu", "gelu"} <= set(two_forms)
    for name in names:
        info = fastact.info(name)
        assert info["float32_tables"] in ([], with_tables), name
        if name in two_forms:
            assert 0 < _catalog.MEASURED_ULP_COMPUTED[name] <= info["max_ulp"]["float32"]
            table_form = fastact.get_isa() in with_tables
            expect = (_catalog.MEASURED_ULP if table_form else _catalog.MEASURED_ULP_COMPUTED)[name]
            assert info["measured_ulp"]["float32"] == (expect[0] if table_form else expect)


def test_structured_activations_in_the_catalogue():
    names = fastact.activations(structured=True)
    assert names == ["softmax", "log_softmax", "softmin", "glu", "maxout", "prelu"]
    assert not set(names) & set(fastact.activations())
    for name in names:
        info = fastact.info(name)
        assert set(info) == INFO_KEYS and info["name"] == name
        assert info["formula"] and info["derivative"]
        assert info["measured_ulp"]["float32"] <= info["max_ulp"]["float32"]
        assert info["measured_ulp"]["float64"] <= info["max_ulp"]["float64"]
        # the parameters are the functions' keywords besides the arrays, with their defaults
        sig = inspect.signature(getattr(fastact, name)).parameters
        for p, d in info["params"].items():
            want = sig[p].default
            assert d == (None if want is inspect.Parameter.empty else want), (name, p)
    assert fastact.info("maxout")["required_params"] == ["pieces"]
    # backward from y exactly where the functions accept it
    x = np.linspace(-2, 2, 12).reshape(2, 6)
    for name in names:
        f, b = getattr(fastact, name), getattr(fastact, name + "_backward")
        extra = {"maxout": {"pieces": 2}, "prelu": {"weight": 0.25}}.get(name, {})
        if name == "prelu":
            continue  # prelu_backward takes x and weight only (no y=)
        y = f(x, **extra)
        if fastact.info(name)["backward_from_y"]:
            b(np.ones_like(y), y=y, **extra)
        else:
            with pytest.raises(TypeError):
                b(np.ones_like(y), y=y, **extra)
    with pytest.raises(ValueError, match="structured=True"):
        fastact.info("softmaxx")

"""The catalogue of activations: parameters, formulas, derivative conventions and accuracy.

This is the one place where the Python side describes an activation. ``fastact/__init__.py``
generates the public ``NAME`` / ``NAME_backward`` functions from it and ``fastact.info``
reports it. The compiled core has the same list (``cpp/common/activations.def``); a test
checks that the two agree.

Accuracy figures are maxima measured with ``python -m fastact accuracy`` (float32: every
input with ``--exhaustive``; float64: the strided sweep against a long-double reference), in
ulps of the correctly rounded result. "exact" functions are correctly rounded (<= 0.5 ulp).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


class _Required:
    """Default of a parameter that must be given (PyTorch's threshold has no defaults)."""

    def __repr__(self) -> str:
        return "<required>"


REQUIRED = _Required()


@dataclass(frozen=True)
class Activation:
    name: str
    formula: str
    derivative: str
    params: tuple[tuple[str, object], ...] = ()
    # Bound asserted by the test suite and stated to users, in ulps (float32, float64).
    max_ulp: tuple[float, float] = (0.5, 0.5)
    kinks: str = ""
    special: str = ""
    # Parameter checks, called with the parameters (as floats, in order): they return an
    # error message or None. `check` guards every call, `check_from_y` also guards
    # backward(y=...).
    check: Callable[..., str | None] | None = None
    check_from_y: Callable[..., str | None] | None = None
    notes: str = ""
    # String-valued parameters: name -> {accepted value: the number the kernel receives}.
    choices: dict[str, dict[str, float]] = field(default_factory=dict)
    # Whether the float32 kernels come in two forms: per-interval tables on the ISAs where a
    # table lookup is one operation (scalar, AVX-512), computed formulas on the others
    # (AVX2). Both meet max_ulp; their bits differ (MEASURED_ULP_COMPUTED has the second).
    float32_tables: bool = False


def _min_le_max(min_val: float, max_val: float) -> str | None:
    if min_val > max_val:
        return f"min_val ({min_val}) must not be greater than max_val ({max_val})"
    return None


def _nonneg(param: str, why: str) -> Callable[[float], str | None]:
    def check(value: float) -> str | None:
        if value < 0:
            return f"{param} must be >= 0{why}, got {value}"
        return None

    return check


_EXACT = (0.5, 0.5)

CATALOGUE: tuple[Activation, ...] = (
    Activation(
        "identity", "y = x", "1", max_ulp=(0.0, 0.0), special="passes every value through"
    ),
    Activation(
        "relu",
        "y = max(0, x)",
        "1 if x > 0 else 0",
        max_ulp=_EXACT,
        kinks="derivative 0 at x = 0 (PyTorch)",
        special="NaN -> NaN; the gradient at NaN passes grad_output through (PyTorch)",
    ),
    Activation(
        "relu6",
        "y = min(6, max(0, x))",
        "1 if 0 < x < 6 else 0",
        max_ulp=_EXACT,
        kinks="derivative 0 at x = 0 and x = 6 (PyTorch)",
        special="NaN -> NaN; the gradient at NaN passes through (PyTorch)",
    ),
    Activation(
        "leaky_relu",
        "y = x if x > 0 else negative_slope * x",
        "1 if x > 0 else negative_slope",
        params=(("negative_slope", 0.01),),
        max_ulp=_EXACT,
        kinks="derivative negative_slope at x = 0 (PyTorch)",
        check_from_y=_nonneg("negative_slope", " to differentiate from y"),
    ),
    Activation(
        "hardtanh",
        "y = min(max_val, max(min_val, x))",
        "1 if min_val < x < max_val else 0",
        params=(("min_val", -1.0), ("max_val", 1.0)),
        max_ulp=_EXACT,
        kinks="derivative 0 at both kinks (PyTorch)",
        check=_min_le_max,
    ),
    Activation(
        "hardsigmoid",
        "y = relu6(x + 3) / 6",
        "1/6 if -3 < x < 3 else 0",
        max_ulp=_EXACT,
        kinks="derivative 0 at x = -3 and x = 3 (PyTorch)",
        special="NaN -> NaN with gradient 0 (PyTorch)",
    ),
    Activation(
        "pwl_sigmoid",
        "y = (max(0, x + 1) - max(0, x - 1)) / 2 = clamp((x + 1) / 2, 0, 1)",
        "1/2 if -1 < x < 1 else 0",
        max_ulp=_EXACT,
        kinks="derivative 0 at x = -1 and x = 1 (the hardtanh convention)",
        special="NaN -> NaN with gradient 0",
        notes="the lecture notes' sigmoid made of two ReLUs",
    ),
    Activation(
        "threshold",
        "y = x if x > threshold else value",
        "1 if x > threshold else 0",
        params=(("threshold", REQUIRED), ("value", REQUIRED)),
        max_ulp=_EXACT,
        kinks="derivative 0 at x = threshold (PyTorch)",
        special="NaN -> NaN; the gradient at NaN passes through (PyTorch)",
    ),
    Activation(
        "hardshrink",
        "y = 0 if -lambd <= x <= lambd else x",
        "0 if -lambd <= x <= lambd else 1",
        params=(("lambd", 0.5),),
        max_ulp=_EXACT,
        kinks="derivative 0 at x = +-lambd (PyTorch)",
        check_from_y=_nonneg("lambd", " to differentiate from y"),
    ),
    Activation(
        "softshrink",
        "y = x - lambd if x > lambd, x + lambd if x < -lambd, else 0",
        "0 if -lambd <= x <= lambd else 1",
        params=(("lambd", 0.5),),
        max_ulp=_EXACT,
        kinks="derivative 0 at x = +-lambd (PyTorch)",
        check=_nonneg("lambd", ""),
    ),
    Activation(
        "sigmoid",
        "y = 1 / (1 + exp(-x))",
        "y * (1 - y)",
        max_ulp=(2.0, 2.0),
        special="sigmoid(-inf) = 0, sigmoid(inf) = 1, NaN -> NaN",
        float32_tables=True,
    ),
    Activation(
        "tanh",
        "y = tanh(x)",
        "1 - y**2",
        max_ulp=(2.0, 2.0),
        special="tanh(+-inf) = +-1, tanh(-0) = -0, NaN -> NaN",
        float32_tables=True,
    ),
    Activation(
        "softsign",
        "y = x / (1 + |x|)",
        "1 / (1 + |x|)**2 = (1 - |y|)**2",
        max_ulp=(1.0, 1.0),
        special="softsign(+-inf) = NaN as PyTorch's x / (1 + |x|) (the limits would be +-1), "
        "gradient 0 there; NaN -> NaN",
    ),
    Activation(
        "elu",
        "y = x if x > 0 else alpha * expm1(x)",
        "1 if x > 0 else alpha * exp(x) = y + alpha",
        params=(("alpha", 1.0),),
        max_ulp=(2.0, 4.0),
        kinks="derivative alpha at x = 0 (PyTorch)",
        special="elu(-inf) = -alpha, elu(-0) = -0, NaN -> NaN",
        check_from_y=_nonneg("alpha", " to differentiate from y"),
    ),
    Activation(
        "selu",
        "y = scale * (x if x > 0 else alpha * expm1(x)), alpha = 1.6732632423543772, "
        "scale = 1.0507009873554805",
        "scale if x > 0 else scale * alpha * exp(x) = y + scale * alpha",
        max_ulp=(2.0, 4.0),
        kinks="derivative scale * alpha at x = 0 (PyTorch)",
    ),
    Activation(
        "celu",
        "y = x if x > 0 else alpha * expm1(x / alpha)",
        "1 if x > 0 else exp(x / alpha) = y / alpha + 1",
        params=(("alpha", 1.0),),
        max_ulp=(2.0, 4.0),
        kinks="derivative 1 at x = 0 (PyTorch)",
        check=lambda alpha: "alpha must not be 0" if alpha == 0 else None,
    ),
    Activation(
        "softplus",
        "y = log(1 + exp(beta * x)) / beta, and y = x where beta * x > threshold",
        "sigmoid(beta * x) (1 where beta * x > threshold) = 1 - exp(-beta * y)",
        params=(("beta", 1.0), ("threshold", 20.0)),
        max_ulp=(2.0, 4.0),
        check=lambda beta, threshold: "beta must not be 0" if beta == 0 else None,
        float32_tables=True,
    ),
    Activation(
        "logsigmoid",
        "y = log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|))",
        "sigmoid(-x) = 1 - exp(y)",
        max_ulp=(2.0, 4.0),
        float32_tables=True,
    ),
    Activation(
        "silu",
        "y = x * sigmoid(x)",
        "sigmoid(x) * (1 + x * (1 - sigmoid(x)))",
        max_ulp=(2.0, 4.0),
        special="silu(-inf) = NaN as PyTorch's x / (1 + exp(-x)); NaN -> NaN",
        float32_tables=True,
    ),
    Activation(
        "swish",
        "y = x * sigmoid(beta * x)",
        "s * (1 + beta * x * (1 - s)), s = sigmoid(beta * x)",
        params=(("beta", 1.0),),
        max_ulp=(2.0, 4.0),
        notes="swish with beta = 1 is silu, bit for bit",
        float32_tables=True,
    ),
    Activation(
        "mish",
        "y = x * tanh(softplus(x))",
        "t + x * (1 - t**2) * sigmoid(x), t = tanh(softplus(x))",
        max_ulp=(2.0, 4.0),
        special="mish(-inf) = NaN as PyTorch's x * tanh(softplus(x)); NaN -> NaN",
    ),
    Activation(
        "hardswish",
        "y = x * relu6(x + 3) / 6",
        "0 if x < -3, x / 3 + 1/2 if -3 <= x <= 3, else 1",
        max_ulp=(2.0, 2.0),
        kinks="PyTorch's hardswish_backward: x / 3 + 1/2 on the closed interval [-3, 3]",
    ),
    Activation(
        "tanhshrink",
        "y = x - tanh(x)",
        "tanh(x)**2",
        max_ulp=(2.0, 4.0),
        special="tanhshrink(+-0) = +0, tanhshrink(+-inf) = +-inf",
        float32_tables=True,
    ),
    Activation(
        "sbaf",
        "y = 1 / (1 + k * x**alpha * (1 - x)**(1 - alpha)) on [0, 1], NaN outside",
        "y (1 - y) (x - alpha) / (x (1 - x)), the one-sided limits at 0 and 1",
        params=(("k", 0.98), ("alpha", 0.5)),
        max_ulp=(2.0, 4.0),
        check=lambda k, alpha: (
            f"k must be > 0, got {k}"
            if not k > 0
            else (f"alpha must be in [0, 1], got {alpha}" if not 0 <= alpha <= 1 else None)
        ),
        notes="Saha-Bora activation from the lecture notes; float32 with alpha = 1/2 "
        "natively (one square root), otherwise computed in float64",
    ),
    Activation(
        "arelu",
        "y = k * x**n for x > 0, else 0",
        "k * n * x**(n - 1) for x > 0, else 0",
        params=(("k", 0.54), ("n", 1.30)),
        max_ulp=(1.0, 4.0),
        kinks="derivative 0 at x = 0",
        notes="approximate ReLU from the lecture notes; float32 evaluated in float64 with "
        "polynomials cut to float32's needs, float64 with a two-term logarithm",
    ),
    Activation(
        "gelu",
        "y = x * Phi(x) (approximate='none'), or "
        "x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x**3))) (approximate='tanh')",
        "Phi(x) + x * phi(x); tanh form: s * (1 + x * (1 - s) * z'), s = sigmoid(z)",
        params=(("approximate", "none"),),
        choices={"approximate": {"none": 0.0, "tanh": 1.0}},
        max_ulp=(3.0, 4.0),
        special="gelu(-inf) = NaN as PyTorch; the gradient is NaN at +-inf (PyTorch); "
        "relative accuracy is kept in the negative tail (x * Phi(x) down to underflow)",
        float32_tables=True,
    ),
)

BY_NAME = {a.name: a for a in CATALOGUE}

# The structured activations (fastact/_structured.py: an axis, shapes that change), described
# for fastact.info(); `params` are their keyword parameters besides the arrays.
STRUCTURED_CATALOGUE: tuple[Activation, ...] = (
    Activation(
        "softmax",
        "y_i = exp(x_i - m) / sum_j exp(x_j - m) along axis, m = max_j x_j",
        "dx = y * (g - sum(g * y, axis))",
        params=(("axis", -1),),
        max_ulp=(4.0, 4.0),
        special="a row with NaN or +inf is NaN; -inf entries give 0; a row of only -inf is NaN "
        "(PyTorch); stable for logits of any size",
        notes="compensated sums: the error does not grow with the row length",
    ),
    Activation(
        "log_softmax",
        "y_i = (x_i - m) - log(sum_j exp(x_j - m)) along axis",
        "dx = g - exp(y) * sum(g, axis)",
        params=(("axis", -1),),
        max_ulp=(4.0, 4.0),
        special="a row with NaN or +inf is NaN; -inf entries give -inf; a row of only -inf is "
        "NaN (PyTorch)",
        notes="relative accuracy is kept where one logit dominates (y = -log1p(s)); a result "
        "in the subnormal range is within ~4 units of the smallest subnormal",
    ),
    Activation(
        "softmin",
        "y = softmax(-x) along axis",
        "dx = -(y * (g - sum(g * y, axis)))",
        params=(("axis", -1),),
        max_ulp=(4.0, 4.0),
        special="softmax's conventions on -x",
    ),
    Activation(
        "glu",
        "a, b = halves of x along axis (even length); y = a * sigmoid(b)",
        "da = g * sigmoid(b), db = g * a * sigmoid(b) * (1 - sigmoid(b))",
        params=(("axis", -1),),
        max_ulp=(3.0, 3.0),
        special="glu(-inf, -inf) is NaN (-inf * 0, PyTorch)",
        notes="the gradient: a half within 3 ulp, b half within 8 ulp (the sigmoid's "
        "derivative a few roundings deep); subnormal sigmoid(b) with a large a keeps its "
        "accuracy (scaled last)",
        float32_tables=True,
    ),
    Activation(
        "maxout",
        "the axis of length C * pieces splits into C consecutive groups; y_c = max of group c",
        "the gradient goes to the first maximal element of each group, +0 elsewhere",
        params=(("pieces", REQUIRED), ("axis", -1)),
        max_ulp=(0.0, 0.0),
        kinks="ties: the first maximal element (of +0 and -0, the first one's sign)",
        special="a group with NaN gives NaN, its gradient to the first NaN",
    ),
    Activation(
        "prelu",
        "y = x if x > 0 else weight[c] * x, one slope per channel c along axis",
        "dx = g if x > 0 else weight[c] * g; dweight[c] = sum over channel c of g * x where "
        "x <= 0 (prelu_backward returns both)",
        params=(("weight", REQUIRED), ("axis", 1)),
        max_ulp=_EXACT,
        kinks="derivative weight[c] at x = 0 (PyTorch)",
        special="prelu(-0) = weight * -0; NaN -> NaN (PyTorch)",
        notes="the weight gradient is a compensated sum in a fixed order: the same bits for "
        "any thread count",
    ),
)
STRUCTURED_BY_NAME = {a.name: a for a in STRUCTURED_CATALOGUE}
STRUCTURED_FROM_Y = frozenset({"softmax", "log_softmax", "softmin"})

# Measured max error in ulps (float32, float64) at the default parameters: float32 over all
# 2^32 inputs (`python -m fastact accuracy --exhaustive`, AVX-512; the scalar ISA gives the
# same bits, and so does AVX2 but for the float32 forms below), float64 over the default
# strided sweep against a long-double reference.
MEASURED_ULP: dict[str, tuple[float, float]] = {
    "identity": (0.0, 0.0), "relu": (0.0, 0.0), "relu6": (0.0, 0.0),
    "leaky_relu": (0.5, 0.5), "hardtanh": (0.0, 0.0), "hardsigmoid": (0.5, 0.5),
    "pwl_sigmoid": (0.5, 0.5), "threshold": (0.0, 0.0), "hardshrink": (0.0, 0.0),
    "softshrink": (0.5, 0.5), "sigmoid": (1.34, 1.38), "tanh": (0.99, 0.78),
    "softsign": (0.5, 0.5), "elu": (0.88, 1.08), "selu": (1.55, 2.27), "celu": (0.88, 1.08),
    "softplus": (1.63, 1.56), "logsigmoid": (1.63, 1.56), "silu": (1.75, 1.43),
    "swish": (1.75, 1.43), "mish": (1.67, 1.5), "hardswish": (1.91, 1.82),
    "tanhshrink": (1.73, 1.84), "sbaf": (0.87, 1.5), "arelu": (0.58, 1.44), "gelu": (2.17, 4.0),
    # structured: tools/structured_accuracy.py (every ISA, rows of 7 to 30000; the largest of
    # two sweeps) and tests/test_structured.py
    "softmax": (3.18, 3.21), "log_softmax": (3.72, 3.45), "softmin": (3.21, 3.25),
    "glu": (2.25, 2.36), "maxout": (0.0, 0.0), "prelu": (0.5, 0.5),
}

# The float32 computed forms of the activations with tables (Activation.float32_tables), on
# the ISAs without cheap lookups (AVX2), over all 2^32 inputs: `python -m fastact accuracy
# NAME --exhaustive --dtype float32 --isa avx2`. softplus and logsigmoid differ only in their
# gradients (through the sigmoid): their forwards are the table ISAs' bits; glu by the sweep
# of tests/test_structured.py's kind (logits N(0, s^2), s from 1 to 300).
MEASURED_ULP_COMPUTED: dict[str, float] = {
    "sigmoid": 1.48, "tanh": 0.93, "softplus": 1.63, "logsigmoid": 1.63, "silu": 1.66,
    "swish": 1.66, "tanhshrink": 1.90, "gelu": 2.78, "glu": 2.29,
}


def choice_value(fn: str, name: str, value: object, choices: dict[str, float]) -> float:
    """The number standing for a string parameter, naming the function on failure."""
    if not isinstance(value, str):
        raise TypeError(f"{fn}: {name} must be a string, got {type(value).__name__}")
    try:
        return choices[value]
    except KeyError:
        raise ValueError(
            f"{fn}: {name} must be one of {sorted(choices)}, got {value!r}"
        ) from None


def param_value(fn: str, name: str, value: object) -> float:
    """Converts a parameter to float, naming the function and parameter on failure."""
    if value is REQUIRED:
        raise TypeError(f"{fn}: missing required argument {name!r}")
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise TypeError(f"{fn}: {name} must be a real number, got {type(value).__name__}")
    result = float(value)
    if math.isnan(result):
        raise ValueError(f"{fn}: {name} must not be NaN")
    return result

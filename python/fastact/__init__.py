"""fastact: fast, accurate activation functions and their gradients for NumPy arrays.

Every activation ``NAME`` has a forward and a backward::

    y  = fastact.NAME(x, <params>, *, out=None, threads=None)
    dx = fastact.NAME_backward(grad_output, x=None, <params>, *, y=None, out=None, threads=None)

``x`` is any array_like of real numbers of any shape and strides. float32 and float64 are
computed natively, float16 in float32 (returned as float16), integers and bool in float64.
The result is a new C-contiguous array, or ``out`` (exactly the result's shape and dtype; it
may be ``x`` itself). Backward takes the forward input ``x``, or, where the derivative is a
function of the output, ``y=`` instead. ``threads=None`` uses ``get_num_threads()``; results
are bitwise identical for every thread count.

The kernels are chosen at import for the best instruction set of the CPU (``get_isa()``);
``FASTACT_ISA=scalar|avx2|avx512`` or ``set_isa(name)`` overrides the choice.
"""

from __future__ import annotations

from . import _catalog, _structured
from ._catalog import REQUIRED
from ._core import (
    ACTIVATIONS as _CORE_NAMES,
)
from ._core import (
    BACKWARD_FROM_Y as _CORE_FROM_Y,
)
from ._core import (
    FLOAT32_TABLES as _FLOAT32_TABLES,
)
from ._core import (
    available_isas,
    get_isa,
    get_num_threads,
    set_isa,
    set_num_threads,
)
from ._core import backward as _backward
from ._core import build_info as _build_info
from ._core import forward as _forward
from ._structured import *  # the structured activations, _structured.__all__

__version__ = _build_info()["version"]

if tuple(a.name for a in _catalog.CATALOGUE) != tuple(_CORE_NAMES):  # pragma: no cover
    raise ImportError("fastact: the compiled core and the Python catalogue disagree; rebuild")


def activations(structured: bool = False) -> list[str]:
    """The names of the elementwise activations, each with ``NAME(x, <params>)`` and
    ``NAME_backward`` functions; with ``structured=True`` the structured ones instead
    (softmax, log_softmax, softmin, glu, maxout, prelu: an axis, and shapes that change)."""
    if structured:
        return [a.name for a in _catalog.STRUCTURED_CATALOGUE]
    return list(_CORE_NAMES)


def info(name: str) -> dict:
    """What fastact knows about activation ``name`` (elementwise or structured): parameters
    and their defaults, formula, derivative, whether backward accepts ``y=``, conventions and
    the measured max error."""
    act = _catalog.BY_NAME.get(name) or _catalog.STRUCTURED_BY_NAME.get(name)
    if act is None:
        raise ValueError(
            f"fastact.info: unknown activation {name!r}; see fastact.activations() and "
            "fastact.activations(structured=True)"
        )
    if name in _catalog.STRUCTURED_BY_NAME:
        from_y = name in _catalog.STRUCTURED_FROM_Y
    else:
        from_y = bool(_CORE_FROM_Y[_CORE_NAMES.index(name)])
    tables = sorted(i for i, on in _FLOAT32_TABLES.items() if on) if act.float32_tables else []
    measured = _catalog.MEASURED_ULP[name]
    if act.float32_tables and get_isa() not in tables:
        measured = (_catalog.MEASURED_ULP_COMPUTED[name], measured[1])
    return {
        "name": act.name,
        "params": {p: (None if d is REQUIRED else d) for p, d in act.params},
        "required_params": [p for p, d in act.params if d is REQUIRED],
        "formula": act.formula,
        "derivative": act.derivative,
        "backward_from_y": from_y,
        "max_ulp": {"float32": act.max_ulp[0], "float64": act.max_ulp[1]},
        # of the active ISA's kernels (float32: its form, see float32_tables)
        "measured_ulp": dict(zip(("float32", "float64"), measured, strict=True)),
        "float32_tables": tables,
        "kinks": act.kinks,
        "special_values": act.special,
        "notes": act.notes,
    }


# The public functions are generated from the catalogue so that each has its real signature
# (help(), inspect and error messages for wrong keywords work as for hand-written code) and
# the per-call path stays one Python frame plus one call into the core: a parameter that is
# already a float (not NaN) costs one type test.
def _define(index: int, act: _catalog.Activation, namespace: dict) -> None:
    names = [p for p, _ in act.params]
    namespace[f"_A_{act.name}"] = act
    for p, d in act.params:
        namespace[f"_D_{act.name}_{p}"] = d
    for p, accepted in act.choices.items():
        namespace[f"_C_{act.name}_{p}"] = accepted
    sig = "".join(f"{p}=_D_{act.name}_{p}, " for p in names)
    args = "".join(f", {p}" for p in names)

    def prologue(fn: str, from_y: str) -> str:
        lines = []
        for p in names:
            if p in act.choices:  # an accepted string is one dict lookup; the rest explains
                lines.append(f"_v = _C_{act.name}_{p}.get({p}) if type({p}) is str else None")
                lines.append(f"{p} = _choice_value({fn!r}, {p!r}, {p}, _C_{act.name}_{p}) "
                             f"if _v is None else _v")
            else:
                lines.append(f"if type({p}) is not float or {p} != {p}: "
                             f"{p} = _param_value({fn!r}, {p!r}, {p})")
        checks = [(act.check, "True")] if act.check else []
        if act.check_from_y:
            checks.append((act.check_from_y, from_y))
        for i, (_, when) in enumerate(checks):
            attr = "check" if i == 0 and act.check else "check_from_y"
            lines.append(f"_msg = {when} and _A_{act.name}.{attr}({', '.join(names)})")
            lines.append(f"if _msg: raise ValueError({fn!r} + ': ' + _msg)")
        return "".join(f"    {line}\n" for line in lines)

    source = (
        f"def {act.name}(x, {sig}*, out=None, threads=None):\n"
        + prologue(f"fastact.{act.name}", "False")
        + f"    return _forward({index}, x, out, threads{args})\n\n"
        f"def {act.name}_backward(grad_output, x=None, {sig}*, y=None, out=None, threads=None):\n"
        + prologue(f"fastact.{act.name}_backward", "y is not None")
        + f"    return _backward({index}, grad_output, x, y, out, threads{args})\n"
    )
    # The source is built from the catalogue above, never from user input.
    exec(compile(source, f"<fastact.{act.name}>", "exec"), namespace)  # noqa: S102
    fwd, bwd = namespace[act.name], namespace[f"{act.name}_backward"]
    params_doc = ", ".join(
        f"{p}" if d is REQUIRED else f"{p}={d}" for p, d in act.params
    ) or "no parameters"
    fwd.__doc__ = f"""{act.name}: {act.formula}.

Parameters: {params_doc}. Max error: {act.max_ulp[0]} ulp (float32), {act.max_ulp[1]} ulp
(float64). {act.special}
See fastact.info({act.name!r}) for the full description."""
    bwd.__doc__ = f"""Gradient of {act.name}: grad_output * ({act.derivative}).

Pass the forward input x, or y= (the forward output) where the derivative is a function of
y. {act.kinks}"""
    for f in (fwd, bwd):
        f.__module__ = __name__


_namespace = {
    "_forward": _forward,
    "_backward": _backward,
    "_param_value": _catalog.param_value,
    "_choice_value": _catalog.choice_value,
}
for _index, _act in enumerate(_catalog.CATALOGUE):
    _define(_index, _act, _namespace)
    globals()[_act.name] = _namespace[_act.name]
    globals()[_act.name + "_backward"] = _namespace[_act.name + "_backward"]
del _index, _act

__all__ = [  # noqa: PLE0604 (the activation names are strings from the core's list)
    "activations",
    "available_isas",
    "get_isa",
    "get_num_threads",
    "info",
    "set_isa",
    "set_num_threads",
    *_CORE_NAMES,
    *(f"{n}_backward" for n in _CORE_NAMES),
    *_structured.__all__,
]

"""The structured (non-elementwise) activations: softmax, log_softmax, softmin, glu, maxout and
prelu, with their gradients.

They follow the rules of the elementwise functions (see ``fastact``): any array_like of real
numbers, float32/float64 computed natively, integers and bool in float64, float16 in float32
and returned as float16; complex and other dtypes raise ``TypeError``. ``out=`` must have
exactly the result's shape and dtype and is checked before anything is written.
``threads=None`` uses ``fastact.get_num_threads()``; every result is bitwise the same for any
thread count. Bad arguments raise ``TypeError`` / ``ValueError`` naming the function.

``axis`` may be negative. The work is vectorised along the axis when it is the last one of
the (C-contiguous) array and across the other dimensions otherwise.
"""

from __future__ import annotations

from . import _core

__all__ = [
    "glu",
    "glu_backward",
    "log_softmax",
    "log_softmax_backward",
    "maxout",
    "maxout_backward",
    "prelu",
    "prelu_backward",
    "softmax",
    "softmax_backward",
    "softmin",
    "softmin_backward",
]

_SOFTMAX, _LOG_SOFTMAX, _SOFTMIN = 0, 1, 2
_family = _core.softmax_family
_family_backward = _core.softmax_family_backward


def softmax(x, axis=-1, *, out=None, threads=None):
    """softmax along ``axis``: ``y_i = exp(x_i - m) / sum_j exp(x_j - m)``, ``m = max_j x_j``.

    Numerically stable (the maximum is subtracted: logits of +-1e4 are fine). A 0-d array is a
    single element (1.0). As PyTorch: a row containing NaN or +inf is NaN; -inf entries give 0;
    a row of only -inf is NaN. Error <= 4 ulp for any row length (compensated sums; PyTorch's
    grows with the row and reaches tens of ulps).
    """
    return _family(_SOFTMAX, x, axis, out, threads)


def softmax_backward(grad_output, x=None, axis=-1, *, y=None, out=None, threads=None):
    """Gradient of softmax: ``y * (grad_output - sum(grad_output * y, axis))``.

    Pass the forward input ``x`` (softmax is recomputed) or its output ``y=``.
    """
    return _family_backward(_SOFTMAX, grad_output, x, y, axis, out, threads)


def log_softmax(x, axis=-1, *, out=None, threads=None):
    """log_softmax along ``axis``: ``y_i = (x_i - m) - log(sum_j exp(x_j - m))``.

    Stable, and accurate when one logit dominates (the log of the sum is a log1p of the other
    terms). NaN/+inf in a row -> NaN row; -inf entries give -inf; a row of only -inf is NaN.
    Error <= 4 ulp.
    """
    return _family(_LOG_SOFTMAX, x, axis, out, threads)


def log_softmax_backward(grad_output, x=None, axis=-1, *, y=None, out=None, threads=None):
    """Gradient of log_softmax: ``grad_output - exp(y) * sum(grad_output, axis)``.

    Pass the forward input ``x`` or its output ``y=``.
    """
    return _family_backward(_LOG_SOFTMAX, grad_output, x, y, axis, out, threads)


def softmin(x, axis=-1, *, out=None, threads=None):
    """softmin along ``axis``: ``softmax(-x, axis)`` (special values mirrored: a -inf in a row
    makes it NaN, +inf entries give 0)."""
    return _family(_SOFTMIN, x, axis, out, threads)


def softmin_backward(grad_output, x=None, axis=-1, *, y=None, out=None, threads=None):
    """Gradient of softmin: ``-(y * (grad_output - sum(grad_output * y, axis)))``.

    Pass the forward input ``x`` or its output ``y=``.
    """
    return _family_backward(_SOFTMIN, grad_output, x, y, axis, out, threads)


def glu(x, axis=-1, *, out=None, threads=None):
    """Gated linear unit: split ``x`` in halves ``a, b`` along ``axis`` (its length must be
    even), ``y = a * sigmoid(b)``; the result is half as long along ``axis``.

    sigmoid is fastact's (<= 2 ulp). ``glu(-inf, -inf)`` is NaN (-inf * 0), as PyTorch.
    """
    return _core.glu(x, axis, out, threads)


def glu_backward(grad_output, x=None, axis=-1, *, y=None, out=None, threads=None):
    """Gradient of glu, shaped like ``x``: ``grad_output * sigmoid(b)`` for the first half and
    ``grad_output * a * sigmoid(b) * (1 - sigmoid(b))`` for the second, concatenated along
    ``axis``. Needs the forward input ``x`` (``y=`` raises TypeError)."""
    return _core.glu_backward(grad_output, x, y, axis, out, threads)


def maxout(x, pieces, axis=-1, *, out=None, threads=None):
    """Maxout: the ``axis`` of length ``C * pieces`` is split into ``C`` consecutive groups of
    ``pieces`` elements; the result keeps the maximum of each group (length ``C``).

    ``pieces`` must be a positive int dividing the axis length. A group with a NaN gives NaN;
    of equal maxima the first one is kept (so of +0 and -0, the first one's sign). Exact.
    """
    return _core.maxout(x, pieces, axis, out, threads)


def maxout_backward(grad_output, x=None, pieces=None, axis=-1, *, y=None, out=None, threads=None):
    """Gradient of maxout, shaped like ``x``: each ``grad_output`` element goes to the FIRST
    maximal element of its group (the first NaN if the group has one), +0 elsewhere.
    Needs the forward input ``x`` (``y=`` raises TypeError)."""
    return _core.maxout_backward(grad_output, x, y, pieces, axis, out, threads)


def prelu(x, weight, axis=1, *, out=None, threads=None):
    """PReLU: ``y = x if x > 0 else weight[c] * x`` with one slope per channel ``c`` along
    ``axis`` (default 1, PyTorch's channel dimension).

    ``weight`` is 0-d or 1-d with ``x.shape[axis]`` slopes, or a single slope for every
    element; a 0-d or 1-d ``x`` has no channel axis and takes a single slope. As PyTorch:
    ``prelu(-0) = weight * -0``, NaN stays NaN. Exact.
    """
    return _core.prelu(x, weight, axis, out, threads)


def prelu_backward(grad_output, x, weight, axis=1, *, out=None, threads=None):
    """Gradients of prelu: returns ``(grad_x, grad_weight)``.

    ``grad_x = grad_output if x > 0 else weight[c] * grad_output`` (the slope at x = 0 and at
    NaN, as PyTorch); ``grad_weight[c]`` is the sum over every element of channel ``c`` of
    ``grad_output * x`` where ``x <= 0`` (shaped like ``weight``, in ``x``'s result dtype). The
    sum runs in fixed blocks added in a fixed order (in float64 across blocks), so it is the
    same for any thread count. ``out`` is None or a pair ``(out_x, out_weight)``, either of
    which may be None.
    """
    return _core.prelu_backward(grad_output, x, weight, axis, out, threads)

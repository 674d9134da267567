"""`tf.math`'s everyday functions (`import chainrule as tf; tf.math.reduce_sum(x, axis=1)`).

Arithmetic and reductions are differentiable on Tensors; argmax, comparisons, round and sign
give constants, as in TF (their gradient is None or zero). Each also takes arrays and symbolic
tensors; see `chainrule.dispatch`.
"""
from __future__ import annotations

import numpy as np

from chainrule import activations, ops
from chainrule.dispatch import as_tensor_input as _t
from chainrule.dispatch import tensor_function
from chainrule.tensors import _const, _dtype


def _binary(name: str, op, keeps_dtype: bool = True):
    @tensor_function(f"tf.math.{name}", inputs=2, keeps_dtype=keeps_dtype)
    def fn(x, y, name=None):
        return op(_t(x), _t(y))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {name} of x and y (broadcasting), differentiable."
    return fn


def _unary(name: str, op, keeps_dtype: bool = True):
    @tensor_function(f"tf.math.{name}", keeps_dtype=keeps_dtype)
    def fn(x, name=None):
        return op(_t(x))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {name} of x, differentiable."
    return fn


def _minimum(a, b):
    return ops.neg(ops.maximum(ops.neg(a), ops.neg(b)))       # min(a, b) = -max(-a, -b)


add = _binary("add", ops.add)
subtract = _binary("subtract", ops.sub)
multiply = _binary("multiply", ops.mul)
divide = _binary("divide", ops.div, keeps_dtype=False)
truediv = divide
maximum = _binary("maximum", ops.maximum)
minimum = _binary("minimum", _minimum)
abs = _unary("abs", ops.abs)
negative = _unary("negative", ops.neg)
exp = _unary("exp", ops.exp, keeps_dtype=False)
log = _unary("log", ops.log, keeps_dtype=False)
sqrt = _unary("sqrt", ops.sqrt, keeps_dtype=False)
square = _unary("square", ops.square)
sigmoid = _unary("sigmoid", activations.sigmoid, keeps_dtype=False)
tanh = _unary("tanh", ops.tanh, keeps_dtype=False)
softplus = _unary("softplus", ops.softplus, keeps_dtype=False)


@tensor_function("tf.math.pow", inputs=2)
def pow(x, y, name=None):
    """x ** y: a constant exponent uses `ops.power`; a tensor one exp(y log x) (x > 0)."""
    if isinstance(y, int | float):
        return ops.power(_t(x), y)
    return ops.exp(ops.mul(_t(y), ops.log(_t(x))))


def _reduction(name: str, op, keeps_dtype: bool = True):
    @tensor_function(f"tf.math.{name}", keeps_dtype=keeps_dtype)
    def fn(input_tensor, axis=None, keepdims: bool = False, name=None):
        x = _t(input_tensor)
        return op(x, _axis(axis, x.ndim), bool(keepdims))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"{name} over `axis` (all axes when None), differentiable."
    return fn


def _axis(axis, ndim: int):
    if axis is None:
        return None
    axes = tuple(int(a) for a in np.asarray(axis).reshape(-1))
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"Invalid reduction axis {a} for a tensor of rank {ndim}; expected "
                             f"-{ndim} <= axis < {ndim}.")
    return axes if len(axes) != 1 else axes[0]


def _variance(x, axis, keepdims):
    centred = ops.sub(x, ops.mean(x, axis=axis, keepdims=True))
    return ops.mean(ops.square(centred), axis=axis, keepdims=keepdims)


reduce_sum = _reduction("reduce_sum", ops.sum)
reduce_mean = _reduction("reduce_mean", ops.mean)
reduce_max = _reduction("reduce_max", ops.max)
reduce_min = _reduction("reduce_min", lambda x, a, k: ops.neg(ops.max(ops.neg(x), a, k)))
reduce_variance = _reduction("reduce_variance", _variance, keeps_dtype=False)
reduce_std = _reduction("reduce_std", lambda x, a, k: ops.sqrt(_variance(x, a, k)),
                        keeps_dtype=False)


def _arg(name: str, pick):
    @tensor_function(f"tf.math.{name}", keeps_dtype=False)
    def fn(input, axis=None, output_type=np.int64, name=None):
        x = _t(input).numpy()
        return _const(pick(x, axis=0 if axis is None else int(axis)), output_type)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Index of the {name[3:]} along `axis` (0 when None, as TF), int64."
    return fn


argmax = _arg("argmax", np.argmax)
argmin = _arg("argmin", np.argmin)


def _constant(name: str, fn_np, inputs: int = 1):
    @tensor_function(f"tf.math.{name}", inputs=inputs, keeps_dtype=False)
    def fn(*args, name=None):
        return _const(fn_np(*(_t(a).numpy() for a in args)))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {name}; a constant (no gradient flows through it)."
    return fn


equal = _constant("equal", np.equal, 2)
not_equal = _constant("not_equal", np.not_equal, 2)
greater = _constant("greater", np.greater, 2)
greater_equal = _constant("greater_equal", np.greater_equal, 2)
less = _constant("less", np.less, 2)
less_equal = _constant("less_equal", np.less_equal, 2)
logical_and = _constant("logical_and", np.logical_and, 2)
logical_or = _constant("logical_or", np.logical_or, 2)
logical_not = _constant("logical_not", np.logical_not)
round = _constant("round", np.round)  # half to even, as TF and NumPy
sign = _constant("sign", np.sign)
floor = _constant("floor", np.floor)
is_nan = _constant("is_nan", np.isnan)


@tensor_function("tf.linalg.matmul", inputs=2)
def matmul(a, b, transpose_a: bool = False, transpose_b: bool = False, name=None):
    """a @ b (batched over leading axes), differentiable."""
    a, b = _t(a), _t(b)
    a = ops.transpose(a, (*range(a.ndim - 2), a.ndim - 1, a.ndim - 2)) if transpose_a else a
    b = ops.transpose(b, (*range(b.ndim - 2), b.ndim - 1, b.ndim - 2)) if transpose_b else b
    return ops.matmul(a, b)


@tensor_function("tf.clip_by_value")
def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Values limited to [min, max]; the gradient passes only inside."""
    return ops.clip(_t(t), float(clip_value_min), float(clip_value_max))


@tensor_function("tf.math.l2_normalize", keeps_dtype=False)
def l2_normalize(x, axis=None, epsilon: float = 1e-12, name=None):
    """x / sqrt(max(sum(x**2, axis), epsilon)), differentiable."""
    x = _t(x)
    norm2 = ops.sum(ops.square(x), axis=_axis(axis, x.ndim), keepdims=True)
    return ops.div(x, ops.sqrt(ops.maximum(norm2, epsilon)))


@tensor_function("tf.math.count_nonzero", keeps_dtype=False)
def count_nonzero(input, axis=None, keepdims: bool = False, dtype=np.int64, name=None):
    """How many entries are not zero (along `axis`)."""
    x = _t(input).numpy()
    return _const(np.count_nonzero(x, axis=_axis(axis, x.ndim), keepdims=keepdims), _dtype(dtype))

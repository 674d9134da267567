"""Keras' backend functions, `from chainrule import backend as K`: settings, `get_value` /
`set_value`, `int_shape`, and the `K.*` math the Keras 2 guides write custom losses and
metrics with (`K.mean(K.square(y_pred - y_true), axis=-1)`).

`chainrule.backend` itself is the array-module helper every op imports, so it cannot import
ops; it hands any other name to this module on first use (see `backend.__getattr__`). The math
is `chainrule.math` / `tensors` / `nn` under Keras' names and defaults (axis=-1 for argmax,
concatenate), differentiable on Tensors.
"""
from __future__ import annotations

import numpy as np

from chainrule import losses, math, nn, ops, random, tensors
from chainrule.autodiff import Tensor
from chainrule.config import clear_session, epsilon, floatx, set_epsilon, set_floatx
from chainrule.dispatch import as_tensor_input as _t
from chainrule.dispatch import tensor_function

abs = math.abs
square, sqrt, exp, log, pow = math.square, math.sqrt, math.exp, math.log, math.pow
maximum, minimum, equal, not_equal = math.maximum, math.minimum, math.equal, math.not_equal
greater, greater_equal, less, less_equal = math.greater, math.greater_equal, math.less, \
    math.less_equal
round, sign, clip = math.round, math.sign, math.clip_by_value
sigmoid, tanh, relu, softplus, elu = nn.sigmoid, nn.tanh, nn.relu, nn.softplus, nn.elu
dot = math.matmul
cast, reshape, expand_dims, squeeze, stack, transpose = tensors.cast, tensors.reshape, \
    tensors.expand_dims, tensors.squeeze, tensors.stack, tensors.transpose
ones_like, zeros_like, constant, shape = tensors.ones_like, tensors.zeros_like, \
    tensors.constant, tensors.shape
switch = tensors.where
permute_dimensions = tensors.transpose
binary_crossentropy = losses.binary_crossentropy
categorical_crossentropy = losses.categorical_crossentropy
sparse_categorical_crossentropy = losses.sparse_categorical_crossentropy


def _keras_reduction(fn):
    def reduce(x, axis=None, keepdims: bool = False):
        return fn(x, axis=axis, keepdims=keepdims)
    reduce.__name__ = reduce.__qualname__ = fn.__name__.removeprefix("reduce_")
    reduce.__doc__ = f"Keras' K.{reduce.__name__}: {fn.__doc__}"
    return reduce


sum = _keras_reduction(math.reduce_sum)
mean = _keras_reduction(math.reduce_mean)
max = _keras_reduction(math.reduce_max)
min = _keras_reduction(math.reduce_min)
std = _keras_reduction(math.reduce_std)
var = _keras_reduction(math.reduce_variance)


def argmax(x, axis: int = -1):
    """Index of the maximum along `axis` (last by default, as Keras)."""
    return math.argmax(x, axis=axis)


def argmin(x, axis: int = -1):
    """Index of the minimum along `axis` (last by default, as Keras)."""
    return math.argmin(x, axis=axis)


def concatenate(tensors_, axis: int = -1):
    """Join tensors along `axis` (last by default, as Keras)."""
    return tensors.concat(list(tensors_), axis=axis)


def softmax(x, axis: int = -1):
    """Softmax along `axis`."""
    return nn.softmax(x, axis=axis)


def l2_normalize(x, axis=None):
    """x / ||x|| along `axis`."""
    return math.l2_normalize(x, axis=axis)


@tensor_function("tf.keras.backend.flatten")
def flatten(x):
    """All values in one axis."""
    return ops.reshape(_t(x), (-1,))


@tensor_function("tf.keras.backend.batch_flatten")
def batch_flatten(x):
    """(batch, ...) -> (batch, prod(...))."""
    return ops.flatten(_t(x))


def image_data_format() -> str:
    """Always 'channels_last': images are (height, width, channels)."""
    return "channels_last"


def set_image_data_format(data_format: str) -> None:
    """Accept 'channels_last' (the only layout chainrule computes in); refuse the rest."""
    if data_format == "channels_first":
        raise ValueError("chainrule computes in channels_last only (NHWC images, HWIO kernels); "
                         "set_image_data_format('channels_first') is not supported. Keep "
                         "'channels_last' and transpose NCHW arrays with "
                         "x.transpose(0, 2, 3, 1).")
    if data_format != "channels_last":
        raise ValueError(f"The `data_format` argument must be one of {{'channels_first', "
                         f"'channels_last'}}. Received: {data_format!r}")


def int_shape(x) -> tuple:
    """The shape as a tuple of ints (None for an unknown axis of a symbolic tensor)."""
    if not hasattr(x, "shape"):
        raise TypeError(f"int_shape expects a tensor or an array. Received: {type(x).__name__}")
    return tuple(None if d is None else int(d) for d in x.shape)


def get_value(x):
    """The value of a variable (anything with `.numpy()`), a Tensor or an array, as NumPy."""
    if hasattr(x, "numpy"):
        return x.numpy()
    if isinstance(x, int | float | np.ndarray | np.generic):
        return x
    raise TypeError(f"get_value expects a variable, a tensor or an array. Received: "
                    f"{type(x).__name__} {x!r}")


def set_value(x, value) -> None:
    """Write `value` into `x` in place: a Variable, or anything with `.assign()` (such as an
    optimizer's learning rate)."""
    if not hasattr(x, "assign"):
        raise TypeError(f"set_value needs a variable (an object with `.assign()`), such as a "
                        f"layer weight or `optimizer.learning_rate`. Received: "
                        f"{type(x).__name__} {x!r}. A plain Python number cannot be changed in "
                        f"place; set the attribute instead.")
    x.assign(np.asarray(value, dtype=getattr(x, "dtype", None)))


def variable(value, dtype=None, name=None) -> Tensor:
    """A trainable variable holding `value` (Keras' K.variable)."""
    return tensors.Variable(np.asarray(value, dtype=dtype or floatx()), name=name)


def batch_get_value(xs) -> list:
    """`get_value` of each."""
    return [get_value(x) for x in xs]


def batch_set_value(pairs) -> None:
    """`set_value(x, value)` for each (x, value) pair."""
    for x, value in pairs:
        set_value(x, value)


def ndim(x) -> int:
    """Number of axes."""
    return len(int_shape(x))


def dtype(x) -> str:
    """The dtype's name, e.g. 'float32'."""
    return np.dtype(x.dtype).name


def count_params(x) -> int:
    """Number of values in a weight."""
    return int(np.prod(int_shape(x)))


def zeros(shape, dtype=None, name=None):
    """An array of zeros (floatx by default)."""
    return tensors.zeros(shape, dtype=dtype or floatx())


def ones(shape, dtype=None, name=None):
    """An array of ones (floatx by default)."""
    return tensors.ones(shape, dtype=dtype or floatx())


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal draws, as tf.random.normal."""
    return random.normal(shape, mean, stddev, dtype=dtype or floatx(), seed=seed)


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Uniform draws in [minval, maxval), as tf.random.uniform."""
    return random.uniform(shape, minval, maxval, dtype=dtype or floatx(), seed=seed)


eval = get_value  # noqa: A001 - Keras' name


def learning_phase() -> int:
    """0: chainrule passes `training=` to each call instead of a global phase."""
    return 0


__all__ = ["abs", "argmax", "argmin", "batch_flatten", "batch_get_value", "batch_set_value",
           "binary_crossentropy", "cast", "categorical_crossentropy", "clear_session", "clip",
           "concatenate", "constant", "count_params", "dot", "dtype", "elu", "epsilon", "equal",
           "eval", "exp", "expand_dims", "flatten", "floatx", "get_value", "greater",
           "greater_equal", "image_data_format", "int_shape", "l2_normalize", "learning_phase",
           "less", "less_equal", "log", "max", "maximum", "mean", "min", "minimum", "ndim",
           "not_equal", "ones", "ones_like", "permute_dimensions", "pow", "random_normal",
           "random_uniform", "relu", "reshape", "round", "set_epsilon", "set_floatx",
           "set_image_data_format", "set_value", "shape", "sigmoid", "sign", "softmax", "softplus",
           "sparse_categorical_crossentropy", "sqrt", "square", "squeeze", "stack", "std", "sum",
           "switch", "tanh", "transpose", "var", "variable", "zeros", "zeros_like"]

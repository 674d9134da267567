"""The tensor-making and shape functions TF tutorials call: `import chainrule as tf` then
`tf.expand_dims(img, 0)`, `tf.one_hot(y, 10)`, `tf.constant(...)`, `tf.Variable(...)`.

Each works on arrays, on Tensors (differentiably, through `chainrule.ops`) and on symbolic
tensors of a functional model; see `chainrule.dispatch`. dtypes are NumPy's: `tf.float32` is
`numpy.float32`.
"""
from __future__ import annotations

import numpy as np

from chainrule import ops
from chainrule.autodiff import Tensor
from chainrule.data.element import TensorValue
from chainrule.data.structure import to_leaf
from chainrule.dispatch import as_tensor_input as _t
from chainrule.dispatch import tensor_function
from chainrule.dtypes import float32, int32
from chainrule.layers.variable import Variable as _LayerVariable
from chainrule.ops.selection import where as _where


def _dtype(dtype) -> np.dtype:
    try:
        return np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"Unknown dtype: {dtype!r}. Expected a NumPy dtype or a name such as "
                        f"'float32', 'int32', chainrule.float32.") from err


def _const(array, dtype=None) -> Tensor:
    """A constant Tensor keeping the array's own dtype (ints stay ints)."""
    array = np.asarray(array) if dtype is None else np.asarray(array, dtype=_dtype(dtype))
    return Tensor(array, dtype=array.dtype)


def constant(value, dtype=None, shape=None, name=None) -> Tensor:
    """A constant Tensor (no gradient unless watched), dtype as TF infers it."""
    array = np.asarray(to_leaf(value) if not isinstance(value, Tensor) else value.numpy())
    array = array if dtype is None else array.astype(_dtype(dtype))
    if shape is not None:
        array = np.broadcast_to(array, tuple(shape)).copy() if array.size == 1 else \
            array.reshape(tuple(shape))
    return Tensor(array, dtype=array.dtype, name=name)


def convert_to_tensor(value, dtype=None, name=None) -> Tensor:
    """`value` itself if it is a Tensor (of that dtype), else `constant(value, dtype)`."""
    if isinstance(value, Tensor) and (dtype is None or value.dtype == _dtype(dtype)):
        return value
    return constant(value, dtype=dtype, name=name)


class Variable(_LayerVariable):
    """A trainable value, as tf.Variable: `Variable(initial_value, trainable=True, name=None)`.

    The same class as a layer's weights, so `assign`, `.numpy()`, optimizers and
    `GradientTape` treat it alike.
    """

    def __init__(self, initial_value, trainable: bool = True, name: str | None = None,
                 dtype=None):
        value = initial_value() if callable(initial_value) else initial_value
        array = np.array(to_leaf(value) if not isinstance(value, Tensor) else value.numpy())
        array = array if dtype is None else array.astype(_dtype(dtype))
        super().__init__(array, name=f"{name or 'Variable'}:0", trainable=trainable)

    def assign_add(self, delta) -> Variable:
        """self += delta, in place."""
        self.assign(self.numpy() + np.asarray(delta))
        return self

    def assign_sub(self, delta) -> Variable:
        """self -= delta, in place."""
        self.assign(self.numpy() - np.asarray(delta))
        return self


def zeros(shape, dtype=float32, name=None) -> TensorValue:
    """An array of zeros."""
    return TensorValue.wrap(np.zeros(_shape(shape), dtype=_dtype(dtype)))


def ones(shape, dtype=float32, name=None) -> TensorValue:
    """An array of ones."""
    return TensorValue.wrap(np.ones(_shape(shape), dtype=_dtype(dtype)))


def _shape(shape) -> tuple:
    shape = (shape,) if isinstance(shape, int | np.integer) else shape
    return tuple(int(d) for d in np.asarray(shape).reshape(-1))


@tensor_function("tf.zeros_like")
def zeros_like(input, dtype=None, name=None):
    """Zeros with the shape (and dtype) of `input`; no gradient flows through it."""
    x = _t(input)
    return _const(np.zeros(x.shape, dtype=_dtype(dtype or x.dtype)))


@tensor_function("tf.ones_like")
def ones_like(input, dtype=None, name=None):
    """Ones with the shape (and dtype) of `input`; no gradient flows through it."""
    x = _t(input)
    return _const(np.ones(x.shape, dtype=_dtype(dtype or x.dtype)))


@tensor_function("tf.expand_dims")
def expand_dims(input, axis: int, name=None):
    """Insert an axis of length 1 at `axis` (negative counts from the end of the result)."""
    x = _t(input)
    rank = x.ndim + 1
    if not -rank <= axis < rank:
        raise ValueError(f"expand_dims: axis={axis} is out of range for an input of rank "
                         f"{x.ndim}; expected -{rank} <= axis < {rank}.")
    shape = list(x.shape)
    shape.insert(axis % rank, 1)
    return ops.reshape(x, tuple(shape))


@tensor_function("tf.squeeze")
def squeeze(input, axis=None, name=None):
    """Remove axes of length 1 (all of them, or those in `axis`)."""
    x = _t(input)
    axes = range(x.ndim) if axis is None else [axis] if isinstance(axis, int) else axis
    axes = {a % x.ndim for a in axes}
    for a in axes:
        if x.shape[a] != 1 and axis is not None:
            raise ValueError(f"Can not squeeze dim[{a}], expected a dimension of 1, got "
                             f"{x.shape[a]} (input shape {x.shape}).")
    shape = tuple(n for i, n in enumerate(x.shape) if not (i in axes and n == 1))
    return ops.reshape(x, shape)


@tensor_function("tf.reshape")
def reshape(tensor, shape, name=None):
    """The same values in a new shape (one -1 allowed)."""
    x, shape = _t(tensor), _shape(shape)
    known = int(np.prod([d for d in shape if d != -1]))
    if (-1 in shape and (known == 0 or x.size % known)) or (-1 not in shape and known != x.size):
        raise ValueError(f"Cannot reshape a tensor with {x.size} elements to shape {shape}: "
                         f"the number of elements must stay the same. Input shape: {x.shape}.")
    return ops.reshape(x, shape)


@tensor_function("tf.cast", keeps_dtype=False)
def cast(x, dtype, name=None):
    """`x` as `dtype`: differentiable between float types, constant when cast to int/bool."""
    x, dtype = _t(x), _dtype(dtype)
    if dtype.kind == "f" and x.dtype.kind == "f":
        return ops.cast(x, dtype) if dtype != x.dtype else x
    return _const(x.data.astype(dtype))


@tensor_function("tf.transpose")
def transpose(a, perm=None, name=None):
    """Permute the axes (reverse them when `perm` is None)."""
    return ops.transpose(_t(a), None if perm is None else tuple(perm))


@tensor_function("tf.stack")
def stack(values, axis: int = 0, name=None):
    """Join tensors of one shape along a new axis."""
    return ops.stack([_t(v) for v in _check_same("stack", values, new_axis=True)], axis=axis)


@tensor_function("tf.concat")
def concat(values, axis: int, name=None):
    """Join tensors along an existing axis."""
    return ops.concat([_t(v) for v in _check_same("concat", values, axis=axis)], axis=axis)


def _check_same(op: str, values, new_axis: bool = False, axis: int = 0):
    shapes = [tuple(np.shape(v)) for v in values]
    if not shapes:
        raise ValueError(f"{op} expects a non-empty list of tensors. Received: {values!r}")
    strip = [s if new_axis else s[:axis % len(s)] + s[axis % len(s) + 1:] for s in shapes]
    if len(set(strip)) > 1:
        what = "the same shape" if new_axis else f"the same shape except along axis {axis}"
        raise ValueError(f"{op}: all tensors must have {what}. Received shapes: {shapes}.")
    return values


@tensor_function("tf.one_hot", keeps_dtype=False)
def one_hot(indices, depth: int, on_value=None, off_value=None, axis: int = -1, dtype=None,
            name=None):
    """Rows of `depth` values: `on_value` (1) at each index, `off_value` (0) elsewhere.

    An index outside [0, depth) gives a row of `off_value`, as in TF.
    """
    idx = np.asarray(_t(indices).numpy()).astype(np.int64)
    hot = idx[..., None] == np.arange(int(depth))
    out = np.where(hot, 1 if on_value is None else on_value, 0 if off_value is None else off_value)
    out = np.moveaxis(out, -1, axis) if axis != -1 else out
    return _const(out, dtype or float32)


@tensor_function("tf.where", inputs=3)
def where(condition, x=None, y=None, name=None):
    """`x` where `condition`, else `y` (differentiable in both); without x and y, the int64
    coordinates of the True entries, one row each."""
    mask = np.asarray(_t(condition).numpy()).astype(np.bool_)
    if x is None and y is None:
        return _const(np.argwhere(mask).astype(np.int64))
    if x is None or y is None:
        raise ValueError("where: `x` and `y` must both be given, or both left out.")
    return _where(mask, _t(x), _t(y))


@tensor_function("tf.shape", keeps_dtype=False)
def shape(input, out_type=int32, name=None):
    """The shape of `input` as an int32 vector."""
    return _const(np.asarray(_t(input).shape, dtype=_dtype(out_type)))

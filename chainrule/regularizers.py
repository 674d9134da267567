"""Weight penalties by Keras name: `regularizers.l2(1e-4)`, `L1L2(l1=..., l2=...)`.

A regularizer is called on a weight (or, as a layer's `activity_regularizer`, on its output)
and returns a scalar Tensor built from differentiable ops, so its gradient reaches the weight
through the autodiff engine. Layers add it to the loss; see `Layer.losses`.

Factors are kept as float32 numbers, as Keras 2 keeps them (`l2(0.01).get_config()` gives
`{'l2': 0.009999999776482582}`), so penalties and configs match Keras to the last bit.

>>> import numpy as np
>>> float(L2(0.5)(np.array([[3.0, -4.0]], dtype="float32")))
12.5
"""
from __future__ import annotations

import math

import numpy as np

from chainrule import ops
from chainrule.autodiff.tensor import as_tensor
from chainrule.backend import get_array_module
from chainrule.object_config import deserialize_object, get_object, serialize_object


class Regularizer:
    """Base class: `__call__(x)` returns the penalty (a scalar); `get_config` its arguments.

    A subclass that takes arguments implements `get_config` so that models using it can be
    saved; `from_config` passes the config back to `__init__`.
    """

    def __call__(self, x):
        return 0.0

    def get_config(self) -> dict:
        raise NotImplementedError(f"{self} does not implement get_config()")

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


def _penalty_factor(value) -> np.float32:
    """A factor as Keras checks it (any finite int or float, even negative), in float32."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"Value {value} is not a valid regularization penalty number, "
                         f"expected an int or float value.")
    if math.isinf(value) or math.isnan(value):
        raise ValueError(f"Value {value} is not a valid regularization penalty number, an "
                         f"infinite number or NaN are not valid values.")
    return np.float32(value)


def _scaled(factor: np.float32, total):
    """factor * total, in the dtype of `total` (float32 weights give float32 maths)."""
    return ops.mul(total, factor.astype(total.dtype))


class L1L2(Regularizer):
    """l1 * sum(|x|) + l2 * sum(x**2).

    Args:
        l1: L1 factor (default 0).
        l2: L2 factor (default 0).
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = _penalty_factor(0.0 if l1 is None else l1)
        self.l2 = _penalty_factor(0.0 if l2 is None else l2)

    def __call__(self, x):
        x = as_tensor(x)
        terms = []
        if self.l1:
            terms.append(_scaled(self.l1, ops.sum(ops.abs(x))))
        if self.l2:
            terms.append(_scaled(self.l2, ops.sum(ops.square(x))))
        if not terms:                                 # both factors 0: a constant zero
            return as_tensor(np.zeros((), dtype=x.dtype))
        return terms[0] if len(terms) == 1 else ops.add(terms[0], terms[1])

    def get_config(self) -> dict:
        return {"l1": float(self.l1), "l2": float(self.l2)}


class L1(Regularizer):
    """l1 * sum(|x|). `l` is accepted for `l1`, as in Keras."""

    def __init__(self, l1: float = 0.01, **kwargs):
        l1 = kwargs.pop("l", l1)
        if kwargs:
            raise TypeError(f"Argument(s) not recognized: {kwargs}")
        self.l1 = _penalty_factor(0.01 if l1 is None else l1)

    def __call__(self, x):
        return _scaled(self.l1, ops.sum(ops.abs(as_tensor(x))))

    def get_config(self) -> dict:
        return {"l1": float(self.l1)}


class L2(Regularizer):
    """l2 * sum(x**2). `l` is accepted for `l2`, as in Keras."""

    def __init__(self, l2: float = 0.01, **kwargs):
        l2 = kwargs.pop("l", l2)
        if kwargs:
            raise TypeError(f"Argument(s) not recognized: {kwargs}")
        self.l2 = _penalty_factor(0.01 if l2 is None else l2)

    def __call__(self, x):
        return _scaled(self.l2, ops.sum(ops.square(as_tensor(x))))

    def get_config(self) -> dict:
        return {"l2": float(self.l2)}


class OrthogonalRegularizer(Regularizer):
    """Penalise non-orthogonal rows (or columns) of a 2-D weight.

    The rows are scaled to unit L2 norm (`x / sqrt(max(sum(x**2), 1e-12))`, as
    `tf.math.l2_normalize`); the penalty is `factor * 0.5 * mean(|p_ij|)` over the
    `n * (n - 1) / 2` pairs, for p the rows' pairwise dot products (off the diagonal).

    Args:
        factor: scale of the penalty (default 0.01).
        mode: 'rows' or 'columns': which vectors should be orthogonal to each other.
    """

    def __init__(self, factor: float = 0.01, mode: str = "rows"):
        self.factor = _penalty_factor(factor)
        if mode not in ("rows", "columns"):
            raise ValueError(f'Invalid value for argument `mode`. Expected one of {{"rows", '
                             f'"columns"}}. Received: mode={mode}')
        self.mode = mode

    def __call__(self, x):
        x = as_tensor(x)
        if x.ndim != 2:
            raise ValueError(f"Inputs to OrthogonalRegularizer must have rank 2. Received: "
                             f"inputs.shape == {x.shape}")
        vectors = x if self.mode == "rows" else ops.transpose(x)
        squares = ops.sum(ops.square(vectors), axis=1, keepdims=True)
        unit = ops.div(vectors, ops.sqrt(ops.maximum(squares, 1e-12)))
        size = vectors.shape[0]
        off_diagonal = 1 - get_array_module(x.data).eye(size, dtype=x.dtype)
        products = ops.mul(ops.matmul(unit, ops.transpose(unit)), off_diagonal)
        pairs = size * (size - 1.0) / 2.0
        total = ops.div(ops.sum(ops.abs(products)), np.asarray(pairs, dtype=x.dtype))
        return _scaled(self.factor, ops.mul(total, 0.5))

    def get_config(self) -> dict:
        return {"factor": float(self.factor), "mode": self.mode}


l1 = L1
l2 = L2
orthogonal_regularizer = OrthogonalRegularizer


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> L1L2:  # noqa: A002
    """An `L1L2` regularizer with both factors 0.01 by default (the class defaults to 0)."""
    return L1L2(l1=l1, l2=l2)


_BY_NAME = {"L1": L1, "L2": L2, "L1L2": L1L2, "OrthogonalRegularizer": OrthogonalRegularizer,
            "l1": L1, "l2": L2, "l1_l2": l1_l2, "orthogonal_regularizer": OrthogonalRegularizer}


def serialize(regularizer):
    """`{'class_name': ..., 'config': ...}` for a Regularizer, a plain function's name, or None."""
    return serialize_object(regularizer, Regularizer)


def deserialize(config, custom_objects: dict | None = None):
    """Inverse of `serialize`: names and class names are looked up in `custom_objects` first;
    a name stands for the object with its defaults (`'l2'` is `L2()`)."""
    return deserialize_object(config, _BY_NAME, "regularizer", custom_objects, (l1_l2,))


def get(identifier, custom_objects: dict | None = None):
    """A regularizer from None, a name ('l2'), a config dict or a callable."""
    return get_object(identifier, deserialize, "regularizer", custom_objects)

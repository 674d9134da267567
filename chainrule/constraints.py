"""Weight constraints by Keras name: a projection applied to a weight after each update.

A constraint maps a weight's values to values of the same shape (`MaxNorm(3)(w)`,
`NonNeg()(w)`). Give one to a layer (`Dense(8, kernel_constraint='max_norm')`) and the
optimizer assigns `constraint(w)` to the weight after every step, as Keras does. Built-in
constraints are array code (NumPy or CuPy): they are not differentiated.

>>> import numpy as np
>>> MaxNorm(2, axis=1)(np.array([[3.0, -4.0]], dtype="float32")).tolist()
[[1.2000000476837158, -1.600000023841858]]
"""
from __future__ import annotations

import numpy as np

from chainrule.autodiff.tensor import Tensor
from chainrule.backend import get_array_module
from chainrule.object_config import deserialize_object, get_object, serialize_object

_EPSILON = 1e-7                                       # Keras' backend.epsilon()


def _values(w):
    """The array behind `w` (a weight, a Tensor or anything array-like)."""
    if isinstance(w, Tensor):
        return w.data
    xp = get_array_module(w)
    return xp.asarray(w)


def _norms(w, axis):
    """L2 norms of the slices along `axis`, kept broadcastable against `w`."""
    xp = get_array_module(w)
    return xp.sqrt(xp.sum(xp.square(w), axis=axis, keepdims=True))


def _rescaled(w, desired, norms):
    """w scaled from its norms to the desired ones (eps keeps zero slices at zero)."""
    return w * (desired / (norms + w.dtype.type(_EPSILON)))


class Constraint:
    """Base class: `__call__(w)` returns the constrained values; `get_config` its arguments."""

    def __call__(self, w):
        return w

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class MaxNorm(Constraint):
    """Scale each slice along `axis` whose L2 norm exceeds `max_value` down to it.

    Args:
        max_value: the largest norm allowed (default 2).
        axis: the axis (or axes) the norm runs over; 0 means per output unit of a Dense
            kernel (input_dim, units), [0, 1, 2] per filter of a Conv2D kernel.
    """

    def __init__(self, max_value: float = 2, axis: int = 0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        w = _values(w)
        norms = _norms(w, _axis(self.axis))
        desired = get_array_module(w).clip(norms, 0, self.max_value)
        return _rescaled(w, desired, norms)

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """Move each slice's L2 norm into [min_value, max_value], at speed `rate`.

    The new norm is `rate * clip(norm, min_value, max_value) + (1 - rate) * norm`.

    Args:
        min_value: the smallest norm allowed (default 0).
        max_value: the largest norm allowed (default 1).
        rate: 1 enforces the bounds at once; less moves part of the way each step.
        axis: as in `MaxNorm`.
    """

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0,
                 axis: int = 0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        w = _values(w)
        norms = _norms(w, _axis(self.axis))
        clipped = get_array_module(w).clip(norms, self.min_value, self.max_value)
        rate = w.dtype.type(self.rate)
        desired = rate * clipped + (w.dtype.type(1) - rate) * norms
        return _rescaled(w, desired, norms)

    def get_config(self) -> dict:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


class NonNeg(Constraint):
    """Negative values become 0 (as `w * (w >= 0)`)."""

    def __call__(self, w):
        w = _values(w)
        return w * (w >= 0).astype(w.dtype)


class UnitNorm(Constraint):
    """Each slice along `axis` scaled to L2 norm 1.

    Args:
        axis: as in `MaxNorm`.
    """

    def __init__(self, axis: int = 0):
        self.axis = axis

    def __call__(self, w):
        w = _values(w)
        return w / (_norms(w, _axis(self.axis)) + w.dtype.type(_EPSILON))

    def get_config(self) -> dict:
        return {"axis": self.axis}


class RadialConstraint(Constraint):
    """Make each (kh, kh) slice of a square conv kernel constant on square rings, as Keras 2.

    For kh = 2s + 1 the centre takes the value at diagonal position s - 1 and the ring r steps
    out takes the value at s - 1 + r; for kh = 2s the central 2x2 block takes the value at
    s - 1 and ring r the value at s + r. (These are tf.keras 2.12's positions, kept for
    parity.) Expects a (kh, kh, in, out) kernel, kh >= 2.
    """

    def __call__(self, w):
        w = _values(w)
        if w.ndim != 4:
            raise ValueError(f"The weight tensor must have rank 4. Received weight tensor with "
                             f"shape: {w.shape}")
        if w.shape[0] != w.shape[1] or w.shape[0] < 2:
            raise ValueError(f"RadialConstraint expects a square kernel of size 2 or more. "
                             f"Received weight tensor with shape: {w.shape}")
        xp = get_array_module(w)
        source = xp.asarray(_ring_sources(w.shape[0]))
        return w[source, source]


def _ring_sources(n: int):
    """For each (i, j) of an n x n kernel, the diagonal index whose value it takes."""
    half, index = n // 2, np.arange(n)
    if n % 2:
        dist = np.abs(index - half)
        ring = np.maximum(dist[:, None], dist[None, :])
        return half - 1 + ring
    dist = np.where(index < half, half - 1 - index, index - half)
    ring = np.maximum(dist[:, None], dist[None, :])
    return np.where(ring == 0, half - 1, half + ring)


def _axis(axis):
    return tuple(axis) if isinstance(axis, list | tuple) else axis


max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm
radial_constraint = RadialConstraint
_BY_NAME = {"MaxNorm": MaxNorm, "MinMaxNorm": MinMaxNorm, "NonNeg": NonNeg,
            "UnitNorm": UnitNorm, "RadialConstraint": RadialConstraint, "max_norm": MaxNorm,
            "min_max_norm": MinMaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm,
            "radial_constraint": RadialConstraint}


def serialize(constraint):
    """`{'class_name': ..., 'config': ...}` for a Constraint, a plain function's name, or None."""
    return serialize_object(constraint, Constraint)


def deserialize(config, custom_objects: dict | None = None):
    """Inverse of `serialize`: names and class names are looked up in `custom_objects` first;
    a name stands for the class with its defaults (`'max_norm'` is `MaxNorm()`)."""
    return deserialize_object(config, _BY_NAME, "constraint", custom_objects)


def get(identifier, custom_objects: dict | None = None):
    """A constraint from None, a name ('max_norm'), a config dict or a callable."""
    return get_object(identifier, deserialize, "constraint function", custom_objects)

"""`tf.random`'s three everyday calls: `set_seed`, `uniform`, `normal`.

Draws come from `chainrule.config.make_rng`, so `set_seed(n)` (which is
`chainrule.utils.set_random_seed(n)`) also repeats weight initialisation and shuffling.
"""
from __future__ import annotations

import numpy as np

from chainrule import config
from chainrule.data.element import TensorValue
from chainrule.tensors import _dtype, _shape


def set_seed(seed: int) -> None:
    """Make every later draw repeatable (the global seed, as tf.random.set_seed)."""
    config.set_random_seed(seed)


def uniform(shape, minval=0, maxval=None, dtype=np.float32, seed=None, name=None) -> TensorValue:
    """Values drawn uniformly from [minval, maxval) (maxval 1 for floats; needed for ints)."""
    dtype, rng = _dtype(dtype), config.make_rng(seed)
    if dtype.kind in "iu":
        if maxval is None:
            raise ValueError(f"uniform: `maxval` must be given for an integer dtype. "
                             f"Received: dtype={dtype.name}, maxval=None")
        return TensorValue.wrap(rng.integers(minval, maxval, size=_shape(shape), dtype=dtype))
    high = 1.0 if maxval is None else maxval
    return TensorValue.wrap(rng.uniform(minval, high, size=_shape(shape)).astype(dtype))


def normal(shape, mean=0.0, stddev=1.0, dtype=np.float32, seed=None, name=None) -> TensorValue:
    """Values drawn from a normal distribution N(mean, stddev**2)."""
    rng = config.make_rng(seed)
    return TensorValue.wrap(rng.normal(mean, stddev, size=_shape(shape)).astype(_dtype(dtype)))

"""Activation layers with parameters: LeakyReLU, PReLU (learned slope), ELU.

(ReLU and Softmax live in core.py.)
"""
from __future__ import annotations

import numpy as np

from chainrule import initializers, ops
from chainrule.layers.layer import Layer


def _float32(value, message: str) -> float:
    """Keras keeps these slopes as float32 (so 0.3 reads back as 0.30000001192092896)."""
    if value is None:
        raise ValueError(f"{message} Received: {value}")
    return float(np.float32(value))


class LeakyReLU(Layer):
    """x if x > 0 else alpha * x: a small gradient for negative inputs.

    Args:
        alpha: slope below zero (default 0.3).

    Input shape:  any.  Output shape: same as input.
    """

    def __init__(self, alpha=0.3, **kwargs):
        super().__init__(**kwargs)
        self.alpha = _float32(alpha, "The alpha value of a Leaky ReLU layer cannot be None, "
                                     "Expecting a float.")

    def call(self, inputs, training=False):
        return ops.leaky_relu(inputs, self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class ELU(Layer):
    """x if x > 0 else alpha * (exp(x) - 1).

    Args:
        alpha: scale of the negative part (default 1.0).

    Input shape:  any.  Output shape: same as input.
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = _float32(alpha, "Alpha of an ELU layer cannot be None, expecting a float.")

    def call(self, inputs, training=False):
        return ops.elu(inputs, self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class PReLU(Layer):
    """Parametric ReLU: x if x > 0 else alpha * x, with `alpha` learned per input value.

    Args:
        alpha_initializer: initializer of `alpha` (default zeros: starts as ReLU).
        alpha_regularizer, alpha_constraint: a penalty on `alpha`, a projection of it.
        shared_axes: axes (1-based, batch excluded) along which one slope is shared, e.g.
            [1, 2] for one slope per channel of an image.

    Input shape:  any.  Output shape: same as input.
    Weights: `alpha` of the input's shape without the batch, with 1 on shared axes.
    """

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self._set_weight_options(alpha_regularizer=alpha_regularizer,
                                 alpha_constraint=alpha_constraint)
        if shared_axes is not None and not isinstance(shared_axes, list | tuple):
            shared_axes = [shared_axes]
        self.shared_axes = None if shared_axes is None else list(shared_axes)

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            if not 1 <= axis <= len(shape):
                raise ValueError(f"PReLU {self.name!r}: shared axis {axis} is out of range for "
                                 f"input shape {tuple(input_shape)}; axes count from 1.")
            shape[axis - 1] = 1
        if None in shape:
            raise ValueError(f"PReLU {self.name!r} needs every non-shared axis to be known. "
                             f"Received input shape {tuple(input_shape)}; share the unknown "
                             f"axes with `shared_axes`.")
        self.alpha = self.add_weight("alpha", tuple(shape), self.alpha_initializer,
                                     **self._options("alpha"))

    def call(self, inputs, training=False):
        # relu(x) - alpha * relu(-x): the slope's gradient is -relu(-x), the input's 1 or alpha
        return ops.relu(inputs) - self.alpha * ops.relu(-inputs)

    def get_config(self):
        return {**super().get_config(),
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                **self._weight_options_config("alpha_regularizer", "alpha_constraint"),
                "shared_axes": self.shared_axes}

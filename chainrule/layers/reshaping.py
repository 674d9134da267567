"""Layers that only rearrange values: Flatten, Reshape, ZeroPadding2D."""
from __future__ import annotations

import math

from chainrule import ops
from chainrule.layers.input_spec import InputSpec
from chainrule.layers.layer import Layer


class Flatten(Layer):
    """(batch, d1, d2, ...) -> (batch, d1*d2*...), row-major as Keras (channels last).

    Input shape:  `(batch_size, ...)`.
    Output shape: `(batch_size, prod(...))`.
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError("Flatten supports data_format='channels_last' only. "
                             f"Received: data_format={data_format!r}")
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs, training=False):
        return ops.reshape(inputs, (inputs.shape[0], -1))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        return (input_shape[0], math.prod(rest) if None not in rest else None)

    def get_config(self):
        return {**super().get_config(), "data_format": "channels_last"}


class Reshape(Layer):
    """Reshape to `target_shape` (without the batch axis; one -1 allowed)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)
        if sum(d == -1 for d in self.target_shape) > 1:
            raise ValueError(f"There must be at most one unknown dimension in output_shape. "
                             f"Received: output_shape={self.target_shape}.")

    def call(self, inputs, training=False):
        return ops.reshape(inputs, (inputs.shape[0], *self.target_shape))

    def compute_output_shape(self, input_shape):
        if -1 not in self.target_shape:
            return (input_shape[0], *self.target_shape)
        known = math.prod(d for d in self.target_shape if d != -1)
        total = math.prod(input_shape[1:])
        if total % known:
            raise ValueError(f"Reshape {self.name!r}: total size of new array must be "
                             f"unchanged, input_shape = {input_shape[1:]}, "
                             f"output_shape = {self.target_shape}")
        return (input_shape[0], *(total // known if d == -1 else d for d in self.target_shape))

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}


class ZeroPadding2D(Layer):
    """Zero rows/columns around an image: padding int, (sym_h, sym_w) or ((t, b), (l, r))."""

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(padding, int):
            padding = ((padding, padding), (padding, padding))
        elif all(isinstance(p, int) for p in padding):
            padding = ((padding[0], padding[0]), (padding[1], padding[1]))
        self.padding = tuple(tuple(p) for p in padding)
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs, training=False):
        return ops.pad(inputs, ((0, 0), *self.padding, (0, 0)))

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        (t, b), (lt, r) = self.padding
        return (n, None if h is None else h + t + b, None if w is None else w + lt + r, c)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}

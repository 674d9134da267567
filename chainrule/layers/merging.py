"""Layers that join several inputs: Add, Concatenate (for functional models)."""
from __future__ import annotations

from chainrule import ops
from chainrule.layers.layer import Layer


class Add(Layer):
    """Elementwise sum of a list of inputs of the same shape."""

    def build(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) < 2:
            raise ValueError(f"A merge layer {self.name!r} should be called on a list of at "
                             f"least 2 inputs. Got {input_shape!r}")
        if len({tuple(s[1:]) for s in input_shape}) != 1:
            raise ValueError(f"Add {self.name!r}: inputs must have the same shape. "
                             f"Got shapes {input_shape}")

    def call(self, inputs, training=False):
        total = inputs[0]
        for x in inputs[1:]:
            total = total + x
        return total

    def compute_output_shape(self, input_shape):
        return input_shape[0]


class Concatenate(Layer):
    """Joins a list of inputs along `axis` (default: the last, channels)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def build(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) < 2:
            raise ValueError(f"A `Concatenate` layer should be called on a list of at least 2 "
                             f"inputs. Received: input_shape={input_shape!r}")

    def call(self, inputs, training=False):
        return ops.concat(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        out = list(input_shape[0])
        sizes = [s[self.axis] for s in input_shape]
        out[self.axis] = None if None in sizes else sum(sizes)
        return tuple(out)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}

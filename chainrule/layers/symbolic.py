"""Symbolic tensors: what `Input(shape)` returns and layers return when called on one.

They carry a shape (batch axis None) and remember which layer made them from which inputs,
so `Model(inputs, outputs)` can recover the graph of layers. No numbers flow through them.
"""
from __future__ import annotations


class SymbolicTensor:
    """A placeholder with a shape and a history: (layer, input SymbolicTensors)."""

    def __init__(self, shape: tuple, layer, inputs: list, dtype: str = "float32"):
        self.shape = tuple(shape)
        self.layer = layer
        self.inputs = inputs
        self.dtype = dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<SymbolicTensor shape={self.shape} created by layer '{self.layer.name}'>"


def call_symbolic(layer, inputs):
    """Build `layer` for the inputs' shapes and return its symbolic output."""
    many = isinstance(inputs, list | tuple)
    inputs = list(inputs) if many else [inputs]
    shapes = [t.shape for t in inputs]
    if layer.input_spec is not None and not many:
        layer.input_spec.check(shapes[0], layer_name=layer.name)
    layer.maybe_build(shapes if many else shapes[0])
    out_shape = layer.compute_output_shape(shapes if many else shapes[0])
    return SymbolicTensor(out_shape, layer, inputs, dtype=layer.dtype)

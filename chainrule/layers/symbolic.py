"""Symbolic tensors: what `Input(shape)` returns and layers return when called on one.

They carry a shape (batch axis None) and remember which layer made them from which inputs,
so `Model(inputs, outputs)` can recover the graph of layers. No numbers flow through them,
except once for a user's layer that does not say its output shape: it is run on small zero
batches and the shape read off the result, as Keras traces `call` to infer it.
"""
from __future__ import annotations

import numpy as np


class SymbolicTensor:
    """A placeholder with a shape and a history: (layer, input SymbolicTensors)."""

    def __init__(self, shape: tuple, layer, inputs: list, dtype: str = "float32"):
        self.shape = tuple(shape)
        self.layer = layer
        self.inputs = inputs
        self.dtype = dtype
        outbound = getattr(layer, "_outbound_tensors", None)
        if outbound is not None:
            outbound.append(self)              # layer.output / layer.input read it back

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def name(self) -> str:
        return self.layer.name

    def __repr__(self) -> str:
        return f"<SymbolicTensor shape={self.shape} created by layer '{self.layer.name}'>"


def call_symbolic(layer, inputs):
    """Build `layer` for the inputs' shapes and return its symbolic output."""
    if isinstance(inputs, dict):
        inputs = list(inputs.values())
    many = isinstance(inputs, list | tuple)
    inputs = list(inputs) if many else [inputs]
    shapes = [t.shape for t in inputs]
    if layer.input_spec is not None and not many:
        layer.input_spec.check(shapes[0], layer_name=layer.name)
    layer.maybe_build(shapes if many else shapes[0])
    if _says_its_output_shape(layer):
        out_shape = layer.compute_output_shape(shapes if many else shapes[0])
    else:
        out_shape = infer_output_shape(layer, inputs, many)
    return SymbolicTensor(out_shape, layer, inputs, dtype=layer.dtype)


def _says_its_output_shape(layer) -> bool:
    """chainrule's own layers and any layer overriding compute_output_shape know the shape.

    (Compared by qualified name, so that this module need not import the Layer class, which
    imports this one.)
    """
    cls = type(layer)
    return cls.__module__.startswith("chainrule.") or (
        cls.compute_output_shape.__qualname__ != "Layer.compute_output_shape")


def infer_output_shape(layer, inputs: list, many: bool) -> tuple:
    """Run `layer` on zeros with unknown axes set to 2, then 3: axes that follow are None."""
    runs = [_run_on_zeros(layer, inputs, many, size) for size in (2, 3)]
    if len(runs[0]) != len(runs[1]):
        return (None, *runs[0][1:])
    return tuple(None if a != b else a for a, b in zip(*runs))


def _run_on_zeros(layer, inputs: list, many: bool, size: int) -> tuple:
    from chainrule.autodiff.graph import no_grad

    arrays = [np.zeros([size if d is None else d for d in t.shape], dtype=t.dtype)
              for t in inputs]
    with no_grad():
        out = layer(arrays if many else arrays[0], training=False)
    if isinstance(out, list | tuple):
        raise ValueError(f"Layer {layer.name!r} returned {len(out)} outputs on symbolic "
                         f"inputs; chainrule's functional models support one output per "
                         f"layer. Return a single tensor, or define compute_output_shape.")
    return tuple(np.shape(out))

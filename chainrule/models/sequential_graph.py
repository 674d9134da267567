"""A built Sequential's layers as a graph of symbolic tensors, as Keras builds it.

With them `model.inputs`, `layer.output` and feature extractors such as
`Model(seq.inputs, seq.get_layer("conv").output)` work on Sequential models too. Rebuilding
(after `add` or `pop`) first detaches the previous graph's tensors from the layers.
"""
from __future__ import annotations

from chainrule.layers.core import InputLayer
from chainrule.layers.symbolic import SymbolicTensor


def trace(model, batch_shape) -> list[SymbolicTensor]:
    """Symbolic tensors through `model`'s layers: the input first, then each layer's output."""
    detach(model)
    layers = model._layers
    input_layer = getattr(model, "_input_layer", None)
    if input_layer is None or tuple(input_layer._batch_input_shape[1:]) != tuple(
            batch_shape[1:]):
        name = f"{layers[0].name}_input" if layers else f"{model.name}_input"
        input_layer = InputLayer(batch_input_shape=tuple(batch_shape), name=name,
                                 dtype=model.dtype)
    x = SymbolicTensor(tuple(batch_shape), input_layer, [], dtype=input_layer.dtype)
    tensors = [x]
    for layer in layers:
        x = layer(x)
        tensors.append(x)
    return tensors


def detach(model) -> None:
    for t in getattr(model, "_graph", None) or []:
        if t in t.layer._outbound_tensors:
            t.layer._outbound_tensors.remove(t)
    model._graph = None


def endpoint(model, which: str):
    """The model's input or output tensor; Keras' message when it has none yet."""
    graph = getattr(model, "_graph", None)
    if not graph:
        raise AttributeError(f"Sequential model '{model.name}' has no defined {which}s yet. "
                             f"Build it first: give its first layer an input_shape, start it "
                             f"with keras.Input(shape), or call model.build(input_shape).")
    return graph[0] if which == "input" else graph[-1]

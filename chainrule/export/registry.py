"""Which function converts which layer class to ONNX nodes.

A converter is `fn(graph, layer, inputs, shapes) -> output name`: `inputs` are the ONNX names of
the layer's input tensors, `shapes` their Keras shapes (batch axis None). Classes are matched
exactly, not by inheritance: Conv2DTranspose subclasses Conv2D but is a different op.
"""
from __future__ import annotations

CONVERTERS: dict[type, object] = {}


def converts(*classes):
    """Register the decorated function as the converter of `classes`."""
    def register(fn):
        for cls in classes:
            CONVERTERS[cls] = fn
        return fn
    return register


def converter_for(layer):
    """The converter of `layer`'s class, or a ValueError naming the layer."""
    fn = CONVERTERS.get(type(layer))
    if fn is None:
        supported = sorted(cls.__name__ for cls in CONVERTERS)
        raise ValueError(f"ONNX export: layer {layer.name!r} of type {type(layer).__name__} "
                         f"has no ONNX converter. Supported layers: {supported}. Hint: rebuild "
                         f"the model without it, or export its weights with save_weights.")
    return fn

"""Export a built model (Sequential, functional, nested) to an ONNX file.

The graph is walked from the model's outputs back to its inputs, as functional models run:
each symbolic tensor becomes the ONNX value its layer's converter (export/convert_*.py)
returns; a layer that is itself a model is walked in turn, inside the same graph. The ONNX
input keeps the model's NHWC shape with a dynamic batch axis.
"""
from __future__ import annotations

import os

from chainrule.export import convert_conv, convert_core, convert_preprocessing  # noqa: F401  (register converters)
from chainrule.export.graph import OnnxGraph
from chainrule.export.registry import converter_for


def _post_order(outputs: list) -> list:
    """Every symbolic tensor the outputs depend on, each after the tensors it reads."""
    order, seen, stack = [], set(), [(t, False) for t in reversed(outputs)]
    while stack:
        tensor, done = stack.pop()
        if done:
            order.append(tensor)
        elif id(tensor) not in seen:
            seen.add(id(tensor))
            stack.append((tensor, True))
            stack.extend((t, False) for t in reversed(tensor.inputs))
    return order


def _is_model(layer) -> bool:
    return hasattr(layer, "layers") and hasattr(layer, "outputs")


def convert_model(g: OnnxGraph, model, input_names: list[str]) -> list[str]:
    """Add `model`'s nodes to `g`, reading `input_names`; returns its outputs' ONNX names."""
    values = {id(t): name for t, name in zip(model.inputs, input_names)}
    for tensor in _post_order(model.outputs):
        if id(tensor) in values:
            continue
        if not tensor.inputs:
            raise ValueError(f"ONNX export: model {model.name!r} reads tensor {tensor!r}, "
                             f"which is not one of its inputs.")
        args = [values[id(t)] for t in tensor.inputs]
        if _is_model(tensor.layer):
            outs = convert_model(g, tensor.layer, args)
            values[id(tensor)] = outs[0]
            continue
        convert = converter_for(tensor.layer)
        values[id(tensor)] = convert(g, tensor.layer, args, [t.shape for t in tensor.inputs])
    return [values[id(t)] for t in model.outputs]


def model_to_onnx(model):
    """The `onnx.ModelProto` of a built model."""
    if not model.built:
        raise ValueError(f"ONNX export: model {model.name!r} is not built. Build it first "
                         f"(give an input_shape or call it on data).")
    if not _is_model(model):
        raise ValueError(f"ONNX export: model {model.name!r} is a subclassed {type(model).__name__}"
                         f" whose call() is Python code; expected a Sequential or functional "
                         f"model (a graph of layers). Hint: rebuild it with keras.Input and "
                         f"layer calls, then copy the weights with set_weights.")
    g = OnnxGraph(_float_dtype(model))
    names = [g.unique(t.layer.name) for t in model.inputs]
    outputs = convert_model(g, model, names)
    final = [g.node("Identity", [value], f"output_{i}") for i, value in enumerate(outputs)]
    ins = [g.value_info(n, t.shape, t.dtype if "int" in t.dtype else g.dtype)
           for n, t in zip(names, model.inputs)]
    return g.to_model(model.name, ins, [g.value_info(n, t.shape, g.dtype)
                                        for n, t in zip(final, model.outputs)])


def _float_dtype(model) -> str:
    """The one float dtype of the model's weights (the model's own dtype if it has none)."""
    dtypes = {str(w.numpy().dtype) for w in model.weights}
    if len(dtypes) > 1:
        raise ValueError(f"ONNX export: model {model.name!r} mixes weight dtypes "
                         f"{sorted(dtypes)}; expected one float dtype for the whole graph.")
    return dtypes.pop() if dtypes else model.dtype


def export_onnx(model, filepath) -> None:
    """Write `model` as an ONNX file (opset 17) at `filepath`."""
    import onnx

    onnx.save_model(model_to_onnx(model), os.fspath(filepath))

"""`OnnxGraph`: the nodes, constants and names of an ONNX graph as it is being built.

Built with the `onnx` package's helpers (`onnx.helper`, `onnx.numpy_helper`); converters
(export/convert_*.py) call `node` and `const` and never touch protobufs themselves. Tensors keep
the model's NHWC layout between layers; ops that want NCHW (Conv, pooling) are wrapped in
Transposes by `nchw`, which ONNX Runtime's optimizer fuses away.
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper

OPSET = 17
IR_VERSION = 8        # the IR that introduced opset 17; older runtimes read it too


class OnnxGraph:
    """Collects nodes and initializers; names are unique within the graph.

    Args:
        dtype: the model's float dtype ('float32' or 'float64'); weights are cast to it.
    """

    def __init__(self, dtype: str = "float32"):
        self.dtype = np.dtype(dtype)
        self.nodes: list = []
        self.initializers: list = []
        self._names: set[str] = set()
        self._weights: dict[int, str] = {}

    def unique(self, name: str) -> str:
        """`name`, or `name_1`, `name_2`, ... if it is taken."""
        candidate, count = name, 0
        while candidate in self._names:
            count += 1
            candidate = f"{name}_{count}"
        self._names.add(candidate)
        return candidate

    def const(self, name: str, value, dtype=None) -> str:
        """An initializer holding `value` (cast to the graph's dtype unless `dtype` says)."""
        array = np.asarray(value, dtype=dtype or self.dtype)
        unique = self.unique(name)
        self.initializers.append(numpy_helper.from_array(array, unique))
        return unique

    def weight(self, name: str, variable, transform=None) -> str:
        """An initializer for a layer weight, shared when the layer is called again."""
        key = (id(variable), transform)
        if key not in self._weights:
            value = np.asarray(variable.numpy())
            self._weights[key] = self.const(name, transform(value) if transform else value)
        return self._weights[key]

    def ints(self, name: str, values) -> str:
        """An int64 initializer (shapes, pads, axes)."""
        return self.const(name, np.asarray(values, dtype=np.int64), dtype=np.int64)

    def node(self, op: str, inputs: list[str], name: str, **attributes) -> str:
        """Append one node; returns the name of its (single) output."""
        output = self.unique(name)
        self.nodes.append(helper.make_node(op, inputs, [output], name=output, **attributes))
        return output

    def nchw(self, x: str, name: str, op: str, inputs: list[str], **attributes) -> str:
        """Run a channels-first op on the NHWC (or NWC) tensor `x` and return NHWC."""
        rank = attributes.pop("rank", 4)
        first = [0, rank - 1, *range(1, rank - 1)]
        last = [0, *range(2, rank), 1]
        x = self.node("Transpose", [x], f"{name}/to_nchw", perm=first)
        y = self.node(op, [x, *inputs], f"{name}/{op.lower()}", **attributes)
        return self.node("Transpose", [y], f"{name}/to_nhwc", perm=last)

    def value_info(self, name: str, shape: tuple, dtype: str, batch: str = "batch"):
        """A graph input/output description with a dynamic batch (and unknown) axes."""
        dims = [batch if i == 0 else (d if d is not None else f"{name}_dim{i}")
                for i, d in enumerate(shape)]
        elem = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
        return helper.make_tensor_value_info(name, elem, dims)

    def to_model(self, name: str, inputs: list, outputs: list) -> onnx.ModelProto:
        """The finished model, opset `OPSET`, checked by `onnx.checker`."""
        graph = helper.make_graph(self.nodes, name, inputs, outputs, self.initializers)
        model = helper.make_model(graph, producer_name="chainrule",
                                  opset_imports=[helper.make_opsetid("", OPSET)])
        model.ir_version = IR_VERSION
        onnx.checker.check_model(model)
        return model

"""Functional models: `Model(inputs, outputs)` over a graph of layers built with `Input`."""
from __future__ import annotations

from chainrule import config
from chainrule.layers.core import InputLayer
from chainrule.layers.registry import deserialize_layer, serialize_layer
from chainrule.layers.symbolic import SymbolicTensor
from chainrule.models.model import Model


def _as_list(x) -> list:
    return list(x) if isinstance(x, list | tuple) else [x]


def _walk(outputs: list[SymbolicTensor]):
    """Depth-first from the outputs, iteratively: (every tensor the outputs depend on, inputs
    first (post-order), {layer: the order in which the walk first meets it})."""
    post, first_met, seen, stack = [], {}, set(), [(t, False) for t in reversed(outputs)]
    while stack:
        node, done = stack.pop()
        if done:
            post.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            first_met.setdefault(node.layer, len(first_met))
            stack.append((node, True))
            stack.extend((t, False) for t in reversed(node.inputs))
    return post, first_met


def keras_layer_order(post: list, first_met: dict) -> list:
    """The model's layers in the order tf.keras lists them, which its weight files follow.

    Keras sorts layers by depth, the longest path from the layer to an output, deepest (the
    input) first; layers of equal depth keep the order in which a depth-first walk from the
    outputs first meets them. For a plain chain that is the chain. In a bottleneck block the
    two branches interleave: ..._2_relu, _0_conv, _3_conv, _0_bn, _3_bn, _add. A plain
    post-order walk would put _0_conv and _0_bn first, and the release files' weights would
    land in the wrong layers.
    """
    depth: dict[int, int] = {}
    layer_depth: dict = {}
    for node in reversed(post):                          # each node before the nodes it reads
        d = max(depth.get(id(node), 0), layer_depth.get(node.layer, 0))
        layer_depth[node.layer] = d
        for t in node.inputs:
            depth[id(t)] = max(depth.get(id(t), 0), d + 1)
    return sorted(first_met, key=lambda layer: (-layer_depth[layer], first_met[layer]))


class Functional(Model):
    """A model defined by connecting layers: `Model(inputs=x_in, outputs=y)`.

    Args:
        inputs: a symbolic tensor from `Input(...)` (or a list of them).
        outputs: the symbolic tensor(s) computed from them.
        name: model name (default 'model', 'model_1', ...).
    """

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        super().__init__(name=name or config.unique_object_name("model"), trainable=trainable,
                         **kwargs)
        self._inputs, self._outputs = _as_list(inputs), _as_list(outputs)
        for t in self._inputs + self._outputs:
            if not isinstance(t, SymbolicTensor):
                raise TypeError(f"Functional model {self.name!r}: inputs and outputs must come "
                                f"from `chainrule.layers.Input` and layer calls. Received: {t!r}")
        self._multi_output = isinstance(outputs, list | tuple)
        self._nodes, first_met = _walk(self._outputs)
        for t in self._inputs:
            if id(t) not in {id(n) for n in self._nodes}:
                raise ValueError(f"Graph disconnected: input {t!r} is not used by the outputs.")
        unknown = [n for n in self._nodes if not n.inputs and n not in self._inputs]
        if unknown:
            raise ValueError(f"Graph disconnected: cannot obtain value for tensor {unknown[0]!r}. "
                             f"The following previous layers were accessed without issue: "
                             f"{[t.layer.name for t in self._inputs]}")
        self._layers = keras_layer_order(self._nodes, first_met)
        self.built = True
        if len(self._inputs) == 1:                 # lets Sequential([functional, ...]) build
            self._batch_input_shape = self._inputs[0].shape
        self._build_shape = self._inputs[0].shape if len(self._inputs) == 1 else [
            t.shape for t in self._inputs]

    @property
    def layers(self):
        return list(self._layers)

    @property
    def inputs(self):
        return list(self._inputs)

    @property
    def outputs(self):
        return list(self._outputs)

    @property
    def input(self):
        return self._inputs[0] if len(self._inputs) == 1 else list(self._inputs)

    @property
    def output(self):
        return self._outputs[0] if not self._multi_output else list(self._outputs)

    @property
    def input_names(self) -> list[str]:
        return [t.layer.name for t in self._inputs]

    def call(self, inputs, training=None):
        if isinstance(inputs, dict):
            inputs = self._inputs_by_name(inputs)
        values = dict(zip((id(t) for t in self._inputs), _as_list(inputs)))
        if len(values) != len(self._inputs):
            raise ValueError(f"Model {self.name!r} expects {len(self._inputs)} input(s), "
                             f"but it received {len(_as_list(inputs))} input tensors.")
        for node in self._nodes:
            if id(node) in values:
                continue
            args = [values[id(t)] for t in node.inputs]
            values[id(node)] = node.layer(args if len(args) > 1 else args[0], training=training)
        outs = [values[id(t)] for t in self._outputs]
        return outs if self._multi_output else outs[0]

    def _inputs_by_name(self, inputs: dict) -> list:
        missing = [n for n in self.input_names if n not in inputs]
        if missing:
            raise ValueError(f"Missing data for input {missing[0]!r}. You passed a data "
                             f"dictionary with keys {sorted(inputs)}. Expected the following "
                             f"keys: {self.input_names}")
        return [inputs[n] for n in self.input_names]

    def compute_output_shape(self, input_shape):
        shapes = [(None, *t.shape[1:]) for t in self._outputs]
        return shapes if self._multi_output else shapes[0]

    def get_config(self) -> dict:
        layers = []
        for layer in self._layers:
            node = next(n for n in self._nodes if n.layer is layer)
            layers.append({**serialize_layer(layer), "name": layer.name,
                           "inbound": [t.layer.name for t in node.inputs]})
        return {"name": self.name, "trainable": self.trainable, "layers": layers,
                "input_layers": [t.layer.name for t in self._inputs],
                "output_layers": [t.layer.name for t in self._outputs],
                "multi_input": len(self._inputs) > 1, "multi_output": self._multi_output}

    @classmethod
    def from_config(cls, cfg: dict, custom_objects: dict | None = None):
        tensors = {}
        for layer_cfg in cfg["layers"]:
            layer = deserialize_layer(layer_cfg, custom_objects)
            name = layer_cfg.get("name", layer.name)      # a custom config may omit it
            if isinstance(layer, InputLayer):
                tensors[name] = SymbolicTensor(layer._batch_input_shape, layer, [])
                continue
            args = [tensors[n] for n in layer_cfg["inbound"]]
            tensors[name] = layer(args if len(args) > 1 else args[0])
        ins = [tensors[n] for n in cfg["input_layers"]]
        outs = [tensors[n] for n in cfg["output_layers"]]
        model = cls(ins if cfg.get("multi_input", len(ins) > 1) else ins[0],
                    outs if cfg.get("multi_output", len(outs) > 1) else outs[0], name=cfg["name"])
        if not cfg.get("trainable", True):         # True would unfreeze frozen sub-layers
            model.trainable = False
        return model

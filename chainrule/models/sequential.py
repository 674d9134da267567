"""`Sequential`: a plain stack of layers, each feeding the next."""
from __future__ import annotations

from chainrule.layers.core import InputLayer
from chainrule.layers.layer import Layer
from chainrule.layers.registry import deserialize_layer, serialize_layer
from chainrule.layers.symbolic import SymbolicTensor
from chainrule.models import fusion, sequential_graph
from chainrule.models.model import Model


class Sequential(Model):
    """A linear stack of layers: `Sequential([Conv2D(...), MaxPooling2D(2, 2), ...])`.

    If the first layer was given `input_shape`, the model is built at once (so `summary()`
    works before any data is seen); otherwise it is built on the first call.
    """

    def __init__(self, layers=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self._layers: list[Layer] = []
        self._input_shape = None
        self._steps = None                 # what `call` runs, chosen by `build` (see fusion)
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self) -> list[Layer]:
        return list(self._layers)

    def add(self, layer: Layer) -> None:
        """Append a layer; an InputLayer (or `Input(shape)`) only sets the input shape."""
        if isinstance(layer, SymbolicTensor) and not layer.inputs:
            layer = layer.layer                    # Sequential([Input((28, 28)), ...])
        if not isinstance(layer, Layer):
            raise TypeError(f"The added layer must be an instance of class Layer. "
                            f"Received: layer={layer!r} of type {type(layer)}.")
        if isinstance(layer, InputLayer):
            self._input_shape = layer._batch_input_shape
            self._input_layer = layer
        elif not self._layers and self._input_shape is None and \
                _known_input_shape(layer) is not None:     # an explicit Input wins, as in Keras
            self._input_shape = _known_input_shape(layer)
        if isinstance(layer, InputLayer):
            self.built = False
        else:
            if any(la.name == layer.name for la in self._layers):
                raise ValueError(f"All layers added to a Sequential model should have unique "
                                 f"names. Name {layer.name!r} is already the name of a layer in "
                                 f"this model. Update the `name` argument to pass a unique name.")
            self._layers.append(layer)
            self.built, self._steps = False, None
        if self._input_shape is not None:
            self.maybe_build(self._input_shape)

    def pop(self) -> None:
        """Remove the last layer."""
        if not self._layers:
            raise TypeError("There are no layers in the model.")
        self._layers.pop()
        self.built, self._steps = False, None
        sequential_graph.detach(self)

    def build(self, input_shape=None):
        """Build every layer in turn, passing each one's output shape to the next."""
        shape = input_shape or self._input_shape
        if shape is None:
            raise ValueError("You must provide an `input_shape` argument to build a Sequential "
                             "model (or call it on data first).")
        self._input_shape = (None, *shape[1:])
        self._build_shape = self._input_shape
        for layer in self._layers:
            layer.maybe_build(shape)
            shape = layer.compute_output_shape(shape)
        self._steps = fusion.plan(self._layers)   # Conv2D(relu) + MaxPooling2D: ReLU last
        self.built = True
        self._graph = sequential_graph.trace(self, (None, *self._input_shape[1:]))

    @property
    def input(self):
        return sequential_graph.endpoint(self, "input")

    @property
    def output(self):
        return sequential_graph.endpoint(self, "output")

    @property
    def inputs(self):
        return [self.input]

    @property
    def outputs(self):
        return [self.output]

    def call(self, inputs, training=None):
        """Each step of the plan made at build time on the previous one's output (see fusion)."""
        if self._steps is None:
            self._steps = fusion.plan(self._layers)
        x = inputs
        for step in self._steps:
            x = step(x, training=training)
        return x

    def compute_output_shape(self, input_shape):
        shape = input_shape
        for layer in self._layers:
            shape = layer.compute_output_shape(shape)
        return shape

    def get_config(self) -> dict:
        return {"name": self.name, "trainable": self.trainable,
                "layers": [serialize_layer(la) for la in self._layers],
                "batch_input_shape": self._input_shape}

    @classmethod
    def from_config(cls, cfg: dict):
        model = cls(name=cfg.get("name"))
        if cfg.get("batch_input_shape"):
            model._input_shape = tuple(cfg["batch_input_shape"])
        for layer_cfg in cfg["layers"]:
            model.add(deserialize_layer(layer_cfg))
        if model._input_shape is not None and not model.built:
            model.maybe_build(model._input_shape)
        if not cfg.get("trainable", True):         # True would unfreeze frozen sub-layers
            model.trainable = False
        return model


def _known_input_shape(layer):
    """The batch input shape a first layer declares, or that a built model was built for."""
    if layer._batch_input_shape is not None:
        return layer._batch_input_shape
    if isinstance(layer, Model) and layer.built and isinstance(layer._build_shape, tuple):
        return layer._build_shape
    return None

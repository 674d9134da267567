"""`Layer`: owns weights, infers their shapes on first call, and maps inputs to outputs.

A layer never writes backward code: `call` is built from differentiable ops, so gradients
come from the autodiff engine. `__init__` validates arguments, `build(input_shape)` creates
weights with `add_weight` (in Keras' order, under Keras' names), `call` does the maths.
"""
from __future__ import annotations

import contextvars
import inspect
import re

import numpy as np

from chainrule import config, initializers, ops
from chainrule.autodiff.tensor import Tensor, as_tensor
from chainrule.layers.registry import register_builtin
from chainrule.layers.symbolic import SymbolicTensor, call_symbolic
from chainrule.layers.variable import Variable

# The `training` flag of the outermost call, inherited by inner calls that do not pass one
# (a subclassed model's `call` that runs `self.dropout(x)`), as Keras' call context does.
_TRAINING: contextvars.ContextVar[bool | None] = contextvars.ContextVar("training", default=None)
# add_weight keywords tf.keras accepts that have no meaning here (no distribution strategy).
_IGNORED_WEIGHT_KWARGS = {"use_resource", "synchronization", "aggregation", "partitioner",
                          "caching_device", "getter", "experimental_autocast"}


def to_snake_case(name: str) -> str:
    """Keras' class-name-to-layer-name rule: Conv2D -> conv2d, MaxPooling2D -> max_pooling2d."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


class Layer:
    """Base class of all layers. See the module docstring.

    Args:
        trainable: whether its weights are updated by training.
        name: unique name; by default the snake-case class name plus a per-process counter.
        dtype: float type of its weights (default `config.floatx()`).
        input_shape / batch_input_shape / input_dim: on a first layer, the input's shape
            without (or with) the batch axis, so the model can be built at once.
    """

    def __init__(self, trainable: bool = True, name: str | None = None, dtype=None,
                 input_shape=None, batch_input_shape=None, input_dim=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}: keyword argument not understood: "
                            f"{sorted(kwargs)[0]!r}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Layer `name` must be a string. Received: name={name!r}")
        self.name = name or config.unique_object_name(to_snake_case(type(self).__name__))
        self.dtype = np.dtype(dtype or config.floatx()).name
        self._trainable = bool(trainable)
        self._own_weights: list[tuple[Variable, bool]] = []  # (variable, declared trainable)
        self.built = False
        self.input_spec = None
        self._build_shape = None
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if input_shape is not None and batch_input_shape is None:
            batch_input_shape = (None, *_as_shape(input_shape, self.name))
        self._batch_input_shape = tuple(batch_input_shape) if batch_input_shape else None
        self._outbound_tensors: list[SymbolicTensor] = []   # what calls on symbols made
        self._call_losses: list = []                  # add_loss during the latest call
        self._call_metrics: list = []                 # add_metric during the latest call
        self._regularizers: list = []                 # (variable, regularizer) pairs

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        register_builtin(cls)          # chainrule's own classes load from configs by name

    # --- weights -----------------------------------------------------------------------
    def add_weight(self, name: str | None = None, shape=None, initializer=None,
                   trainable: bool = True, dtype=None, regularizer=None, constraint=None,
                   **kwargs) -> Variable:
        """Create a weight named '<layer>/<name>:0' with values from `initializer`.

        Without a name it is called 'Variable' ('Variable_1', ... after the first), as
        tf.keras names unnamed weights. The default initializer is glorot_uniform.
        """
        unknown = set(kwargs) - _IGNORED_WEIGHT_KWARGS
        if unknown:
            raise TypeError(f"Unknown keyword argument(s) passed to add_weight: "
                            f"{sorted(unknown)}. Expected some of: name, shape, initializer, "
                            f"trainable, dtype, regularizer, constraint.")
        shape = () if shape is None else (shape,) if isinstance(shape, int) else tuple(shape)
        init = initializers.get(initializer if initializer is not None else "glorot_uniform")
        value = np.asarray(init(shape, dtype=dtype or self.dtype))
        var = Variable(value, name=f"{self.name}/{name or self._unnamed_weight()}:0",
                       trainable=trainable and self.trainable)
        self._own_weights.append((var, bool(trainable)))
        if regularizer is not None:
            self._regularizers.append((var, _regularizer(regularizer)))
        return var

    def _unnamed_weight(self) -> str:
        taken = {v.name for v, _ in self._own_weights}
        name, k = "Variable", 0
        while f"{self.name}/{name}:0" in taken:
            k += 1
            name = f"Variable_{k}"
        return name

    # --- losses and metrics added in call() ---------------------------------------------
    def add_loss(self, loss) -> None:
        """Add a scalar (a Tensor, so it is differentiable) to the training loss."""
        self._call_losses.append(loss() if callable(loss) else loss)

    def add_metric(self, value, name: str | None = None, aggregation: str = "mean") -> None:
        """Report the mean of `value` over the epoch in the logs under `name`."""
        if name is None:
            raise ValueError("Please provide a name for your metric like "
                             "`self.add_metric(tf.reduce_sum(inputs), name='mean_activation')`")
        self._call_metrics.append((name, value))

    @property
    def losses(self) -> list:
        """Losses added during the latest call, then the weight regularization penalties."""
        return list(self._call_losses) + [fn(v) for v, fn in self._regularizers]

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for var, declared in self._own_weights:
            var.trainable = declared and self._trainable
        for layer in self._tracked_layers():
            layer.trainable = value

    @property
    def weights(self) -> list[Variable]:
        """Own weights in creation order, then those of layers held in attributes (a custom
        layer's `self.dense = Dense(4)`), as Keras tracks them."""
        own = [v for v, _ in self._own_weights]
        seen = {id(v) for v in own}
        for layer in self._tracked_layers():
            for v in layer.weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    own.append(v)
        return own

    def _tracked_layers(self) -> list:
        """Layers assigned to public attributes, alone or in lists/tuples."""
        found = []
        for key, value in vars(self).items():
            if key.startswith("_"):
                continue
            items = value if isinstance(value, list | tuple) else [value]
            found += [v for v in items if isinstance(v, Layer) and v is not self]
        return found

    @property
    def trainable_weights(self) -> list[Variable]:
        return [v for v in self.weights if v.trainable]

    @property
    def non_trainable_weights(self) -> list[Variable]:
        return [v for v in self.weights if not v.trainable]

    variables = weights

    @property
    def trainable_variables(self) -> list[Variable]:
        return self.trainable_weights

    @property
    def non_trainable_variables(self) -> list[Variable]:
        return self.non_trainable_weights

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights as NumPy arrays, in Keras' order and layouts."""
        return [v.numpy().copy() for v in self.weights]

    def set_weights(self, weights) -> None:
        """Load arrays (e.g. from Keras' `get_weights()`) into this layer, checking shapes."""
        own = self.weights
        if len(weights) != len(own):
            raise ValueError(
                f"Layer {self.name!r} expects {len(own)} weight(s), but the weight list "
                f"provided has {len(weights)}. Provided weights: {str(weights)[:50]}...")
        for var, value in zip(own, weights):
            if np.shape(value) != var.shape:
                raise ValueError(
                    f"Layer {self.name!r} weight shape {var.shape} is not compatible with "
                    f"provided weight shape {np.shape(value)} (weight {var.name}).")
            var.assign(value)

    def count_params(self) -> int:
        """Number of weight values (trainable or not)."""
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer {self.name}, but the "
                             f"layer isn't built. You can build it manually via "
                             f"`{self.name}.build(batch_input_shape)`.")
        return int(sum(v.size for v in self.weights))

    # --- calling -------------------------------------------------------------------------
    def __call__(self, inputs, *args, training: bool | None = None, **kwargs):
        if _is_symbolic(inputs):
            return call_symbolic(self, inputs)
        x = _map_structure(self._autocast, inputs)
        if self.input_spec is not None and isinstance(x, Tensor):   # before build, as Keras
            self.input_spec.check(x.shape, layer_name=self.name)
        self.maybe_build(_shape_of(x))
        if training is None:
            training = _TRAINING.get()      # None when nobody said: call's own default applies
        token = _TRAINING.set(training)
        self._call_losses, self._call_metrics = [], []
        try:
            if training is not None and _accepts(type(self).call, "training"):
                kwargs["training"] = bool(training)
            return self.call(x, *args, **kwargs)
        finally:
            _TRAINING.reset(token)

    def _autocast(self, value) -> Tensor:
        """Floating inputs take the layer's dtype, as Keras' autocast: float64 data meets
        float32 weights in float32, never silently in float64."""
        x = as_tensor(value)
        if x.dtype.kind == "f" and x.dtype != self.dtype:
            return ops.cast(x, self.dtype) if x.requires_grad else Tensor(x.data.astype(
                self.dtype))
        return x

    def maybe_build(self, input_shape) -> None:
        """Build once, remembering the shape for `output_shape` and `summary()`."""
        if not self.built:
            self.build(input_shape)
            self.built = True
            self._build_shape = _without_batch(input_shape)

    def build(self, input_shape) -> None:
        """Create weights for `input_shape` (batch axis included, may be None)."""

    def call(self, inputs, training: bool = False) -> Tensor:
        raise NotImplementedError(f"Layer {type(self).__name__} does not implement call().")

    def compute_output_shape(self, input_shape):
        """Output shape for `input_shape`; layers that change the shape override it."""
        return input_shape

    @property
    def output(self):
        """The symbolic output of this layer's first call on symbolic tensors."""
        return self._only_node("output")

    @property
    def input(self):
        """The symbolic input(s) of this layer's first call on symbolic tensors."""
        node = self._only_node("input")
        return node if not node.inputs else (
            node.inputs[0] if len(node.inputs) == 1 else list(node.inputs))

    def _only_node(self, what: str):
        if not self._outbound_tensors:
            raise AttributeError(f"Layer {self.name} is not connected, no {what} to return.")
        if len(self._outbound_tensors) > 1:
            raise AttributeError(f"Layer {self.name} has multiple inbound nodes, hence the "
                                 f"notion of \"layer {what}\" is ill-defined. Use "
                                 f"`get_{what}_at(node_index)` instead.")
        return self._outbound_tensors[0]

    @property
    def output_shape(self):
        if len(self._outbound_tensors) == 1:          # what the functional graph inferred
            return self._outbound_tensors[0].shape
        if self._build_shape is None:
            raise AttributeError(f"The layer \"{self.name}\" has never been called and thus "
                                 f"has no defined output shape.")
        return self.compute_output_shape(self._build_shape)

    # --- config --------------------------------------------------------------------------
    def get_config(self) -> dict:
        cfg = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._batch_input_shape is not None:
            cfg["batch_input_shape"] = self._batch_input_shape
        return cfg

    @classmethod
    def from_config(cls, cfg: dict):
        return cls(**cfg)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


register_builtin(Layer)


def _as_shape(shape, layer_name: str) -> tuple:
    if isinstance(shape, int):
        shape = (shape,)
    if not isinstance(shape, tuple | list) or not all(
            d is None or (isinstance(d, int | np.integer) and d > 0) for d in shape):
        raise ValueError(f"Layer {layer_name!r}: `input_shape` must be a tuple of positive ints "
                         f"(without the batch axis). Received: input_shape={shape!r}")
    return tuple(None if d is None else int(d) for d in shape)


def _without_batch(shape):
    """The shape as Keras shows it: batch axis None (a list of shapes for several inputs)."""
    if isinstance(shape, dict):
        return {k: _without_batch(s) for k, s in shape.items()}
    if isinstance(shape, list):
        return [_without_batch(s) for s in shape]
    return (None, *shape[1:])


def _shape_of(x):
    if isinstance(x, dict):
        return {k: t.shape for k, t in x.items()}
    return [t.shape for t in x] if isinstance(x, list | tuple) else x.shape


def _map_structure(fn, x):
    if isinstance(x, dict):
        return {k: fn(v) for k, v in x.items()}
    return [fn(t) for t in x] if isinstance(x, list | tuple) else fn(x)


_ACCEPTS: dict = {}


def _accepts(method, argument: str) -> bool:
    """Does `method` take `argument` (by name or through **kwargs)? Cached per function."""
    key = (method, argument)
    if key not in _ACCEPTS:
        params = inspect.signature(method).parameters
        _ACCEPTS[key] = argument in params or any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    return _ACCEPTS[key]


def _regularizer(identifier):
    if callable(identifier):
        return identifier
    from chainrule import regularizers  # written for issue 12; names like 'l2' resolve there

    return regularizers.get(identifier)


def _is_symbolic(inputs) -> bool:
    if isinstance(inputs, dict):
        inputs = list(inputs.values())
    if isinstance(inputs, list | tuple):
        return any(isinstance(t, SymbolicTensor) for t in inputs)
    return isinstance(inputs, SymbolicTensor)

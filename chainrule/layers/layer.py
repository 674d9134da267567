"""`Layer`: owns weights, infers their shapes on first call, and maps inputs to outputs.

A layer never writes backward code: `call` is built from differentiable ops, so gradients
come from the autodiff engine. `__init__` validates arguments, `build(input_shape)` creates
weights with `add_weight` (in Keras' order, under Keras' names), `call` does the maths.
"""
from __future__ import annotations

import re

import numpy as np

from chainrule import config, initializers, ops
from chainrule.autodiff.tensor import Tensor, as_tensor
from chainrule.layers.registry import register_builtin
from chainrule.layers.symbolic import SymbolicTensor, call_symbolic
from chainrule.layers.variable import Variable


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

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        register_builtin(cls)          # chainrule's own classes load from configs by name

    # --- weights -----------------------------------------------------------------------
    def add_weight(self, name: str, shape, initializer="glorot_uniform", trainable=True,
                   dtype=None) -> Variable:
        """Create a weight named '<layer>/<name>:0' with values from `initializer`."""
        init = initializers.get(initializer)
        value = np.asarray(init(tuple(shape), dtype=dtype or self.dtype))
        var = Variable(value, name=f"{self.name}/{name}:0", trainable=trainable and self.trainable)
        self._own_weights.append((var, bool(trainable)))
        return var

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for var, declared in self._own_weights:
            var.trainable = declared and self._trainable

    @property
    def weights(self) -> list[Variable]:
        """All weights in creation order (Keras' `weights` for a layer)."""
        return [v for v, _ in self._own_weights]

    @property
    def trainable_weights(self) -> list[Variable]:
        return [v for v in self.weights if v.trainable]

    @property
    def non_trainable_weights(self) -> list[Variable]:
        return [v for v in self.weights if not v.trainable]

    variables = weights

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
    def __call__(self, inputs, training: bool = False):
        if _is_symbolic(inputs):
            return call_symbolic(self, inputs)
        x = [self._autocast(t) for t in inputs] if isinstance(inputs, list | tuple) else \
            self._autocast(inputs)
        if self.input_spec is not None and not isinstance(x, list):  # before build, as Keras
            self.input_spec.check(x.shape, layer_name=self.name)
        self.maybe_build(_shape_of(x))
        return self.call(x, training=training)

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
    def output_shape(self):
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
    if isinstance(shape, list):
        return [_without_batch(s) for s in shape]
    return (None, *shape[1:])


def _shape_of(x):
    return [t.shape for t in x] if isinstance(x, list) else x.shape


def _is_symbolic(inputs) -> bool:
    if isinstance(inputs, list | tuple):
        return any(isinstance(t, SymbolicTensor) for t in inputs)
    return isinstance(inputs, SymbolicTensor)

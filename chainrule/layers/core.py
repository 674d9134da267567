"""Core layers: Input, Dense, Activation, Dropout, ReLU, Softmax, Rescaling."""
from __future__ import annotations

from chainrule import activations, config, initializers, ops
from chainrule.layers.input_spec import InputSpec
from chainrule.layers.layer import Layer, _as_shape
from chainrule.layers.random_state import GeneratorState
from chainrule.layers.symbolic import SymbolicTensor
from chainrule.layers.weight_options import KERNEL_AND_BIAS_OPTIONS


class InputLayer(Layer):
    """The entry point of a functional model: passes its input through unchanged."""

    def __init__(self, input_shape=None, batch_size=None, dtype=None, name=None, sparse=None,
                 ragged=None, **kwargs):
        if sparse or ragged:                      # Keras' configs hold both, False
            raise ValueError(f"InputLayer: sparse and ragged inputs are not supported. "
                             f"Received: sparse={sparse!r}, ragged={ragged!r}")
        batch_input_shape = kwargs.pop("batch_input_shape", None)
        if batch_input_shape is None:
            if input_shape is None:
                raise ValueError("InputLayer needs `input_shape` (or `batch_input_shape`).")
            batch_input_shape = (batch_size, *_as_shape(input_shape, "input"))
        name = name or config.unique_object_name("input", zero_based=False)
        super().__init__(name=name, dtype=dtype, batch_input_shape=batch_input_shape, **kwargs)
        self.maybe_build(self._batch_input_shape)

    def call(self, inputs, training=False):
        return inputs

    def get_config(self):
        return {"batch_input_shape": self._batch_input_shape, "dtype": self.dtype,
                "name": self.name}


def Input(shape=None, batch_size=None, name=None, dtype=None, batch_shape=None):  # noqa: N802
    """A symbolic input for the functional API: `x = Input((28, 28, 1))`."""
    layer = InputLayer(input_shape=shape, batch_size=batch_size, name=name, dtype=dtype,
                       batch_input_shape=batch_shape)
    return SymbolicTensor(layer._batch_input_shape, layer, [], dtype=layer.dtype)


class Dense(Layer):
    """Densely connected layer: `activation(inputs @ kernel + bias)`.

    Args:
        units: positive int, size of the output's last axis.
        activation: name or callable; None means linear.
        use_bias: whether to add a learned bias.
        kernel_initializer, bias_initializer: names or Initializer objects.
        kernel_regularizer, bias_regularizer: penalties on the weights, added to the loss.
        activity_regularizer: a penalty on the output (see `Layer`).
        kernel_constraint, bias_constraint: applied to the weights after each update.

    Input shape:  `(batch_size, ..., input_dim)`.
    Output shape: `(batch_size, ..., units)`.
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise ValueError(f"Received an invalid value for `units`, expected a positive "
                             f"integer. Received: units={units!r}")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self._set_weight_options(kernel_regularizer=kernel_regularizer,
                                 bias_regularizer=bias_regularizer,
                                 kernel_constraint=kernel_constraint,
                                 bias_constraint=bias_constraint)

    def build(self, input_shape):
        if input_shape[-1] is None:
            raise ValueError(f"The last dimension of the inputs to a Dense layer should be "
                             f"defined. Found None. Full input shape received: {input_shape}")
        self.kernel = self.add_weight("kernel", (input_shape[-1], self.units),
                                      self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight(
            "bias", (self.units,), self.bias_initializer, regularizer=self.bias_regularizer,
            constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_shape[-1]})

    def call(self, inputs, training=False):
        y = ops.matmul(inputs, self.kernel)
        return self.activation(y + self.bias if self.use_bias else y)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                **self._weight_options_config(*KERNEL_AND_BIAS_OPTIONS)}


class Activation(Layer):
    """Applies an activation function: Activation('relu')."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs, training=False):
        return self.activation(inputs)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class ReLU(Layer):
    """max(x, 0), optionally capped at `max_value`, with slope `negative_slope` below zero."""

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if threshold:
            raise ValueError("ReLU: only threshold=0 is supported. Received: "
                             f"threshold={threshold!r}")
        self.max_value, self.negative_slope = max_value, negative_slope

    def call(self, inputs, training=False):
        y = ops.leaky_relu(inputs, self.negative_slope) if self.negative_slope else ops.relu(inputs)
        return ops.clip(y, -float("inf"), self.max_value) if self.max_value is not None else y

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": 0.0}


class Softmax(Layer):
    """Softmax along `axis`."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs, training=False):
        return activations.softmax(inputs, axis=self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Dropout(GeneratorState, Layer):
    """Inverted dropout while training: zero each value with probability `rate`, scale the rest.

    Args:
        rate: fraction of the inputs to drop, in [0, 1).
        noise_shape: shape of the keep mask (None: the input's shape).
        seed: seeds this layer's own Generator.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(rate, int | float) or not 0 <= rate <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1. Received: rate={rate!r}")
        self.rate, self.noise_shape, self.seed = float(rate), noise_shape, seed
        self._rng = None

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self._rng is None:
            self._rng = config.make_rng(self.seed)
        shape = None
        if self.noise_shape is not None:
            shape = tuple(n if d is None else d for d, n in zip(self.noise_shape, inputs.shape))
        return ops.dropout(inputs, min(self.rate, 1 - 1e-7), self._rng, True, shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}


class Rescaling(Layer):
    """y = x * scale + offset (e.g. Rescaling(1/255) for 0..255 images)."""

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset

    def call(self, inputs, training=False):
        return inputs * self.scale + self.offset

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


class Embedding(Layer):
    """Turns integer ids into dense vectors: row `i` of `embeddings` for id `i`.

    Args:
        input_dim: number of ids (largest id + 1).
        output_dim: length of each vector.
        embeddings_initializer: initializer of the (input_dim, output_dim) table; 'uniform'
            is Keras' RandomUniform(-0.05, 0.05).
        embeddings_regularizer, embeddings_constraint: as Dense's kernel ones, on the table.
        activity_regularizer: a penalty on the output (see `Layer`).
        mask_zero: masks are not implemented; only False is accepted.
        input_length: length of the id sequences, when fixed.

    Input shape:  `(batch, ...)` of integer ids.
    Output shape: `(batch, ..., output_dim)`.

    The gradient of the table is scattered back: rows of ids that repeat add up.
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, activity_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, input_length=None, **kwargs):
        if "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length,)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._set_weight_options(embeddings_regularizer=embeddings_regularizer,
                                 embeddings_constraint=embeddings_constraint)
        if not all(isinstance(d, int) and not isinstance(d, bool) and d > 0
                   for d in (input_dim, output_dim)):
            raise ValueError(f"Both `input_dim` and `output_dim` should be positive, Received "
                             f"input_dim = {input_dim} and output_dim = {output_dim}")
        if mask_zero:
            raise ValueError("Embedding(mask_zero=True) needs masking, which chainrule does not "
                             "implement yet. Received: mask_zero=True")
        self.input_dim, self.output_dim = input_dim, output_dim
        self.embeddings_initializer = initializers.RandomUniform() \
            if embeddings_initializer == "uniform" else initializers.get(embeddings_initializer)
        self.mask_zero, self.input_length = False, input_length

    def build(self, input_shape):
        self.embeddings = self.add_weight(
            "embeddings", (self.input_dim, self.output_dim), self.embeddings_initializer,
            regularizer=self.embeddings_regularizer, constraint=self.embeddings_constraint)

    def call(self, inputs, training=False):
        ids = inputs.data.astype("int64")
        if ids.size and (ids.min() < 0 or ids.max() >= self.input_dim):
            where = [int(i[0]) for i in ((ids < 0) | (ids >= self.input_dim)).nonzero()]
            raise ValueError(f"Embedding {self.name!r}: indices[{','.join(map(str, where))}] = "
                             f"{int(ids[tuple(where)])} is not in [0, {self.input_dim}). Is "
                             f"`input_dim` the vocabulary size (largest id + 1)?")
        return ops.getitem(self.embeddings, ids)

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.output_dim)

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                **self._weight_options_config("embeddings_regularizer", "activity_regularizer",
                                              "embeddings_constraint"),
                "mask_zero": self.mask_zero, "input_length": self.input_length}

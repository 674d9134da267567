"""1-D pooling over (batch, steps, channels): windows along the steps axis."""
from __future__ import annotations

from chainrule import ops
from chainrule.layers.convolutional import normalize_padding, normalize_tuple
from chainrule.layers.convolutional_1d import conv1d_output_length
from chainrule.layers.input_spec import InputSpec
from chainrule.layers.layer import Layer


class _Pooling1D(Layer):
    """Shared arguments of MaxPooling1D and AveragePooling1D.

    Computed as the 2-D pooling op on a (batch, 1, steps, channels) image with a (1, pool)
    window, so it shares that op's forward and backward.

    Args:
        pool_size: int; default 2.
        strides: int or None (None means pool_size).
        padding: 'valid' or 'same'.

    Input shape:  `(batch, steps, channels)`.
    Output shape: `(batch, new_steps, channels)`: 'valid' new = floor((n - pool) / stride) + 1,
        'same' new = ceil(n / stride).
    """

    pool_fn = None

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format="channels_last",
                 **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{type(self).__name__} supports data_format='channels_last' only. "
                             f"Received: data_format={data_format!r}")
        self.pool_size = normalize_tuple(pool_size, 1, "pool_size", self.name)
        self.strides = normalize_tuple(strides if strides is not None else self.pool_size, 1,
                                       "strides", self.name)
        self.padding = normalize_padding(padding, self.name)
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs, training=False):
        n, steps, channels = inputs.shape
        image = ops.reshape(inputs, (n, 1, steps, channels))
        y = type(self).pool_fn(image, (1, self.pool_size[0]), (1, self.strides[0]), self.padding)
        return ops.reshape(y, (n, y.shape[2], channels))

    def compute_output_shape(self, input_shape):
        n, steps, c = input_shape
        return (n, conv1d_output_length(steps, self.pool_size[0], self.strides[0],
                                        self.padding), c)

    def get_config(self):
        return {**super().get_config(), "strides": self.strides, "pool_size": self.pool_size,
                "padding": self.padding, "data_format": "channels_last"}


class MaxPooling1D(_Pooling1D):
    """Largest value of each window of steps; arguments and shapes as in `_Pooling1D`."""

    pool_fn = staticmethod(ops.max_pool2d)


class AveragePooling1D(_Pooling1D):
    """Mean of each window ('same': of its unpadded part); arguments as in `_Pooling1D`."""

    pool_fn = staticmethod(ops.avg_pool2d)


class _GlobalPooling1D(Layer):
    """(batch, steps, channels) -> (batch, channels), or (batch, 1, channels) with keepdims."""

    def __init__(self, data_format="channels_last", keepdims=False, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{type(self).__name__} supports data_format='channels_last' only. "
                             f"Received: data_format={data_format!r}")
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=3)

    def compute_output_shape(self, input_shape):
        n, _, c = input_shape
        return (n, 1, c) if self.keepdims else (n, c)

    def get_config(self):
        return {**super().get_config(), "data_format": "channels_last", "keepdims": self.keepdims}


class GlobalAveragePooling1D(_GlobalPooling1D):
    """Mean over the steps of each channel."""

    def call(self, inputs, training=False):
        return ops.mean(inputs, axis=1, keepdims=self.keepdims)


class GlobalMaxPooling1D(_GlobalPooling1D):
    """Max over the steps of each channel."""

    def call(self, inputs, training=False):
        return ops.max(inputs, axis=1, keepdims=self.keepdims)

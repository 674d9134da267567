"""Pooling layers: keep the largest (or average) value of each window."""
from __future__ import annotations

from chainrule import ops
from chainrule.layers.convolutional import normalize_padding, normalize_tuple
from chainrule.layers.input_spec import InputSpec
from chainrule.layers.layer import Layer


class _Pooling2D(Layer):
    """Shared arguments of MaxPooling2D and AveragePooling2D.

    Args:
        pool_size: int or (ph, pw); default 2.
        strides: int, tuple or None (None means pool_size: `MaxPooling2D(2, 2)` is size 2, stride 2).
        padding: 'valid' or 'same'.

    Input shape:  `(batch, rows, cols, channels)`.
    Output shape: `(batch, new_rows, new_cols, channels)`, where for 'valid'
        new = floor((n - pool) / stride) + 1, and for 'same' new = ceil(n / stride).
    """

    pool_fn = None

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{type(self).__name__} supports data_format='channels_last' only. "
                             f"Received: data_format={data_format!r}")
        self.pool_size = normalize_tuple(pool_size, 2, "pool_size", self.name)
        self.strides = normalize_tuple(strides if strides is not None else self.pool_size, 2,
                                       "strides", self.name)
        self.padding = normalize_padding(padding, self.name)
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs, training=False):
        return type(self).pool_fn(inputs, self.pool_size, self.strides, self.padding)

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        size = [None if d is None else ops.conv_output_length(d, p, s, self.padding)
                for d, p, s in zip((h, w), self.pool_size, self.strides)]
        return (n, *size, c)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "strides": self.strides,
                "padding": self.padding, "data_format": "channels_last"}


class MaxPooling2D(_Pooling2D):
    """Largest value of each window; arguments and shapes as in `_Pooling2D`."""

    pool_fn = staticmethod(ops.max_pool2d)


class AveragePooling2D(_Pooling2D):
    """Mean of each window ('same': of its unpadded part); arguments as in `_Pooling2D`."""

    pool_fn = staticmethod(ops.avg_pool2d)


class _GlobalPooling2D(Layer):
    """(batch, rows, cols, channels) -> (batch, channels), or (batch, 1, 1, channels)."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=4)

    def compute_output_shape(self, input_shape):
        n, _, _, c = input_shape
        return (n, 1, 1, c) if self.keepdims else (n, c)

    def get_config(self):
        return {**super().get_config(), "data_format": "channels_last", "keepdims": self.keepdims}


class GlobalAveragePooling2D(_GlobalPooling2D):
    """Mean over rows and columns of each channel."""

    def call(self, inputs, training=False):
        return ops.mean(inputs, axis=(1, 2), keepdims=self.keepdims)


class GlobalMaxPooling2D(_GlobalPooling2D):
    """Max over rows and columns of each channel."""

    def call(self, inputs, training=False):
        return ops.max(inputs, axis=(1, 2), keepdims=self.keepdims)

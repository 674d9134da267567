"""Layers that only rearrange values: Flatten, Reshape, Permute, RepeatVector, padding,
cropping and upsampling."""
from __future__ import annotations

import math

from chainrule import ops
from chainrule.layers.convolutional import normalize_tuple
from chainrule.layers.input_spec import InputSpec
from chainrule.layers.layer import Layer


def check_channels_last(data_format, layer: str) -> None:
    """chainrule's images are NHWC: refuse 'channels_first' rather than misread it."""
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{layer} supports data_format='channels_last' only. "
                         f"Received: data_format={data_format!r}")


class Flatten(Layer):
    """(batch, d1, d2, ...) -> (batch, d1*d2*...), row-major as Keras (channels last).

    Input shape:  `(batch_size, ...)`.
    Output shape: `(batch_size, prod(...))`.
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        check_channels_last(data_format, "Flatten")
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs, training=False):
        return ops.reshape(inputs, (inputs.shape[0], -1))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        return (input_shape[0], math.prod(rest) if None not in rest else None)

    def get_config(self):
        return {**super().get_config(), "data_format": "channels_last"}


class Reshape(Layer):
    """Reshape to `target_shape` (without the batch axis; one -1 allowed)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)
        if sum(d == -1 for d in self.target_shape) > 1:
            raise ValueError(f"There must be at most one unknown dimension in output_shape. "
                             f"Received: output_shape={self.target_shape}.")

    def call(self, inputs, training=False):
        return ops.reshape(inputs, (inputs.shape[0], *self.target_shape))

    def compute_output_shape(self, input_shape):
        if -1 not in self.target_shape:
            return (input_shape[0], *self.target_shape)
        known = math.prod(d for d in self.target_shape if d != -1)
        total = math.prod(input_shape[1:])
        if total % known:
            raise ValueError(f"Reshape {self.name!r}: total size of new array must be "
                             f"unchanged, input_shape = {input_shape[1:]}, "
                             f"output_shape = {self.target_shape}")
        return (input_shape[0], *(total // known if d == -1 else d for d in self.target_shape))

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}


class ZeroPadding2D(Layer):
    """Zero rows/columns around an image: padding int, (sym_h, sym_w) or ((t, b), (l, r))."""

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        check_channels_last(data_format, "ZeroPadding2D")
        if isinstance(padding, int):
            padding = ((padding, padding), (padding, padding))
        elif all(isinstance(p, int) for p in padding):
            padding = ((padding[0], padding[0]), (padding[1], padding[1]))
        self.padding = tuple(tuple(p) for p in padding)
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs, training=False):
        return ops.pad(inputs, ((0, 0), *self.padding, (0, 0)))

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        (t, b), (lt, r) = self.padding
        return (n, None if h is None else h + t + b, None if w is None else w + lt + r, c)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


class ZeroPadding1D(Layer):
    """Zero steps before and after a sequence: padding int or (before, after).

    Input shape:  `(batch, steps, channels)`.
    Output shape: `(batch, before + steps + after, channels)`.
    """

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        pair = (padding, padding) if isinstance(padding, int) else tuple(padding)
        if len(pair) != 2 or not all(isinstance(p, int) and p >= 0 for p in pair):
            raise ValueError(f"The `padding` argument must be a tuple of 2 integers. "
                             f"Received: {padding}")
        self.padding = pair
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs, training=False):
        return ops.pad(inputs, ((0, 0), self.padding, (0, 0)))

    def compute_output_shape(self, input_shape):
        n, steps, c = input_shape
        return (n, None if steps is None else steps + sum(self.padding), c)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


class Cropping2D(Layer):
    """Cut rows and columns off an image: cropping int, (rows, cols) or ((t, b), (l, r)).

    Input shape:  `(batch, rows, cols, channels)`.
    Output shape: `(batch, rows - t - b, cols - l - r, channels)`.
    """

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        check_channels_last(data_format, "Cropping2D")
        if isinstance(cropping, int):
            cropping = ((cropping, cropping), (cropping, cropping))
        if not isinstance(cropping, tuple | list) or len(cropping) != 2:
            raise ValueError(f"`cropping` should have two elements. Received: {cropping}.")
        self.cropping = tuple((c, c) if isinstance(c, int) else
                              normalize_tuple(c, 2, "cropping", self.name, allow_zero=True)
                              for c in cropping)
        self.input_spec = InputSpec(ndim=4)

    def build(self, input_shape):
        for size, (lo, hi) in zip(input_shape[1:3], self.cropping):
            if size is not None and lo + hi >= size:
                raise ValueError(f"Argument `cropping` must be greater than the input shape. "
                                 f"Received: inputs.shape={tuple(input_shape)}, and "
                                 f"cropping={self.cropping}")

    def call(self, inputs, training=False):
        return ops.crop(inputs, ((0, 0), *self.cropping))

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        (t, b), (left, r) = self.cropping
        return (n, None if h is None else h - t - b, None if w is None else w - left - r, c)

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping,
                "data_format": "channels_last"}


class UpSampling2D(Layer):
    """Enlarge images by whole factors, repeating pixels ('nearest') or interpolating
    ('bilinear', TensorFlow's half-pixel centres).

    Input shape:  `(batch, rows, cols, channels)`.
    Output shape: `(batch, rows * size[0], cols * size[1], channels)`.
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        check_channels_last(data_format, "UpSampling2D")
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"UpSampling2D supports interpolation 'nearest' and 'bilinear'. "
                             f"Received: interpolation={interpolation!r}")
        self.size = normalize_tuple(size, 2, "size", self.name)
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs, training=False):
        return ops.upsampling2d(inputs, self.size, self.interpolation)

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        return (n, *(None if d is None else d * s for d, s in zip((h, w), self.size)), c)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": "channels_last",
                "interpolation": self.interpolation}


class Permute(Layer):
    """Reorder the non-batch axes: Permute((2, 1)) swaps steps and features.

    Input shape:  `(batch, d1, ..., dk)`.
    Output shape: `(batch, d_dims[0], ..., d_dims[k-1])`.
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Invalid permutation argument `dims` for Permute Layer. The set "
                             f"of indices in `dims` must be consecutive and start from 1. "
                             f"Received dims={self.dims}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs, training=False):
        return ops.transpose(inputs, (0, *self.dims))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}


class RepeatVector(Layer):
    """(batch, features) -> (batch, n, features): the same vector n times.

    Input shape:  `(batch, features)`.
    Output shape: `(batch, n, features)`.
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs, training=False):
        row = ops.reshape(inputs, (inputs.shape[0], 1, inputs.shape[1]))
        return ops.concat([row] * self.n, axis=1)      # gradient: the n copies' sum

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}

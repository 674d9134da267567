"""Deterministic preprocessing layers: Resizing, CenterCrop, Normalization.

They do the same in training and inference and are differentiable (resizing is linear in the
image, cropping is a slice, normalising is arithmetic), as in Keras. The random augmentation
layers are in `augmentation.py`; `Rescaling` is in `core.py`.
"""
from __future__ import annotations

import numpy as np

from chainrule import config, ops
from chainrule.autodiff.tensor import Tensor
from chainrule.backend import to_numpy
from chainrule.layers.layer import Layer
from chainrule.ops.resize import METHODS, resize


def as_float(x, dtype: str):
    """Integer images (uint8 from a decoder) as the layer's float dtype, as Keras converts
    them; float Tensors are returned as they are (the layer already cast them)."""
    return x if x.dtype.kind == "f" else Tensor(x.data.astype(dtype))


def smart_resize(x, size, interpolation="bilinear"):
    """Keras' `smart_resize` on an (N, H, W, C) Tensor: crop the largest centred box with the
    aspect ratio of `size` = (height, width), then resize it to `size` (float32 arithmetic of
    the box as in Keras)."""
    height, width = x.shape[1], x.shape[2]
    target_h, target_w = size
    crop_h = min(height, int(np.float32(width * target_h) / np.float32(target_w)))
    crop_w = min(width, int(np.float32(height * target_w) / np.float32(target_h)))
    top, left = int(np.float32(height - crop_h) / 2), int(np.float32(width - crop_w) / 2)
    box = ops.crop(x, [(0, 0), (top, height - crop_h - top), (left, width - crop_w - left)])
    return resize(box, size, interpolation)


class Resizing(Layer):
    """Resize images to (height, width) with `tf.image.resize`'s numbers (no antialiasing).

    Args:
        height, width: output size.
        interpolation: 'bilinear' (default), 'nearest', 'bicubic', 'area', 'lanczos3',
            'lanczos5', 'gaussian' or 'mitchellcubic'.
        crop_to_aspect_ratio: crop the largest centred box with the output's aspect ratio
            first (`smart_resize`), so the image is not distorted.

    Input shape: `(batch, H, W, C)` or `(H, W, C)`. Output shape: `(..., height, width, C)`.
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 **kwargs):
        super().__init__(**kwargs)
        if interpolation not in METHODS:
            raise NotImplementedError(f"Value not recognized for `interpolation`: "
                                      f"{interpolation}. Supported values are: {list(METHODS)}")
        self.height, self.width = height, width
        self.interpolation, self.crop_to_aspect_ratio = interpolation, crop_to_aspect_ratio

    def call(self, inputs, training=False):
        size = (self.height, self.width)
        return _resize(as_float(inputs, self.dtype), size, self.interpolation,
                       self.crop_to_aspect_ratio)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-3], self.height, self.width, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio}


def _resize(x, size, interpolation, crop):
    if x.ndim == 3:
        return ops.reshape(_resize(ops.reshape(x, (1, *x.shape)), size, interpolation, crop),
                           (*size, x.shape[-1]))
    return smart_resize(x, size, interpolation) if crop else resize(x, size, interpolation)


class CenterCrop(Layer):
    """Crop the centre (height, width) box of each image; smaller images are `smart_resize`d
    to (height, width) instead, as in Keras.

    Input shape: `(batch, H, W, C)` or `(H, W, C)`. Output shape: `(..., height, width, C)`.
    """

    def __init__(self, height, width, **kwargs):
        super().__init__(**kwargs)
        self.height, self.width = height, width

    def call(self, inputs, training=False):
        return center_crop(as_float(inputs, self.dtype), self.height, self.width)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-3], self.height, self.width, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}


def center_crop(x, height, width):
    """The centred (height, width) box of (N, H, W, C) or (H, W, C) images, or `smart_resize`
    when an image is smaller than that."""
    h, w = x.shape[-3], x.shape[-2]
    if h < height or w < width:
        return _resize(x, (height, width), "bilinear", True)
    top, left = (h - height) // 2, (w - width) // 2
    rows, cols = (top, h - height - top), (left, w - width - left)
    return ops.crop(x, [(0, 0)] * (x.ndim - 3) + [rows, cols])


class Normalization(Layer):
    """(x - mean) / sqrt(variance) per feature along `axis`, with the statistics given or
    learned by `adapt(data)`; `invert=True` maps back: x * sqrt(variance) + mean.

    Args:
        axis: the axis (or axes) that keep their own mean and variance; -1 (default) is one per
            channel, None a single mean and variance for everything.
        mean, variance: the statistics, if known (then `adapt` is not needed, and the layer
            has no weights); they broadcast against the kept axes.
        invert: apply the inverse map.

    Weights (after build, when `mean` is not given): non-trainable 'mean', 'variance' and
    'count' (the number of values per feature `adapt` saw), as Keras; Keras keeps the count
    as int64, chainrule's weights are floats.
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = () if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
        if 0 in self.axis:
            raise ValueError("The argument 'axis' may not be 0.")
        if (mean is None) != (variance is None):
            raise ValueError(f"When setting values directly, both `mean` and `variance` must "
                             f"be set. Got mean: {mean} and variance: {variance}")
        self.input_mean, self.input_variance, self.invert = mean, variance, invert

    def build(self, input_shape):
        ndim = len(input_shape)
        keep = sorted(a % ndim for a in self.axis)
        if any(input_shape[a] is None for a in keep):
            raise ValueError(f"All `axis` values to be kept must have known shape. Got axis: "
                             f"{self.axis}, input shape: {input_shape}")
        self._keep = keep
        self._broadcast = tuple(input_shape[a] if a in keep else 1 for a in range(ndim))
        if self.input_mean is None:
            shape = tuple(input_shape[a] for a in keep)
            self.adapt_mean = self.add_weight("mean", shape, "zeros", trainable=False)
            self.adapt_variance = self.add_weight("variance", shape, "ones", trainable=False)
            self.count = self.add_weight("count", (), "zeros", trainable=False)

    def _statistics(self, dtype):
        if self.input_mean is not None:
            mean = np.broadcast_to(np.asarray(self.input_mean, dtype), self._broadcast)
            variance = np.broadcast_to(np.asarray(self.input_variance, dtype), self._broadcast)
        else:
            mean = self.adapt_mean.data.reshape(self._broadcast).astype(dtype)
            variance = self.adapt_variance.data.reshape(self._broadcast).astype(dtype)
        scale = np.maximum(np.sqrt(variance), np.asarray(config.epsilon(), dtype))
        return mean, scale

    def call(self, inputs, training=False):
        inputs = as_float(inputs, self.dtype)
        mean, scale = self._statistics(inputs.dtype)
        return inputs * scale + mean if self.invert else (inputs - mean) / scale

    def adapt(self, data, batch_size=None, steps=None):
        """Learn the mean and variance of `data`: an array, or an iterable of batches (such as a
        `chainrule.data.Dataset`); population variance, as Keras."""
        if self.input_mean is not None:
            raise ValueError("Cannot `adapt` a Normalization layer that is initialized with "
                             "static `mean` and `variance`, you passed mean "
                             f"{self.input_mean} and variance {self.input_variance}.")
        count, mean, variance, shape = batch_statistics(data, self.axis, batch_size, steps)
        if not self.built:
            self.maybe_build(shape)
        self.adapt_mean.assign(mean.reshape(self.adapt_mean.shape).astype(self.dtype))
        self.adapt_variance.assign(variance.reshape(self.adapt_mean.shape).astype(self.dtype))
        self.count.assign(np.asarray(count, self.count.dtype))

    def get_config(self):
        listed = [None if v is None else np.asarray(v).tolist()
                  for v in (self.input_mean, self.input_variance)]
        config = {**super().get_config(), "axis": self.axis, "mean": listed[0],
                  "variance": listed[1]}
        return config | {"invert": True} if self.invert else config  # Keras 2.12 omits it


def batch_statistics(data, axis: tuple, batch_size=None, steps=None):
    """(count, mean, variance, batch shape) of `data` over every axis not in `axis`, batch by
    batch, combining the running mean and sum of squared deviations exactly (Chan et al.)."""
    if hasattr(data, "shape") or isinstance(data, list):
        array = np.asarray(to_numpy(data))
        size = batch_size or len(array) or 1
        batches = (array[i:i + size] for i in range(0, len(array), size))
    else:
        batches = iter(data)
    count, mean, squares, shape = 0, 0.0, 0.0, None
    for step, batch in enumerate(batches):
        if steps is not None and step >= steps:
            break
        if isinstance(batch, tuple | list | dict):
            raise ValueError(f"Normalization.adapt expects batches of features only; map the "
                             f"dataset to its inputs first: `ds.map(lambda x, y: x)`. Received "
                             f"an element of type {type(batch).__name__}.")
        batch = np.asarray(to_numpy(batch), np.float64)
        keep = {a % batch.ndim for a in axis}
        reduce = tuple(a for a in range(batch.ndim) if a not in keep)
        shape = (None, *batch.shape[1:])
        n = int(np.prod([batch.shape[a] for a in reduce]))
        batch_mean = batch.mean(axis=reduce, dtype=np.float64)
        batch_squares = ((batch - batch_mean.reshape([batch.shape[a] if a in keep else 1
                                                      for a in range(batch.ndim)])) ** 2
                         ).sum(axis=reduce, dtype=np.float64)
        delta = batch_mean - mean
        total = count + n
        squares = squares + batch_squares + delta ** 2 * count * n / total
        mean, count = mean + delta * n / total, total
    if shape is None:
        raise ValueError("Normalization.adapt received no data.")
    return count, np.asarray(mean), np.asarray(squares) / count, shape

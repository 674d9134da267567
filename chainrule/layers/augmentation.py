"""Random image augmentation layers: RandomFlip, RandomCrop, RandomTranslation, RandomRotation,
RandomZoom, RandomContrast, RandomBrightness (Keras 2.12's).

Each augments when training, and also when called directly (`layer(images)`: `training`
defaults to True, as in Keras); inside `predict`/`evaluate` it passes its input through
(RandomCrop resizes it to its size instead). Draws come from the layer's own Generator: from
`seed`, else from the global seed (`chainrule.config.make_rng`), so a seeded run repeats;
`get_state()`/`set_state()` save and restore it, as Dropout's.

Gradients flow through all of them, as in Keras: flips, crops, contrast and brightness are
built from ops; the warps (translation, rotation, zoom) are `ops.projective`, whose gradient
is the exact transpose of the warp (TF's rule for its warp is an approximation: see there).
"""
from __future__ import annotations

import numpy as np

from chainrule import config, ops
from chainrule.layers.layer import Layer
from chainrule.layers.preprocessing import as_float, smart_resize
from chainrule.layers.random_state import GeneratorState
from chainrule.ops import image_transform
from chainrule.ops.projective import projective_transform

MODES = ("horizontal", "vertical", "horizontal_and_vertical")


class RandomLayer(GeneratorState, Layer):
    """The Generator, its state and the batch-of-one handling shared by the random layers."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed, self._rng = seed, None

    def rng(self) -> np.random.Generator:
        if self._rng is None:
            self._rng = config.make_rng(self.seed)
        return self._rng

    def call(self, inputs, training=True):
        inputs = as_float(inputs, self.dtype)
        if not training:
            return inputs
        if inputs.ndim == 3:
            return ops.reshape(self.augment(ops.reshape(inputs, (1, *inputs.shape))),
                               inputs.shape)
        return self.augment(inputs)

    def augment(self, images):
        """Augment an (N, H, W, C) batch (a Tensor); subclasses implement it."""
        raise NotImplementedError

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


class RandomFlip(RandomLayer):
    """Flip each image left-right and/or up-down, each with probability 1/2.

    Args:
        mode: 'horizontal', 'vertical' or 'horizontal_and_vertical' (default).
        seed: seeds this layer's Generator.
    """

    def __init__(self, mode="horizontal_and_vertical", seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if mode not in MODES:
            raise ValueError(f"RandomFlip layer {self.name} received an unknown mode "
                             f"argument {mode}")
        self.mode = mode

    def augment(self, images):
        n, height, width, _ = images.shape
        rows, cols = np.arange(height), np.arange(width)
        rows, cols = np.broadcast_to(rows, (n, height)), np.broadcast_to(cols, (n, width))
        if self.mode != "vertical":
            cols = np.where(self.rng().random((n, 1)) < 0.5, cols[:, ::-1], cols)
        if self.mode != "horizontal":
            rows = np.where(self.rng().random((n, 1)) < 0.5, rows[:, ::-1], rows)
        return ops.getitem(images, (np.arange(n)[:, None, None], rows[:, :, None],
                                    cols[:, None, :]), unique=True)    # flips: permutations

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


class RandomCrop(RandomLayer):
    """Crop one random (height, width) box out of the batch while training; in inference, or
    when the images are smaller, `smart_resize` them to (height, width) instead.

    Input shape: `(batch, H, W, C)` or `(H, W, C)`. Output shape: `(..., height, width, C)`.
    """

    def __init__(self, height, width, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.height, self.width = height, width

    def call(self, inputs, training=True):
        inputs = as_float(inputs, self.dtype)
        if inputs.ndim == 3:
            out = self.call(ops.reshape(inputs, (1, *inputs.shape)), training)
            return ops.reshape(out, out.shape[1:])
        h_diff, w_diff = inputs.shape[1] - self.height, inputs.shape[2] - self.width
        if training and h_diff >= 0 and w_diff >= 0:
            top, left = self.rng().integers(0, h_diff + 1), self.rng().integers(0, w_diff + 1)
            return ops.crop(inputs, [(0, 0), (top, h_diff - top), (left, w_diff - left)])
        return smart_resize(inputs, (self.height, self.width))

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-3], self.height, self.width, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}


def _bounds(factor, name: str) -> tuple[float, float]:
    """Keras' (lower, upper) of a factor: x means (-x, x); a pair is taken as it is."""
    lower, upper = (factor[0], factor[1]) if isinstance(factor, tuple | list) \
        else (-factor, factor)
    if upper < lower:
        raise ValueError(f"`{name}` cannot have upper bound less than lower bound, got "
                         f"{factor}")
    return lower, upper


class _Warp(RandomLayer):
    """The fill and interpolation arguments of the warping layers, and the warp itself."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, **kwargs):
        super().__init__(seed=seed, **kwargs)
        image_transform.check_fill_mode(fill_mode, interpolation)
        self.fill_mode, self.fill_value, self.interpolation = fill_mode, fill_value, interpolation

    def augment(self, images):
        n, height, width, _ = images.shape
        matrices = self.matrices(n, height, width)
        return projective_transform(images, matrices, self.fill_mode, self.fill_value,
                                    self.interpolation)

    def matrices(self, n: int, height: int, width: int) -> np.ndarray:
        """(n, 8) transforms for a batch (see `ops.image_transform`)."""
        raise NotImplementedError

    def uniform(self, lower: float, upper: float, n: int) -> np.ndarray:
        return self.rng().uniform(lower, upper, n).astype(np.float32)

    def get_config(self):
        return {**super().get_config(), "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "interpolation": self.interpolation}


class RandomTranslation(_Warp):
    """Shift each image by a random fraction of its height and width.

    Args:
        height_factor: x: shift by up to x * height, up or down; (a, b): by a fraction in
            [a, b] (negative: up). Values in [-1, 1].
        width_factor: the same for the width (negative: left).
        fill_mode: 'reflect' (default), 'wrap', 'constant' or 'nearest'.
        interpolation: 'bilinear' (default) or 'nearest'.
        seed: seeds this layer's Generator.
        fill_value: the value outside the image when `fill_mode='constant'`.
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_range = _bounds(height_factor, "height_factor")
        self.width_range = _bounds(width_factor, "width_factor")
        if max(abs(b) for b in self.height_range) > 1:
            raise ValueError(f"`height_factor` argument must have values between [-1, 1]. "
                             f"Received: height_factor={height_factor}")
        if max(abs(b) for b in self.width_range) > 1:
            raise ValueError(f"`width_factor` must have values between [-1, 1], "
                             f"got {width_factor}")

    def matrices(self, n, height, width):
        dy = self.uniform(*self.height_range, n) * np.float32(height)
        dx = self.uniform(*self.width_range, n) * np.float32(width)
        return image_transform.translation_matrix(np.stack([dx, dy], axis=1))

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}


class RandomRotation(_Warp):
    """Turn each image by a random angle about its centre.

    Args:
        factor: a fraction of a full turn (2 pi): x turns by up to x either way, (a, b) by a
            fraction in [a, b]; positive turns counter-clockwise.
        fill_mode, interpolation, seed, fill_value: as in `RandomTranslation`.
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.factor = factor
        self.lower, self.upper = (factor[0], factor[1]) if isinstance(factor, tuple | list) \
            else (-factor, factor)
        if self.upper < self.lower:
            raise ValueError(f"`factor` argument cannot have a negative value. "
                             f"Received: factor={factor}")

    def matrices(self, n, height, width):
        angles = self.uniform(self.lower * 2 * np.pi, self.upper * 2 * np.pi, n)
        return image_transform.rotation_matrix(angles, height, width)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class RandomZoom(_Warp):
    """Zoom each image about its centre by a random factor (positive: out, negative: in).

    Args:
        height_factor: x: zoom the height by 1 + a fraction in [-x, x]; (a, b): in [a, b].
        width_factor: the same for the width; None (default) keeps the aspect ratio.
        fill_mode, interpolation, seed, fill_value: as in `RandomTranslation`.
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_range = _bounds(height_factor, "height_factor")
        if max(abs(b) for b in self.height_range) > 1:
            raise ValueError(f"`height_factor` argument must have values between [-1, 1]. "
                             f"Received: height_factor={height_factor}")
        self.width_range = None if width_factor is None else _bounds(width_factor,
                                                                     "width_factor")
        if self.width_range is not None and min(self.width_range) < -1:
            raise ValueError(f"`width_factor` argument must have values larger than -1. "
                             f"Received: width_factor={width_factor}")

    def matrices(self, n, height, width):
        height_zoom = 1 + self.uniform(*self.height_range, n)
        width_zoom = height_zoom if self.width_range is None \
            else 1 + self.uniform(*self.width_range, n)
        return image_transform.zoom_matrix(np.stack([width_zoom, height_zoom], axis=1),
                                           height, width)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}


class RandomContrast(RandomLayer):
    """(x - mean) * f + mean per image and channel, one f in [1 - lower, 1 + upper] per batch,
    then clipped to [0, 255], as Keras 2.12.

    Args:
        factor: x or (lower, upper), in [0, 1].
        seed: seeds this layer's Generator.
    """

    def __init__(self, factor, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = factor
        self.lower, self.upper = (factor[0], factor[1]) if isinstance(factor, tuple | list) \
            else (factor, factor)
        if self.lower < 0 or self.upper < 0 or self.lower > 1:
            raise ValueError(f"`factor` argument cannot have negative values or values "
                             f"greater than 1.Received: factor={factor}")

    def augment(self, images):
        f = np.float32(self.rng().uniform(1 - self.lower, 1 + self.upper))
        mean = ops.mean(images, axis=(1, 2), keepdims=True)
        return ops.clip((images - mean) * f + mean, 0, 255)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class RandomBrightness(RandomLayer):
    """Add one random delta per image, a fraction in [factor[0], factor[1]] of the value
    range, then clip to `value_range`.

    Args:
        factor: x in [-1, 1] means [-|x|, x|]; or a pair (lower, upper).
        value_range: the (low, high) range of the images' values, (0, 255) by default.
        seed: seeds this layer's Generator.
    """

    _FACTOR_ERROR = ("The `factor` argument should be a number (or a list of two numbers) in "
                     "the range [-1.0, 1.0]. ")

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if isinstance(factor, tuple | list) and len(factor) == 2:
            self.factor = sorted(factor)
        elif isinstance(factor, int | float) and not isinstance(factor, bool):
            self.factor = [-abs(factor), abs(factor)]
        else:
            raise ValueError(self._FACTOR_ERROR + f"Got {factor}")
        if any(not -1 <= f <= 1 for f in self.factor):
            raise ValueError(self._FACTOR_ERROR + f"Got {factor}")
        if not isinstance(value_range, tuple | list) or len(value_range) != 2:
            raise ValueError("The `value_range` argument should be a list of two numbers. "
                             f"Got {value_range}")
        self.value_range = sorted(value_range)

    def augment(self, images):
        low, high = self.value_range
        delta = self.rng().uniform(*self.factor, (images.shape[0], 1, 1, 1)) * (high - low)
        return ops.clip(images + delta.astype(images.dtype), low, high)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range,
                "seed": self.seed}

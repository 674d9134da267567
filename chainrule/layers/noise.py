"""Layers that add noise while training and pass inputs through at inference:
GaussianNoise, GaussianDropout, AlphaDropout, SpatialDropout2D.

The noise is drawn with the layer's own Generator (from `seed`, else from the global seed)
and enters the graph as a constant, so the gradient is the local rule of `+` or `*`.
"""
from __future__ import annotations

import math

from chainrule import config, ops
from chainrule.layers.core import Dropout
from chainrule.layers.input_spec import InputSpec
from chainrule.layers.layer import Layer

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


class _Noise(Layer):
    """Holds the Generator and the `training` switch of the noise layers."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self._rng = None

    def rng(self):
        if self._rng is None:
            self._rng = config.make_rng(self.seed)
        return self._rng

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


class GaussianNoise(_Noise):
    """x + N(0, stddev^2) noise while training (a regulariser); identity at inference.

    Args:
        stddev: standard deviation of the noise.
        seed: seeds this layer's Generator.
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.stddev = stddev

    def call(self, inputs, training=False):
        if not training:
            return inputs
        return inputs + self.rng().normal(0.0, self.stddev, inputs.shape).astype(inputs.dtype)

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev}


class GaussianDropout(_Noise):
    """x * N(1, rate / (1 - rate)) noise while training; identity at inference.

    Args:
        rate: drop probability the noise imitates, in [0, 1).
        seed: seeds this layer's Generator.
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = rate

    def call(self, inputs, training=False):
        if not training or not 0 < self.rate < 1:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return inputs * self.rng().normal(1.0, stddev, inputs.shape).astype(inputs.dtype)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate}


class AlphaDropout(_Noise):
    """Dropout for SELU networks: dropped values become SELU's negative saturation, and an
    affine map a * x + b restores the mean and variance, while training; identity otherwise.

    With alpha' = -SELU_SCALE * SELU_ALPHA: a = ((1 - rate) * (1 + rate * alpha'^2))^-1/2,
    b = -a * alpha' * rate.

    Args:
        rate: drop probability, in [0, 1).
        noise_shape: shape of the keep mask (None: the input's shape).
        seed: seeds this layer's Generator.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate, self.noise_shape = rate, noise_shape

    def call(self, inputs, training=False):
        if not training or not 0 < self.rate < 1:
            return inputs
        shape = inputs.shape if self.noise_shape is None else tuple(
            n if d is None else d for d, n in zip(self.noise_shape, inputs.shape))
        keep = (self.rng().uniform(size=shape) >= self.rate).astype(inputs.dtype)
        alpha_p = -SELU_SCALE * SELU_ALPHA
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        dropped = inputs * keep + alpha_p * (1 - keep)
        return dropped * a + b

    def get_config(self):
        return {**super().get_config(), "rate": self.rate}


class SpatialDropout2D(Dropout):
    """Dropout of whole feature maps: one keep/drop draw per (sample, channel), so neighbouring
    pixels, which are strongly correlated, are dropped together.

    Args:
        rate: fraction of the channels to drop, in [0, 1].
        seed: seeds this layer's Generator.

    Input shape:  `(batch, rows, cols, channels)`.  Output shape: same.
    """

    def __init__(self, rate, data_format=None, **kwargs):
        if data_format not in (None, "channels_last"):
            raise ValueError(f"SpatialDropout2D supports data_format='channels_last' only. "
                             f"Received: data_format={data_format!r}")
        super().__init__(rate, **kwargs)
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self._rng is None:
            self._rng = config.make_rng(self.seed)
        n, _, _, c = inputs.shape
        return ops.dropout(inputs, min(self.rate, 1 - 1e-7), self._rng, True, (n, 1, 1, c))

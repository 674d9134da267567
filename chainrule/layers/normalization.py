"""BatchNormalization: normalise each channel with batch statistics while training."""
from __future__ import annotations

import numpy as np

from chainrule import initializers, ops
from chainrule.autodiff.tensor import Tensor
from chainrule.layers.input_spec import InputSpec
from chainrule.layers.layer import Layer

_AFFINE_OPTIONS = ("beta_regularizer", "gamma_regularizer", "beta_constraint",
                   "gamma_constraint")                 # get_config keys, in Keras' order


class BatchNormalization(Layer):
    """y = gamma * (x - mean) / sqrt(var + epsilon) + beta, per channel (last axis).

    Training uses the batch's mean and variance and moves `moving_mean`/`moving_variance`
    towards them (`moving = moving * momentum + batch * (1 - momentum)`); inference uses the
    moving statistics. As in tf.keras, a 4-D input updates the moving variance with the
    unbiased (n / (n - 1)) batch variance, the fused-kernel behaviour, and a frozen layer
    (`trainable=False`) always runs in inference mode.

    `beta_regularizer`, `gamma_regularizer`, `beta_constraint` and `gamma_constraint` act
    on the two learned weights as Dense's kernel ones do.

    Input shape: any; statistics over every axis but the last. Output shape: same as input.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self._set_weight_options(beta_regularizer=beta_regularizer,
                                 gamma_regularizer=gamma_regularizer,
                                 beta_constraint=beta_constraint,
                                 gamma_constraint=gamma_constraint)
        if axis not in (-1,) and not isinstance(axis, int):
            raise ValueError(f"BatchNormalization: `axis` must be an int. Received: axis={axis!r}")
        self.axis, self.momentum, self.epsilon = axis, float(momentum), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.initializers = {k: initializers.get(v) for k, v in (
            ("beta", beta_initializer), ("gamma", gamma_initializer),
            ("moving_mean", moving_mean_initializer),
            ("moving_variance", moving_variance_initializer))}

    def build(self, input_shape):
        axis = self.axis % len(input_shape)
        if axis != len(input_shape) - 1:
            raise ValueError(f"BatchNormalization {self.name!r} supports the last axis only "
                             f"(channels_last). Received axis={self.axis} for input shape "
                             f"{input_shape}.")
        c = (input_shape[-1],)
        init = self.initializers
        self.gamma = self.add_weight("gamma", c, init["gamma"], **self._options("gamma")) \
            if self.scale else None
        self.beta = self.add_weight("beta", c, init["beta"], **self._options("beta")) \
            if self.center else None
        self.moving_mean = self.add_weight("moving_mean", c, init["moving_mean"], trainable=False)
        self.moving_variance = self.add_weight("moving_variance", c, init["moving_variance"],
                                               trainable=False)
        self.input_spec = InputSpec(axes={-1: input_shape[-1]})

    def _affine(self):
        """gamma and beta, or constant ones/zeros when `scale`/`center` is off."""
        c = self.moving_mean.shape
        gamma = self.gamma if self.scale else Tensor(np.ones(c, self.dtype))
        beta = self.beta if self.center else Tensor(np.zeros(c, self.dtype))
        return gamma, beta

    def call(self, inputs, training=False):
        gamma, beta = self._affine()
        if not (training and self.trainable):
            inv = 1.0 / ops.sqrt(self.moving_variance.detach() + self.epsilon)
            return (inputs - self.moving_mean.detach()) * (inv * gamma) + beta
        y, mean, var = ops.batch_norm(inputs, gamma, beta, self.epsilon)
        n = inputs.size // inputs.shape[-1]
        if inputs.ndim == 4 and n > 1:
            var = var * (n / (n - 1))
        self.moving_mean.data += (mean - self.moving_mean.data) * (1 - self.momentum)
        self.moving_variance.data += (var - self.moving_variance.data) * (1 - self.momentum)
        return y

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                **{f"{k}_initializer": initializers.serialize(v)
                   for k, v in self.initializers.items()},
                **self._weight_options_config(*_AFFINE_OPTIONS)}


class LayerNormalization(Layer):
    """y = gamma * (x - mean) / sqrt(var + epsilon) + beta, statistics over `axis` of each
    sample (not over the batch), so training and inference compute the same thing.

    Args:
        axis: int or list of ints, the axes to normalise (default the last).
        epsilon: added to the variance.
        center, scale: whether to learn `beta` and `gamma`.
        beta_initializer, gamma_initializer: their initializers (zeros, ones).
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint: as in Dense.

    Input shape:  any.  Output shape: same as input.
    Weights: `gamma` then `beta`, each of the shape of the normalised axes.
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        super().__init__(**kwargs)
        self._set_weight_options(beta_regularizer=beta_regularizer,
                                 gamma_regularizer=gamma_regularizer,
                                 beta_constraint=beta_constraint,
                                 gamma_constraint=gamma_constraint)
        if not isinstance(axis, int | list | tuple):
            raise TypeError(f"Expected an int or a list/tuple of ints for the argument 'axis', "
                            f"but received: {axis!r}")
        self.axis = list(axis) if isinstance(axis, list | tuple) else axis
        self.epsilon, self.center, self.scale = epsilon, bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)

    def build(self, input_shape):
        rank = len(input_shape)
        axes = [self.axis] if isinstance(self.axis, int) else list(self.axis)
        axes = [a + rank if a < 0 else a for a in axes]
        if any(not 0 <= a < rank for a in axes):
            raise ValueError(f"Invalid value for `axis` argument. Expected 0 <= axis < "
                             f"inputs.rank (with inputs.rank={rank}). Received: "
                             f"axis={tuple(self.axis if isinstance(self.axis, list) else [self.axis])}")
        if len(set(axes)) != len(axes):
            raise ValueError(f"Duplicate axis: {tuple(axes)}")
        self.axis = axes
        shape = tuple(input_shape[a] for a in axes)
        self.gamma = self.add_weight("gamma", shape, self.gamma_initializer,
                                     **self._options("gamma")) if self.scale else None
        self.beta = self.add_weight("beta", shape, self.beta_initializer,
                                    **self._options("beta")) if self.center else None
        self._broadcast = tuple(input_shape[a] if a in axes else 1 for a in range(rank))

    def call(self, inputs, training=False):
        y = ops.normalize(inputs, tuple(self.axis), self.epsilon)
        if self.gamma is not None:
            y = y * ops.reshape(self.gamma, self._broadcast)
        if self.beta is not None:
            y = y + ops.reshape(self.beta, self._broadcast)
        return y

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                **self._weight_options_config(*_AFFINE_OPTIONS)}

"""Activation functions by Keras name: 'relu', 'softmax', 'sigmoid', ... or None for linear.

softmax and sigmoid remember their input (`_keras_logits`), as tf.keras does, so that a
cross-entropy loss can be computed from the logits: stable, and the same numbers as Keras.
"""
from __future__ import annotations

import math

from chainrule import ops


def linear(x):
    """Identity (Keras' 'linear', shown for `activation=None`)."""
    return x


def relu(x):
    """max(x, 0)."""
    return ops.relu(x)


def sigmoid(x):
    """1 / (1 + exp(-x)); remembers x as the logits."""
    y = ops.sigmoid(x)
    y._keras_logits, y._keras_activation = x, "sigmoid"
    return y


def softmax(x, axis: int = -1):
    """exp(x) / sum(exp(x)) along `axis`; remembers x as the logits."""
    y = ops.softmax(x, axis=axis)
    y._keras_logits, y._keras_activation = x, "softmax"
    return y


def tanh(x):
    """Hyperbolic tangent."""
    return ops.tanh(x)


def elu(x, alpha: float = 1.0):
    """x if x > 0 else alpha * (exp(x) - 1)."""
    return ops.elu(x, alpha)


def selu(x):
    """Scaled ELU with Keras' constants."""
    return ops.elu(x, 1.6732632423543772) * 1.0507009873554805


def softplus(x):
    """log(1 + exp(x))."""
    return ops.softplus(x)


def leaky_relu(x, alpha: float = 0.2):
    """x if x > 0 else alpha * x (tf.keras.activations default alpha 0.2)."""
    return ops.leaky_relu(x, alpha)


def log_softmax(x, axis: int = -1):
    """log(softmax(x)), computed stably."""
    return ops.log_softmax(x, axis=axis)


def swish(x):
    """x * sigmoid(x) (also called 'silu')."""
    return x * ops.sigmoid(x)


def gelu(x, approximate: bool = False):
    """x * Phi(x), Phi the standard normal CDF: 0.5 x (1 + erf(x / sqrt(2))); with
    `approximate`, 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))."""
    if approximate:
        inner = (x + 0.044715 * x * x * x) * math.sqrt(2.0 / math.pi)
        return x * 0.5 * (ops.tanh(inner) + 1.0)
    return x * 0.5 * (ops.erf(x * (1.0 / math.sqrt(2.0))) + 1.0)


def softsign(x):
    """x / (1 + |x|)."""
    return x / (ops.abs(x) + 1.0)


def hard_sigmoid(x):
    """clip(0.2 x + 0.5, 0, 1): a piecewise-linear sigmoid (Keras 2's definition)."""
    return ops.clip(x * 0.2 + 0.5, 0.0, 1.0)


def exponential(x):
    """exp(x)."""
    return ops.exp(x)


_BY_NAME = {f.__name__: f for f in (linear, relu, sigmoid, softmax, tanh, elu, selu, softplus,
                                    leaky_relu, log_softmax, swish, gelu, softsign,
                                    hard_sigmoid, exponential)}
_BY_NAME["silu"] = swish


def get(identifier):
    """An activation callable from a name, a callable, or None (linear)."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        if identifier not in _BY_NAME:
            raise ValueError(f"Unknown activation function: {identifier!r}. "
                             f"Expected one of {sorted(_BY_NAME)}.")
        return _BY_NAME[identifier]
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret activation function identifier: {identifier!r}")


def serialize(activation) -> str:
    """The Keras name of an activation ('linear' for the identity)."""
    return getattr(activation, "__name__", repr(activation))

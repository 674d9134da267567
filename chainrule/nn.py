"""`tf.nn`'s activations and a few helpers: `tf.nn.softmax(logits)`, `tf.nn.relu(x)`, ...

Differentiable on Tensors; on arrays they return values, on symbolic tensors they add a layer
(see `chainrule.dispatch`). softmax and sigmoid remember their logits as Keras' activations do.
"""
from __future__ import annotations

from chainrule import activations, ops
from chainrule.dispatch import as_tensor_input as _t
from chainrule.dispatch import tensor_function
from chainrule.math import l2_normalize, sigmoid, tanh

__all__ = ["elu", "l2_normalize", "leaky_relu", "log_softmax", "relu", "relu6", "selu",
           "sigmoid", "sigmoid_cross_entropy_with_logits", "silu", "softmax", "softplus",
           "swish", "tanh"]


@tensor_function("tf.nn.softmax", keeps_dtype=False)
def softmax(logits, axis: int = -1, name=None):
    """exp(x) / sum(exp(x)) along `axis`."""
    return activations.softmax(_t(logits), axis=axis)


@tensor_function("tf.nn.log_softmax", keeps_dtype=False)
def log_softmax(logits, axis: int = -1, name=None):
    """log(softmax(x)), computed stably."""
    return ops.log_softmax(_t(logits), axis=axis)


@tensor_function("tf.nn.relu")
def relu(features, name=None):
    """max(x, 0)."""
    return ops.relu(_t(features))


@tensor_function("tf.nn.relu6")
def relu6(features, name=None):
    """min(max(x, 0), 6)."""
    return ops.clip(ops.relu(_t(features)), 0.0, 6.0)


@tensor_function("tf.nn.leaky_relu", keeps_dtype=False)
def leaky_relu(features, alpha: float = 0.2, name=None):
    """x if x > 0 else alpha * x (TF's default alpha is 0.2)."""
    return ops.leaky_relu(_t(features), alpha)


@tensor_function("tf.nn.elu", keeps_dtype=False)
def elu(features, name=None):
    """x if x > 0 else exp(x) - 1."""
    return ops.elu(_t(features), 1.0)


@tensor_function("tf.nn.selu", keeps_dtype=False)
def selu(features, name=None):
    """Scaled ELU with Keras' constants."""
    return activations.selu(_t(features))


@tensor_function("tf.nn.softplus", keeps_dtype=False)
def softplus(features, name=None):
    """log(1 + exp(x))."""
    return ops.softplus(_t(features))


@tensor_function("tf.nn.silu", keeps_dtype=False)
def silu(features, beta: float = 1.0, name=None):
    """x * sigmoid(beta * x)."""
    x = _t(features)
    return ops.mul(x, ops.sigmoid(ops.mul(x, beta) if beta != 1.0 else x))


swish = silu


@tensor_function("tf.nn.sigmoid_cross_entropy_with_logits", inputs=0, keeps_dtype=False)
def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Elementwise binary cross-entropy of `labels` against sigmoid(`logits`), stable."""
    if labels is None or logits is None:
        raise ValueError("sigmoid_cross_entropy_with_logits needs both `labels` and `logits` "
                         "(keyword arguments, as in TF).")
    return ops.sigmoid_cross_entropy(_t(logits), _t(labels))

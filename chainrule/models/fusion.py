"""ReLU after max-pooling: the same numbers as Conv2D(activation='relu') + MaxPooling2D, cheaper.

max is monotone, so relu(max_pool(z)) == max_pool(relu(z)) value for value. The gradients
agree too: where a window's maximum is positive, both orders route the gradient to the same
first maximum; where it is not, the ReLU gives zero either way. Applying the ReLU after the
pool touches a quarter of the values and keeps no ReLU mask of the large conv output.

`Sequential` asks `plan(layers)` once, when the model is built, and then calls the steps it
returns in turn: each layer as it is, except that a Conv2D(relu) followed by a MaxPooling2D
becomes one `ReluAfterPool` step. Layers stay as they are (the conv layer keeps its
activation and config).
"""
from __future__ import annotations

import copy

from chainrule import activations, ops
from chainrule.layers.convolutional import Conv2D
from chainrule.layers.pooling import MaxPooling2D


def relu_commutes(layer, following) -> bool:
    """Is `layer` a Conv2D with a ReLU whose only consumer is the max-pool `following`?

    Not with an activity regularizer: its penalty is of the ReLU's output, which the
    fused step never makes."""
    return (type(layer) is Conv2D and layer.activation is activations.relu
            and layer.activity_regularizer is None and type(following) is MaxPooling2D)


def plan(layers: list) -> list:
    """The steps that compute `layers` in turn: each layer, or a `ReluAfterPool` for a
    Conv2D(relu) + MaxPooling2D pair. Each step is called as step(x, training=...)."""
    steps, i = [], 0
    while i < len(layers):
        if i + 1 < len(layers) and relu_commutes(layers[i], layers[i + 1]):
            steps.append(ReluAfterPool(layers[i], layers[i + 1]))
            i += 2
        else:
            steps.append(layers[i])
            i += 1
    return steps


class ReluAfterPool:
    """relu(pool(conv_linear(x))): a Conv2D(relu) + MaxPooling2D pair with the ReLU moved last.

    The conv layer is called through a copy without its activation, so both layers still
    run their own `__call__` (input checks, build) and the gradients reach the same weights.
    """

    def __init__(self, conv: Conv2D, pool: MaxPooling2D):
        self.conv, self.pool = conv, pool

    def __call__(self, x, training: bool = False):
        z = without_activation(self.conv)(x, training=training)
        return ops.relu(self.pool(z, training=training))

    def __repr__(self) -> str:
        return f"<ReluAfterPool {self.conv.name} -> {self.pool.name}>"


def without_activation(layer):
    """A shallow copy of `layer`: the same weights (so gradients reach them), no activation."""
    linear = copy.copy(layer)
    linear.activation = activations.linear
    return linear

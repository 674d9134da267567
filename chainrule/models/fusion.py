"""ReLU after max-pooling: the same numbers as Conv2D(activation='relu') + MaxPooling2D, cheaper.

max is monotone, so relu(max_pool(z)) == max_pool(relu(z)) value for value. The gradients
agree too: where a window's maximum is positive, both orders route the gradient to the same
first maximum; where it is not, the ReLU gives zero either way. Applying the ReLU after the
pool touches a quarter of the values and keeps no mask of the large conv output (182 MB for
the horse-or-human CNN's first layer). Layers stay as they are: the model calls a copy of
the conv layer, sharing its weights, with its activation switched off.
"""
from __future__ import annotations

import copy

from chainrule import activations, ops
from chainrule.layers.convolutional import Conv2D
from chainrule.layers.pooling import MaxPooling2D


def relu_commutes(layer, following) -> bool:
    """Is `layer` a Conv2D with a ReLU whose only consumer is the max-pool `following`?"""
    return (type(layer) is Conv2D and layer.activation is activations.relu
            and type(following) is MaxPooling2D)


def call_stack(layers: list, x, training: bool = False):
    """Call `layers` in turn, moving each Conv2D(relu) + MaxPooling2D's ReLU after the pool."""
    i = 0
    while i < len(layers):
        if i + 1 < len(layers) and relu_commutes(layers[i], layers[i + 1]):
            z = without_activation(layers[i])(x, training=training)
            x = ops.relu(layers[i + 1](z, training=training))
            i += 2
        else:
            x = layers[i](x, training=training)
            i += 1
    return x


def without_activation(layer):
    """A shallow copy of `layer`: the same weights (so gradients reach them), no activation."""
    linear = copy.copy(layer)
    linear.activation = activations.linear
    return linear

"""chainrule: a deep-learning library you can read, with the Keras API.

    from chainrule.models import Sequential
    from chainrule.layers import Conv2D, MaxPooling2D, Flatten, Dense

The engine is `chainrule.autodiff` (Tensor, backward, explain, gradcheck) over the ops in
`chainrule.ops`; layers, models, optimizers, losses, metrics and callbacks sit on top.
"""
from chainrule import (activations, applications, autodiff, callbacks, config, data, image,
                       initializers, layers, losses, metrics, models, ops, optimizers,
                       preprocessing, utils)
from chainrule.autodiff import Tensor, no_grad
from chainrule.config import clear_session, set_random_seed

__version__ = "0.1.0"

__all__ = ["Tensor", "__version__", "activations", "applications", "autodiff", "callbacks",
           "clear_session", "config", "data", "image", "initializers", "layers", "losses",
           "metrics", "models", "no_grad", "ops", "optimizers", "preprocessing",
           "set_random_seed", "utils"]

"""chainrule: a deep-learning library you can read, with the Keras API.

    import chainrule as keras            # as `from tensorflow import keras`
    from chainrule import layers         # as `from tensorflow.keras import layers`
    model = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(32, 3), ...])

`import chainrule as tf` also gives the few TensorFlow functions tutorials call
(`tf.expand_dims`, `tf.nn.softmax`, `tf.GradientTape`, `tf.data.AUTOTUNE`, ...; the README's
"Beyond the lecture" table lists them). The engine is `chainrule.autodiff` (Tensor, backward,
explain, gradcheck) over the ops in `chainrule.ops`; layers, models, optimizers, losses,
metrics and callbacks sit on top. This module only re-exports.
"""
from chainrule import (activations, applications, autodiff, backend, callbacks, compat,
                       config, constraints, data, datasets, dtypes, image, initializers,
                       layers, losses, math, metrics, models, nn, ops, optimizers,
                       preprocessing, random, regularizers, train, utils, version)
from chainrule.autodiff import GradientTape, Tensor, no_grad
from chainrule.config import clear_session, set_random_seed
from chainrule.dtypes import (bool, float16, float32, float64, int8, int16, int32, int64,
                              string, uint8, uint16)
from chainrule.layers import Input, InputLayer
from chainrule.math import (abs, add, argmax, argmin, clip_by_value, divide, equal, exp, log,
                            matmul, maximum, minimum, multiply, reduce_max, reduce_mean,
                            reduce_min, reduce_std, reduce_sum, sqrt, square, subtract)
from chainrule.models import Model, Sequential
from chainrule.tensors import (Variable, cast, concat, constant, convert_to_tensor, expand_dims,
                               one_hot, ones, ones_like, reshape, shape, squeeze, stack,
                               transpose, where, zeros, zeros_like)
from chainrule.utils.image_dataset import image_dataset_from_directory as _from_directory

keras = __import__(__name__)    # `tf.keras.layers.Dense` with `import chainrule as tf`
preprocessing.image_dataset_from_directory = _from_directory  # keras.preprocessing's old home

__version__ = version.VERSION

__all__ = ["GradientTape", "Input", "InputLayer", "Model", "Sequential", "Tensor", "Variable",
           "__version__", "abs", "activations", "add", "applications", "argmax", "argmin",
           "autodiff", "backend", "bool", "callbacks", "cast", "clear_session", "clip_by_value",
           "compat", "concat", "config", "constant", "constraints", "convert_to_tensor", "data",
           "datasets", "divide", "dtypes", "equal", "exp", "expand_dims", "float16", "float32",
           "float64", "image", "initializers", "int8", "int16", "int32", "int64", "keras", "layers",
           "log", "losses", "math", "matmul", "maximum", "metrics", "minimum", "models", "multiply",
           "nn", "no_grad", "one_hot", "ones", "ones_like", "ops", "optimizers", "preprocessing",
           "random", "reduce_max", "reduce_mean", "reduce_min", "reduce_std", "reduce_sum",
           "regularizers", "reshape", "set_random_seed", "shape", "sqrt", "square", "squeeze",
           "stack", "string", "subtract", "train", "transpose", "uint8", "uint16", "utils",
           "version", "where", "zeros", "zeros_like"]

"""One function, three kinds of argument: how `chainrule.reshape`, `math.*`, `nn.*` are called.

Tutorials call a few TensorFlow functions (`tf.expand_dims`, `tf.nn.softmax`, ...) on three kinds
of value, and each of these functions is written once, on Tensors, with differentiable ops:

- on **Tensors** (inside a custom layer, a loss, a GradientTape) it returns a Tensor, and
  gradients flow through it;
- on **arrays** (NumPy, lists, numbers, dataset elements) it returns a `TensorValue`, an
  ndarray with TF's `.numpy()`, with the integer dtype kept where TF keeps it;
- on **symbolic tensors** (a functional model being defined) it adds a `TFOpLambda` to the
  graph, named like Keras' ('tf.expand_dims', 'tf.math.reduce_sum'), whose output shape is
  found by running the function on small stand-in arrays.
"""
from __future__ import annotations

import contextlib
import functools

import numpy as np

from chainrule import config
from chainrule.autodiff import Tensor, no_grad
from chainrule.data.element import TensorValue
from chainrule.data.structure import to_leaf
from chainrule.layers.layer import Layer
from chainrule.layers.symbolic import SymbolicTensor


def as_tensor_input(x) -> Tensor:
    """`x` as a Tensor: itself if it is one, else a constant keeping TF's dtype for it."""
    if isinstance(x, Tensor):
        return x
    value = np.asarray(to_leaf(x))
    return Tensor(value, dtype=value.dtype)


def _leaves(args) -> list:
    """The argument values, with lists and tuples (stack, concat) opened one level."""
    out = []
    for a in args:
        out.extend(a if isinstance(a, list | tuple) else [a])
    return out


def tensor_function(name: str, inputs: int = 1, keeps_dtype: bool = True):
    """Make `fn` (written on Tensors) also take arrays and symbolic tensors. See module doc.

    Args:
        name: the name Keras gives its layer in a functional model, e.g. 'tf.math.reduce_sum'.
        inputs: how many leading positional arguments are tensors (a list counts as one).
        keeps_dtype: integer inputs give an integer result (reshape, add, reduce_sum do;
            divide does not), as in TF.
    """
    def decorate(fn):
        @functools.wraps(fn)
        def run(*args, **kwargs):
            tensors = _leaves(args[:inputs]) + [v for v in kwargs.values()
                                                if isinstance(v, Tensor | SymbolicTensor)]
            if any(isinstance(t, SymbolicTensor) for t in tensors):
                return TFOpLambda(name, fn, args, kwargs)._call_symbolic()
            eager = not any(isinstance(t, Tensor) for t in tensors)
            with no_grad() if eager else contextlib.nullcontext():
                out = fn(*args, **kwargs)
            out = _keep_int(out, tensors) if keeps_dtype else out
            return _as_value(out) if eager else out
        return run
    return decorate


def _keep_int(out, tensors):
    """Ops compute in float; integer inputs (and no gradient) get an integer result back."""
    kinds = [np.asarray(t.data if isinstance(t, Tensor) else to_leaf(t)).dtype for t in tensors]
    if not isinstance(out, Tensor) or out.requires_grad or not kinds or out.dtype.kind != "f":
        return out
    if all(k.kind in "iub" for k in kinds):
        dtype = np.result_type(*kinds)
        return Tensor(out.data.astype(dtype), dtype=dtype)
    return out


def _as_value(out):
    """The eager result as TensorValue(s), the ndarray TF code can call `.numpy()` on."""
    if isinstance(out, list | tuple):
        return type(out)(_as_value(o) for o in out)
    if isinstance(out, Tensor):
        return TensorValue.wrap(np.asarray(out.numpy()))
    return TensorValue.wrap(out) if isinstance(out, np.ndarray | np.generic) else out


class TFOpLambda(Layer):
    """A TensorFlow-style function applied in a functional model (Keras' TFOpLambda).

    It holds the function and its arguments; the symbolic tensors among them become this
    layer's inputs, and real tensors take their places when the model runs.
    """

    def __init__(self, function_name: str, fn, args: tuple, kwargs: dict):
        super().__init__(name=config.unique_object_name(function_name))
        self.function_name, self.fn, self.args, self.kwargs = function_name, fn, args, kwargs
        self.symbolic = [t for t in _leaves(args) + list(kwargs.values())
                         if isinstance(t, SymbolicTensor)]

    def _call_symbolic(self):
        return self(self.symbolic if len(self.symbolic) > 1 else self.symbolic[0])

    def _substitute(self, values: list):
        """The arguments with each symbolic tensor replaced by its value, in order."""
        lookup = {id(s): v for s, v in zip(self.symbolic, values)}

        def swap(a):
            if isinstance(a, list | tuple):
                return type(a)(lookup.get(id(x), x) for x in a)
            return lookup.get(id(a), a)
        return [swap(a) for a in self.args], {k: swap(v) for k, v in self.kwargs.items()}

    def call(self, inputs, training=False):
        args, kwargs = self._substitute(inputs if isinstance(inputs, list) else [inputs])
        return self.fn(*args, **kwargs)

    def compute_output_shape(self, input_shape):
        """Run the function on ones with each unknown axis 2, then 3: what changes is None."""
        shapes = input_shape if isinstance(input_shape, list) else [input_shape]
        trials = [self._trial_shape(shapes, size) for size in (2, 3)]
        return tuple(a if a == b else None for a, b in zip(*trials))

    def _trial_shape(self, shapes, size: int) -> tuple:
        values = [Tensor(np.ones([size if d is None else d for d in shape],
                                 dtype=np.dtype(t.dtype)), dtype=np.dtype(t.dtype))
                  for shape, t in zip(shapes, self.symbolic)]
        with no_grad(), np.errstate(all="ignore"):
            out = self.call(values if len(values) > 1 else values[0])
        return tuple(out.shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "function": self.function_name}

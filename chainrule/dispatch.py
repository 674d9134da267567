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

FUNCTIONS: dict = {}    # Keras-style name ('tf.expand_dims') -> the function on Tensors


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
        FUNCTIONS[name] = fn

        @functools.wraps(fn)
        def run(*args, **kwargs):
            tensors = _leaves(args[:inputs]) + [v for v in kwargs.values()
                                                if isinstance(v, Tensor | SymbolicTensor)]
            if any(isinstance(t, SymbolicTensor) for t in tensors):
                return TFOpLambda.apply(name, args, kwargs)
            eager = not any(isinstance(t, Tensor) for t in tensors)
            with no_grad() if eager else contextlib.nullcontext():
                out = fn(*args, **kwargs)
            out = _keep_int(out, tensors) if keeps_dtype else out
            return _as_value(out) if eager else out
        return run
    return decorate


def _keep_int(out, tensors):
    """Ops compute in float; integer inputs (and no gradient) get an integer result back."""
    kinds = [t.dtype if isinstance(t, Tensor) else np.asarray(to_leaf(t)).dtype for t in tensors]
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


class _Slot:
    """Where the k-th input of a TFOpLambda goes among the function's arguments."""

    def __init__(self, index: int):
        self.index = index


def _to_slots(value, symbolic: list):
    """`value` with each symbolic tensor replaced by a _Slot (collected in `symbolic`)."""
    if isinstance(value, SymbolicTensor):
        symbolic.append(value)
        return _Slot(len(symbolic) - 1)
    if isinstance(value, list | tuple):
        return type(value)(_to_slots(v, symbolic) for v in value)
    return value


def _fill(value, inputs: list):
    if isinstance(value, _Slot):
        return inputs[value.index]
    if isinstance(value, list | tuple):
        return type(value)(_fill(v, inputs) for v in value)
    return value


def _encode(value):
    """JSON-able: slots and dtypes become small tagged dicts."""
    if isinstance(value, _Slot):
        return {"__input__": value.index}
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return {"__dtype__": np.dtype(value).name}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value.item() if isinstance(value, np.generic) else value


def _decode(value):
    if isinstance(value, dict) and "__input__" in value:
        return _Slot(value["__input__"])
    if isinstance(value, dict) and "__dtype__" in value:
        return np.dtype(value["__dtype__"])
    return [_decode(v) for v in value] if isinstance(value, list) else value


class TFOpLambda(Layer):
    """A TensorFlow-style function applied in a functional model (Keras' TFOpLambda).

    It holds the function's name and its arguments, in which each symbolic tensor is replaced
    by a slot; the symbolic tensors become the layer's inputs, and when the model runs their
    values fill the slots. The config names the function, so saved models load again.
    """

    def __init__(self, function: str, arguments=(), keyword_arguments=None, input_dtypes=(),
                 name=None, **kwargs):
        if function not in FUNCTIONS:
            raise ValueError(f"TFOpLambda: unknown function {function!r}. Expected one of "
                             f"chainrule's tf-style functions, e.g. 'tf.expand_dims'.")
        super().__init__(name=name or config.unique_object_name(function), **kwargs)
        self.function, self.fn = function, FUNCTIONS[function]
        self.arguments = [_decode(a) for a in arguments]
        self.keyword_arguments = {k: _decode(v) for k, v in (keyword_arguments or {}).items()}
        self.input_dtypes = list(input_dtypes)

    @classmethod
    def apply(cls, function: str, args: tuple, kwargs: dict) -> SymbolicTensor:
        """The symbolic output of `function(*args, **kwargs)`, through a new TFOpLambda."""
        symbolic: list = []
        arguments = [_to_slots(a, symbolic) for a in args]
        keyword_arguments = {k: _to_slots(v, symbolic) for k, v in kwargs.items()}
        layer = cls(function, arguments, keyword_arguments, [t.dtype for t in symbolic])
        return layer(symbolic if len(symbolic) > 1 else symbolic[0])

    def call(self, inputs, training=False):
        values = inputs if isinstance(inputs, list) else [inputs]
        return self.fn(*_fill(self.arguments, values), **{
            k: _fill(v, values) for k, v in self.keyword_arguments.items()})

    def compute_output_shape(self, input_shape):
        """Run the function on ones with each unknown axis 2, then 3: what changes is None."""
        shapes = input_shape if isinstance(input_shape, list) else [input_shape]
        trials = [self._trial_shape(shapes, size) for size in (2, 3)]
        return tuple(a if a == b else None for a, b in zip(*trials))

    def _trial_shape(self, shapes, size: int) -> tuple:
        values = [Tensor(np.ones([size if d is None else d for d in shape], dtype=np.dtype(dt)),
                         dtype=np.dtype(dt)) for shape, dt in zip(shapes, self.input_dtypes)]
        with no_grad(), np.errstate(all="ignore"):
            out = self.call(values if len(values) > 1 else values[0])
        return tuple(out.shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "function": self.function,
                "arguments": _encode(self.arguments),
                "keyword_arguments": {k: _encode(v) for k, v in self.keyword_arguments.items()},
                "input_dtypes": [np.dtype(d).name for d in self.input_dtypes]}

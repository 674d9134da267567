"""`Tensor`: an array that remembers which operation made it, so gradients can flow back.

`data` holds the values (a NumPy array, float32 unless float64 was given), `grad` the
accumulated gradient of whatever `backward()` was called on, and `creator` the Function
whose output this is (None for a leaf). Operators (+ - * / ** @, indexing, ...) are
differentiable ops from `chainrule.ops`, imported on first use so this module stays
independent of them.
"""
from __future__ import annotations

import numpy as np

from chainrule import config
from chainrule.backend import get_array_module, to_numpy


def _ops():
    from chainrule import ops

    return ops


class Tensor:
    """A node of the computation graph. See the module docstring."""

    __array_priority__ = 100  # so ndarray + Tensor calls Tensor.__radd__

    def __init__(self, data, requires_grad: bool = False, name: str | None = None, dtype=None):
        self.data = _to_array(data, dtype)
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self.creator = None
        self.name = name

    # --- array facts -------------------------------------------------------------------
    shape = property(lambda self: self.data.shape, doc="Shape of `data`.")
    dtype = property(lambda self: self.data.dtype, doc="dtype of `data`.")
    ndim = property(lambda self: self.data.ndim, doc="Number of axes.")
    size = property(lambda self: self.data.size, doc="Number of elements.")

    def __len__(self) -> int:
        return len(self.data)

    def numpy(self) -> np.ndarray:
        """The values as a NumPy array (a view of `data` on the CPU)."""
        return to_numpy(self.data)

    def item(self) -> float:
        """The single value of a one-element tensor, as a Python number."""
        return self.data.item()

    # --- conversions, so NumPy, matplotlib and Python builtins take a Tensor as a value ----
    def __array__(self, dtype=None, copy=None):
        return self.numpy() if dtype is None else self.numpy().astype(dtype, copy=False)

    def __float__(self) -> float:
        return float(self._one_value())

    def __int__(self) -> int:
        return int(self._one_value())

    def _one_value(self):
        if self.size != 1:
            raise TypeError(f"Only a one-element tensor converts to a Python number; this one "
                            f"has shape {self.shape}.")
        return self.data.item()

    def __index__(self) -> int:
        if self.dtype.kind not in "iu":
            raise TypeError(f"Only integer tensors can be used as an index; this one is "
                            f"{self.dtype}. Cast it first: int(t).")
        return int(self._one_value())

    def __format__(self, spec: str) -> str:
        one = spec and self.size == 1
        return format(self._one_value(), spec) if one else super().__format__(spec)

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        name = f", name={self.name!r}" if self.name else ""
        return f"Tensor({np.array2string(self.numpy(), precision=4)}{grad}{name})"

    # --- gradients -----------------------------------------------------------------------
    def backward(self, grad=None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` (seed 1 for a scalar)."""
        from chainrule.autodiff.graph import run_backward

        if grad is None:
            if self.size != 1:
                raise RuntimeError(
                    f"backward() without a gradient needs a scalar, but this tensor has shape "
                    f"{self.shape}. Pass grad= (an array of that shape) or reduce it first."
                )
            grad = get_array_module(self.data).ones_like(self.data)
        grad = _to_array(grad, self.dtype)
        if grad.shape != self.shape:
            raise ValueError(f"backward(grad=...) expects shape {self.shape}, got {grad.shape}.")
        if self.creator is None:
            if getattr(self, "_graph_freed", False):
                raise RuntimeError(
                    "Trying to backward through the graph a second time: its cached values were "
                    "freed by the first backward(). Use backward(retain_graph=True) the first time."
                )
            self.grad = grad.copy() if self.grad is None else self.grad + grad
            return
        run_backward(self, grad, retain_graph=retain_graph)
        self._graph_freed = not retain_graph

    def zero_grad(self) -> None:
        """Forget the accumulated gradient."""
        self.grad = None

    def detach(self) -> Tensor:
        """The same values, cut from the graph."""
        return Tensor(self.data, name=self.name)

    def explain(self, file=None) -> None:
        """Print every node's value, local gradients and upstream gradient. See autodiff.explain."""
        from chainrule.autodiff.explain import explain

        explain(self, file=file)

    # --- operators (each one is a differentiable op) ---------------------------------------
    def __add__(self, other):
        return _ops().add(self, other)

    def __radd__(self, other):
        return _ops().add(other, self)

    def __sub__(self, other):
        return _ops().sub(self, other)

    def __rsub__(self, other):
        return _ops().sub(other, self)

    def __mul__(self, other):
        return _ops().mul(self, other)

    def __rmul__(self, other):
        return _ops().mul(other, self)

    def __truediv__(self, other):
        return _ops().div(self, other)

    def __rtruediv__(self, other):
        return _ops().div(other, self)

    def __pow__(self, exponent):
        return _ops().power(self, exponent)

    def __matmul__(self, other):
        return _ops().matmul(self, other)

    def __rmatmul__(self, other):
        return _ops().matmul(other, self)

    def __neg__(self):
        return _ops().neg(self)

    def __getitem__(self, index):
        return _ops().getitem(self, index)

    def sum(self, axis=None, keepdims: bool = False, dtype=None, out=None):
        return _ops().sum(_plain(self, dtype, out), axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims: bool = False, dtype=None, out=None):
        return _ops().mean(_plain(self, dtype, out), axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims: bool = False, dtype=None, out=None):
        return _ops().max(_plain(self, dtype, out), axis=axis, keepdims=keepdims)

    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], tuple | list) else shape
        return _ops().reshape(self, tuple(shape))

    def transpose(self, *axes):
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], tuple | list) else axes
        return _ops().transpose(self, tuple(axes) if axes else None)

    @property
    def T(self):
        return _ops().transpose(self, None)


def _plain(t: Tensor, dtype, out) -> Tensor:
    """np.sum(t), np.mean(t), np.max(t) call t.sum(axis=..., dtype=None, out=None): fine."""
    if dtype is not None or out is not None:
        raise TypeError("Tensor reductions take no `dtype` or `out`; cast the result instead.")
    return t


def _to_array(data, dtype=None):
    """The array behind `data`: floats (arrays or NumPy scalars) keep their dtype, else floatx."""
    if isinstance(data, Tensor):
        data = data.data
    xp = get_array_module(data)
    if dtype is not None:
        return xp.asarray(data, dtype=dtype)
    if isinstance(data, xp.ndarray) and data.dtype.kind == "f":
        return xp.asarray(data)          # the same array; a subclass (TensorValue) as a plain one
    if isinstance(data, np.generic) and data.dtype.kind == "f":  # e.g. a float64 .sum() result
        return xp.asarray(data)
    return xp.asarray(data, dtype=config.floatx())


def as_tensor(x, dtype=None) -> Tensor:
    """`x` itself if it is a Tensor, else a constant Tensor (no gradient) holding it."""
    return x if isinstance(x, Tensor) else Tensor(x, dtype=dtype)

"""`Function`: one differentiable operation, the unit of the chain rule.

A Function's `forward` computes its output from plain arrays and caches exactly what its
local gradient needs; its `backward(gy)` multiplies the upstream gradient `gy` by that local
gradient and returns one gradient per input. `__call__` does the bookkeeping: it unwraps
Tensors, decides whether a graph node is needed, and links the output to this Function.
"""
from __future__ import annotations

from chainrule.autodiff import graph
from chainrule.autodiff.tensor import Tensor, as_tensor


class Function:
    """Base class of every op. Subclasses implement `forward` and `backward`.

    Attributes set by `__call__` when a graph is recorded:
        inputs: the input Tensors, in call order.
        output_shape: shape of the output, so `explain()` can seed a local gradient.
    """

    inputs: tuple[Tensor, ...] = ()

    def __call__(self, *inputs) -> Tensor:
        tensors = _as_tensors(inputs)
        out = self.forward(*(t.data for t in tensors))
        record = graph.is_grad_enabled() and any(t.requires_grad for t in tensors)
        result = Tensor(out, requires_grad=record)
        if record:
            self.inputs = tensors
            self.output_shape = result.shape
            result.creator = self
        else:
            self.release()
        return result

    def forward(self, *arrays):
        raise NotImplementedError(f"{type(self).__name__} must implement forward().")

    def backward(self, gy):
        raise NotImplementedError(f"{type(self).__name__} must implement backward().")

    def release(self) -> None:
        """Drop cached arrays and inputs so the memory of the graph can be reclaimed."""
        self.__dict__.clear()

    @property
    def name(self) -> str:
        """Lower-case op name for printing, e.g. 'mul' for Mul, 'conv2d' for Conv2DOp."""
        return type(self).__name__.removesuffix("Op").lower()


def _as_tensors(inputs) -> tuple[Tensor, ...]:
    """Wrap non-Tensor inputs; a Python scalar takes the dtype of the first Tensor input."""
    like = next((x for x in inputs if isinstance(x, Tensor)), None)
    dtype = like.dtype if like is not None else None
    return tuple(x if isinstance(x, Tensor) else as_tensor(x, dtype=dtype) for x in inputs)


def unbroadcast(grad, shape: tuple[int, ...]):
    """Sum `grad` over the axes broadcasting added or stretched, so it has `shape`."""
    if grad.shape == tuple(shape):
        return grad
    lead = grad.ndim - len(shape)
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1)
    axes = tuple(range(lead)) + stretched
    return grad.sum(axis=axes).reshape(shape) if axes else grad.reshape(shape)

"""Reductions: sum, mean, max over axes. Backward broadcasts the gradient back."""
from __future__ import annotations

from chainrule.autodiff.function import Function
from chainrule.backend import get_array_module


def _normalize_axes(axis, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple | list) else (axis,)
    return tuple(sorted(a % ndim for a in axes))


def _expand(g, axes: tuple[int, ...], keepdims: bool):
    """Re-insert the reduced axes (as size 1) so `g` broadcasts against the input."""
    if keepdims:
        return g
    for a in axes:
        g = get_array_module(g).expand_dims(g, a)
    return g


class Sum(Function):
    """z = sum(a, axis). dz/da = 1 everywhere."""

    def __init__(self, axis=None, keepdims: bool = False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, a):
        self.shape, self.axes = a.shape, _normalize_axes(self.axis, a.ndim)
        return a.sum(axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy):
        xp = get_array_module(gy)
        return (xp.broadcast_to(_expand(gy, self.axes, self.keepdims), self.shape).copy(),)


class Mean(Function):
    """z = mean(a, axis). dz/da = 1/n."""

    def __init__(self, axis=None, keepdims: bool = False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, a):
        self.shape, self.axes = a.shape, _normalize_axes(self.axis, a.ndim)
        self.n = 1
        for ax in self.axes:
            self.n *= a.shape[ax]
        return a.mean(axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy):
        xp = get_array_module(gy)
        g = _expand(gy, self.axes, self.keepdims) / self.n
        return (xp.broadcast_to(g, self.shape).astype(gy.dtype),)


class Max(Function):
    """z = max(a, axis). The gradient goes to the maximum (split evenly between ties)."""

    def __init__(self, axis=None, keepdims: bool = False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, a):
        self.axes = _normalize_axes(self.axis, a.ndim)
        y = a.max(axis=self.axes, keepdims=True)
        is_max = a == y
        self.local_grad = is_max / is_max.sum(axis=self.axes, keepdims=True)
        return y if self.keepdims else y.squeeze(self.axes)

    def backward(self, gy):
        return ((_expand(gy, self.axes, self.keepdims) * self.local_grad).astype(gy.dtype),)


def sum(a, axis=None, keepdims: bool = False):  # noqa: A001 - mirrors numpy's name
    """Sum over `axis` (all axes when None). See `Sum`."""
    return Sum(axis, keepdims)(a)


def mean(a, axis=None, keepdims: bool = False):
    """Mean over `axis` (all axes when None). See `Mean`."""
    return Mean(axis, keepdims)(a)


def max(a, axis=None, keepdims: bool = False):  # noqa: A001 - mirrors numpy's name
    """Maximum over `axis` (all axes when None). See `Max`."""
    return Max(axis, keepdims)(a)

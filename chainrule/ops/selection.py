"""Ops that pick values elementwise by a condition: where."""
from __future__ import annotations

from chainrule.autodiff.function import Function, unbroadcast
from chainrule.backend import get_array_module, unwrap


class Where(Function):
    """z = a where `condition`, else b (all three broadcast). The condition is a constant."""

    def __init__(self, condition):
        self.condition = condition

    def forward(self, a, b):
        xp = get_array_module(a, b)
        self.shapes = a.shape, b.shape
        self.mask = xp.asarray(self.condition).astype(bool)
        return xp.where(self.mask, a, b)

    def backward(self, gy):
        zero = gy.dtype.type(0)
        ga = get_array_module(gy).where(self.mask, gy, zero)      # dz/da = 1 where chosen
        gb = get_array_module(gy).where(self.mask, zero, gy)
        return unbroadcast(ga, self.shapes[0]), unbroadcast(gb, self.shapes[1])


def where(condition, a, b):
    """Elementwise `a if condition else b`, differentiable in a and b. See `Where`."""
    return Where(unwrap(condition))(a, b)

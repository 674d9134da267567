"""Cropping: keep an inner box of an array. The adjoint of zero padding."""
from __future__ import annotations

from chainrule.autodiff.function import Function
from chainrule.backend import get_array_module


class Crop(Function):
    """z = a[lo_0 : n_0 - hi_0, lo_1 : n_1 - hi_1, ...]; the gradient is gy padded back."""

    def __init__(self, crops):
        self.crops = tuple(tuple(c) for c in crops)

    def forward(self, a):
        self.crops = self.crops + ((0, 0),) * (a.ndim - len(self.crops))
        return a[tuple(slice(lo, n - hi) for (lo, hi), n in zip(self.crops, a.shape))]

    def backward(self, gy):
        return (get_array_module(gy).pad(gy, self.crops),)  # cropped-off values get no gradient


def crop(a, crops):
    """Cut `crops[i] = (before, after)` entries off axis i (missing axes are kept whole).

    >>> import numpy as np
    >>> crop(np.arange(10.0), [(2, 3)]).data.tolist()
    [2.0, 3.0, 4.0, 5.0, 6.0]
    """
    return Crop(crops)(a)

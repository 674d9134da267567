"""Normalising each sample over some of its axes (layer normalisation, without gamma/beta)."""
from __future__ import annotations

from chainrule.autodiff.function import Function
from chainrule.backend import get_array_module


class Normalize(Function):
    """y = (x - mean) / sqrt(var + epsilon), mean and var over `axes` of each sample.

    With xhat = y and inv = 1 / sqrt(var + epsilon), the local rule is
    dx = inv * (gy - mean(gy) - xhat * mean(gy * xhat)), means over `axes`: the two
    subtractions remove what moving the mean and the variance takes back.
    """

    def __init__(self, axes: tuple[int, ...], epsilon: float):
        self.axes, self.epsilon = axes, epsilon

    def forward(self, x):
        xp = get_array_module(x)
        centred = x - x.mean(axis=self.axes, keepdims=True)
        variance = (centred * centred).mean(axis=self.axes, keepdims=True)
        self.inv = (1.0 / xp.sqrt(variance + self.epsilon)).astype(x.dtype)
        self.xhat = centred * self.inv
        return self.xhat

    def backward(self, gy):
        mean_gy = gy.mean(axis=self.axes, keepdims=True)
        mean_gy_xhat = (gy * self.xhat).mean(axis=self.axes, keepdims=True)
        return (self.inv * (gy - mean_gy - self.xhat * mean_gy_xhat),)


def normalize(x, axes, epsilon: float = 1e-3):
    """Zero mean, unit variance over `axes` (int or tuple) of each sample. See `Normalize`.

    >>> import numpy as np
    >>> y = normalize(np.array([[1.0, 2.0, 3.0]]), axes=-1, epsilon=0.0).data
    >>> [round(v, 4) for v in y[0].tolist()]
    [-1.2247, 0.0, 1.2247]
    """
    return Normalize(tuple(axes) if isinstance(axes, list | tuple) else (axes,), epsilon)(x)

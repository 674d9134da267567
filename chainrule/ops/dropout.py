"""Inverted dropout: the op that zeroes random activations while training."""
from __future__ import annotations

from chainrule.autodiff.function import Function
from chainrule.backend import get_array_module


class DropoutOp(Function):
    """Inverted dropout: keep each value with probability 1 - rate and scale it by 1/(1 - rate).

    Scaling while training keeps the expected activation unchanged, so inference is the
    identity. The random mask is drawn by the caller's Generator, never a global RNG.
    """

    def __init__(self, rate: float, rng, noise_shape=None):
        self.rate, self.rng, self.noise_shape = rate, rng, noise_shape

    def forward(self, x):
        xp = get_array_module(x)
        shape = self.noise_shape or x.shape
        keep = xp.asarray(self.rng.random(shape, dtype=x.dtype)) >= self.rate
        self.local_grad = keep * x.dtype.type(1.0 / (1.0 - self.rate))  # dy/dx: 0 or 1/(1-rate)
        return x * self.local_grad

    def backward(self, gy):
        return (gy * self.local_grad,)


def dropout(x, rate: float, rng, training: bool = True, noise_shape=None):
    """Inverted dropout when `training`, identity otherwise. See `DropoutOp`."""
    if not 0 <= rate < 1:
        raise ValueError(f"dropout rate must be in [0, 1). Received: rate={rate!r}")
    if not training or rate == 0:
        return x
    return DropoutOp(rate, rng, noise_shape)(x)

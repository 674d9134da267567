"""Batch normalisation with the batch's own statistics (the training-mode op)."""
from __future__ import annotations

from chainrule.autodiff.function import Function
from chainrule.backend import get_array_module, unwrap


class BatchNorm(Function):
    """y = gamma * (x - mean) / sqrt(var + eps) + beta, with the batch's own mean and variance.

    Statistics are over every axis but the last (channels); they are computed by
    `batch_norm` and handed in, so the caller can also use them for moving averages. The
    backward pass folds the gradient through mean and var into one expression.
    """

    def __init__(self, epsilon: float, mean, var):
        self.epsilon, self.mean, self.var = epsilon, mean, var

    def forward(self, x, gamma, beta):
        xp = get_array_module(x)
        self.axes = tuple(range(x.ndim - 1))
        self.inv_std = 1.0 / xp.sqrt(self.var + self.epsilon)
        self.xhat = (x - self.mean) * self.inv_std
        self.gamma = gamma
        return self.xhat * gamma + beta

    def backward(self, gy):
        n = gy.size // gy.shape[-1]
        dbeta = gy.sum(axis=self.axes)
        dgamma = (gy * self.xhat).sum(axis=self.axes)
        # dx = gamma/std * (gy - mean(gy) - xhat * mean(gy * xhat))
        dx = (self.gamma * self.inv_std) * (gy - dbeta / n - self.xhat * (dgamma / n))
        return dx.astype(gy.dtype), dgamma, dbeta


def batch_norm(x, gamma, beta, epsilon: float = 1e-3):
    """Normalise with the batch statistics (training mode). See `BatchNorm`.

    Returns:
        (y, mean, var): the output Tensor and the batch mean and biased variance (arrays).
    """
    data = unwrap(x)
    axes = tuple(range(data.ndim - 1))
    mean, var = data.mean(axis=axes), data.var(axis=axes)
    return BatchNorm(epsilon, mean, var)(x, gamma, beta), mean, var

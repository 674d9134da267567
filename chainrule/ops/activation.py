"""Activations. Each caches its local gradient (or its output) on the forward pass."""
from __future__ import annotations

from chainrule.autodiff.function import Function
from chainrule.backend import get_array_module
from chainrule.runtime import buffers


class ReLUOp(Function):
    """y = max(x, 0)."""

    def forward(self, x):
        xp = get_array_module(x)
        out = buffers.empty(x.shape, x.dtype, xp) if x.dtype.kind == "f" else None
        self.y = xp.maximum(x, 0, out=out)             # cached: y > 0 exactly where x > 0
        return self.y

    def backward(self, gy):
        xp = get_array_module(gy)
        out = buffers.empty(gy.shape, gy.dtype, xp) if gy.dtype == self.y.dtype else None
        return (xp.multiply(gy, self.y > 0, out=out),)  # dy/dx = 1 where x > 0, else 0


class Sigmoid(Function):
    """y = 1 / (1 + exp(-x))."""

    def forward(self, x):
        xp = get_array_module(x)
        y = xp.exp(-xp.logaddexp(0, -x)).astype(x.dtype)   # stable for large |x|
        self.local_grad = y * (1 - y)                  # dy/dx = y (1 - y)
        return y

    def backward(self, gy):
        return (gy * self.local_grad,)


class Tanh(Function):
    """y = tanh(x)."""

    def forward(self, x):
        self.y = get_array_module(x).tanh(x)
        return self.y

    def backward(self, gy):
        return (gy * (1 - self.y * self.y),)           # dy/dx = 1 - y^2


class SoftmaxOp(Function):
    """y = exp(x) / sum(exp(x)) along `axis`."""

    def __init__(self, axis: int = -1):
        self.axis = axis

    def forward(self, x):
        xp = get_array_module(x)
        e = xp.exp(x - x.max(axis=self.axis, keepdims=True))
        self.y = e / e.sum(axis=self.axis, keepdims=True)
        return self.y

    def backward(self, gy):
        y = self.y                                     # dx = y * (gy - sum(gy * y))
        return (y * (gy - (gy * y).sum(axis=self.axis, keepdims=True)),)


class LogSoftmax(Function):
    """y = x - logsumexp(x) along `axis`."""

    def __init__(self, axis: int = -1):
        self.axis = axis

    def forward(self, x):
        xp = get_array_module(x)
        shifted = x - x.max(axis=self.axis, keepdims=True)
        y = shifted - xp.log(xp.exp(shifted).sum(axis=self.axis, keepdims=True))
        self.softmax = xp.exp(y)
        return y

    def backward(self, gy):
        return (gy - self.softmax * gy.sum(axis=self.axis, keepdims=True),)


class LeakyReLU(Function):
    """y = x if x > 0 else alpha * x."""

    def __init__(self, alpha: float):
        self.alpha = alpha

    def forward(self, x):
        xp = get_array_module(x)
        self.local_grad = xp.where(x > 0, 1, self.alpha).astype(x.dtype)
        return x * self.local_grad

    def backward(self, gy):
        return (gy * self.local_grad,)


class Softplus(Function):
    """y = log(1 + exp(x))."""

    def forward(self, x):
        xp = get_array_module(x)
        self.local_grad = xp.exp(-xp.logaddexp(0, -x)).astype(x.dtype)  # dy/dx = sigmoid(x)
        return xp.logaddexp(0, x).astype(x.dtype)

    def backward(self, gy):
        return (gy * self.local_grad,)


class ELU(Function):
    """y = x if x > 0 else alpha * (exp(x) - 1)."""

    def __init__(self, alpha: float = 1.0):
        self.alpha = alpha

    def forward(self, x):
        xp = get_array_module(x)
        neg = self.alpha * (xp.exp(xp.minimum(x, 0)) - 1)
        self.local_grad = xp.where(x > 0, 1, neg + self.alpha).astype(x.dtype)
        return xp.where(x > 0, x, neg).astype(x.dtype)

    def backward(self, gy):
        return (gy * self.local_grad,)


def relu(x):
    """max(x, 0). See `ReLUOp`."""
    return ReLUOp()(x)


def sigmoid(x):
    """Logistic sigmoid. See `Sigmoid`."""
    return Sigmoid()(x)


def tanh(x):
    """Hyperbolic tangent. See `Tanh`."""
    return Tanh()(x)


def softmax(x, axis: int = -1):
    """Softmax along `axis`. See `SoftmaxOp`."""
    return SoftmaxOp(axis)(x)


def log_softmax(x, axis: int = -1):
    """log(softmax(x)), computed stably. See `LogSoftmax`."""
    return LogSoftmax(axis)(x)


def leaky_relu(x, alpha: float = 0.3):
    """Leaky ReLU (Keras' default alpha is 0.3). See `LeakyReLU`."""
    return LeakyReLU(alpha)(x)


def softplus(x):
    """log(1 + exp(x)). See `Softplus`."""
    return Softplus()(x)


def elu(x, alpha: float = 1.0):
    """Exponential linear unit. See `ELU`."""
    return ELU(alpha)(x)

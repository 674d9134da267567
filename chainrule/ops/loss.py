"""Fused, numerically stable cross-entropies computed from logits.

Fusing softmax (or sigmoid) with the log keeps the loss finite for any logits and gives the
simple gradient `probabilities - labels` instead of a ratio of tiny numbers. Each returns one
loss per sample; the labels get no gradient.
"""
from __future__ import annotations

from chainrule.autodiff.function import Function
from chainrule.backend import get_array_module


def _log_softmax(z, axis: int):
    xp = get_array_module(z)
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))


class SoftmaxCrossEntropy(Function):
    """loss = -sum(y * log_softmax(z)) along `axis`; y may be soft (label smoothing)."""

    def __init__(self, axis: int = -1):
        self.axis = axis

    def forward(self, z, y):
        logp = _log_softmax(z, self.axis)
        xp = get_array_module(z)
        self.local_grad = xp.exp(logp) * y.sum(axis=self.axis, keepdims=True) - y  # dL/dz
        return -(y * logp).sum(axis=self.axis)

    def backward(self, gy):
        return get_array_module(gy).expand_dims(gy, self.axis) * self.local_grad, None


class SparseSoftmaxCrossEntropy(Function):
    """loss = logsumexp(z) - z[label], labels as integer class indices (last axis = classes)."""

    def forward(self, z, labels):
        xp = get_array_module(z)
        idx = labels.astype(xp.int64).reshape(z.shape[:-1])
        if idx.size and (idx.min() < 0 or idx.max() >= z.shape[-1]):
            raise ValueError(
                f"sparse labels must be in [0, {z.shape[-1]}) for {z.shape[-1]} classes; "
                f"received labels from {int(idx.min())} to {int(idx.max())}."
            )
        logp = _log_softmax(z, -1)
        picked = xp.take_along_axis(logp, idx[..., None], axis=-1)[..., 0]
        self.local_grad = xp.exp(logp)                 # dL/dz = softmax(z) - onehot(label)
        xp.put_along_axis(self.local_grad, idx[..., None],
                          xp.take_along_axis(self.local_grad, idx[..., None], axis=-1) - 1, -1)
        self.labels_shape = labels.shape
        return -picked

    def backward(self, gy):
        return gy[..., None] * self.local_grad, None


class SigmoidCrossEntropy(Function):
    """loss = max(z, 0) - z*y + log(1 + exp(-|z|)), elementwise (TF's stable form)."""

    def forward(self, z, y):
        xp = get_array_module(z)
        self.local_grad = xp.exp(-xp.logaddexp(0, -z)).astype(z.dtype) - y  # sigmoid(z) - y
        return xp.maximum(z, 0) - z * y + xp.log1p(xp.exp(-xp.abs(z)))

    def backward(self, gy):
        return gy * self.local_grad, None


def softmax_cross_entropy(logits, labels, axis: int = -1):
    """Per-sample softmax cross-entropy from logits and (soft) one-hot labels."""
    return SoftmaxCrossEntropy(axis)(logits, labels)


def sparse_softmax_cross_entropy(logits, labels):
    """Per-sample softmax cross-entropy from logits and integer labels."""
    return SparseSoftmaxCrossEntropy()(logits, labels)


def sigmoid_cross_entropy(logits, labels):
    """Elementwise sigmoid cross-entropy from logits and 0/1 (or soft) labels."""
    return SigmoidCrossEntropy()(logits, labels)

"""Keras losses: per-sample functions, Loss objects, and `get()` by name.

A prediction made by a softmax or sigmoid activation carries its logits (`_keras_logits`),
and the cross-entropies then use the fused logits ops, as tf.keras 2 does: no 1e-7
clipping, so a confident wrong answer can cost more than -log(1e-7) = 16.12.
"""
from __future__ import annotations

import warnings

import numpy as np

from chainrule import config, ops
from chainrule.autodiff.tensor import Tensor, as_tensor
from chainrule.backend import unwrap


def _logits(y_pred, activation: str):
    """The logits behind `y_pred` if it came from that activation, else None."""
    fn = getattr(y_pred, "_keras_activation", None)
    return getattr(y_pred, "_keras_logits", None) if fn == activation else None


def _warn_from_logits(name: str, activation: str) -> None:
    warnings.warn(f'"`{name}` received `from_logits=True`, but the `output` argument was '
                  f'produced by a {activation} activation and thus does not represent logits. '
                  f'Was this intended?', stacklevel=3)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample -sum(y * log p) over `axis`; y one-hot (or soft)."""
    y_true, y_pred = as_tensor(y_true, y_pred.dtype), as_tensor(y_pred)
    if label_smoothing:
        k = y_true.shape[axis]
        y_true = Tensor(y_true.data * (1 - label_smoothing) + label_smoothing / k)
    logits = _logits(y_pred, "softmax")
    if logits is not None:
        if from_logits:
            _warn_from_logits("categorical_crossentropy", "Softmax")
        return ops.softmax_cross_entropy(logits, y_true, axis=axis)
    if from_logits:
        return ops.softmax_cross_entropy(y_pred, y_true, axis=axis)
    eps = config.epsilon()
    p = ops.clip(y_pred / ops.sum(y_pred, axis=axis, keepdims=True), eps, 1 - eps)
    return -ops.sum(y_true * ops.log(p), axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1):
    """Per-sample -log p[label]; labels are class indices, shape (batch,) or (batch, 1)."""
    y_pred = as_tensor(y_pred)
    labels = as_tensor(y_true).data.reshape(y_pred.shape[:-1])
    logits = _logits(y_pred, "softmax")
    if logits is not None:
        if from_logits:
            _warn_from_logits("sparse_categorical_crossentropy", "Softmax")
        return ops.sparse_softmax_cross_entropy(logits, labels)
    if from_logits:
        return ops.sparse_softmax_cross_entropy(y_pred, labels)
    eps = config.epsilon()
    return ops.sparse_softmax_cross_entropy(ops.log(ops.clip(y_pred, eps, 1 - eps)), labels)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Mean over the last axis of -[y log p + (1 - y) log(1 - p)]."""
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, y_pred.dtype)
    if label_smoothing:
        y_true = Tensor(y_true.data * (1 - label_smoothing) + 0.5 * label_smoothing)
    logits = _logits(y_pred, "sigmoid")
    if logits is not None:
        if from_logits:
            _warn_from_logits("binary_crossentropy", "Sigmoid")
        return ops.mean(ops.sigmoid_cross_entropy(logits, y_true), axis=axis)
    if from_logits:
        return ops.mean(ops.sigmoid_cross_entropy(y_pred, y_true), axis=axis)
    eps = config.epsilon()
    p = ops.clip(y_pred, eps, 1 - eps)
    bce = y_true * ops.log(p + eps) + (1 - y_true) * ops.log(1 - p + eps)  # K2 adds eps again
    return -ops.mean(bce, axis=axis)


def mean_squared_error(y_true, y_pred):
    """Per-sample mean of (y - p)^2 over the last axis."""
    y_pred = as_tensor(y_pred)
    return ops.mean(ops.square(as_tensor(y_true, y_pred.dtype) - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """Per-sample mean of |y - p| over the last axis."""
    y_pred = as_tensor(y_pred)
    return ops.mean(ops.abs(as_tensor(y_true, y_pred.dtype) - y_pred), axis=-1)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error


def match_label_rank(y_true, y_pred):
    """Keras' squeeze-or-expand: labels (b,) against predictions (b, 1) become (b, 1)."""
    yt = np.asarray(unwrap(y_true))
    if yt.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        return yt.reshape(yt.shape + (1,))
    if yt.ndim == y_pred.ndim + 1 and yt.shape[-1] == 1:
        return yt.reshape(yt.shape[:-1])
    return yt


class Reduction:
    """How a Loss reduces per-sample values: Keras' `losses.Reduction` names."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls) -> tuple[str, ...]:
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)


class Loss:
    """A loss object: `loss(y_true, y_pred, sample_weight=None)` -> scalar Tensor.

    Reduction 'sum_over_batch_size' (Keras' default): the weighted per-sample losses are
    summed and divided by the number of samples.
    """

    fn = None

    def __init__(self, reduction: str = "auto", name: str | None = None, **fn_kwargs):
        if reduction not in ("auto", "sum_over_batch_size", "sum", "none"):
            raise ValueError(f"Invalid Reduction Key: {reduction!r}. Expected one of 'auto', "
                             f"'sum_over_batch_size', 'sum', 'none'.")
        self.reduction, self.name, self.fn_kwargs = reduction, name, fn_kwargs

    def call(self, y_true, y_pred):
        """Per-sample losses."""
        return type(self).fn(y_true, y_pred, **self.fn_kwargs)

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_pred = as_tensor(y_pred)
        per_sample = as_tensor(self.call(match_label_rank(y_true, y_pred), y_pred))
        if sample_weight is not None:
            sw = as_tensor(sample_weight, per_sample.dtype).data.reshape(
                per_sample.shape[:1] + (1,) * (per_sample.ndim - 1))
            per_sample = per_sample * sw
        if self.reduction == "none":
            return per_sample
        total = ops.sum(per_sample)
        return total if self.reduction == "sum" else total / max(per_sample.size, 1)

    def get_config(self) -> dict:
        return {"reduction": self.reduction, "name": self.name, **self.fn_kwargs}

    @classmethod
    def from_config(cls, cfg: dict):
        return cls(**cfg)


def _loss_class(class_name: str, fn, default_name: str, **defaults):
    def __init__(self, reduction="auto", name=default_name, **kwargs):
        unknown = set(kwargs) - set(defaults)
        if unknown:
            raise TypeError(f"{class_name} got unexpected arguments {sorted(unknown)}; "
                            f"expected some of {sorted(defaults)}.")
        Loss.__init__(self, reduction, name, **{**defaults, **kwargs})

    return type(class_name, (Loss,), {"__init__": __init__, "fn": staticmethod(fn),
                                      "__doc__": f"Loss object for `{fn.__name__}`."})


CategoricalCrossentropy = _loss_class(
    "CategoricalCrossentropy", categorical_crossentropy, "categorical_crossentropy",
    from_logits=False, label_smoothing=0.0, axis=-1)
SparseCategoricalCrossentropy = _loss_class(
    "SparseCategoricalCrossentropy", sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy", from_logits=False)
BinaryCrossentropy = _loss_class(
    "BinaryCrossentropy", binary_crossentropy, "binary_crossentropy",
    from_logits=False, label_smoothing=0.0, axis=-1)
MeanSquaredError = _loss_class("MeanSquaredError", mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _loss_class("MeanAbsoluteError", mean_absolute_error, "mean_absolute_error")

_BY_NAME = {
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "binary_crossentropy": BinaryCrossentropy,
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError, "MSE": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
}
_BY_NAME.update({c.__name__: c for c in set(_BY_NAME.values())})


class _FunctionLoss(Loss):
    """Wraps a user function `fn(y_true, y_pred)` returning per-sample losses."""

    def __init__(self, fn, name=None):
        super().__init__(name=name or getattr(fn, "__name__", "loss"))
        self.user_fn = fn

    def call(self, y_true, y_pred):
        return as_tensor(self.user_fn(y_true, y_pred))


def get(identifier) -> Loss:
    """A Loss object from a name ('categorical_crossentropy', 'mse', ...), a Loss or a function."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        if identifier not in _BY_NAME:
            raise ValueError(f"Unknown loss function: {identifier!r}. "
                             f"Expected one of {sorted(k for k in _BY_NAME if k.islower())}.")
        return _BY_NAME[identifier]()
    if callable(identifier):
        return _FunctionLoss(identifier)
    raise TypeError(f"Could not interpret loss identifier: {identifier!r}")

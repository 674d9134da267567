"""Keras metrics: stateful objects that average a quantity over an epoch.

Metrics see plain NumPy arrays (no gradients). `update_state(y_true, y_pred, sample_weight)`
adds a batch, `result()` gives the running value, `reset_state()` starts a new epoch.
The string 'acc'/'accuracy' is resolved from the shapes of labels and predictions, exactly
as tf.keras does (`resolve`), and keeps the name it was given.
"""
from __future__ import annotations

import numpy as np

from chainrule import losses as losses_module
from chainrule.backend import to_numpy
from chainrule.layers.variable import Variable


class MetricVariable(Variable):
    """A metric's state (never trained): `assign`, `assign_add`, `assign_sub` in place."""

    def __init__(self, value, name: str):
        super().__init__(value, name=name, trainable=False)

    def assign_add(self, value) -> None:
        self.assign(self.data + np.asarray(to_numpy(value), self.data.dtype))

    def assign_sub(self, value) -> None:
        self.assign(self.data - np.asarray(to_numpy(value), self.data.dtype))


class Metric:
    """Base class: subclasses implement `update_state` and `result`; state made with
    `add_weight` is set back to zero by the default `reset_state`.

    >>> class Count(Metric):
    ...     def __init__(self, name="count", **kwargs):
    ...         super().__init__(name=name, **kwargs)
    ...         self.n = self.add_weight(name="n", initializer="zeros")
    ...     def update_state(self, y_true, y_pred, sample_weight=None):
    ...         self.n.assign_add(len(y_true))
    ...     def result(self):
    ...         return self.n
    >>> m = Count()
    >>> float(m([1, 2], [1, 2]).numpy())
    2.0
    """

    def __init__(self, name: str | None = None, dtype=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s) "
                            f"{sorted(kwargs)}; expected name and dtype.")
        self.name = name or _snake(type(self).__name__)
        self.dtype = dtype
        self._variables: list[MetricVariable] = []
        self.reset_state()

    def __call__(self, *args, **kwargs) -> float:
        self.update_state(*args, **kwargs)
        return self.result()

    def add_weight(self, name: str | None = None, shape=(), initializer="zeros", dtype=None,
                   **kwargs) -> MetricVariable:
        """A state variable, zero at the start of every epoch (with the default reset)."""
        from chainrule import initializers

        value = np.asarray(initializers.get(initializer)(tuple(shape), dtype=dtype or
                                                         self.dtype or "float32"))
        var = MetricVariable(value, name=f"{name or 'Variable'}:0")
        self._variables.append(var)
        return var

    @property
    def variables(self) -> list:
        return list(getattr(self, "_variables", []))

    def reset_state(self) -> None:
        """Zero every `add_weight` variable."""
        for v in self.variables:
            v.assign(np.zeros(v.shape, v.dtype))

    def reset_states(self) -> None:
        """Keras 2's older name of `reset_state`."""
        self.reset_state()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, cfg: dict):
        return cls(**cfg)


def _snake(name: str) -> str:
    import re

    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


class Mean(Metric):
    """Weighted running mean of the values given to `update_state`."""

    def reset_state(self):
        self.total, self.count = 0.0, 0.0

    def update_state(self, values, sample_weight=None):
        values = np.asarray(to_numpy(values), dtype=np.float64)
        if sample_weight is None:
            self.total += float(values.sum())
            self.count += values.size
            return
        w = np.broadcast_to(np.asarray(to_numpy(sample_weight), np.float64).reshape(
            values.shape[:1] + (1,) * (values.ndim - 1)), values.shape)
        self.total += float((values * w).sum())
        self.count += float(w.sum())

    def result(self) -> float:
        return float(self.total / self.count) if self.count else 0.0


class MeanMetricWrapper(Mean):
    """Mean of a per-sample function `fn(y_true, y_pred)` over all samples seen."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        self.fn, self.fn_kwargs = fn, kwargs
        super().__init__(name or fn.__name__, dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = to_numpy(y_pred)
        y_true = losses_module.match_label_rank(to_numpy(y_true), y_pred)
        super().update_state(to_numpy(self.fn(y_true, y_pred, **self.fn_kwargs)), sample_weight)

    def get_config(self):
        return {"name": self.name, **self.fn_kwargs}


def binary_accuracy(y_true, y_pred, threshold: float = 0.5):
    """1.0 where (p > threshold) equals the label, averaged over the last axis."""
    return np.mean((np.asarray(y_pred) > threshold) == (np.asarray(y_true) > 0.5), axis=-1)


def categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(p) equals argmax(one-hot label)."""
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype(np.float64)


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(p) equals the integer label."""
    y_true = np.asarray(y_true)
    labels = y_true.reshape(y_true.shape[:-1]) if y_true.ndim == np.ndim(y_pred) else y_true
    return (labels.astype(np.int64) == np.argmax(y_pred, axis=-1)).astype(np.float64)


def top_k_categorical_accuracy(y_true, y_pred, k: int = 5):
    """1.0 where the labelled class is among the k highest predictions."""
    top = np.argsort(-np.asarray(y_pred), axis=-1)[..., :k]
    return (top == np.argmax(y_true, axis=-1)[..., None]).any(axis=-1).astype(np.float64)


def _as_numpy_loss(fn):
    def metric(y_true, y_pred, **kwargs):
        return to_numpy(fn(np.asarray(y_true, np.float64), np.asarray(y_pred, np.float64),
                           **kwargs))

    metric.__name__ = fn.__name__
    return metric


def _wrapper_class(class_name: str, fn, default_name: str):
    def __init__(self, name=default_name, dtype=None, **kwargs):
        MeanMetricWrapper.__init__(self, fn, name, dtype, **kwargs)

    return type(class_name, (MeanMetricWrapper,), {"__init__": __init__,
                                                   "__doc__": f"Mean of `{fn.__name__}`."})


BinaryAccuracy = _wrapper_class("BinaryAccuracy", binary_accuracy, "binary_accuracy")
CategoricalAccuracy = _wrapper_class("CategoricalAccuracy", categorical_accuracy,
                                     "categorical_accuracy")
SparseCategoricalAccuracy = _wrapper_class(
    "SparseCategoricalAccuracy", sparse_categorical_accuracy, "sparse_categorical_accuracy")
TopKCategoricalAccuracy = _wrapper_class("TopKCategoricalAccuracy", top_k_categorical_accuracy,
                                         "top_k_categorical_accuracy")
_LOSS_METRICS = {name: _as_numpy_loss(getattr(losses_module, name)) for name in (
    "categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy",
    "mean_squared_error", "mean_absolute_error")}


def accuracy(y_true, y_pred):
    """1.0 where the prediction equals the label exactly."""
    return (np.asarray(y_true) == np.asarray(y_pred)).astype(np.float64).mean(axis=-1)


Accuracy = _wrapper_class("Accuracy", accuracy, "accuracy")
MeanSquaredError = _wrapper_class("MeanSquaredError", _LOSS_METRICS["mean_squared_error"],
                                  "mean_squared_error")
MeanAbsoluteError = _wrapper_class("MeanAbsoluteError", _LOSS_METRICS["mean_absolute_error"],
                                   "mean_absolute_error")
BinaryCrossentropy = _wrapper_class("BinaryCrossentropy", _LOSS_METRICS["binary_crossentropy"],
                                    "binary_crossentropy")
CategoricalCrossentropy = _wrapper_class(
    "CategoricalCrossentropy", _LOSS_METRICS["categorical_crossentropy"],
    "categorical_crossentropy")
SparseCategoricalCrossentropy = _wrapper_class(
    "SparseCategoricalCrossentropy", _LOSS_METRICS["sparse_categorical_crossentropy"],
    "sparse_categorical_crossentropy")


class Sum(Mean):
    """Running (weighted) sum of the values given to `update_state`."""

    def result(self) -> float:
        return float(self.total)
_FUNCTIONS = {"binary_accuracy": binary_accuracy, "categorical_accuracy": categorical_accuracy,
              "sparse_categorical_accuracy": sparse_categorical_accuracy,
              "top_k_categorical_accuracy": top_k_categorical_accuracy,
              "mse": _LOSS_METRICS["mean_squared_error"],
              "mae": _LOSS_METRICS["mean_absolute_error"], **_LOSS_METRICS}


def accuracy_for(y_true_shape, y_pred_shape):
    """tf.keras' rule for 'acc'/'accuracy': pick the accuracy that fits the shapes."""
    if y_pred_shape[-1] == 1:
        return binary_accuracy
    if len(y_true_shape) < len(y_pred_shape) or (y_true_shape[-1] == 1 and y_pred_shape[-1] > 1):
        return sparse_categorical_accuracy
    return categorical_accuracy


def resolve(identifier, y_true_shape, y_pred_shape) -> Metric:
    """A Metric object for what compile(metrics=[...]) received, named as given."""
    if isinstance(identifier, Metric):
        return identifier
    if identifier in ("acc", "accuracy"):
        return MeanMetricWrapper(accuracy_for(y_true_shape, y_pred_shape), name=identifier)
    if identifier in ("crossentropy", "ce"):
        fn = accuracy_for(y_true_shape, y_pred_shape).__name__.replace("accuracy",
                                                                      "crossentropy")
        return MeanMetricWrapper(_LOSS_METRICS[fn], name=identifier)
    if isinstance(identifier, str):
        if identifier not in _FUNCTIONS:
            raise ValueError(f"Unknown metric function: {identifier!r}. "
                             f"Expected 'acc', 'accuracy' or one of {sorted(_FUNCTIONS)}.")
        return MeanMetricWrapper(_FUNCTIONS[identifier], name=identifier)
    if callable(identifier):
        return MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", "metric"))
    raise TypeError(f"Could not interpret metric identifier: {identifier!r}")


class _ConfusionMetric(Metric):
    """Counts true/false positives/negatives of `y_pred > threshold` against `y_true`."""

    def __init__(self, thresholds=None, name=None, dtype=None):
        self.thresholds = np.atleast_1d(0.5 if thresholds is None else thresholds).astype(
            np.float64)
        super().__init__(name, dtype)

    def reset_state(self):
        n = len(self.thresholds)
        self.tp, self.fp, self.tn, self.fn = (np.zeros(n) for _ in range(4))

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = np.asarray(to_numpy(y_pred), np.float64)
        truth = np.asarray(to_numpy(y_true)).reshape(y_pred.shape) > 0.5
        w = np.ones(y_pred.shape)
        if sample_weight is not None:
            per_sample = np.asarray(to_numpy(sample_weight), np.float64)
            w = w * per_sample.reshape((len(y_pred),) + (1,) * (y_pred.ndim - 1))
        y_pred, truth, w = y_pred.reshape(-1), truth.reshape(-1), w.reshape(-1)
        predicted = y_pred[None, :] > self.thresholds[:, None]
        self.tp += (predicted & truth) @ w
        self.fp += (predicted & ~truth) @ w
        self.fn += (~predicted & truth) @ w
        self.tn += (~predicted & ~truth) @ w

    def get_config(self):
        return {"name": self.name, "thresholds": self.thresholds.tolist()}


def _ratio(num, den):
    return np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)


class Precision(_ConfusionMetric):
    """tp / (tp + fp) of predictions above `thresholds` (default 0.5)."""

    def result(self):
        r = _ratio(self.tp, self.tp + self.fp)
        return float(r[0]) if r.size == 1 else r


class Recall(_ConfusionMetric):
    """tp / (tp + fn) of predictions above `thresholds` (default 0.5)."""

    def result(self):
        r = _ratio(self.tp, self.tp + self.fn)
        return float(r[0]) if r.size == 1 else r


class AUC(_ConfusionMetric):
    """Area under the ROC (or PR) curve from counts at `num_thresholds` thresholds, as Keras.

    The thresholds are evenly spaced in (0, 1) plus -1e-7 and 1 + 1e-7 at the ends; the area
    is summed with the trapezoidal rule ('interpolation', Keras' default for ROC).
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None):
        if curve not in ("ROC", "PR"):
            raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are '
                             f'["ROC", "PR"]')
        if num_thresholds <= 1:
            raise ValueError(f"Argument `num_thresholds` must be an integer > 1. "
                             f"Received: num_thresholds={num_thresholds}")
        inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self.curve, self.summation_method = curve, summation_method
        super().__init__([-1e-7] + inner + [1 + 1e-7] if thresholds is None else thresholds,
                         name or "auc", dtype)

    def result(self):
        if self.curve == "ROC":
            x, y = _ratio(self.fp, self.fp + self.tn), _ratio(self.tp, self.tp + self.fn)
        else:
            x, y = _ratio(self.tp, self.tp + self.fn), _ratio(self.tp, self.tp + self.fp)
        heights = {"minoring": np.minimum(y[:-1], y[1:]), "majoring": np.maximum(y[:-1], y[1:])
                   }.get(self.summation_method, (y[:-1] + y[1:]) / 2)
        return float(np.sum((x[:-1] - x[1:]) * heights))

    def get_config(self):
        return {"name": self.name, "num_thresholds": len(self.thresholds), "curve": self.curve,
                "summation_method": self.summation_method}

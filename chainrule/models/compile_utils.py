"""What `compile(loss=..., metrics=..., loss_weights=...)` becomes: one loss and metric set
per model output, matched to targets by position or by output name, logged under Keras'
names ('loss', 'priority_loss', 'department_accuracy').

`LossesContainer` is `model.compiled_loss` and `MetricsContainer` is `model.compiled_metrics`,
the objects a custom `train_step` calls, as in keras.io's "Customizing what happens in fit".
"""
from __future__ import annotations

import copy

import numpy as np

from chainrule import losses as losses_module
from chainrule import metrics as metrics_module
from chainrule import ops
from chainrule.autodiff.tensor import as_tensor
from chainrule.backend import to_numpy


def as_list(x) -> list:
    return list(x) if isinstance(x, list | tuple) else [x]


def match_outputs(what: str, value, output_names: list[str]) -> list:
    """`value` per output: a dict by output name, a list by position, or one for all."""
    n = len(output_names)
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(output_names))
        if unknown:
            raise ValueError(f"Found unexpected {what} keys {unknown}. The model's outputs "
                             f"are named {output_names}: use those as keys.")
        return [value.get(name) for name in output_names]
    if isinstance(value, list | tuple) and n > 1:
        if len(value) != n:
            raise ValueError(f"When passing a list as {what}, it should have one entry per "
                             f"model output. The model has {n} outputs ({output_names}), but "
                             f"you passed {what} with {len(value)} entries.")
        return list(value)
    return [value] * n if what != "targets" else [value]


def flat_targets(y, output_names: list[str]) -> list:
    """The targets as a list in output order (None where an output has no target)."""
    if isinstance(y, dict):
        return match_outputs("targets", y, output_names)
    ys = as_list(y) if len(output_names) > 1 else [y]
    if len(ys) != len(output_names):
        raise ValueError(f"The model has {len(output_names)} outputs ({output_names}), but "
                         f"`y` holds {len(ys)} arrays. Pass one target array per output, as a "
                         f"list or as a dict keyed by output name.")
    return ys


def expand_1d(y):
    """Keras' expand_1d: a label vector (n,) becomes (n, 1) before losses and metrics."""
    if isinstance(y, dict):
        return {k: expand_1d(v) for k, v in y.items()}
    if isinstance(y, list | tuple):
        return type(y)(expand_1d(v) for v in y)
    if y is not None and np.ndim(y) == 1:
        return np.reshape(to_numpy(y), (-1, 1)) if not hasattr(y, "requires_grad") else (
            ops.reshape(y, (-1, 1)))
    return y


class LossesContainer:
    """The compiled loss: a weighted sum over outputs plus regularization losses.

    Its trackers give the logs 'loss' (everything, as minimized) and, for several
    outputs, '<output>_loss' (each output's unweighted loss).
    """

    def __init__(self, loss, loss_weights=None, output_names=None):
        self.output_names = list(output_names or ["output_1"])
        self._given, self._given_weights = loss, loss_weights
        for spec in _leaves(loss):                  # unknown names fail in compile()
            losses_module.get(spec)
        self._losses = None
        self._weights = None
        self.loss_tracker = metrics_module.Mean(name="loss")
        self.output_trackers: list = []
        if output_names:                            # a functional model: check keys now
            self.build(len(self.output_names))

    def build(self, n_outputs: int) -> None:
        if self._losses is not None:
            return
        if n_outputs != len(self.output_names):
            self.output_names = [f"output_{i + 1}" for i in range(n_outputs)]
        specs = match_outputs("loss", self._given, self.output_names)
        self._losses = [None if s is None else losses_module.get(s) for s in specs]
        weights = match_outputs("loss_weights", self._given_weights, self.output_names)
        self._weights = [1.0 if w is None else float(w) for w in weights]
        if n_outputs > 1:
            self.output_trackers = [metrics_module.Mean(name=f"{name}_loss") if fn else None
                                    for name, fn in zip(self.output_names, self._losses)]

    @property
    def metrics(self) -> list:
        if self._losses is None:
            return []
        return [self.loss_tracker] + [t for t in self.output_trackers if t is not None]

    def __call__(self, y_true, y_pred, sample_weight=None, regularization_losses=None):
        """The total loss as a differentiable scalar; updates the loss trackers."""
        preds = as_list(y_pred)
        self.build(len(preds))
        targets = flat_targets(y_true, self.output_names)
        weights = flat_targets(sample_weight, self.output_names) if isinstance(
            sample_weight, dict | list) else [sample_weight] * len(preds)
        total, batch = None, preds[0].shape[0]
        for k, (fn, w, yt, yp) in enumerate(zip(self._losses, self._weights, targets, preds)):
            if fn is None or yt is None:
                continue
            value = fn(yt, yp, sample_weight=weights[k])
            if self.output_trackers:
                self.output_trackers[k].update_state(value.item(), sample_weight=batch)
            total = value * w if total is None else total + value * w
        if total is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        for extra in regularization_losses or []:
            total = total + as_tensor(extra)
        self.loss_tracker.update_state(total.item(), sample_weight=batch)
        return total

    def reset_state(self) -> None:
        for m in self.metrics:
            m.reset_state()


class MetricsContainer:
    """The compiled metrics, per output; named '<output>_<metric>' for several outputs."""

    def __init__(self, metrics, weighted_metrics=None, output_names=None):
        self.output_names = list(output_names or ["output_1"])
        self._given, self._given_weighted = metrics, weighted_metrics
        self._per_output = None                   # [[(metric, weighted)], ...] once built
        if output_names:
            _per_output(metrics, self.output_names)
            _per_output(weighted_metrics, self.output_names)

    def build(self, y_true: list, y_pred: list) -> None:
        if self._per_output is not None:
            return
        if len(y_pred) != len(self.output_names):
            self.output_names = [f"output_{i + 1}" for i in range(len(y_pred))]
        many = len(y_pred) > 1
        given = _per_output(self._given, self.output_names)
        weighted = _per_output(self._given_weighted, self.output_names)
        self._per_output = []
        for name, ids, wids, yt, yp in zip(self.output_names, given, weighted, y_true, y_pred):
            shapes = (np.shape(yt), np.shape(yp))
            made = [(_resolve(m, shapes, name if many else None), False) for m in ids]
            made += [(_resolve(m, shapes, name if many else None, "weighted_"), True)
                     for m in wids]
            self._per_output.append(made)

    @property
    def metrics(self) -> list:
        return [m for group in self._per_output or [] for m, _ in group]

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        preds = [to_numpy(p) for p in as_list(y_pred)]
        if self._per_output is None and len(preds) != len(self.output_names):
            self.output_names = [f"output_{i + 1}" for i in range(len(preds))]
        targets = [None if t is None else to_numpy(t)
                   for t in flat_targets(y_true, self.output_names)]
        self.build(targets, preds)
        for group, yt, yp in zip(self._per_output, targets, preds):
            for metric, weighted in group:
                if yt is not None:
                    metric.update_state(yt, yp, sample_weight if weighted else None)

    def reset_state(self) -> None:
        for m in self.metrics:
            m.reset_state()


def _leaves(spec) -> list:
    if isinstance(spec, dict):
        spec = list(spec.values())
    return [s for s in as_list(spec) if s is not None]


def _per_output(spec, output_names: list[str]) -> list[list]:
    """Metric identifiers for each output: a dict by name, a list of lists, or one list."""
    n = len(output_names)
    if spec is None:
        return [[] for _ in output_names]
    if isinstance(spec, dict):
        return [as_list(m) if m is not None else [] for m in
                match_outputs("metrics", spec, output_names)]
    spec = as_list(spec)
    if n > 1 and len(spec) == n and all(isinstance(m, list | tuple) for m in spec):
        return [list(m) for m in spec]
    return [list(spec) for _ in output_names]


def _resolve(identifier, shapes, output_name: str | None, prefix: str = ""):
    """A metric object; its log name gets the output's name in front for several outputs."""
    metric = metrics_module.resolve(identifier, *shapes)
    if isinstance(identifier, metrics_module.Metric) and output_name is None and not prefix:
        return metric
    if isinstance(identifier, metrics_module.Metric):
        metric = copy.deepcopy(metric)          # one object per output, as Keras clones it
    if output_name is not None or prefix:
        metric.name = (f"{output_name}_" if output_name else "") + prefix + metric.name
    return metric

"""What `compile` sets up and the default steps of training and testing.

`train_step` is the chain rule at the scale of a model: forward, loss, `backward()`, then
`optimizer.apply_gradients(zip(grads, weights))`. Keeping the gradient computation and the
update apart leaves room for clipping or an all-reduce between the two. A model may
override `Model.train_step(data)` / `test_step(data)`; `fit` and `evaluate` call those.
"""
from __future__ import annotations

from chainrule import losses as losses_module
from chainrule import metrics as metrics_module
from chainrule import optimizers
from chainrule.models.compile_utils import LossesContainer, MetricsContainer, expand_1d

_COMPILE_EXTRAS = {"cloning", "experimental_run_tf_function", "distribute", "target_tensors",
                   "sample_weight_mode"}


class CompiledState:
    """The optimizer, the compiled loss and the compiled metrics of a model."""

    def __init__(self, optimizer, loss, metrics, loss_weights=None, weighted_metrics=None,
                 output_names=None):
        self.optimizer = optimizers.get(optimizer)
        self.loss_id = loss                        # as given, for saving a training_config
        self.loss_weights = loss_weights
        self.metric_ids = metrics if isinstance(metrics, dict) else _metric_list(metrics)
        self.compiled_loss = LossesContainer(loss, loss_weights, output_names)
        self.compiled_metrics = MetricsContainer(self.metric_ids, weighted_metrics,
                                                 output_names)
        self.added_metrics: dict[str, metrics_module.Mean] = {}   # from Layer.add_metric
        self.train_weights = None                  # the trainable weights of the latest step

    @property
    def loss(self):
        """The Loss object of a single-output model (None when compiled without a loss)."""
        if self.loss_id is None or isinstance(self.loss_id, dict | list | tuple):
            return None
        return losses_module.get(self.loss_id)

    @property
    def metrics(self) -> list:
        """The compile(metrics=...) objects (built on the first batch)."""
        return self.compiled_metrics.metrics

    @property
    def all_metrics(self) -> list:
        """Every metric object in log order: loss trackers, compiled metrics, add_metric's."""
        return (self.compiled_loss.metrics + self.compiled_metrics.metrics
                + list(self.added_metrics.values()))

    def update_added(self, model) -> None:
        """Add this batch's `add_metric` values to their running means."""
        for name, value in collect(model, "_call_metrics"):
            if name not in self.added_metrics:
                self.added_metrics[name] = metrics_module.Mean(name=name)
            self.added_metrics[name].update_state(value)

    @property
    def metrics_names(self) -> list[str]:
        if self.all_metrics:
            return [m.name for m in self.all_metrics]
        ids = [] if isinstance(self.metric_ids, dict) else self.metric_ids
        return ["loss"] + [getattr(m, "name", None) or getattr(m, "__name__", m) for m in ids]


def check_compile_kwargs(kwargs: dict) -> None:
    unknown = set(kwargs) - _COMPILE_EXTRAS
    if unknown:
        raise TypeError(f"Invalid keyword argument(s) in `compile()`: ({unknown},). Valid "
                        f"keyword arguments include \"cloning\", \"experimental_run_tf_function"
                        f"\", \"distribute\", \"target_tensors\", or \"sample_weight_mode\".")


def _metric_list(metrics) -> list:
    if metrics is None:
        return []
    return list(metrics) if isinstance(metrics, list | tuple) else [metrics]


def collect(layer, attribute: str) -> list:
    """`attribute` lists of `layer` and of every layer inside it, each layer once."""
    out, seen, stack = [], set(), [layer]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        out.extend(getattr(current, attribute, []))
        children = current.layers if hasattr(current, "layers") else current._tracked_layers()
        stack.extend(reversed(children))
    return out


def unpack_x_y_sample_weight(data):
    """(x,), (x, y) or (x, y, sample_weight) -> a 3-tuple with None for what is missing."""
    if isinstance(data, tuple | list) and len(data) in (1, 2, 3) and not isinstance(data, list):
        return (*data, *([None] * (3 - len(data))))
    return data, None, None


def pack_x_y_sample_weight(x, y=None, sample_weight=None) -> tuple:
    """What a Keras data adapter yields: (x,), (x, y) or (x, y, sample_weight)."""
    if y is None:
        return (x,)
    return (x, y) if sample_weight is None else (x, y, sample_weight)


def default_train_step(model, data) -> dict:
    """Forward, loss, backward, update; returns the running logs of the epoch."""
    x, y, sample_weight = (expand_1d(v) for v in unpack_x_y_sample_weight(data))
    y_pred = model(x, training=True)
    loss = model.compute_loss(x, y, y_pred, sample_weight)
    weights = model.trainable_weights               # after the forward: it may create them
    for w in weights:
        w.grad = None
    loss.backward()
    model.optimizer.apply_gradients((w.grad, w) for w in weights)
    model.compiled.train_weights = weights
    return model.compute_metrics(x, y, y_pred, sample_weight)


def default_test_step(model, data) -> dict:
    """Forward and loss without a graph; updates the running metrics."""
    x, y, sample_weight = (expand_1d(v) for v in unpack_x_y_sample_weight(data))
    y_pred = model(x, training=False)
    model.compute_loss(x, y, y_pred, sample_weight)
    return model.compute_metrics(x, y, y_pred, sample_weight)

"""What `compile` sets up and one step of training or testing: loss, metrics, gradients.

`train_step` is the chain rule at the scale of a model: forward, loss, `backward()`, then
`optimizer.apply_gradients(zip(grads, weights))`. Keeping the gradient computation and the
update apart leaves room for clipping or an all-reduce between the two.
"""
from __future__ import annotations

from chainrule import losses as losses_module
from chainrule import metrics as metrics_module
from chainrule import optimizers
from chainrule.autodiff.graph import no_grad


class CompiledState:
    """The loss, optimizer and metric objects of a compiled model."""

    def __init__(self, optimizer, loss, metrics, loss_weights=None):
        if loss is None:
            raise ValueError("compile() needs a `loss`, e.g. loss='categorical_crossentropy'.")
        self.optimizer = optimizers.get(optimizer)
        self.loss_id = loss                        # as given, for saving a training_config
        self.loss = losses_module.get(loss)
        self.metric_ids = _metric_list(metrics)
        self.metrics = None                        # resolved on the first batch (needs shapes)
        self.loss_tracker = metrics_module.Mean(name="loss")
        self.train_weights = None                  # trainable weights, captured on first step

    def resolve_metrics(self, y_true, y_pred) -> None:
        if self.metrics is None:
            self.metrics = [metrics_module.resolve(m, y_true.shape, y_pred.shape)
                            for m in self.metric_ids]

    def reset(self) -> None:
        self.loss_tracker.reset_state()
        for m in self.metrics or []:
            m.reset_state()

    def update(self, loss_value: float, y_true, y_pred, sample_weight, batch_size: int) -> None:
        self.loss_tracker.update_state(loss_value, sample_weight=batch_size)
        self.resolve_metrics(y_true, y_pred)
        for m in self.metrics:
            m.update_state(y_true, y_pred, sample_weight)

    def logs(self) -> dict:
        out = {"loss": self.loss_tracker.result()}
        out.update({m.name: m.result() for m in self.metrics or []})
        return out

    @property
    def metrics_names(self) -> list[str]:
        return ["loss"] + [getattr(m, "name", m) for m in self.metrics or self.metric_ids]


def _metric_list(metrics) -> list:
    if metrics is None:
        return []
    if isinstance(metrics, dict):
        raise ValueError("Per-output metric dicts are not supported: chainrule models have one "
                         "output. Pass a list, e.g. metrics=['acc'].")
    return list(metrics) if isinstance(metrics, list | tuple) else [metrics]


def train_step(model, state: CompiledState, x, y, sample_weight) -> dict:
    """Forward, loss, backward, update; returns the running logs of the epoch."""
    if state.train_weights is None:
        state.train_weights = model.trainable_weights
    for w in state.train_weights:
        w.grad = None
    y_pred = model(x, training=True)
    loss = state.loss(y, y_pred, sample_weight=sample_weight)
    loss.backward()
    state.optimizer.apply_gradients((w.grad, w) for w in state.train_weights)
    state.update(loss.item(), y, y_pred.data, sample_weight, len(x))
    return state.logs()


def test_step(model, state: CompiledState, x, y, sample_weight) -> dict:
    """Forward and loss without a graph; updates the running metrics."""
    with no_grad():
        y_pred = model(x, training=False)
        loss = state.loss(y, y_pred, sample_weight=sample_weight)
    state.update(loss.item(), y, y_pred.data, sample_weight, len(x))
    return state.logs()

"""The callback protocol: `Callback`, `CallbackList` and the `History` every `fit` returns.

A callback observes training through Keras 2's hook names and may set flags on the model
(`model.stop_training`), change the optimizer's learning rate or ask the model to save itself.
It never runs training code. `fit` talks to one `CallbackList`, which forwards each hook to
every callback in order: the user's callbacks, then `History`, then `ProgbarLogger` last, so the
progress bar's final line is drawn after every other callback has printed its message.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class Callback:
    """Base class for callbacks; every hook is a no-op until a subclass overrides it.

    Attributes:
        model: The model being trained, set by `set_model` before training starts.
        params: Training parameters set by `set_params`, e.g.
            `{'verbose': 1, 'epochs': 3, 'steps': 4}`.

    Hooks receive a `logs` dict: at batch end the running means of the loss and metrics so far
    in the epoch, at epoch end those means plus the `val_` entries.
    """

    def __init__(self):
        self.validation_data = None
        self.model = None
        self.params: dict = {}

    def set_params(self, params: dict) -> None:
        """Store the training parameters (`verbose`, `epochs`, `steps`)."""
        self.params = params

    def set_model(self, model: Any) -> None:
        """Store the model the hooks observe."""
        self.model = model

    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Backwards-compatible alias, called by the default `on_train_batch_begin`."""

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Backwards-compatible alias, called by the default `on_train_batch_end`."""

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Called at the start of epoch `epoch` (0-based) of `fit`."""

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Called at the end of an epoch with the epoch's metrics and `val_` metrics."""

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called before training batch `batch` (0-based within the epoch)."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called after a training batch with the running epoch means so far."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called before an `evaluate` (or validation) batch."""

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called after an `evaluate` (or validation) batch."""

    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called before a `predict` batch."""

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called after a `predict` batch."""

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Called once at the start of `fit`."""

    def on_train_end(self, logs: dict | None = None) -> None:
        """Called once at the end of `fit`, also after an early stop."""

    def on_test_begin(self, logs: dict | None = None) -> None:
        """Called at the start of `evaluate` and of each validation pass."""

    def on_test_end(self, logs: dict | None = None) -> None:
        """Called at the end of `evaluate` and of each validation pass."""

    def on_predict_begin(self, logs: dict | None = None) -> None:
        """Called at the start of `predict`."""

    def on_predict_end(self, logs: dict | None = None) -> None:
        """Called at the end of `predict`."""


class History(Callback):
    """Records the epoch logs; `fit` returns this object.

    Attributes:
        history: Dict of metric name -> list of per-epoch values, e.g.
            `{'loss': [...], 'acc': [...], 'val_loss': [...], 'val_acc': [...]}`.
        epoch: The 0-based indices of the epochs recorded.
    """

    def __init__(self):
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(value)
        if self.model is not None:
            self.model.history = self  # Keras re-points it after every epoch


class CallbackList:
    """Forwards every hook to a list of callbacks, in order.

    Args:
        callbacks: A `Callback` or an iterable of them.
        add_history: Append a `History` unless one is already in `callbacks`.
        add_progbar: Append a `ProgbarLogger(count_mode='steps')` unless one is already there.
        model: If given, passed to every callback's `set_model` (and `model.history` is set).
        **params: If given, passed to every callback's `set_params`, e.g.
            `verbose=1, epochs=3, steps=4`.

    Each hook call hands every callback the same copy of `logs`, so a callback can add an
    entry that later callbacks see (ReduceLROnPlateau adds `lr`) without touching the caller's
    dict.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 **params):
        self.callbacks = _as_callbacks(callbacks)
        self.model = None
        self.params: dict = {}
        self._add_default_callbacks(add_history, add_progbar)
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def _add_default_callbacks(self, add_history, add_progbar):
        """History, then ProgbarLogger, go last, as in Keras' `_add_default_callbacks`."""
        from chainrule.callbacks.logging import ProgbarLogger  # that module builds on this one

        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger(count_mode="steps")
            self.callbacks.append(self._progbar)

    def append(self, callback: Callback) -> None:
        """Add a callback at the end of the list."""
        self.callbacks.extend(_as_callbacks([callback]))

    def set_params(self, params: dict) -> None:
        """Give every callback the training parameters."""
        self.params = params
        for callback in self.callbacks:
            callback.set_params(params)

    def set_model(self, model: Any) -> None:
        """Give every callback the model, and point `model.history` at the History."""
        self.model = model
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def __iter__(self):
        return iter(self.callbacks)

    def _dispatch(self, hook: str, *args, logs=None):
        logs = dict(logs) if logs else {}
        for callback in self.callbacks:
            getattr(callback, hook)(*args, logs)

    def on_batch_begin(self, batch, logs=None):
        """Same as `on_train_batch_begin`."""
        self._dispatch("on_train_batch_begin", batch, logs=logs)

    def on_batch_end(self, batch, logs=None):
        """Same as `on_train_batch_end`."""
        self._dispatch("on_train_batch_end", batch, logs=logs)

    def on_epoch_begin(self, epoch, logs=None):
        """Forward `on_epoch_begin` to every callback."""
        self._dispatch("on_epoch_begin", epoch, logs=logs)

    def on_epoch_end(self, epoch, logs=None):
        """Forward `on_epoch_end` to every callback."""
        self._dispatch("on_epoch_end", epoch, logs=logs)

    def on_train_batch_begin(self, batch, logs=None):
        """Forward `on_train_batch_begin` to every callback."""
        self._dispatch("on_train_batch_begin", batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """Forward `on_train_batch_end` to every callback."""
        self._dispatch("on_train_batch_end", batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Forward `on_test_batch_begin` to every callback."""
        self._dispatch("on_test_batch_begin", batch, logs=logs)

    def on_test_batch_end(self, batch, logs=None):
        """Forward `on_test_batch_end` to every callback."""
        self._dispatch("on_test_batch_end", batch, logs=logs)

    def on_predict_batch_begin(self, batch, logs=None):
        """Forward `on_predict_batch_begin` to every callback."""
        self._dispatch("on_predict_batch_begin", batch, logs=logs)

    def on_predict_batch_end(self, batch, logs=None):
        """Forward `on_predict_batch_end` to every callback."""
        self._dispatch("on_predict_batch_end", batch, logs=logs)

    def on_train_begin(self, logs=None):
        """Forward `on_train_begin` to every callback."""
        self._dispatch("on_train_begin", logs=logs)

    def on_train_end(self, logs=None):
        """Forward `on_train_end` to every callback."""
        self._dispatch("on_train_end", logs=logs)

    def on_test_begin(self, logs=None):
        """Forward `on_test_begin` to every callback."""
        self._dispatch("on_test_begin", logs=logs)

    def on_test_end(self, logs=None):
        """Forward `on_test_end` to every callback."""
        self._dispatch("on_test_end", logs=logs)

    def on_predict_begin(self, logs=None):
        """Forward `on_predict_begin` to every callback."""
        self._dispatch("on_predict_begin", logs=logs)

    def on_predict_end(self, logs=None):
        """Forward `on_predict_end` to every callback."""
        self._dispatch("on_predict_end", logs=logs)


def _as_callbacks(callbacks) -> list[Callback]:
    """A fresh list of the given callbacks, checking each one is a `Callback`."""
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        callbacks = [callbacks]
    if not isinstance(callbacks, Iterable):
        raise TypeError(
            "`callbacks` must be a list of `Callback` instances. "
            f"Received: callbacks={callbacks!r}"
        )
    result = list(callbacks)
    for callback in result:
        if not isinstance(callback, Callback):
            raise TypeError(
                "Every element of `callbacks` must be a `chainrule.callbacks.Callback` "
                f"instance. Received: {callback!r} of type {type(callback).__name__}. "
                "Subclass `Callback`, or wrap functions in `LambdaCallback`."
            )
    return result

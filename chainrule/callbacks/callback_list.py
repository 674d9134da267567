"""`CallbackList`: the one object `fit`, `evaluate` and `predict` talk to.

It forwards each hook to every callback in order: the user's callbacks, then `History`, then
`ProgbarLogger` last, so the progress bar's final line is drawn after every other callback has
printed its message. It sits above callbacks/base.py and callbacks/logging.py, which never
import it.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chainrule.callbacks.base import Callback, History
from chainrule.callbacks.logging import ProgbarLogger


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

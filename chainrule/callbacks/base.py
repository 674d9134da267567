"""The callback protocol: `Callback`, and the `History` every `fit` returns.

A callback observes training through Keras 2's hook names and may set flags on the model
(`model.stop_training`), change the optimizer's learning rate or ask the model to save itself.
It never runs training code. `fit` talks to one `CallbackList` (callbacks/callback_list.py).
"""
from __future__ import annotations



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

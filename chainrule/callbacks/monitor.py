"""Callbacks that watch one logged quantity: EarlyStopping, ModelCheckpoint, ReduceLROnPlateau.

Each reads `logs[monitor]`, decides whether it beat the best value so far, and then only sets
`model.stop_training`, asks the model to save itself, or changes the learning rate. Messages
are Keras 2.12's, printed to stdout so they interleave with the progress bar. Warnings (unknown
mode, monitored value missing) go through `logging`, as Keras 2's `logging.warning` does: shown
on stderr every time, never turned into exceptions.

Keras 2.12 resolves `mode='auto'` differently in each callback, so that rule is one small
overridable method, `auto_mode_is_max`.
"""
from __future__ import annotations

import logging
import os

import numpy as np

from chainrule.utils.progbar import print_msg
from chainrule.callbacks.base import Callback

logger = logging.getLogger(__name__)


class MonitorCallback(Callback):
    """Shared monitor / mode / min_delta / best bookkeeping.

    Args:
        monitor: Name of the logged quantity to watch, e.g. `'val_loss'`.
        mode: `'min'`, `'max'` or `'auto'` (see `auto_mode_is_max`). Anything else logs a
            warning and falls back to `'auto'`.
        min_delta: How much the value must beat the best to count as an improvement.
        verbose: 0 silent, 1 print a message when the callback acts.

    Attributes:
        monitor_op: `np.less` or `np.greater`, the direction of improvement.
        best: The best value seen so far.
    """

    mode_label = "Monitor mode"  # first words of the unknown-mode warning
    missing_message = (
        "Metric `%(monitor)s` is not available. Available metrics are: %(available)s"
    )

    def __init__(self, monitor: str = "val_loss", mode: str = "auto", min_delta: float = 0.0,
                 verbose: int = 0):
        super().__init__()
        self.monitor = monitor
        self.min_delta = abs(min_delta)
        self.verbose = verbose
        self.mode = self._checked_mode(mode)
        self.monitor_op = self._resolve_monitor_op()
        self.best = self.initial_best()

    @staticmethod
    def auto_mode_is_max(monitor: str) -> bool:
        """Keras 2's ModelCheckpoint rule: a name containing 'acc' is maximised."""
        return "acc" in monitor or monitor.startswith("fmeasure")

    def initial_best(self) -> float:
        """+inf when minimising, -inf when maximising: the first value always improves."""
        return np.inf if self.monitor_op is np.less else -np.inf

    def is_improvement(self, current, reference) -> bool:
        """Whether `current` beats `reference` by more than `min_delta` (strictly)."""
        if self.monitor_op is np.greater:
            return bool(np.greater(current - self.min_delta, reference))
        return bool(np.less(current + self.min_delta, reference))

    def get_monitor_value(self, logs: dict | None):
        """`logs[monitor]`, or None after logging a warning that lists the available names."""
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            logger.warning(self.missing_message,
                           {"monitor": self.monitor, "available": ",".join(logs)})
        return value

    def _checked_mode(self, mode):
        if mode not in ("auto", "min", "max"):
            logger.warning("%s %s is unknown, fallback to auto mode.", self.mode_label, mode)
            return "auto"
        return mode

    def _resolve_monitor_op(self):
        if self.mode == "max" or (self.mode == "auto" and self.auto_mode_is_max(self.monitor)):
            return np.greater
        return np.less

    def _say(self, message: str) -> None:
        if self.verbose > 0:
            print_msg(message)


class EarlyStopping(MonitorCallback):
    """Stop training when `monitor` has stopped improving.

    Args:
        monitor: Quantity to watch.
        min_delta: Minimum change that counts as an improvement.
        patience: Epochs without improvement after which training stops (checked only on
            epochs that did not improve, as in Keras 2.12's source).
        verbose: 1 prints `Epoch N: early stopping` (and the restore message).
        mode: `'auto'`, `'min'` or `'max'`.
        baseline: Training stops if the model does not beat this value within `patience`
            epochs.
        restore_best_weights: When stopping, load the weights of the best epoch seen (the
            first monitored epoch's if none improved). Keras 2.12 restores only when training
            actually stops early.
        start_from_epoch: Epochs to skip before monitoring starts (a warm-up).
    """

    mode_label = "EarlyStopping mode"
    missing_message = (
        "Early stopping conditioned on metric `%(monitor)s` which is not available. "
        "Available metrics are: %(available)s"
    )

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, min_delta, verbose)
        self.patience = patience
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.on_train_begin()

    @staticmethod
    def auto_mode_is_max(monitor: str) -> bool:
        """Keras 2's EarlyStopping rule: names ending in 'acc', 'accuracy' or 'auc'."""
        return monitor.endswith(("acc", "accuracy", "auc"))

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = self.initial_best()
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()  # something to restore if none improves
        self.wait += 1
        if self.is_improvement(current, self.best):
            self._record_best(current, epoch)
            return
        if self.wait >= self.patience and epoch > 0:
            self._stop(epoch)

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0:
            self._say(f"Epoch {self.stopped_epoch + 1}: early stopping")

    def _record_best(self, current, epoch):
        self.best = current
        self.best_epoch = epoch
        if self.restore_best_weights:
            self.best_weights = self.model.get_weights()
        if self.baseline is None or self.is_improvement(current, self.baseline):
            self.wait = 0  # patience restarts only when both the best and the baseline are beaten

    def _stop(self, epoch):
        self.stopped_epoch = epoch
        self.model.stop_training = True
        if self.restore_best_weights and self.best_weights is not None:
            self._say(f"Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ModelCheckpoint(MonitorCallback):
    """Save the model or its weights every epoch, every `save_freq` batches, or when best.

    Args:
        filepath: Where to save. May hold `str.format` fields filled from `epoch` (1-based),
            `batch` (1-based, batch saves only) and the logs, e.g.
            `'weights.{epoch:02d}-{val_loss:.2f}.h5'`. Missing parent folders are created.
        monitor: Quantity compared when `save_best_only=True`.
        verbose: 1 prints a message (with a leading newline) for every decision.
        save_best_only: Save only when `monitor` strictly improves on the best so far.
        save_weights_only: Call `model.save_weights(path)` instead of `model.save(path)`.
        mode: `'auto'`, `'min'` or `'max'`.
        save_freq: `'epoch'`, or an int number of batches, counted across epochs.
        options: Accepted for Keras compatibility; not used.
        initial_value_threshold: Initial `best`; a save needs to beat it.
        period: Deprecated: save every `period` epochs (logs a warning).
    """

    mode_label = "ModelCheckpoint mode"
    missing_message = "Can save best model only with %(monitor)s available, skipping."

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch", options=None,
                 initial_value_threshold=None, **kwargs):
        super().__init__(monitor, mode, 0.0, verbose)
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = _checked_save_freq(save_freq)
        self.options = options
        self.period = _pop_deprecated(
            kwargs, "ModelCheckpoint", "period", 1, "`period` argument is deprecated. Please use "
            "`save_freq` to specify the frequency in number of batches seen.")
        if initial_value_threshold is not None:
            self.best = initial_value_threshold
        self.epochs_since_last_save = 0
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = -1
        self._current_epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self.epochs_since_last_save += 1
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch":
            return False
        if batch <= self._last_batch_seen:  # a new epoch started: batch indices restart at 0
            self._batches_seen_since_last_saving += batch + 1
        else:
            self._batches_seen_since_last_saving += batch - self._last_batch_seen
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _save_model(self, epoch, batch, logs):
        logs = logs or {}
        if self.save_freq == "epoch" and self.epochs_since_last_save < self.period:
            return
        self.epochs_since_last_save = 0
        filepath = self._file_path(epoch, batch, logs)
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        try:
            if self.save_best_only:
                self._save_if_best(epoch, filepath, logs)
            else:
                self._say(f"\nEpoch {epoch + 1}: saving model to {filepath}")
                self._write(filepath)
        except IsADirectoryError as err:
            raise OSError(
                "Please specify a non-directory filepath for ModelCheckpoint. "
                f"Filepath used is an existing directory: {filepath}"
            ) from err

    def _save_if_best(self, epoch, filepath, logs):
        current = self.get_monitor_value(logs)
        if current is None:
            return
        if not self.is_improvement(current, self.best):
            self._say(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
            return
        self._say(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                  f"{current:.5f}, saving model to {filepath}")
        self.best = current
        self._write(filepath)

    def _write(self, filepath):
        if self.save_weights_only:
            self.model.save_weights(filepath)
        else:
            self.model.save(filepath)

    def _file_path(self, epoch, batch, logs):
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as err:
            raise KeyError(
                f'Failed to format this callback filepath: "{self.filepath}". Reason: {err}'
            ) from err


def _checked_save_freq(save_freq):
    if save_freq != "epoch" and not isinstance(save_freq, int):
        raise ValueError(
            f"Unrecognized save_freq: {save_freq}. Expected save_freq are \"epoch\" or integer"
        )
    return save_freq


def _pop_deprecated(kwargs, owner, name, default, warning):
    """A deprecated keyword (`period`, `epsilon`), with a warning; any other extra is an error."""
    value = kwargs.pop(name, None)
    if kwargs:
        raise TypeError(f"{owner} got unexpected keyword arguments: {sorted(kwargs)}. "
                        f"Expected the arguments of tf.keras.callbacks.{owner}.")
    if value is None:
        return default
    logger.warning(warning)
    return value


class ReduceLROnPlateau(MonitorCallback):
    """Multiply the learning rate by `factor` when `monitor` stops improving.

    Reads and assigns `model.optimizer.learning_rate`, a float. Keras keeps it in a float32
    variable, so it is rounded to float32 before scaling, which makes the message print the
    same digits as Keras (`0.00010000000474974513` after `0.001 * 0.1`). Each epoch it also
    adds the current rate to the logs as `lr`, so it shows in the progress bar and History.

    Args:
        monitor: Quantity to watch.
        factor: New rate = rate * factor; must be below 1.
        patience: Epochs without improvement before reducing.
        verbose: 1 prints a message when reducing.
        mode: `'auto'`, `'min'` or `'max'`.
        min_delta: Improvement threshold: the value must beat best -/+ min_delta.
        cooldown: Epochs to wait after a reduction before counting patience again.
        min_lr: Lower bound on the learning rate.
    """

    mode_label = "Learning rate reduction mode"
    missing_message = (
        "Learning rate reduction is conditioned on metric `%(monitor)s` which is not "
        "available. Available metrics are: %(available)s"
    )

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0, **kwargs):
        if factor >= 1.0:
            raise ValueError(
                f"ReduceLROnPlateau does not support a factor >= 1.0. Got {factor}"
            )
        super().__init__(monitor, mode, 0.0, verbose)
        self.min_delta = _pop_deprecated(
            kwargs, "ReduceLROnPlateau", "epsilon", min_delta, "`epsilon` argument is deprecated "
            "and will be removed, use `min_delta` instead.")
        self.factor = factor
        self.patience = patience
        self.cooldown = cooldown
        self.min_lr = min_lr
        self.on_train_begin()

    @staticmethod
    def auto_mode_is_max(monitor: str) -> bool:
        """Keras 2's ReduceLROnPlateau rule: a name containing 'acc' is maximised."""
        return "acc" in monitor

    def is_improvement(self, current, reference) -> bool:
        """Keras shifts the reference here, not the value: `current < best - min_delta`."""
        if self.monitor_op is np.greater:
            return bool(np.greater(current, reference + self.min_delta))
        return bool(np.less(current, reference - self.min_delta))

    def in_cooldown(self) -> bool:
        """Whether a recent reduction still suspends patience counting."""
        return self.cooldown_counter > 0

    def on_train_begin(self, logs=None):
        self.cooldown_counter = 0
        self.wait = 0
        self.best = self.initial_best()

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            logs = {}
        logs["lr"] = self._learning_rate()
        current = self.get_monitor_value(logs)
        if current is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self.is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                self._reduce(epoch)

    def _learning_rate(self):
        return np.float32(self.model.optimizer.learning_rate)

    def _reduce(self, epoch):
        old_lr = self._learning_rate()
        if old_lr <= np.float32(self.min_lr):
            return
        new_lr = max(float(old_lr) * self.factor, self.min_lr)
        self.model.optimizer.learning_rate = new_lr
        self._say(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
        self.cooldown_counter = self.cooldown
        self.wait = 0

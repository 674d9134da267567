"""Callbacks that report progress: ProgbarLogger, CSVLogger, LambdaCallback, TerminateOnNaN.

`ProgbarLogger` is what prints Keras' progress bar during `fit`, `evaluate` and `predict`.
Its timing matters for the byte stream: the batch-end update for the last batch (`ETA: 0s`)
is drawn at that batch's end, before any epoch-end callback runs, and the final line with the
`val_` metrics is drawn in `on_epoch_end`. Being last in the `CallbackList`, it draws that final
line below any message another callback printed (ModelCheckpoint's starts with a newline).
"""
from __future__ import annotations

import collections.abc
import csv
import os
import time
from collections.abc import Iterable

import numpy as np

from chainrule.callbacks.base import Callback
from chainrule.utils.progbar import Progbar


class ProgbarLogger(Callback):
    """Prints the Keras 2 progress bar from the logs `fit` passes to the hooks.

    Reads `params['verbose']`, `params['epochs']` and `params['steps']` (or `'samples'` when
    counting samples). Prints `Epoch i/N` only when `epochs > 1`. When the step count is unknown
    (`None`), the first epoch shows `N/Unknown` and the count seen becomes the target.

    Args:
        count_mode: `'steps'` (what `fit` uses) or `'samples'` (counts `logs['size']`).
        stateful_metrics: Names displayed as given rather than averaged. Every name in the
            logs is treated this way too, because `fit` already logs running epoch means.

    Attributes:
        clock: Time source handed to each `Progbar`; replace it to make tests deterministic.
    """

    def __init__(self, count_mode: str = "samples", stateful_metrics: Iterable[str] | None = None):
        super().__init__()
        if count_mode not in ("samples", "steps"):
            raise ValueError(
                f"Unknown `count_mode`: {count_mode}. Expected values are [\"samples\", \"steps\"]"
            )
        self.use_steps = count_mode == "steps"
        self.stateful_metrics = set(stateful_metrics or ())
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self.clock = time.time
        self._called_in_fit = False

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", 1)
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps" if self.use_steps else "samples")

    def on_train_begin(self, logs=None):
        self._called_in_fit = True  # validation inside fit draws no bar of its own

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset_progbar()

    def on_predict_begin(self, logs=None):
        self._reset_progbar()

    def on_epoch_begin(self, epoch, logs=None):
        self._reset_progbar()
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._batch_update(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._batch_update(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._batch_update(batch, None)  # predictions are not metrics

    def on_epoch_end(self, epoch, logs=None):
        self._finalize(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize(logs)

    def on_predict_end(self, logs=None):
        self._finalize(logs)

    def _reset_progbar(self):
        self.seen = 0
        self.progbar = None
        self._ensure_progbar()

    def _ensure_progbar(self):
        if self.progbar is None:
            self.progbar = Progbar(
                target=self.target,
                verbose=self.verbose,
                stateful_metrics=self.stateful_metrics,
                unit_name="step" if self.use_steps else "sample",
                clock=self.clock,
            )

    def _batch_update(self, batch, logs):
        logs = dict(logs or {})
        self._ensure_progbar()
        if self.use_steps:
            self.seen = batch + 1
        else:
            self.seen += logs.pop("num_steps", 1) * logs.pop("size", 0)
            logs.pop("batch", None)
        if self.verbose == 1:
            self._update(self.seen, logs, finalize=False)

    def _finalize(self, logs):
        self._ensure_progbar()
        if self.target is None:  # unknown step count: what was seen this epoch is the target
            self.target = self.seen
            self.progbar.target = self.target
        self._update(self.target, logs or {}, finalize=True)

    def _update(self, current, logs, finalize):
        self.progbar.stateful_metrics.update(logs)
        self.progbar.update(current, list(logs.items()), finalize=finalize)


class CSVLogger(Callback):
    """Streams the epoch logs to a CSV file, in Keras' format.

    The header is `epoch` then the log names sorted; when the first epoch has no `val_` names,
    `val_` columns are added for every name (filled with `NA` while missing). Rows end with
    `\\r\\n` (the csv module's Excel dialect, which Keras uses).

    Args:
        filename: Path of the CSV file.
        separator: One-character field delimiter.
        append: Append to an existing file (writing no second header) instead of overwriting.
    """

    def __init__(self, filename, separator: str = ",", append: bool = False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        if self.append and os.path.exists(self.filename):
            with open(self.filename, encoding="utf-8") as f:
                self.append_header = not f.readline()
        mode = "a" if self.append else "w"
        self.csv_file = open(self.filename, mode, newline="", encoding="utf-8")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if not any(key.startswith("val_") for key in self.keys):
                self.keys.extend("val_" + key for key in list(self.keys))
        if self.writer is None:
            self.writer = self._make_writer()
        row = {"epoch": epoch}
        row.update((key, _csv_value(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None:
            self.csv_file.close()
        self.writer = None

    def _make_writer(self):
        dialect = type("CSVLoggerDialect", (csv.excel,), {"delimiter": self.sep})
        writer = csv.DictWriter(self.csv_file, fieldnames=["epoch", *self.keys], dialect=dialect)
        if self.append_header:
            writer.writeheader()
        return writer


def _csv_value(value):
    """Strings as is; 1-D iterables as a quoted `"[a, b]"` (Keras' format); numbers as is."""
    if isinstance(value, str):
        return value
    is_zero_dim = isinstance(value, np.ndarray) and value.ndim == 0
    if isinstance(value, collections.abc.Iterable) and not is_zero_dim:
        return f"\"[{', '.join(map(str, value))}]\""
    return value


class LambdaCallback(Callback):
    """A callback built from plain functions.

    `on_epoch_begin`/`on_epoch_end` take `(epoch, logs)`, `on_batch_begin`/`on_batch_end`
    take `(batch, logs)`, `on_train_begin`/`on_train_end` take `(logs)`. Any other hook
    (e.g. `on_train_batch_end=...`) can be given as a keyword argument too.

    >>> seen = []
    >>> callback = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))
    >>> callback.on_epoch_end(0, {})
    >>> seen
    [0]
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None,
                 on_batch_end=None, on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)
        hooks = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end,
                 "on_batch_begin": on_batch_begin, "on_batch_end": on_batch_end,
                 "on_train_begin": on_train_begin, "on_train_end": on_train_end}
        for name, function in hooks.items():
            if function is not None:
                setattr(self, name, function)


class TerminateOnNaN(Callback):
    """Sets `model.stop_training` as soon as a batch reports a NaN or infinite loss."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(loss):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True

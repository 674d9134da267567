"""`Model.evaluate`, `predict`, the `*_on_batch` methods and Keras 2's `*_generator` names.

A mixin of `Model`, kept apart so that `fit` and the steps stay on one screen in model.py.
"""
from __future__ import annotations

import warnings

import numpy as np

from chainrule.autodiff.graph import no_grad
from chainrule.backend import to_numpy
from chainrule.callbacks.callback_list import CallbackList
from chainrule.models import training
from chainrule.models.data_adapter import (DataHandler, batch_size_of, map_structure,
                                            sequence_workers)


class Evaluation:
    """evaluate / predict / train_on_batch / test_on_batch / predict_on_batch."""

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, max_queue_size=10, workers=1,
                 use_multiprocessing=False, return_dict=False, **kwargs):
        """Loss and metrics on the data: a float (loss only), a list, or a dict."""
        if kwargs:
            raise TypeError(f"Invalid keyword arguments: {list(kwargs)}")
        self._check_compiled("training/testing")
        data = DataHandler(x, y, sample_weight, batch_size, False, steps,
                           workers=sequence_workers(workers))
        verbose = 1 if verbose == "auto" else verbose
        cbs = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose,
                           epochs=1, steps=data.steps)
        return _format_logs(self._run_test(data, cbs), return_dict)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None,
                max_queue_size=10, workers=1, use_multiprocessing=False, **kwargs):
        """Model outputs for every input sample: one NumPy array, or one per output."""
        if kwargs:
            raise TypeError(f"Model.predict() got an unexpected keyword argument "
                            f"{next(iter(kwargs))!r}")
        data = DataHandler(x, None, None, batch_size, False, steps,
                           workers=sequence_workers(workers))
        verbose = 1 if verbose == "auto" else verbose
        cbs = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose,
                           epochs=1, steps=data.steps)
        cbs.on_predict_begin()
        outputs = []
        for step, (xb, _, _) in enumerate(data.epoch()):
            cbs.on_predict_batch_begin(step)
            outputs.append(self._predict_batch(xb))
            cbs.on_predict_batch_end(step, {"outputs": outputs[-1]})
        cbs.on_predict_end()
        if not outputs:
            raise ValueError("Unexpected result of `predict_function` (Empty batch_outputs). "
                             "Please use `Model.compile(..., run_eagerly=True)`, or "
                             "`tf.data.experimental.assert_cardinality` to check your data.")
        if isinstance(outputs[0], list):
            return [np.concatenate(parts) for parts in zip(*outputs)]
        return np.concatenate(outputs)

    def _predict_batch(self, x):
        with no_grad():
            out = self.predict_step((x,))
        return [to_numpy(o) for o in out] if isinstance(out, list | tuple) else to_numpy(out)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       reset_metrics=True, return_dict=False):
        """One gradient step on one batch; returns the loss (and metrics)."""
        self._check_compiled("training/testing")
        data = DataHandler(x, y, sample_weight, _length(x), False, None, None, class_weight)
        if reset_metrics:
            self.reset_metrics()
        logs = self.train_step(training.pack_x_y_sample_weight(*next(data.epoch())))
        return _format_logs(logs, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True,
                      return_dict=False):
        """Loss (and metrics) on one batch, without training."""
        self._check_compiled("training/testing")
        if reset_metrics:
            self.reset_metrics()
        batch = next(DataHandler(x, y, sample_weight, _length(x)).epoch())
        with no_grad():
            logs = self.test_step(training.pack_x_y_sample_weight(*batch))
        return _format_logs(logs, return_dict)

    def predict_on_batch(self, x):
        """Outputs for one batch, in inference mode."""
        return self._predict_batch(map_structure(np.asarray, x))

    # --- Keras 2 names, deprecated there too ------------------------------------------------
    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1,
                      callbacks=None, validation_data=None, validation_steps=None,
                      validation_freq=1, class_weight=None, max_queue_size=10, workers=1,
                      use_multiprocessing=False, shuffle=True, initial_epoch=0):
        """Deprecated: `fit` takes generators. Same arguments."""
        _deprecated("fit_generator", "fit")
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs,
                        verbose=verbose, callbacks=callbacks, validation_data=validation_data,
                        validation_steps=validation_steps, validation_freq=validation_freq,
                        class_weight=class_weight, shuffle=shuffle,
                        initial_epoch=initial_epoch)

    def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                           workers=1, use_multiprocessing=False, verbose=0):
        """Deprecated: `evaluate` takes generators. Same arguments."""
        _deprecated("evaluate_generator", "evaluate")
        return self.evaluate(generator, steps=steps, callbacks=callbacks, verbose=verbose)

    def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                          workers=1, use_multiprocessing=False, verbose=0):
        """Deprecated: `predict` takes generators. Same arguments."""
        _deprecated("predict_generator", "predict")
        return self.predict(generator, steps=steps, callbacks=callbacks, verbose=verbose)


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"`Model.{old}` is deprecated and will be removed in a future version. "
                  f"Please use `Model.{new}`, which supports generators.", UserWarning,
                  stacklevel=3)


def _length(x) -> int:
    return batch_size_of(map_structure(np.asarray, x))


def _format_logs(logs: dict, return_dict: bool):
    logs = {k: float(to_numpy(v)) if np.ndim(to_numpy(v)) == 0 else v for k, v in logs.items()}
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values

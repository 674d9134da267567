"""`Model`: layers plus the training loop (compile, fit, evaluate, predict).

`fit` reads top to bottom like the lecture's description of training: for each epoch, for
each batch, a train step (forward, loss, backward, update); then validation; callbacks are
told at each point and may stop training or save weights, but never train themselves.
"""
from __future__ import annotations

import copy

import numpy as np

from chainrule import config
from chainrule.autodiff.graph import no_grad
from chainrule.callbacks.callback_list import CallbackList
from chainrule.layers.layer import Layer, to_snake_case
from chainrule.layers.registry import builtin_class
from chainrule.models import training
from chainrule.models.data_adapter import DataHandler, split_validation


class Model(Layer):
    """A group of layers with training and inference. `Model(inputs, outputs)` is functional."""

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            # models/functional.py registered the class when it was defined
            return super().__new__(builtin_class("Functional"))   # then Functional.__init__
        return super().__new__(cls)

    def __init__(self, name=None, **kwargs):
        super().__init__(name=name or config.unique_object_name(
            "model" if type(self).__name__ == "Model" else _default_name(self)), **kwargs)
        self.compiled = None
        self.stop_training = False
        self._initial_epoch = 0
        self.history = None
        self._rng = None

    # --- structure -------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        """Sub-layers in the order they were assigned (subclassed models)."""
        return [v for k, v in vars(self).items() if isinstance(v, Layer) and not k.startswith("_")]

    @property
    def weights(self):
        seen, out = set(), []
        for layer in self.layers:
            for w in layer.weights:
                if id(w) not in seen:
                    seen.add(id(w))
                    out.append(w)
        return out

    variables = weights

    @Layer.trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for layer in self.layers:
            layer.trainable = value

    def count_params(self) -> int:
        return int(sum(w.size for w in self.weights))

    def get_layer(self, name=None, index=None) -> Layer:
        """A sub-layer by name or by index."""
        if index is not None:
            if index >= len(self.layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(self.layers)} layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: "
                         f"{[la.name for la in self.layers]}.")

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False) -> None:
        """Print the tf.keras 2 table: layers, output shapes, parameter counts."""
        from chainrule.models.summary import print_summary

        print_summary(self, line_length, positions, print_fn, expand_nested, show_trainable)

    # --- compile ------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                weighted_metrics=None, run_eagerly=None, steps_per_execution=None,
                jit_compile=None, **kwargs) -> None:
        """Choose optimizer, loss and metrics. Call again after changing `trainable`."""
        self.compiled = training.CompiledState(optimizer, loss, metrics, loss_weights)

    @property
    def optimizer(self):
        return self.compiled.optimizer if self.compiled else None

    @property
    def loss(self):
        return self.compiled.loss if self.compiled else None

    @property
    def metrics_names(self) -> list[str]:
        return self.compiled.metrics_names if self.compiled else []

    def _check_compiled(self, what: str) -> training.CompiledState:
        if self.compiled is None:
            raise RuntimeError(f"You must compile your model before {what}. "
                               f"Call `model.compile(optimizer, loss)`.")
        return self.compiled

    def _shuffle_rng(self) -> np.random.Generator:
        if self._rng is None:
            self._rng = config.make_rng()
        return self._rng

    # --- fit -------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1, **kwargs):
        """Train for `epochs` epochs; returns a History. Arguments as in Keras."""
        state = self._check_compiled("training/testing")
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = split_validation(
                x, y, sample_weight, validation_split)
        data = DataHandler(x, y, sample_weight, batch_size, shuffle, steps_per_epoch,
                           self._shuffle_rng(), class_weight)
        val = _validation_handler(validation_data, validation_batch_size or batch_size,
                                  validation_steps)
        verbose = 1 if verbose == "auto" else verbose
        cbs = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=self,
                           verbose=verbose, epochs=epochs, steps=data.steps)
        self.stop_training = False
        self._initial_epoch = initial_epoch          # BackupAndRestore moves it past a backup
        cbs.on_train_begin()
        logs = {}
        for epoch in range(self._initial_epoch, epochs):
            state.reset()
            cbs.on_epoch_begin(epoch)
            logs = self._train_epoch(state, data, cbs)
            epoch_logs = dict(logs)
            if val is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._run_test(state, val, cbs)
                epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, epoch_logs)
            logs = epoch_logs
            if self.stop_training:
                break
        if epochs > 0:                               # use_ema: the averages become the weights
            state.optimizer.finalize_variable_values(self.trainable_weights)
        cbs.on_train_end(logs)
        return self.history

    def _train_epoch(self, state, data: DataHandler, cbs) -> dict:
        logs, step = {}, 0
        for step, (xb, yb, swb) in enumerate(data.epoch()):
            cbs.on_train_batch_begin(step)
            logs = training.train_step(self, state, xb, yb, swb)
            cbs.on_train_batch_end(step, logs)
            if self.stop_training:
                break
        else:
            if data.steps is None:
                data.steps = step + 1              # an unsized dataset: now we know
        if not logs:
            raise ValueError("Your input ran out of data: no batch was produced for this epoch. "
                             "Make sure the dataset or generator yields at least one batch "
                             "(or pass steps_per_epoch).")
        return logs

    def _run_test(self, state, data: DataHandler, cbs) -> dict:
        state.reset()
        cbs.on_test_begin()
        logs = {}
        for step, (xb, yb, swb) in enumerate(data.epoch()):
            cbs.on_test_batch_begin(step)
            logs = training.test_step(self, state, xb, yb, swb)
            cbs.on_test_batch_end(step, logs)
        cbs.on_test_end(logs)
        return logs

    # --- evaluate / predict ----------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        """Loss and metrics on the data: a float (loss only), a list, or a dict."""
        state = self._check_compiled("training/testing")
        data = DataHandler(x, y, sample_weight, batch_size, False, steps)
        verbose = 1 if verbose == "auto" else verbose
        cbs = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose,
                           epochs=1, steps=data.steps)
        logs = self._run_test(state, data, cbs)
        if return_dict:
            return dict(logs)
        values = [logs[k] for k in logs]
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None,
                **kwargs) -> np.ndarray:
        """Model outputs for every input sample, as one NumPy array."""
        data = DataHandler(x, None, None, batch_size, False, steps)
        verbose = 1 if verbose == "auto" else verbose
        cbs = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose,
                           epochs=1, steps=data.steps)
        cbs.on_predict_begin()
        outputs = []
        for step, (xb, _, _) in enumerate(data.epoch()):
            cbs.on_predict_batch_begin(step)
            outputs.append(self.predict_on_batch(xb))
            cbs.on_predict_batch_end(step, {"outputs": outputs[-1]})
        cbs.on_predict_end()
        if not outputs:
            raise ValueError("Unexpected result of `predict_function` (Empty batch_outputs). "
                             "Please use `Model.compile(..., run_eagerly=True)`, or "
                             "`tf.data.experimental.assert_cardinality` to check your data.")
        return np.concatenate(outputs)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       reset_metrics=True, return_dict=False):
        """One gradient step on one batch; returns the loss (and metrics)."""
        state = self._check_compiled("training/testing")
        data = DataHandler(x, y, sample_weight, len(x), False, None, None, class_weight)
        if reset_metrics:
            state.reset()
        xb, yb, swb = next(data.epoch())
        return _format_logs(training.train_step(self, state, xb, yb, swb), return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True,
                      return_dict=False):
        """Loss (and metrics) on one batch, without training."""
        state = self._check_compiled("training/testing")
        if reset_metrics:
            state.reset()
        xb, yb, swb = next(DataHandler(x, y, sample_weight, len(x)).epoch())
        return _format_logs(training.test_step(self, state, xb, yb, swb), return_dict)

    def predict_on_batch(self, x) -> np.ndarray:
        """Outputs for one batch, in inference mode."""
        with no_grad():
            return self(np.asarray(x), training=False).numpy()

    # --- weights and saving ----------------------------------------------------------------
    def get_weights(self) -> list[np.ndarray]:
        return [w.numpy().copy() for w in self.weights]

    def set_weights(self, weights) -> None:
        own = self.weights
        if len(weights) != len(own):
            raise ValueError(f"Model {self.name!r}: you called `set_weights(weights)` with a "
                             f"weight list of length {len(weights)}, but the model has "
                             f"{len(own)} weights.")
        for var, value in zip(own, weights):
            if np.shape(value) != var.shape:
                raise ValueError(f"Model {self.name!r}: weight {var.name} has shape "
                                 f"{var.shape}, but the value given has shape "
                                 f"{np.shape(value)}.")
            var.assign(value)

    def save_weights(self, filepath, overwrite=True, save_format=None, options=None) -> None:
        """Write all weights to one HDF5 file at exactly `filepath` (atomically)."""
        from chainrule import saving

        saving.save_weights(self, filepath)

    def load_weights(self, filepath, by_name=False, skip_mismatch=False, options=None):
        """Read weights written by `save_weights` or by Keras (legacy .h5 layouts)."""
        from chainrule import saving

        saving.load_weights(self, filepath, by_name=by_name, skip_mismatch=skip_mismatch)

    def save(self, filepath, overwrite=True, include_optimizer=True, **kwargs) -> None:
        """Architecture, weights and optimizer state in one HDF5 file (atomically)."""
        from chainrule import saving

        saving.save_model(self, filepath, include_optimizer=include_optimizer)


def _default_name(model) -> str:
    return to_snake_case(type(model).__name__)


def _validation_handler(validation_data, batch_size, steps):
    if validation_data is None:
        return None
    if isinstance(validation_data, tuple | list):
        if len(validation_data) not in (2, 3):
            raise ValueError(f"When passing a tuple as validation_data, it must contain 2 "
                             f"(x_val, y_val) or 3 (x_val, y_val, val_sample_weights) items, "
                             f"however it contains {len(validation_data)} items.")
        return DataHandler(*validation_data, batch_size=batch_size, steps=steps)
    return DataHandler(validation_data, batch_size=batch_size, steps=steps)


def _format_logs(logs: dict, return_dict: bool):
    if return_dict:
        return copy.copy(logs)
    values = list(logs.values())
    return values[0] if len(values) == 1 else values

"""`Model`: layers plus the training loop (compile, fit; evaluate and predict in evaluation.py).

`fit` reads top to bottom like the lecture's description of training: for each epoch, for
each batch, `self.train_step(data)` (forward, loss, backward, update); then validation;
callbacks are told at each point and may stop training or save weights, but never train
themselves. A subclass may override `train_step`/`test_step`, as keras.io's "Customizing
what happens in fit" does, using `self.compiled_loss`, `self.compiled_metrics`,
`self.optimizer` and `self.metrics`.
"""
from __future__ import annotations

import numpy as np

from chainrule import config
from chainrule.autodiff.graph import no_grad
from chainrule.backend import to_numpy
from chainrule.callbacks.callback_list import CallbackList
from chainrule.layers.layer import Layer, to_snake_case
from chainrule.layers.registry import builtin_class, custom_object_scope
from chainrule.models import training
from chainrule.models.data_adapter import DataHandler, sequence_workers, split_validation
from chainrule.models.evaluation import Evaluation


class Model(Evaluation, Layer):
    """A group of layers with training and inference. `Model(inputs, outputs)` is functional."""

    def __new__(cls, *args, **kwargs):
        functional_args = len(args) >= 2 or "inputs" in kwargs or "outputs" in kwargs
        if cls is Model and (args or functional_args):
            # models/functional.py registered the class when it was defined
            return super().__new__(builtin_class("Functional"))   # then Functional.__init__
        if functional_args and "__init__" not in vars(cls):
            return super().__new__(_with_functional(cls))   # class Custom(Model) + graph
        return super().__new__(cls)

    @classmethod
    def from_config(cls, cfg: dict, custom_objects: dict | None = None):
        """A functional model from `get_config()` (custom layers from `custom_objects`)."""
        functional = builtin_class("Functional")
        with custom_object_scope(custom_objects):
            if "input_layers" in cfg:
                return functional.from_config.__func__(
                    cls if issubclass(cls, functional) else functional, cfg)
            return cls(**cfg)

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
        """Choose optimizer, loss and metrics: one each, or per output (list or dict)."""
        training.check_compile_kwargs(kwargs)
        self.compiled = training.CompiledState(optimizer, loss, metrics, loss_weights,
                                               weighted_metrics, self._output_names())

    def _output_names(self) -> list[str] | None:
        """Names of the layers making the outputs (None for a model without a graph yet)."""
        try:
            outputs = self.outputs
        except AttributeError:
            return None
        return [t.layer.name for t in outputs] if outputs else None

    @property
    def output_names(self) -> list[str] | None:
        return self._output_names()

    @property
    def optimizer(self):
        return self.compiled.optimizer if self.compiled else None

    @optimizer.setter
    def optimizer(self, value) -> None:
        if self.compiled is None:
            raise AttributeError("Compile the model before setting its optimizer.")
        self.compiled.optimizer = value

    @property
    def loss(self):
        return self.compiled.loss if self.compiled else None

    @property
    def compiled_loss(self):
        return self.compiled.compiled_loss if self.compiled else None

    @property
    def compiled_metrics(self):
        return self.compiled.compiled_metrics if self.compiled else None

    @property
    def metrics(self) -> list:
        """The metric objects fit logs (the loss trackers first); built on the first batch."""
        return self.compiled.all_metrics if self.compiled else []

    @property
    def metrics_names(self) -> list[str]:
        if type(self).metrics is not Model.metrics:       # a model that lists its own
            return [m.name for m in self.metrics]
        return self.compiled.metrics_names if self.compiled else []

    def reset_metrics(self) -> None:
        for m in self.metrics:
            m.reset_state()

    def _check_compiled(self, what: str) -> training.CompiledState:
        if self.compiled is None:
            raise RuntimeError(f"You must compile your model before {what}. "
                               f"Call `model.compile(optimizer, loss)`.")
        return self.compiled

    def _shuffle_rng(self) -> np.random.Generator:
        if self._rng is None:
            self._rng = config.make_rng()
        return self._rng

    # --- steps (override these to customize fit / evaluate) -------------------------------
    def train_step(self, data) -> dict:
        """One batch of training: forward, `compute_loss`, backward, update; the logs."""
        return training.default_train_step(self, data)

    def test_step(self, data) -> dict:
        """One batch of evaluation: forward, `compute_loss`, `compute_metrics`."""
        return training.default_test_step(self, data)

    def predict_step(self, data):
        """The outputs for one batch, in inference mode."""
        x, _, _ = training.unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None):
        """The compiled loss plus every `add_loss` and weight penalty (`self.losses`)."""
        state = self._check_compiled("training/testing")
        return state.compiled_loss(y, y_pred, sample_weight, regularization_losses=self.losses)

    def compute_metrics(self, x, y, y_pred, sample_weight) -> dict:
        """Update the compiled and added metrics; return every metric's running value."""
        state = self._check_compiled("training/testing")
        state.compiled_metrics.update_state(y, y_pred, sample_weight)
        state.update_added(self)
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict:
        return {m.name: m.result() for m in self.metrics}

    # --- fit -------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1, max_queue_size=10, workers=1,
            use_multiprocessing=False, **kwargs):
        """Train for `epochs` epochs; returns a History. Arguments as in Keras."""
        if kwargs:
            raise TypeError(f"Model.fit() got an unexpected keyword argument "
                            f"{next(iter(kwargs))!r}")
        self._check_compiled("training/testing")
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = split_validation(
                x, y, sample_weight, validation_split)
        data = DataHandler(x, y, sample_weight, batch_size, shuffle, steps_per_epoch,
                           self._shuffle_rng(), class_weight, workers=sequence_workers(workers))
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
            self.reset_metrics()
            cbs.on_epoch_begin(epoch)
            logs = self._train_epoch(data, cbs)
            epoch_logs = dict(logs)
            if val is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._run_test(val, cbs)
                epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, epoch_logs)
            logs = epoch_logs
            if self.stop_training:
                break
        if epochs > 0:                               # use_ema: the averages become the weights
            self.optimizer.finalize_variable_values(self.trainable_weights)
        cbs.on_train_end(logs)
        return self.history

    def _train_epoch(self, data: DataHandler, cbs) -> dict:
        logs, step = {}, 0
        for step, batch in enumerate(data.epoch()):
            cbs.on_train_batch_begin(step)
            logs = _float_logs(self.train_step(_step_data(data, batch)))
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

    def _run_test(self, data: DataHandler, cbs) -> dict:
        self.reset_metrics()
        cbs.on_test_begin()
        logs = {}
        for step, batch in enumerate(data.epoch()):
            cbs.on_test_batch_begin(step)
            with no_grad():
                logs = _float_logs(self.test_step(_step_data(data, batch)))
            cbs.on_test_batch_end(step, logs)
        cbs.on_test_end(logs)
        return logs

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
        """Write all weights to one HDF5 file at exactly `filepath` (atomically), making
        its folder first if needed, as Keras does."""
        import os

        from chainrule import saving

        folder = os.path.dirname(os.fspath(filepath))
        if folder and not os.path.exists(folder):
            os.makedirs(folder)
        saving.save_weights(self, filepath)

    def load_weights(self, filepath, by_name=False, skip_mismatch=False, options=None):
        """Read weights written by `save_weights`, by tf.keras (legacy .h5 layouts) or by
        Keras 3 (`model.weights.h5` files and the weights inside `.keras` files)."""
        from chainrule import saving

        saving.load_weights(self, filepath, by_name=by_name, skip_mismatch=skip_mismatch)

    def save(self, filepath, overwrite=True, include_optimizer=True, save_format=None,
             signatures=None, options=None, save_traces=True) -> None:
        """Save architecture, weights and compile() setup: `.keras` (Keras 3's zip), `.h5`
        (Keras 2's HDF5), or a name without suffix (a folder, as tf.keras 2.12)."""
        from chainrule import saving

        saving.save_model(self, filepath, include_optimizer=include_optimizer,
                          save_format=save_format, overwrite=overwrite)

    def export(self, filepath, format="onnx") -> None:
        """Write the model for another runtime: `format='onnx'` (Keras 3's call)."""
        from chainrule import export

        export.export_model(self, filepath, format=format)


_FUNCTIONAL_SUBCLASSES: dict = {}


def _with_functional(cls):
    """`cls` (a Model subclass that overrides train_step, say) built from inputs/outputs."""
    functional = builtin_class("Functional")
    if issubclass(cls, functional):
        return cls
    if cls not in _FUNCTIONAL_SUBCLASSES:
        _FUNCTIONAL_SUBCLASSES[cls] = type(cls.__name__, (cls, functional),
                                           {"__module__": cls.__module__})
    return _FUNCTIONAL_SUBCLASSES[cls]


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


def _step_data(data: DataHandler, batch: tuple):
    """What train_step/test_step receive: Keras' (x,), (x, y) or (x, y, sample_weight) for
    arrays; a dataset's element as it is when it holds inputs only (a GAN's images)."""
    x, y, sample_weight = batch
    if data.kind != "arrays" and y is None and sample_weight is None:
        return x
    return training.pack_x_y_sample_weight(x, y, sample_weight)


def _float_logs(logs: dict) -> dict:
    """Logs as plain floats (a custom train_step may return Tensors or NumPy scalars)."""
    out = {}
    for k, v in logs.items():
        v = to_numpy(v)
        out[k] = float(v) if np.ndim(v) == 0 else v
    return out

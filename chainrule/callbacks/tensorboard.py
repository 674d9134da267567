"""`TensorBoard`: training curves, weight histograms and the model graph for TensorBoard.

The layout and tag names are tf.keras 2.12's (tests/fixtures/tensorboard_layout.json records
them): `log_dir/train` and `log_dir/validation` hold one event file each; epoch scalars are
`epoch_<metric>` at step = epoch (validation's without the `val_` prefix), plus
`evaluation_<metric>_vs_iterations` at the optimizer's step count after each validation pass;
`epoch_learning_rate` when the optimizer follows a schedule; weight histograms are
`<layer>/<weight>_0/histogram`; the graph is the `keras` tag. With an integer `update_freq`,
`batch_<metric>` is written every `update_freq` batches at the global batch count, as 2.12's
code intends (2.12 itself only calls batch hooks when tracing or timing steps).
"""
from __future__ import annotations

import os
import time
import warnings

import numpy as np

from chainrule.callbacks.base import Callback
from chainrule.callbacks.summary_writer import SummaryWriter
from chainrule.optimizers.schedules import LearningRateSchedule


class TensorBoard(Callback):
    """Write event files that `tensorboard --logdir LOG_DIR` shows.

    Args:
        log_dir: folder for the event files (`train/`, `validation/` below it).
        histogram_freq: every this many epochs, histograms of every weight (0: none).
        write_graph: write the model's graph (the Graphs dashboard's Keras view).
        write_images: write each weight as an image beside its histogram.
        write_steps_per_second: add `epoch_steps_per_second` (and `batch_...` per batch).
        update_freq: `'epoch'`, `'batch'` (= 1) or an int N: batch scalars every N batches.
        profile_batch: TensorFlow's profiler; chainrule has none, so non-zero values warn.
        embeddings_freq: projector embeddings; not written (non-zero values warn).
        embeddings_metadata: accepted for Keras compatibility.
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None, **kwargs):
        super().__init__()
        if kwargs:
            raise ValueError(f"Unrecognized arguments in `TensorBoard` Callback: {kwargs}")
        if update_freq not in ("epoch", "batch") and not isinstance(update_freq, int):
            raise ValueError(f"update_freq must be 'epoch', 'batch' or an integer. "
                             f"Received: update_freq={update_freq!r}")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq, self.write_graph = histogram_freq, write_graph
        self.write_images, self.write_steps_per_second = write_images, write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.embeddings_freq, self.embeddings_metadata = embeddings_freq, embeddings_metadata
        for name, value in (("profile_batch", profile_batch),
                            ("embeddings_freq", embeddings_freq)):
            if value not in (0, None, (0, 0)):
                warnings.warn(f"TensorBoard: {name}={value!r} is ignored: chainrule has no "
                              f"TensorFlow profiler or projector to record.", stacklevel=2)
        self._writers: dict[str, SummaryWriter] = {}
        self._global_batch = 0

    def _writer(self, name: str) -> SummaryWriter:
        if name not in self._writers:
            self._writers[name] = SummaryWriter(os.path.join(self.log_dir, name))
        return self._writers[name]

    def on_train_begin(self, logs=None):
        self._global_batch = 0
        self._writer("train")                   # fails early with the install hint
        if self.write_graph:
            self._writer("train").keras_graph(keras_graph_config(self.model), step=0)

    def on_train_batch_begin(self, batch, logs=None):
        self._batch_start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self._global_batch += 1
        if self.update_freq == "epoch" or self._global_batch % self.update_freq:
            return
        writer = self._writer("train")
        for name, value in (logs or {}).items():
            if np.ndim(value) == 0:
                writer.scalar("batch_" + name, value, self._global_batch)
        if self.write_steps_per_second:
            seconds = time.perf_counter() - self._batch_start
            writer.scalar("batch_steps_per_second", 1.0 / max(seconds, 1e-9),
                          self._global_batch)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start, self._epoch_first_batch = time.perf_counter(), self._global_batch

    def on_epoch_end(self, epoch, logs=None):
        train = {k: v for k, v in (logs or {}).items() if not k.startswith("val_")}
        val = {k[4:]: v for k, v in (logs or {}).items() if k.startswith("val_")}
        train.update(self._learning_rate())
        if self.write_steps_per_second:
            steps = self._global_batch - self._epoch_first_batch
            train["steps_per_second"] = steps / (time.perf_counter() - self._epoch_start)
        for folder, values in (("train", train), ("validation", val)):
            for name, value in values.items():
                if np.ndim(value) == 0:
                    self._writer(folder).scalar("epoch_" + name, value, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        for writer in self._writers.values():
            writer.flush()

    def _learning_rate(self) -> dict:
        """tf.keras 2.12 logs the rate only when a schedule sets it, at the current step."""
        optimizer = getattr(self.model, "optimizer", None)
        schedule = getattr(optimizer, "_learning_rate", None)
        if isinstance(schedule, LearningRateSchedule):
            return {"learning_rate": float(schedule(optimizer.iterations))}
        return {}

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None or not hasattr(optimizer, "iterations") or not logs:
            return
        for name, value in logs.items():
            if np.ndim(value) == 0:
                self._writer("validation").scalar(f"evaluation_{name}_vs_iterations", value,
                                                  int(optimizer.iterations))

    def _log_weights(self, epoch: int) -> None:
        writer = self._writer("train")
        for layer in self.model.layers:
            for weight in layer.weights:
                name = _weight_tag(layer, weight)
                values = np.asarray(weight.numpy())
                writer.histogram(name + "/histogram", values, epoch)
                if self.write_images:
                    writer.image(name + "/image", weight_image(values), epoch)

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}


def _weight_tag(layer, weight) -> str:
    """tf.keras 2.12's histogram tag: the variable name `dense/kernel:0` as `dense/kernel_0`."""
    name = weight.name if "/" in weight.name else f"{layer.name}/{weight.name}"
    name = name if ":" in name else name + ":0"
    return name.replace(":", "_")


def weight_image(values: np.ndarray) -> np.ndarray:
    """A weight as a grey uint8 image (height, width, 1), scaled to 0..255: a vector as one
    row, a matrix with its longer axis across (as tf.keras), a conv kernel as rows of
    (kh * kw * in) by out (tf.keras draws only kernels with 1, 3 or 4 outputs)."""
    if values.ndim == 1:
        grid = values[None, :]
    elif values.ndim == 2:
        grid = values.T if values.shape[0] > values.shape[1] else values
    else:
        grid = values.reshape(-1, values.shape[-1])
    low, high = float(grid.min()), float(grid.max())
    scaled = (grid - low) / (high - low) if high > low else np.zeros_like(grid)
    return (scaled * 255).round().astype(np.uint8)[..., None]


def keras_graph_config(model) -> dict:
    """The Keras 3 model config that TensorBoard's Keras graph view reads: each layer's class
    and name and, for functional models, the layers each one reads (`keras_history`)."""
    entries = []
    for layer in model.layers:
        entry = {"class_name": type(layer).__name__, "name": layer.name,
                 "config": {"name": layer.name}}
        if hasattr(layer, "layers"):
            entry = keras_graph_config(layer)
        inbound = _inbound_names(layer)
        if inbound:
            entry["inbound_nodes"] = [{"args": [
                {"config": {"keras_history": [name, 0, 0]}} for name in inbound]}]
        entries.append(entry)
    name = type(model).__name__
    return {"class_name": "Functional" if name == "Functional" else name, "name": model.name,
            "config": {"name": model.name, "layers": entries}}


def _inbound_names(layer) -> list[str]:
    tensors = getattr(layer, "_outbound_tensors", None) or []
    return [t.layer.name for t in tensors[0].inputs] if tensors else []

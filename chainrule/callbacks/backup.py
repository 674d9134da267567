"""`BackupAndRestore`: an interrupted `fit` started again continues exactly where it stopped.

After every epoch the whole training state goes to one file in `backup_dir`, written
atomically (a temporary file flushed to disk, then one rename), so a kill -9 or a power cut
mid-write keeps the previous backup whole, and the weights, optimizer and epoch in the backup
always belong together (a temporary file a kill left is removed when `fit` starts again):
the epoch, every weight (`model.get_weights()`), the optimizer's step count, learning rate
and slot arrays (Adam's m and v, ...), and the random generators that shape the next epochs
(the model's shuffle order and each dropout layer's masks). When `fit` starts and a backup
is there, all of that is put back and `fit` skips the epochs already done; the epochs that
follow are the ones an uninterrupted run would have computed. A run that ends normally
deletes the backup (unless `delete_checkpoint=False`).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from chainrule.callbacks.base import Callback
from chainrule.optimizers.schedules import LearningRateSchedule

STATE_FILE = "training_state.npz"


class BackupAndRestore(Callback):
    """Back up the training state after each epoch; restore it when `fit` starts again.

    Args:
        backup_dir: directory for the backup (created if needed); use one per training run.
        save_freq: `'epoch'` (the only frequency supported: a backup between batches would
            also need the position inside the epoch's data).
        delete_checkpoint: delete the backup when `fit` finishes normally.
        save_before_preemption: accepted for Keras compatibility; must be False.
    """

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True,
                 save_before_preemption=False):
        super().__init__()
        if not save_freq and not save_before_preemption:
            raise ValueError("Either `save_freq` or `save_before_preemption` must be set.")
        if save_freq != "epoch" or save_before_preemption:
            raise ValueError(f"BackupAndRestore backs up at the end of each epoch only: use "
                             f"save_freq='epoch' and save_before_preemption=False. Received: "
                             f"save_freq={save_freq!r}, "
                             f"save_before_preemption={save_before_preemption!r}")
        self.backup_dir = Path(backup_dir)
        self.save_freq, self.delete_checkpoint = save_freq, delete_checkpoint
        self.save_before_preemption = save_before_preemption

    @property
    def _path(self) -> Path:
        return self.backup_dir / STATE_FILE

    @property
    def _tmp(self) -> Path:
        return self.backup_dir / f".{STATE_FILE}.tmp"

    def on_train_begin(self, logs=None):
        self._tmp.unlink(missing_ok=True)                 # half a backup, left by a kill
        if self._path.exists():
            self.model._initial_epoch = max(self.model._initial_epoch, self._restore() + 1)

    def on_epoch_end(self, epoch, logs=None):
        self.backup_dir.mkdir(parents=True, exist_ok=True)
        try:
            with open(self._tmp, "wb") as f:
                np.savez(f, **training_state(self.model, epoch))
                f.flush()
                os.fsync(f.fileno())
            os.replace(self._tmp, self._path)
        finally:
            self._tmp.unlink(missing_ok=True)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and self._path.exists():
            self._path.unlink()

    def _restore(self) -> int:
        if not self.model.built:
            raise ValueError(f"BackupAndRestore found a backup in {str(self.backup_dir)!r} but "
                             f"the model is not built yet, so there are no weights to restore "
                             f"into. Give the first layer an `input_shape` (or call "
                             f"`model.build(shape)`) before `fit`.")
        with np.load(self._path) as f:
            state = {k: f[k] for k in f.files}
        return restore_training_state(self.model, state)


def training_state(model, epoch: int) -> dict:
    """Everything `restore_training_state` needs, as arrays (JSON as 0-d strings)."""
    optimizer = model.optimizer
    trainable = model.trainable_weights
    with_slots = [i for i, v in enumerate(trainable) if id(v) in optimizer.slots]
    state = {"epoch": np.int64(epoch), "iterations": np.int64(optimizer.iterations),
             "learning_rate": np.float32(float(optimizer.learning_rate)),
             "slot_owners": np.array(with_slots, dtype=np.int64),
             "generators": np.array(json.dumps(
                 {name: g.bit_generator.state for name, g in _generators(model).items()}))}
    state.update({f"weight/{i}": w for i, w in enumerate(model.get_weights())})
    slots = optimizer.get_slot_arrays([trainable[i] for i in with_slots])
    state.update({f"slot/{i}": np.asarray(a) for i, a in enumerate(slots)})
    return state


def restore_training_state(model, state: dict) -> int:
    """Put a `training_state` back into `model`; returns the epoch it was taken after."""
    model.set_weights([state[f"weight/{i}"] for i in range(_count(state, "weight/"))])
    optimizer, trainable = model.optimizer, model.trainable_weights
    owners = [trainable[i] for i in state["slot_owners"]]
    slots = [state[f"slot/{i}"] for i in range(_count(state, "slot/"))]
    optimizer.set_slot_arrays(owners, slots, int(state["iterations"]))
    if not isinstance(optimizer._learning_rate, LearningRateSchedule):  # a schedule: recomputed
        optimizer.learning_rate = float(state["learning_rate"])
    generators = json.loads(str(state["generators"]))
    for index, layer in enumerate(_layers(model)):
        if f"layer:{index}" in generators and getattr(layer, "_rng", "absent") is None:
            layer._rng = np.random.default_rng()
    if "model:shuffle" in generators and model._rng is None:
        model._rng = np.random.default_rng()
    for name, generator in _generators(model).items():
        if name in generators:
            generator.bit_generator.state = generators[name]
    return int(state["epoch"])


def _count(state: dict, prefix: str) -> int:
    return sum(1 for key in state if key.startswith(prefix))


def _layers(model):
    stack = list(getattr(model, "layers", []))
    while stack:
        layer = stack.pop(0)
        yield layer
        stack.extend(getattr(layer, "layers", []))


def _generators(model) -> dict:
    """The np.random.Generators that shape the coming epochs: shuffling and dropout masks.

    Layers are named by position, not by name: a model built again in a new process gets
    new unique names (dropout_3 instead of dropout_1) but the same structure.
    """
    found = {"model:shuffle": model._rng} if getattr(model, "_rng", None) is not None else {}
    found.update({f"layer:{index}": layer._rng for index, layer in enumerate(_layers(model))
                  if getattr(layer, "_rng", None) is not None})
    return found

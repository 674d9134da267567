"""What a run directory holds between sessions, so `--resume` continues exactly.

After every epoch the whole model (weights and optimizer state) goes to `last.h5` and the
rest of the training state to `state.json`: epochs done, the best validation loss so far,
and the random-number generators of dropout layers and of the data iterators, so the
resumed epochs draw the same dropout masks, shuffles and augmentations as an uninterrupted
run would have.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from chainrule.callbacks import Callback

CONFIG, STATE, LAST, BEST = "config.json", "state.json", "last.h5", "best.weights.h5"
CLASSES = "classes.json"


def write_json(path: Path, data: dict) -> None:
    """Write JSON atomically (temporary file, then rename) so a crash never leaves half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=_json_default) + "\n")
    os.replace(tmp, path)


def _json_default(value):
    if isinstance(value, np.integer | np.floating):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {value!r}")


def generators_of(model, iterators) -> dict:
    """Every np.random.Generator that shapes training, by a stable name."""
    found = {}
    for layer in _all_layers(model):
        if getattr(layer, "_rng", None) is not None:
            found[f"layer:{layer.name}"] = layer._rng
    for name, it in iterators.items():
        for attr, value in vars(it).items():
            if isinstance(value, np.random.Generator):
                found[f"{name}:{attr}"] = value
    return found


def _all_layers(model):
    stack = list(getattr(model, "layers", []))
    while stack:
        layer = stack.pop(0)
        yield layer
        stack.extend(getattr(layer, "layers", []))


def rng_states(model, iterators) -> dict:
    return {name: g.bit_generator.state for name, g in generators_of(model, iterators).items()}


def restore_rng_states(model, iterators, states: dict) -> None:
    """Put saved generator states back; a dropout layer gets its Generator created first."""
    for layer in _all_layers(model):
        if f"layer:{layer.name}" in states and getattr(layer, "_rng", "absent") is None:
            layer._rng = np.random.default_rng()
    for name, g in generators_of(model, iterators).items():
        if name in states:
            g.bit_generator.state = states[name]


class SaveRunState(Callback):
    """After each epoch: save the model for resuming, then the state that goes with it."""

    def __init__(self, run_dir: Path, iterators: dict, checkpoint):
        super().__init__()
        self.run_dir, self.iterators, self.checkpoint = run_dir, iterators, checkpoint

    def on_epoch_end(self, epoch, logs=None):
        self.model.save(self.run_dir / LAST)
        write_json(self.run_dir / STATE, {
            "epochs_done": epoch + 1,
            "best_val_loss": float(self.checkpoint.best),
            "iterators": {n: iterator_position(it) for n, it in self.iterators.items()},
            "rng": rng_states(self.model, self.iterators)})


def iterator_position(it) -> dict:
    """The counters an image iterator uses to seed its batches."""
    return {k: int(getattr(it, k)) for k in ("total_batches_seen", "batch_index")
            if hasattr(it, k)}


def restore_iterator_position(it, position: dict) -> None:
    for key, value in position.items():
        setattr(it, key, value)


def read_state(run_dir: Path) -> dict:
    path = run_dir / STATE
    if not path.exists():
        return {"epochs_done": 0}
    return json.loads(path.read_text())

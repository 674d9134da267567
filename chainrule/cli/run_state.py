"""What a run directory holds between sessions, so `--resume` continues exactly.

After every epoch the whole model (weights and optimizer state) goes to `last.h5` and the
rest of the training state to `state.json`: epochs done, the best validation loss so far,
and the public states (`get_state()`) of the data iterators (position, order, seed) and of the
layers that draw random numbers (dropout's Generator), so the resumed epochs draw the same
shuffles, augmentations and dropout masks as an uninterrupted run would have.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from chainrule.callbacks import Callback

CONFIG, STATE, LAST, BEST = "config.json", "state.json", "last.h5", "best.weights.h5"
CLASSES = "classes.json"
MARKER = ".chainrule-run"          # marks a folder as a run: only such folders are written over


def is_run_dir(path: Path) -> bool:
    """A folder `chainrule train` made: it holds the marker file (or, for runs made before
    the marker existed, both config.json and last.h5)."""
    return (path / MARKER).is_file() or ((path / CONFIG).is_file() and (path / LAST).is_file())


def mark_run_dir(path: Path) -> None:
    """Create the run directory and its marker file."""
    path.mkdir(parents=True, exist_ok=True)
    (path / MARKER).write_text("This folder is a run of `chainrule train`; `chainrule train "
                               "--resume` and a new run with this --out may write in it.\n")


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


def _all_layers(model):
    stack = list(getattr(model, "layers", []))
    while stack:
        layer = stack.pop(0)
        yield layer
        stack.extend(getattr(layer, "layers", []))


def layer_states(model) -> dict:
    """`get_state()` of every layer that has random state (Dropout's Generator), by name."""
    return {layer.name: layer.get_state() for layer in _all_layers(model)
            if hasattr(layer, "get_state")}


def restore_states(model, iterators: dict, state: dict) -> None:
    """Put the saved states of the data iterators and random layers back (`set_state`).

    A run directory written before layers and iterators had `get_state` keeps counters under
    "iterators" and Generator states under "rng" ('layer:NAME'); those are read as well.
    """
    for name, it in iterators.items():
        it.set_state(state["iterators"].get(name, {}))
    layers = state.get("layers")
    if layers is None:
        layers = {key.split(":", 1)[1]: {"rng": value} for key, value
                  in state.get("rng", {}).items() if key.startswith("layer:")}
    for layer in _all_layers(model):
        if layer.name in layers:
            layer.set_state(layers[layer.name])


class SaveRunState(Callback):
    """After each epoch: save the model for resuming, then the state that goes with it."""

    def __init__(self, run_dir: Path, iterators: dict, checkpoint):
        super().__init__()
        self.run_dir, self.iterators, self.checkpoint = run_dir, iterators, checkpoint

    def on_epoch_end(self, epoch, logs=None):
        if not np.isfinite((logs or {}).get("loss", 0.0)):
            return                  # a diverged epoch is not a state to resume from
        self.model.save(self.run_dir / LAST)
        write_json(self.run_dir / STATE, {
            "epochs_done": epoch + 1,
            "best_val_loss": float(self.checkpoint.best),
            "iterators": {n: it.get_state() for n, it in self.iterators.items()},
            "layers": layer_states(self.model)})


def read_json(path: Path, what: str) -> dict:
    """A JSON object of a run directory; an unreadable or corrupt one is a CLIError."""
    from chainrule.cli.architectures import CLIError

    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise CLIError(f"cannot read {path} ({what}): {error}") from None
    if not isinstance(data, dict):
        raise CLIError(f"cannot read {path} ({what}): expected a JSON object, "
                       f"received {type(data).__name__}")
    return data


def read_state(run_dir: Path) -> dict:
    """state.json of a run ({"epochs_done": 0} before the first epoch ends)."""
    from chainrule.cli.architectures import CLIError

    path = run_dir / STATE
    if not path.exists():
        return {"epochs_done": 0}
    state = read_json(path, "the state for --resume")
    if not isinstance(state.get("epochs_done"), int) or not isinstance(
            state.get("iterators", {}), dict):
        raise CLIError(f"cannot read {path}: it has no whole number 'epochs_done'; the file "
                       f"is damaged. Start a new run with another --out")
    return state

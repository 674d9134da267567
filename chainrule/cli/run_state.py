"""What a run directory holds between sessions, so `--resume` continues exactly.

After every complete epoch, one atomic commit: `last.h5` is written to a temporary file,
the run state is added to it, and only then is it renamed over `last.h5`. A kill -9 at any
moment leaves either the previous epoch's `last.h5` or the new one, each with the state that
goes with its weights. The run state is the JSON text of the dataset `/chainrule_run_state`
of `last.h5` (Keras readers ignore it), an object with:

    epochs_done    complete epochs the weights of this file have trained
    best_val_loss  what ModelCheckpoint's best.weights.h5 was saved at
    iterators      {"train": ..., "validation": ...}: the iterators' `get_state()` (position,
                   order, seed), so the resumed epochs draw the same shuffles and augmentations
    layers         {layer name: `get_state()`} of the layers that draw random numbers
                   (dropout's Generator), so they draw the same masks
    history_csv    the text of history.csv after those epochs, so a resume rewrites it
                   without the rows of an epoch that a kill made run twice

A run directory written before the state moved into `last.h5` keeps it in `state.json`; that
is read when `last.h5` has no state of its own. Temporary files a kill left (`.NAME*.tmp`) are
removed when a session starts, and `.report-pending` says that a session's report is not
written yet, so `--resume` of a run whose epochs are all done still writes it.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import h5py
import numpy as np

from chainrule.callbacks import Callback

CONFIG, STATE, LAST, BEST = "config.json", "state.json", "last.h5", "best.weights.h5"
CLASSES, HISTORY = "classes.json", "history.csv"
MARKER = ".chainrule-run"          # marks a folder as a run: only such folders are written over
PENDING = ".report-pending"        # a session has started and not written its report yet
STATE_DATASET = "chainrule_run_state"


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
    write_atomic(path, (json.dumps(data, indent=2, default=_json_default) + "\n").encode())


def write_atomic(path: Path, content: bytes) -> None:
    """Write `content` to a temporary file, flush it to disk, then rename it over `path`."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as f:
        f.write(content)
        f.flush()
        os.fsync(f.fileno())
    _durable_replace(tmp, path)


def _durable_replace(tmp: Path, path: Path) -> None:
    """`os.replace`, then make the rename itself survive a power cut (POSIX)."""
    os.replace(tmp, path)
    if hasattr(os, "O_DIRECTORY"):
        fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_temporary_files(run_dir: Path) -> list[str]:
    """Delete what a killed session left half-written (`.last.h5.*.tmp`, `.config.json.tmp`,
    ...): files of the run directory named `.NAME...tmp` (or `..NAME...`, the temporary file
    of a temporary file). Returns their names."""
    names = (LAST, BEST, CONFIG, CLASSES, STATE, HISTORY, PENDING.lstrip("."), "metrics.json")
    stale = [p for p in run_dir.iterdir() if p.is_file() and p.name.endswith(".tmp")
             and p.name.startswith(".")
             and any(p.name.lstrip(".").startswith(f"{name}.") for name in names)]
    for path in stale:
        path.unlink()
    return sorted(p.name for p in stale)


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
    """After each complete epoch: commit last.h5 with the run state inside (see the module
    docstring). An epoch cut short (Ctrl-C) or with a non-finite loss is not committed, so
    `--resume` repeats it in full, as an uninterrupted run trains it."""

    def __init__(self, run_dir: Path, iterators: dict, checkpoint):
        super().__init__()
        self.run_dir, self.iterators, self.checkpoint = run_dir, iterators, checkpoint
        self.batches = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.batches = 0

    def on_train_batch_end(self, batch, logs=None):
        self.batches = batch + 1

    def on_epoch_end(self, epoch, logs=None):
        if not np.isfinite((logs or {}).get("loss", 0.0)):
            return                  # a diverged epoch is not a state to resume from
        steps = (self.params or {}).get("steps")
        if steps is not None and self.batches < steps:
            kept = f"{LAST} keeps the state after epoch {epoch}" if epoch else "not saved"
            print(f"\nEpoch {epoch + 1} was cut short ({kept}): --resume trains it again in "
                  f"full.", flush=True)
            return
        commit(self.run_dir, self.model, {
            "epochs_done": epoch + 1,
            "best_val_loss": float(self.checkpoint.best),
            "iterators": {n: it.get_state() for n, it in self.iterators.items()},
            "layers": layer_states(self.model),
            "history_csv": _read_history(self.run_dir)})


def _read_history(run_dir: Path) -> str:
    path = run_dir / HISTORY         # bytes as CSVLogger wrote them: its \r\n line ends kept
    return path.read_bytes().decode("utf-8") if path.exists() else ""


def commit(run_dir: Path, model, state: dict) -> None:
    """Write the model and `state` to last.h5 in one atomic rename (see the module docstring).

    A state.json of a run directory from before the state moved into last.h5 is stale once
    the rename is done, and is removed.
    """
    pending = run_dir / f".{LAST}.commit.tmp"
    model.save(pending, save_format="h5")
    with h5py.File(pending, "r+") as f:
        f.create_dataset(STATE_DATASET, data=json.dumps(state, default=_json_default))
    with open(pending, "rb") as f:
        os.fsync(f.fileno())
    _durable_replace(pending, run_dir / LAST)
    (run_dir / STATE).unlink(missing_ok=True)


def restore_history(run_dir: Path, state: dict) -> None:
    """history.csv as committed with last.h5: rows of an epoch that was not committed (a kill
    made it run twice, or it was cut short) are dropped, then fit appends the next ones."""
    path = run_dir / HISTORY
    text = state.get("history_csv")
    if text is None:                 # an older run: keep the rows of the epochs done, once
        text = _rows_of_epochs(_read_history(run_dir), state["epochs_done"])
    if text:
        write_atomic(path, text.encode("utf-8"))
    else:
        path.unlink(missing_ok=True)


def _rows_of_epochs(text: str, epochs_done: int) -> str:
    """The header, then the last row written for each epoch below `epochs_done`."""
    lines = text.splitlines(keepends=True)
    rows = {}
    for line in lines[1:]:
        epoch = line.split(",", 1)[0]
        if epoch.isdigit() and int(epoch) < epochs_done and line.endswith("\n"):
            rows[int(epoch)] = line
    return "".join(lines[:1] + [rows[e] for e in sorted(rows)]) if rows else ""


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
    """The committed run state: from last.h5, else (older runs) from state.json, else
    {"epochs_done": 0} (no epoch was committed yet)."""
    last, path = run_dir / LAST, run_dir / STATE
    if last.exists() and (state := _state_in(run_dir, last)) is not None:
        return _checked(state, f"{last} ({STATE_DATASET})")
    if path.exists():
        return _checked(read_json(path, "the state for --resume"), str(path))
    return {"epochs_done": 0}


def _checked(state: dict, where: str) -> dict:
    from chainrule.cli.architectures import CLIError

    epochs = state.get("epochs_done")
    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 0 or not isinstance(
            state.get("iterators", {}), dict) or not isinstance(state.get("history_csv", ""), str):
        raise CLIError(f"cannot read {where}: it has no whole number 'epochs_done'; the file "
                       f"is damaged. Start a new run with another --out")
    return state


def _state_in(run_dir: Path, last: Path) -> dict | None:
    """The run state committed inside last.h5, or None for a last.h5 from an older run."""
    from chainrule.cli.architectures import CLIError

    try:
        with h5py.File(last, "r") as f:
            if STATE_DATASET not in f:
                return None
            text = f[STATE_DATASET][()]
        state = json.loads(text.decode("utf-8") if isinstance(text, bytes) else str(text))
    except (OSError, ValueError, TypeError, KeyError) as error:
        reason = (str(error).splitlines() or [""])[0]
        raise CLIError(f"cannot resume {run_dir}: {last} is damaged ({type(error).__name__}: "
                       f"{reason}); start a new run with another --out") from None
    if not isinstance(state, dict):
        raise CLIError(f"cannot resume {run_dir}: {last} is damaged (its {STATE_DATASET} is "
                       f"not a JSON object); start a new run with another --out")
    return state

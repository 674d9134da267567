"""What `chainrule train` keeps between sessions: the public states of iterators and layers."""
import numpy as np

from chainrule import layers
from chainrule.cli import run_state
from chainrule.models import Sequential
from chainrule.preprocessing.image import ImageDataGenerator

X = np.arange(5 * 4 * 4 * 3, dtype=np.float32).reshape(5, 4, 4, 3)


def _session(seed=None):
    """A model with a dropout layer and an augmenting iterator, as a new process makes them."""
    model = Sequential([layers.Flatten(input_shape=(4, 4, 3)), layers.Dropout(0.5, name="drop"),
                        layers.Dense(2, name="dense")])
    it = ImageDataGenerator(rotation_range=20).flow(X, np.arange(5), batch_size=2, seed=seed)
    it.workers = 0
    return model, {"train": it}


def _draws(model, iterators):
    """What the next training steps would see: a batch, then a dropout mask on it."""
    out = []
    for _ in range(3):
        x, _ = next(iterators["train"])
        out += [x, model.get_layer("drop")(np.ones((2, 8), np.float32), training=True).data]
    return out


def _saved(model, iterators, run_dir) -> dict:
    """The state SaveRunState writes, read back as `train --resume` reads it."""
    run_state.write_json(run_dir / run_state.STATE, {
        "epochs_done": 1, "iterators": {n: it.get_state() for n, it in iterators.items()},
        "layers": run_state.layer_states(model)})
    return run_state.read_state(run_dir)


def test_restored_states_continue_the_same_batches_and_masks(tmp_path):
    model, iterators = _session(seed=3)
    _draws(model, iterators)
    state = _saved(model, iterators, tmp_path)
    assert set(state["layers"]) == {"drop"}              # only layers with random state
    expected = _draws(model, iterators)
    model2, iterators2 = _session(seed=3)
    run_state.restore_states(model2, iterators2, state)
    for a, b in zip(expected, _draws(model2, iterators2), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_run_directory_from_before_get_state_still_resumes(tmp_path):
    """Old state.json: iterator counters, and Generator states under "rng" as 'layer:NAME'."""
    model, iterators = _session(seed=4)
    _draws(model, iterators)
    new = _saved(model, iterators, tmp_path)
    it = iterators["train"]
    old = {"epochs_done": 1,
           "iterators": {"train": {"total_batches_seen": it.total_batches_seen,
                                   "batch_index": it.batch_index}},
           "rng": {"layer:drop": new["layers"]["drop"]["rng"]}}
    expected = _draws(model, iterators)
    model2, iterators2 = _session(seed=4)
    run_state.restore_states(model2, iterators2, old)
    for a, b in zip(expected, _draws(model2, iterators2), strict=True):
        np.testing.assert_array_equal(a, b)

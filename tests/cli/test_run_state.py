"""What `chainrule train` keeps between sessions: the public states of iterators and layers,
committed with the weights in one rename; history and temporary files put straight."""
import numpy as np
import pytest

from chainrule import layers
from chainrule.callbacks import LambdaCallback, ModelCheckpoint
from chainrule.cli import run_state
from chainrule.cli.architectures import CLIError
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


def _compiled_model():
    model = Sequential([layers.Dense(2, input_shape=(3,), name="dense")])
    model.compile(optimizer="adam", loss="mse")
    return model


def test_the_state_is_committed_inside_last_h5_in_one_rename(tmp_path):
    """The issue-14 kill: last.h5 renamed, then killed before state.json was written. The state
    now travels inside last.h5, so a stale state.json of the epoch before is never read."""
    (tmp_path / run_state.STATE).write_text('{"epochs_done": 1, "iterators": {}}')  # older
    state = {"epochs_done": 2, "best_val_loss": 0.5, "iterators": {}, "layers": {},
             "history_csv": "epoch,loss\r\n0,1.0\r\n1,0.5\r\n"}
    run_state.commit(tmp_path, _compiled_model(), state)
    assert run_state.read_state(tmp_path) == state
    assert sorted(p.name for p in tmp_path.iterdir()) == [run_state.LAST]   # no debris
    (tmp_path / run_state.STATE).write_text('{"epochs_done": 1, "iterators": {}}')
    assert run_state.read_state(tmp_path)["epochs_done"] == 2


def test_a_run_without_a_committed_epoch_starts_at_zero_and_old_runs_read_state_json(
        tmp_path):
    assert run_state.read_state(tmp_path) == {"epochs_done": 0}
    _compiled_model().save(tmp_path / run_state.LAST)            # last.h5 of an older run
    (tmp_path / run_state.STATE).write_text('{"epochs_done": 3, "iterators": {}}')
    assert run_state.read_state(tmp_path)["epochs_done"] == 3


@pytest.mark.parametrize("content", [b"\x89HDF\r\n\x1a\n" + bytes(100), b"not hdf5"])
def test_a_damaged_last_h5_is_one_clear_error(tmp_path, content):
    (tmp_path / run_state.LAST).write_bytes(content)
    with pytest.raises(CLIError, match=r"last.h5 is damaged \(OSError: .*\); start a new run"):
        run_state.read_state(tmp_path)


def test_a_state_that_is_not_a_run_state_is_refused(tmp_path):
    run_state.commit(tmp_path, _compiled_model(), {"epochs_done": "2"})
    with pytest.raises(CLIError, match="no whole number 'epochs_done'"):
        run_state.read_state(tmp_path)


def test_temporary_files_a_kill_left_are_removed_and_nothing_else(tmp_path):
    ours = [".last.h5.1a2b3c4d.tmp", "..last.h5.commit.tmp.9f8e7d6c.tmp", ".config.json.tmp",
            ".history.csv.tmp", ".best.weights.h5.00ff00ff.tmp", "..report-pending.tmp"]
    users = ["notes.tmp", ".my.tmp", "last.h5", ".last.h5x.tmp", "history.csv"]
    for name in ours + users:
        (tmp_path / name).write_text("x")
    assert run_state.remove_temporary_files(tmp_path) == sorted(ours)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(users)


def test_history_is_rewritten_as_committed(tmp_path):
    """Rows of an epoch that was run but not committed (a kill, a Ctrl-C) are dropped."""
    path = tmp_path / run_state.HISTORY
    path.write_bytes(b"epoch,loss\r\n0,1.0\r\n1,0.5\r\n1,0.5\r\n2,0.4")
    run_state.restore_history(tmp_path, {"epochs_done": 2,
                                         "history_csv": "epoch,loss\r\n0,1.0\r\n1,0.5\r\n"})
    assert path.read_bytes() == b"epoch,loss\r\n0,1.0\r\n1,0.5\r\n"
    run_state.restore_history(tmp_path, {"epochs_done": 0, "history_csv": ""})
    assert not path.exists()


def test_history_of_an_older_run_keeps_one_row_per_epoch_done(tmp_path):
    path = tmp_path / run_state.HISTORY
    path.write_bytes(b"epoch,loss\r\n0,1.0\r\n1,0.7\r\n1,0.5\r\n2,0.4\r\n3,0.")
    run_state.restore_history(tmp_path, {"epochs_done": 2})
    assert path.read_bytes() == b"epoch,loss\r\n0,1.0\r\n1,0.5\r\n"


def test_an_epoch_cut_short_is_not_committed(tmp_path, capsys):
    model = _compiled_model()
    saver = run_state.SaveRunState(tmp_path, {}, ModelCheckpoint(str(tmp_path / "b.h5")))
    x, y = np.ones((8, 3), np.float32), np.zeros((8, 2), np.float32)
    stop = LambdaCallback(on_train_batch_end=lambda batch, logs: setattr(
        model, "stop_training", batch == 0))
    model.fit(x, y, batch_size=4, epochs=2, callbacks=[stop, saver], verbose=0)
    assert not (tmp_path / run_state.LAST).exists()
    assert "Epoch 1 was cut short (not saved): --resume trains it" in capsys.readouterr().out
    model.fit(x, y, batch_size=4, epochs=2, callbacks=[saver], verbose=0)
    assert run_state.read_state(tmp_path)["epochs_done"] == 2

"""BackupAndRestore: an interrupted fit, started again on a fresh model, ends bit-identical."""
import numpy as np
import pytest

from chainrule import config
from chainrule.callbacks import BackupAndRestore, Callback
from chainrule.layers import Dense, Dropout
from chainrule.models import Sequential
from chainrule.optimizers import Adam, Nadam, schedules


class Interrupt(Callback):
    def __init__(self, at_epoch):
        super().__init__()
        self.at_epoch = at_epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.at_epoch:
            raise RuntimeError("Interrupting!")


def data():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((40, 5)).astype(np.float32)
    return x, (x @ rng.standard_normal((5, 1))).astype(np.float32)


def fresh_model(optimizer, seed=0):
    config.set_random_seed(seed)
    model = Sequential([Dense(8, activation="relu", input_shape=(5,)), Dropout(0.3),
                        Dense(1)])
    model.compile(optimizer(), "mse")
    return model


OPTIMIZERS = [
    lambda: Adam(learning_rate=schedules.ExponentialDecay(0.01, 3, 0.7)),
    lambda: Nadam(0.01, use_ema=True, ema_overwrite_frequency=4),
]


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=["adam_schedule", "nadam_ema"])
def test_resumed_fit_equals_an_uninterrupted_one(tmp_path, optimizer):
    x, y = data()
    straight = fresh_model(optimizer)
    expected = straight.fit(x, y, batch_size=8, epochs=5, verbose=0).history["loss"]

    first = fresh_model(optimizer)
    backup = BackupAndRestore(tmp_path / "backup")
    with pytest.raises(RuntimeError, match="Interrupting"):
        first.fit(x, y, batch_size=8, epochs=5, verbose=0, callbacks=[backup, Interrupt(3)])
    assert (tmp_path / "backup" / "training_state.npz").exists()

    second = fresh_model(optimizer, seed=99)          # a new process: other weights and seeds
    history = second.fit(x, y, batch_size=8, epochs=5, verbose=0,
                         callbacks=[BackupAndRestore(tmp_path / "backup")])
    assert history.epoch == [3, 4]
    assert history.history["loss"] == expected[3:]
    for got, want in zip(second.get_weights(), straight.get_weights()):
        np.testing.assert_array_equal(got, want)
    assert second.optimizer.iterations == straight.optimizer.iterations == 25
    assert not (tmp_path / "backup" / "training_state.npz").exists()   # deleted at the end


def test_keeps_the_backup_when_asked(tmp_path):
    x, y = data()
    model = fresh_model(OPTIMIZERS[0])
    model.fit(x, y, epochs=2, verbose=0,
              callbacks=[BackupAndRestore(tmp_path, delete_checkpoint=False)])
    again = fresh_model(OPTIMIZERS[0])
    assert again.fit(x, y, epochs=3, verbose=0,
                     callbacks=[BackupAndRestore(tmp_path)]).epoch == [2]


def test_only_epoch_backups_are_supported(tmp_path):
    with pytest.raises(ValueError, match="end of each epoch only"):
        BackupAndRestore(tmp_path, save_freq=10)
    with pytest.raises(ValueError, match="Either `save_freq` or `save_before_preemption`"):
        BackupAndRestore(tmp_path, save_freq=False)


class FailingBackup(BackupAndRestore):
    """A backup whose write fails halfway at `epoch`, as a full disk would make it."""

    def __init__(self, backup_dir, epoch):
        super().__init__(backup_dir, delete_checkpoint=False)
        self.fail_at = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.fail_at:
            self._tmp.write_bytes(b"PK\x03\x04 half a zip")
            raise OSError("No space left on device")
        super().on_epoch_end(epoch, logs)


def test_a_failed_or_killed_write_keeps_the_previous_backup_whole(tmp_path):
    x, y = data()
    straight = fresh_model(OPTIMIZERS[0])
    straight.fit(x, y, batch_size=8, epochs=5, verbose=0)
    first = fresh_model(OPTIMIZERS[0])
    with pytest.raises(OSError, match="No space left"):
        first.fit(x, y, batch_size=8, epochs=5, verbose=0,
                  callbacks=[FailingBackup(tmp_path, epoch=2)])
    (tmp_path / ".training_state.npz.tmp").write_bytes(b"PK\x03\x04 killed mid-write")
    second = fresh_model(OPTIMIZERS[0], seed=99)
    history = second.fit(x, y, batch_size=8, epochs=5, verbose=0,
                         callbacks=[BackupAndRestore(tmp_path)])
    assert history.epoch == [2, 3, 4]                 # from the backup after epoch 2 (index 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    for got, want in zip(second.get_weights(), straight.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_a_write_that_fails_leaves_no_temporary_file(tmp_path, monkeypatch):
    def half_written(file, **arrays):
        file.write(b"PK\x03\x04")
        raise OSError("No space left on device")

    model = fresh_model(OPTIMIZERS[0])
    monkeypatch.setattr(np, "savez", half_written)
    with pytest.raises(OSError, match="No space left"):
        model.fit(*data(), epochs=1, verbose=0, callbacks=[BackupAndRestore(tmp_path)])
    assert list(tmp_path.iterdir()) == []

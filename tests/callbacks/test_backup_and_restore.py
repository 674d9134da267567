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

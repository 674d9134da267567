"""A stand-in for the model: exactly the attributes callbacks may touch, recording each call."""
import numpy as np
import pytest


class FakeOptimizer:
    def __init__(self, learning_rate=0.001):
        self.learning_rate = learning_rate


class FakeModel:
    """stop_training, save/save_weights (really write a file), get/set_weights, optimizer."""

    def __init__(self):
        self.stop_training = False
        self.optimizer = FakeOptimizer()
        self.weights = [np.zeros(2)]
        self.calls = []

    def save(self, path):
        self._write("save", path)

    def save_weights(self, path):
        self._write("save_weights", path)

    def _write(self, kind, path):
        with open(path, "w") as f:  # an existing directory raises IsADirectoryError, like h5py
            f.write(kind)
        self.calls.append((kind, path))

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.calls.append(("set_weights", [w.copy() for w in weights]))
        self.weights = [w.copy() for w in weights]


class ManualClock:
    """A clock the test moves by hand."""

    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def model():
    return FakeModel()


@pytest.fixture
def clock():
    return ManualClock()


def run_epochs(callback, model, epoch_logs):
    """Drive epoch hooks as fit does, stopping when the callback sets `stop_training`.

    Before each epoch the fake weights become `[epoch]`, so a restore is visible.
    Returns the number of epochs run.
    """
    callback.set_model(model)
    callback.on_train_begin()
    epochs_run = 0
    for epoch, logs in enumerate(epoch_logs):
        model.weights = [np.array([float(epoch)])]
        callback.on_epoch_begin(epoch)
        callback.on_epoch_end(epoch, dict(logs))
        epochs_run += 1
        if model.stop_training:
            break
    callback.on_train_end()
    return epochs_run


@pytest.fixture
def run():
    return run_epochs


@pytest.fixture(autouse=True)
def live_display(monkeypatch):
    """These tests pin Keras' byte stream, which is what a terminal or a notebook shows."""
    monkeypatch.setattr("chainrule.utils.progbar.is_dynamic_display", lambda stream: True)

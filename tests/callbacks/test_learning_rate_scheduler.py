"""LearningRateScheduler: Keras 2.12's calls, message, `lr` in the logs, errors."""
import numpy as np
import pytest

from chainrule.callbacks import LearningRateScheduler
from chainrule.layers import Dense
from chainrule.models import Sequential
from chainrule.optimizers import SGD, schedules


def test_sets_the_rate_from_epoch_and_current_rate(model, run):
    seen = []

    def halve(epoch, lr):
        seen.append((epoch, lr))
        return lr / 2

    run(LearningRateScheduler(halve), model, [{}, {}, {}])
    assert seen == [(0, 0.001), (1, 0.0005), (2, 0.00025)]
    assert model.optimizer.learning_rate == 0.000125


def test_a_schedule_of_the_epoch_alone_is_accepted(model, run):
    run(LearningRateScheduler(lambda epoch: 0.1 * (epoch + 1)), model, [{}, {}])
    assert model.optimizer.learning_rate == pytest.approx(0.2)


def test_prints_keras_message_and_logs_float32_rate(model, capsys):
    callback = LearningRateScheduler(lambda epoch, lr: 0.05, verbose=1)
    callback.set_model(model)
    logs = {}
    callback.on_epoch_begin(0)
    callback.on_epoch_end(0, logs)
    assert capsys.readouterr().out == (
        "\nEpoch 1: LearningRateScheduler setting learning rate to 0.05.\n")
    assert logs == {"lr": np.float32(0.05)} and isinstance(logs["lr"], np.float32)


def test_a_non_float_rate_is_refused(model):
    callback = LearningRateScheduler(lambda epoch, lr: 1)
    callback.set_model(model)
    with pytest.raises(ValueError, match='output of the "schedule" function should be float'):
        callback.on_epoch_begin(0)


def test_drives_a_real_optimizer_during_fit():
    model = Sequential([Dense(1, input_shape=(2,))])
    model.compile(SGD(learning_rate=0.1), "mse")
    x, y = np.ones((4, 2), np.float32), np.zeros((4, 1), np.float32)
    history = model.fit(x, y, epochs=3, verbose=0,
                        callbacks=[LearningRateScheduler(lambda e, lr: 0.1 / (e + 1))])
    assert history.history["lr"] == [np.float32(0.1), np.float32(0.05), np.float32(0.1 / 3)]


def test_a_scheduled_optimizer_refuses_the_callback():
    model = Sequential([Dense(1, input_shape=(2,))])
    model.compile(SGD(learning_rate=schedules.InverseTimeDecay(0.1, 1, 1.0)), "mse")
    x, y = np.ones((4, 2), np.float32), np.zeros((4, 1), np.float32)
    with pytest.raises(TypeError, match="not settable"):
        model.fit(x, y, verbose=0, callbacks=[LearningRateScheduler(lambda e, lr: 0.1)])

"""ReduceLROnPlateau: Keras 2.12 message digits, cooldown, min_lr, `lr` in the logs."""
import logging

import numpy as np
import pytest

from chainrule.callbacks import CallbackList, History, ReduceLROnPlateau


def losses(*values):
    return [{"val_loss": v} for v in values]


def test_reduces_after_patience_with_the_keras_message(model, run, capsys):
    callback = ReduceLROnPlateau(patience=1, verbose=1)
    run(callback, model, losses(1.0, 1.0, 1.0))
    assert capsys.readouterr().out == (
        "\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.00010000000474974513.\n"
        "\nEpoch 3: ReduceLROnPlateau reducing learning rate to 1.0000000474974514e-05.\n"
    )
    assert model.optimizer.learning_rate == pytest.approx(1e-5)


def test_patience_counts_epochs_without_improvement(model, run):
    run(ReduceLROnPlateau(patience=2), model, losses(1.0, 0.9, 0.95, 0.95))
    assert model.optimizer.learning_rate == pytest.approx(1e-4)


def test_improvement_must_exceed_min_delta(model, run):
    run(ReduceLROnPlateau(patience=1, min_delta=0.1), model, losses(1.0, 0.95))
    assert model.optimizer.learning_rate == pytest.approx(1e-4)
    model.optimizer.learning_rate = 0.001
    run(ReduceLROnPlateau(patience=1, min_delta=0.1), model, losses(1.0, 0.85))
    assert model.optimizer.learning_rate == 0.001


def test_cooldown_suspends_patience_after_a_reduction(model):
    """Keras counts the cooldown down at the start of each epoch's check, so after a reduction
    at epoch 2, cooldown=2 holds epoch 3 and epoch 4 already counts patience again."""
    callback = ReduceLROnPlateau(patience=1, cooldown=2, factor=0.5)
    model.optimizer.learning_rate = 1.0
    rates = []
    callback.set_model(model)
    callback.on_train_begin()
    for epoch, logs in enumerate(losses(1.0, 1.0, 1.0, 1.0, 1.0)):
        callback.on_epoch_end(epoch, logs)
        rates.append(model.optimizer.learning_rate)
    assert rates == [1.0, 0.5, 0.5, 0.25, 0.25]


def test_min_lr_bounds_the_rate_and_stops_reductions(model, run, capsys):
    callback = ReduceLROnPlateau(patience=1, factor=0.5, min_lr=0.0008, verbose=1)
    run(callback, model, losses(1.0, 1.0, 1.0, 1.0))
    assert model.optimizer.learning_rate == 0.0008
    assert capsys.readouterr().out == (
        "\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.0008.\n"
    )


def test_adds_the_current_rate_to_the_logs_as_float32(model):
    callback = ReduceLROnPlateau(patience=1)
    history = History()
    cbs = CallbackList([callback, history], model=model)
    cbs.on_train_begin()
    for epoch in range(2):
        cbs.on_epoch_end(epoch, {"val_loss": 1.0})
    assert history.history["lr"] == [np.float32(0.001), np.float32(0.001)]
    assert isinstance(history.history["lr"][0], np.float32)
    assert list(history.history) == ["val_loss", "lr"]


def test_factor_of_one_or_more_is_rejected():
    with pytest.raises(ValueError, match="does not support a factor >= 1.0. Got 1.5"):
        ReduceLROnPlateau(factor=1.5)


@pytest.mark.parametrize("monitor, op", [
    ("val_acc", np.greater), ("my_acc_loss", np.greater), ("val_auc", np.less),
    ("fmeasure", np.less), ("val_loss", np.less),
])
def test_auto_mode_is_max_iff_acc_is_a_substring(monitor, op):
    assert ReduceLROnPlateau(monitor=monitor).monitor_op is op


def test_max_mode_reduces_when_the_value_stops_rising(model, run):
    run(ReduceLROnPlateau(monitor="val_acc", patience=1), model,
        [{"val_acc": 0.5}, {"val_acc": 0.50005}])
    assert model.optimizer.learning_rate == pytest.approx(1e-4)


def test_unknown_mode_warns_and_falls_back_to_auto(caplog):
    with caplog.at_level(logging.WARNING):
        callback = ReduceLROnPlateau(mode="lower")
    assert caplog.messages == [
        "Learning rate reduction mode lower is unknown, fallback to auto mode."]
    assert callback.mode == "auto"


def test_missing_monitor_warns_with_the_available_names(model, run, caplog):
    with caplog.at_level(logging.WARNING):
        run(ReduceLROnPlateau(patience=0), model, [{"loss": 1.0}])
    assert caplog.messages == ["Learning rate reduction is conditioned on metric `val_loss` "
                               "which is not available. Available metrics are: loss,lr"]
    assert model.optimizer.learning_rate == 0.001


def test_deprecated_epsilon_sets_min_delta_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING):
        callback = ReduceLROnPlateau(epsilon=0.5)
    assert callback.min_delta == 0.5
    assert caplog.messages == ["`epsilon` argument is deprecated and will be removed, use "
                               "`min_delta` instead."]

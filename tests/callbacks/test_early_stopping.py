"""EarlyStopping: patience, strictness, min_delta, baseline, restore, Keras 2.12 messages."""
import logging

import numpy as np
import pytest

from chainrule.callbacks import EarlyStopping


def losses(*values):
    return [{"loss": 1.0, "val_loss": v} for v in values]


def test_patience_1_stops_at_the_first_epoch_without_improvement(model, run):
    callback = EarlyStopping(patience=1)
    assert run(callback, model, losses(1.0, 0.9, 0.95, 0.5)) == 3
    assert model.stop_training is True and callback.stopped_epoch == 2


def test_patience_0_keeps_training_while_improving_and_stops_at_the_first_stall(model, run):
    """Keras 2.12 returns right after an improvement (keras-team/keras#16393 is fixed there)."""
    callback = EarlyStopping()
    assert run(callback, model, losses(1.0, 0.9, 0.8, 0.85, 0.1)) == 4
    assert callback.stopped_epoch == 3 and callback.best == 0.8


def test_patience_counts_epochs_without_improvement(model, run):
    callback = EarlyStopping(patience=2)
    assert run(callback, model, losses(1.0, 0.9, 0.95, 0.91, 0.1)) == 4
    assert callback.best == 0.9 and callback.best_epoch == 1


def test_an_equal_value_is_not_an_improvement(model, run):
    assert run(EarlyStopping(patience=1), model, losses(1.0, 1.0, 0.5)) == 2


def test_improvements_smaller_than_min_delta_do_not_count(model, run):
    assert run(EarlyStopping(patience=1, min_delta=0.1), model, losses(1.0, 0.95, 0.5)) == 2
    model.stop_training = False
    assert run(EarlyStopping(patience=1, min_delta=-0.1), model, losses(1.0, 0.85, 0.5)) == 3


def test_the_first_epoch_never_stops_training(model, run):
    assert run(EarlyStopping(baseline=0.1), model, losses(1.0)) == 1
    assert model.stop_training is False


def test_baseline_not_beaten_stops_at_the_first_stall_after_patience(model, run):
    """Improving epochs never stop training; the wait they accumulate counts at a stall."""
    callback = EarlyStopping(patience=2, baseline=0.5)
    assert run(callback, model, losses(1.0, 0.9, 0.8, 0.85, 0.1)) == 4
    assert callback.best == 0.8 and callback.wait == 4


def test_beating_the_baseline_resets_patience(model, run):
    assert run(EarlyStopping(patience=1, baseline=0.5), model, losses(0.4, 0.3, 0.2)) == 3
    assert model.stop_training is False


def test_restore_best_weights_prints_and_restores_when_stopping(model, run, capsys):
    callback = EarlyStopping(patience=2, verbose=1, restore_best_weights=True)
    run(callback, model, losses(1.0, 0.5, 0.7, 0.8, 0.1))
    assert capsys.readouterr().out == (
        "Restoring model weights from the end of the best epoch: 2.\nEpoch 4: early stopping\n"
    )
    assert model.calls[-1][0] == "set_weights" and model.weights == [np.array([1.0])]


def test_restore_best_weights_does_not_restore_when_training_completes(model, run, capsys):
    callback = EarlyStopping(patience=5, verbose=1, restore_best_weights=True)
    run(callback, model, losses(1.0, 0.5, 0.7))
    assert model.calls == [] and capsys.readouterr().out == ""


def test_restores_the_best_epoch_even_if_the_baseline_is_never_beaten(model, run):
    callback = EarlyStopping(monitor="val_acc", restore_best_weights=True, baseline=0.9,
                             patience=1)
    run(callback, model, [{"val_acc": 0.1}, {"val_acc": 0.05}])
    assert model.weights == [np.array([0.0])]


def test_verbose_0_stops_silently(model, run, capsys):
    run(EarlyStopping(), model, losses(1.0, 2.0))
    assert model.stop_training is True and capsys.readouterr().out == ""


def test_start_from_epoch_skips_the_warm_up_epochs(model, run):
    callback = EarlyStopping(patience=1, start_from_epoch=2)
    assert run(callback, model, losses(0.1, 0.2, 0.3, 0.4, 0.5)) == 4
    assert callback.best == 0.3 and callback.stopped_epoch == 3


@pytest.mark.parametrize("monitor, op", [
    ("val_acc", np.greater), ("accuracy", np.greater), ("val_auc", np.greater),
    ("val_loss", np.less), ("my_acc_loss", np.less), ("fmeasure", np.less),
])
def test_auto_mode_is_max_iff_the_name_ends_with_acc_accuracy_or_auc(monitor, op):
    assert EarlyStopping(monitor=monitor).monitor_op is op


def test_max_mode_stops_when_the_value_stops_rising(model, run):
    logs = [{"val_acc": v} for v in (0.5, 0.6, 0.6)]
    assert run(EarlyStopping(monitor="val_acc", patience=1), model, logs) == 3


def test_unknown_mode_warns_and_falls_back_to_auto(caplog):
    with caplog.at_level(logging.WARNING):
        callback = EarlyStopping(mode="up")
    assert caplog.messages == ["EarlyStopping mode up is unknown, fallback to auto mode."]
    assert callback.monitor_op is np.less


def test_missing_monitor_warns_with_the_available_names(model, run, caplog):
    with caplog.at_level(logging.WARNING):
        run(EarlyStopping(), model, [{"loss": 1.0, "acc": 0.5}] * 2)
    assert caplog.messages == ["Early stopping conditioned on metric `val_loss` which is not "
                               "available. Available metrics are: loss,acc"] * 2
    assert model.stop_training is False


def test_a_reused_instance_starts_afresh(model, run):
    callback = EarlyStopping(patience=1)
    run(callback, model, losses(0.1, 0.2))
    model.stop_training = False
    assert run(callback, model, losses(5.0, 4.0, 3.0)) == 3
    assert callback.best == 3.0

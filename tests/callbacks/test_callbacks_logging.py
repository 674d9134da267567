"""ProgbarLogger driven the way fit drives it, CSVLogger, LambdaCallback, TerminateOnNaN."""
import numpy as np
import pytest

from chainrule.callbacks import (
    CallbackList,
    CSVLogger,
    LambdaCallback,
    ModelCheckpoint,
    ProgbarLogger,
    TerminateOnNaN,
)

BS = "\b"
BAR_4_OF_4 = "4/4 [==============================]"


def fit_like(cbs, clock, epochs, batches, val_logs, times):
    """Call the hooks in the order fit does. `batches[e]` = list of per-batch logs."""
    cbs.on_train_begin()
    tick = iter(times)
    for epoch in range(epochs):
        clock.now = next(tick)
        cbs.on_epoch_begin(epoch)
        for step, logs in enumerate(batches[epoch]):
            cbs.on_train_batch_begin(step)
            clock.now = next(tick)
            cbs.on_train_batch_end(step, logs)
        cbs.on_test_begin()  # validation: silent inside fit
        cbs.on_test_batch_end(0, {"loss": 9.0})
        cbs.on_test_end({"loss": 9.0})
        clock.now = next(tick)
        cbs.on_epoch_end(epoch, {**batches[epoch][-1], **val_logs[epoch]})
    cbs.on_train_end()


def progbar_list(model, clock, user=(), **params):
    cbs = CallbackList(list(user), add_history=True, add_progbar=True, model=model, **params)
    cbs.callbacks[-1].clock = clock
    return cbs


LECTURE_BATCHES = [{"loss": 1.3833, "acc": 0.0}, {"loss": 27.7606, "acc": 0.1667},
                   {"loss": 16.1586, "acc": 0.2941}, {"loss": 11.9165, "acc": 0.32}]


def test_lecture_epoch_byte_stream_with_checkpoint_message_between(model, clock, tmp_path,
                                                                     monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    checkpoint = ModelCheckpoint("tmp_checkpoint.ckpt", verbose=1, save_best_only=True,
                                 save_weights_only=True)
    cbs = progbar_list(model, clock, [checkpoint], verbose=1, epochs=3, steps=4)
    fit_like(cbs, clock, 1, [LECTURE_BATCHES], [{"val_loss": 0.88169, "val_acc": 2 / 3}],
             times=[0.0, 1.0, 1.6, 2.2, 2.8, 5.0])
    assert capsys.readouterr().out == (
        "Epoch 1/3\n"
        "\r1/4 [======>.......................] - ETA: 3s - loss: 1.3833 - acc: 0.0000e+00"
        + BS * 79
        + "\r2/4 [==============>...............] - ETA: 1s - loss: 27.7606 - acc: 0.1667   "
        + BS * 76 + "\r3/4 [=====================>........] - ETA: 0s - loss: 16.1586 - acc: 0.2941"
        + BS * 76 + "\r4/4 [==============================] - ETA: 0s - loss: 11.9165 - acc: 0.3200"
        "\nEpoch 1: val_loss improved from inf to 0.88169, saving model to tmp_checkpoint.ckpt\n"
        + BS * 76 + "\r4/4 [==============================] - 5s 1s/step - loss: 11.9165"
        " - acc: 0.3200 - val_loss: 0.8817 - val_acc: 0.6667\n"
    )
    assert model.calls == [("save_weights", "tmp_checkpoint.ckpt")]
    assert model.history.history["val_loss"] == [0.88169]


def test_single_epoch_prints_no_epoch_header(model, clock, capsys):
    cbs = progbar_list(model, clock, verbose=1, epochs=1, steps=1)
    fit_like(cbs, clock, 1, [[{"loss": 0.5}]], [{}], times=[0.0, 0.5, 0.6])
    assert capsys.readouterr().out == (
        "\r1/1 [==============================] - ETA: 0s - loss: 0.5000"
        + BS * 61 + "\r1/1 [==============================] - 1s 600ms/step - loss: 0.5000\n"
    )


def test_each_epoch_of_several_gets_a_header_and_a_fresh_bar(model, clock, capsys):
    cbs = progbar_list(model, clock, verbose=1, epochs=2, steps=1)
    fit_like(cbs, clock, 2, [[{"loss": 0.5}], [{"loss": 0.25}]], [{}, {}],
             times=[0.0, 1.0, 1.0, 10.0, 12.0, 12.0])
    out = capsys.readouterr().out
    assert out.count("Epoch ") == 2 and out.index("Epoch 1/2\n") < out.index("Epoch 2/2\n")
    assert out.endswith("Epoch 2/2\n\r1/1 [==============================] - ETA: 0s - loss: 0.2500"
                        + BS * 61 + "\r1/1 [==============================] - 2s 2s/step"
                        " - loss: 0.2500\n")


def test_unknown_step_count_learns_the_target_in_the_first_epoch(model, clock, capsys):
    """The lecture's cats_vs_dogs run (a dataset without len), backspace counts included."""
    cbs = progbar_list(model, clock, verbose=1, epochs=2, steps=None)
    fit_like(cbs, clock, 2, [[{"loss": 1.4944, "acc": 0.5}], [{"loss": 3.9554, "acc": 0.5}]],
             [{"val_loss": 3.99186, "val_acc": 0.5}, {"val_loss": 2.06099, "val_acc": 0.5}],
             times=[0.0, 1.2, 2.1, 3.0, 3.9, 4.0])
    assert capsys.readouterr().out == (
        "Epoch 1/2\n"
        "\r      1/Unknown - 1s 1s/step - loss: 1.4944 - acc: 0.5000"
        + BS * 57 + "\r1/1 [==============================] - 2s 2s/step - loss: 1.4944"
        " - acc: 0.5000 - val_loss: 3.9919 - val_acc: 0.5000\n"
        "Epoch 2/2\n"
        "\r1/1 [==============================] - ETA: 0s - loss: 3.9554 - acc: 0.5000"
        + BS * 75 + "\r1/1 [==============================] - 1s 1s/step - loss: 3.9554"
        " - acc: 0.5000 - val_loss: 2.0610 - val_acc: 0.5000\n"
    )


def test_verbose_2_prints_one_line_per_epoch(model, clock, capsys):
    cbs = progbar_list(model, clock, verbose=2, epochs=2, steps=5)
    batches = [[{"loss": 0.7, "acc": 0.5}] * 4 + [{"loss": 0.6427, "acc": 0.725}]] * 2
    val = [{"val_loss": 0.6767, "val_acc": 0.6}] * 2
    fit_like(cbs, clock, 2, batches, val, times=[0, .1, .2, .3, .4, .5, .525,
                                                 1, 1.1, 1.2, 1.3, 1.4, 1.5, 2.5])
    line = " - loss: 0.6427 - acc: 0.7250 - val_loss: 0.6767 - val_acc: 0.6000"
    assert capsys.readouterr().out == (
        "Epoch 1/2\n5/5 - 1s" + line + " - 525ms/epoch - 105ms/step\n"
        "Epoch 2/2\n5/5 - 2s" + line + " - 2s/epoch - 300ms/step\n"
    )


def test_verbose_0_fit_adds_no_progbar_and_prints_nothing(model, capsys):
    cbs = CallbackList([], add_history=True, add_progbar=False, model=model,
                       verbose=0, epochs=2, steps=1)
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    cbs.on_train_batch_end(0, {"loss": 1.0})
    cbs.on_epoch_end(0, {"loss": 1.0})
    assert capsys.readouterr().out == "" and len(cbs.callbacks) == 1


def test_evaluate_outside_fit_draws_a_bar(model, clock, capsys):
    cbs = progbar_list(model, clock, verbose=1, epochs=1, steps=2)
    cbs.on_test_begin()
    clock.now = 0.004
    cbs.on_test_batch_end(0, {"loss": 0.5})
    clock.now = 0.006
    cbs.on_test_batch_end(1, {"loss": 0.4})
    cbs.on_test_end({"loss": 0.4})
    assert capsys.readouterr().out == (
        "\r1/2 [==============>...............] - ETA: 0s - loss: 0.5000"
        + BS * 61 + "\r2/2 [==============================] - 0s 2ms/step - loss: 0.4000\n"
    )


def test_predict_draws_a_bar_without_metrics(model, clock, capsys):
    cbs = progbar_list(model, clock, verbose=1, epochs=1, steps=1)
    cbs.on_predict_begin()
    clock.now = 0.05
    cbs.on_predict_batch_end(0, {"outputs": np.zeros(3)})
    cbs.on_predict_end()
    assert capsys.readouterr().out == (
        "\r1/1 [==============================] - ETA: 0s"
        + BS * 46 + "\r1/1 [==============================] - 0s 50ms/step\n"
    )


def test_progbar_logger_counts_samples_in_samples_mode(model, clock, capsys):
    logger = ProgbarLogger()
    logger.clock = clock
    logger.set_model(model)
    logger.set_params({"verbose": 1, "epochs": 1, "samples": 10})
    logger.on_epoch_begin(0)
    clock.now = 1.0
    logger.on_train_batch_end(0, {"size": 4, "loss": 0.5})
    assert logger.seen == 4
    assert capsys.readouterr().out == (
        "\r 4/10 [===========>..................] - ETA: 1s - loss: 0.5000"
    )


def test_progbar_logger_rejects_an_unknown_count_mode():
    with pytest.raises(ValueError, match="Unknown `count_mode`: batches"):
        ProgbarLogger("batches")


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read().decode()


def test_csv_logger_writes_keras_format(tmp_path):
    path = tmp_path / "log.csv"
    logger = CSVLogger(path)
    logger.on_train_begin()
    logger.on_epoch_end(0, {"loss": 0.5, "acc": 0.25, "val_loss": 0.75, "val_acc": 0.5})
    logger.on_epoch_end(1, {"loss": 0.25, "acc": 0.5, "val_loss": 0.5, "val_acc": 0.75})
    logger.on_train_end()
    assert read_bytes(path) == ("epoch,acc,loss,val_acc,val_loss\r\n"
                                "0,0.25,0.5,0.5,0.75\r\n1,0.5,0.25,0.75,0.5\r\n")


def test_csv_logger_adds_val_columns_filled_with_na_and_uses_the_separator(tmp_path):
    path = tmp_path / "log.csv"
    logger = CSVLogger(path, separator=";")
    logger.on_train_begin()
    logger.on_epoch_end(0, {"loss": 0.5, "lr": np.float32(0.001)})
    logger.on_train_end()
    assert read_bytes(path) == "epoch;loss;lr;val_loss;val_lr\r\n0;0.5;0.001;NA;NA\r\n"


def test_csv_logger_quotes_iterables(tmp_path):
    path = tmp_path / "log.csv"
    logger = CSVLogger(path)
    logger.on_train_begin()
    logger.on_epoch_end(0, {"val_x": np.array([1, 2])})
    logger.on_train_end()
    assert read_bytes(path) == 'epoch,val_x\r\n0,"""[1, 2]"""\r\n'


def test_csv_logger_append_writes_the_header_only_once(tmp_path):
    path = tmp_path / "log.csv"
    for epoch in range(2):
        logger = CSVLogger(path, append=True)
        logger.on_train_begin()
        logger.on_epoch_end(epoch, {"loss": 1.0, "val_loss": 2.0})
        logger.on_train_end()
    assert read_bytes(path) == "epoch,loss,val_loss\r\n0,1.0,2.0\r\n1,1.0,2.0\r\n"


def test_csv_logger_without_append_overwrites(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("old\n")
    logger = CSVLogger(path)
    logger.on_train_begin()
    logger.on_epoch_end(0, {"loss": 1.0, "val_loss": 2.0})
    logger.on_train_end()
    assert read_bytes(path) == "epoch,loss,val_loss\r\n0,1.0,2.0\r\n"


def test_lambda_callback_installs_the_given_functions():
    seen = []
    callback = LambdaCallback(
        on_epoch_begin=lambda epoch, logs: seen.append(("epoch_begin", epoch)),
        on_batch_end=lambda batch, logs: seen.append(("batch_end", batch, logs["loss"])),
        on_train_end=lambda logs: seen.append(("train_end",)),
        on_test_end=lambda logs: seen.append(("test_end",)),
    )
    callback.on_epoch_begin(1, {})
    callback.on_train_batch_end(2, {"loss": 0.5})  # the default routes to on_batch_end
    callback.on_train_end({})
    callback.on_test_end({})
    callback.on_epoch_end(1, {})  # not given: the base no-op
    assert seen == [("epoch_begin", 1), ("batch_end", 2, 0.5), ("train_end",), ("test_end",)]


@pytest.mark.parametrize("loss", [float("nan"), float("inf"), np.float32("-inf")])
def test_terminate_on_nan_stops_and_says_which_batch(model, capsys, loss):
    callback = TerminateOnNaN()
    callback.set_model(model)
    callback.on_train_batch_end(7, {"loss": loss})
    assert model.stop_training is True
    assert capsys.readouterr().out == "Batch 7: Invalid loss, terminating training\n"


def test_terminate_on_nan_ignores_finite_and_missing_losses(model, capsys):
    callback = TerminateOnNaN()
    callback.set_model(model)
    callback.on_train_batch_end(0, {"loss": 1e30})
    callback.on_train_batch_end(1, {"acc": 0.5})
    assert model.stop_training is False and capsys.readouterr().out == ""

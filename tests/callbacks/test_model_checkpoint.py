"""ModelCheckpoint: Keras 2.12 messages, mode rule, filepaths and save frequency."""
import logging
import os

import numpy as np
import pytest

from chainrule.callbacks import ModelCheckpoint


def checkpoint(model, path, **kwargs):
    callback = ModelCheckpoint(os.fspath(path), **kwargs)
    callback.set_model(model)
    return callback


def test_best_only_messages_use_1_based_epochs_5_decimals_and_a_leading_newline(
        model, tmp_path, capsys):
    path = tmp_path / "tmp_checkpoint.ckpt"
    callback = checkpoint(model, path, verbose=1, save_best_only=True, save_weights_only=True)
    for epoch, val_loss in enumerate([2.751704, 2.9, 1.25]):
        callback.on_epoch_end(epoch, {"loss": 1.0, "val_loss": val_loss})
    assert capsys.readouterr().out == (
        f"\nEpoch 1: val_loss improved from inf to 2.75170, saving model to {path}\n"
        "\nEpoch 2: val_loss did not improve from 2.75170\n"
        f"\nEpoch 3: val_loss improved from 2.75170 to 1.25000, saving model to {path}\n"
    )
    assert model.calls == [("save_weights", str(path))] * 2


def test_an_equal_value_does_not_improve(model, tmp_path, capsys):
    callback = checkpoint(model, tmp_path / "w.h5", verbose=1, save_best_only=True)
    callback.on_epoch_end(0, {"val_loss": 0.5})
    callback.on_epoch_end(1, {"val_loss": 0.5})
    assert capsys.readouterr().out.endswith("\nEpoch 2: val_loss did not improve from 0.50000\n")
    assert len(model.calls) == 1


def test_max_mode_starts_from_minus_inf(model, tmp_path, capsys):
    path = tmp_path / "best.h5"
    callback = checkpoint(model, path, monitor="val_acc", verbose=1, save_best_only=True)
    callback.on_epoch_end(0, {"val_acc": 0.6667})
    callback.on_epoch_end(1, {"val_acc": 0.5})
    assert capsys.readouterr().out == (
        f"\nEpoch 1: val_acc improved from -inf to 0.66670, saving model to {path}\n"
        "\nEpoch 2: val_acc did not improve from 0.66670\n"
    )


@pytest.mark.parametrize("monitor, op", [
    ("acc", np.greater), ("val_acc", np.greater), ("val_accuracy", np.greater),
    ("my_acc_loss", np.greater), ("fmeasure_macro", np.greater), ("val_loss", np.less),
    ("loss", np.less), ("val_auc", np.less), ("val_precision", np.less),
])
def test_auto_mode_is_max_iff_acc_is_a_substring_or_fmeasure_prefix(monitor, op):
    assert ModelCheckpoint("x.h5", monitor=monitor).monitor_op is op


@pytest.mark.parametrize("mode, op, best", [("min", np.less, np.inf),
                                            ("max", np.greater, -np.inf)])
def test_explicit_mode_overrides_the_name(mode, op, best):
    callback = ModelCheckpoint("x.h5", monitor="val_acc" if mode == "min" else "val_loss",
                               mode=mode)
    assert callback.monitor_op is op and callback.best == best


def test_unknown_mode_warns_and_falls_back_to_auto(caplog):
    with caplog.at_level(logging.WARNING):
        callback = ModelCheckpoint("x.h5", monitor="val_acc", mode="maximum")
    assert caplog.messages == ["ModelCheckpoint mode maximum is unknown, fallback to auto mode."]
    assert callback.mode == "auto" and callback.monitor_op is np.greater


def test_without_best_only_every_epoch_is_saved_with_the_full_model(model, tmp_path, capsys):
    path = tmp_path / "model.keras"
    callback = checkpoint(model, path, verbose=1)
    callback.on_epoch_end(0, {"val_loss": 1.0})
    callback.on_epoch_end(1, {"val_loss": 2.0})
    assert capsys.readouterr().out == (
        f"\nEpoch 1: saving model to {path}\n\nEpoch 2: saving model to {path}\n"
    )
    assert model.calls == [("save", str(path))] * 2


def test_verbose_0_saves_silently(model, tmp_path, capsys):
    callback = checkpoint(model, tmp_path / "w.h5", save_best_only=True)
    callback.on_epoch_end(0, {"val_loss": 1.0})
    assert capsys.readouterr().out == "" and len(model.calls) == 1


def test_initial_value_threshold_must_be_beaten(model, tmp_path, capsys):
    path = tmp_path / "w.h5"
    callback = checkpoint(model, path, verbose=1, save_best_only=True,
                          initial_value_threshold=0.4)
    callback.on_epoch_end(0, {"val_loss": 0.5})
    callback.on_epoch_end(1, {"val_loss": 0.3})
    assert capsys.readouterr().out == (
        "\nEpoch 1: val_loss did not improve from 0.40000\n"
        f"\nEpoch 2: val_loss improved from 0.40000 to 0.30000, saving model to {path}\n"
    )
    assert model.calls == [("save", str(path))]


def test_filepath_is_formatted_with_1_based_epoch_and_logs(model, tmp_path):
    callback = checkpoint(model, tmp_path / "weights.{epoch:02d}-{val_loss:.2f}.hdf5")
    callback.on_epoch_end(2, {"val_loss": np.float32(0.4499)})
    assert model.calls == [("save", str(tmp_path / "weights.03-0.45.hdf5"))]


def test_unknown_filepath_field_raises_keras_key_error(model, tmp_path):
    template = str(tmp_path / "w-{val_acc:.2f}.h5")
    callback = checkpoint(model, template)
    with pytest.raises(KeyError) as info:
        callback.on_epoch_end(0, {"val_loss": 1.0})
    assert info.value.args[0] == (
        f'Failed to format this callback filepath: "{template}". Reason: \'val_acc\''
    )


def test_missing_parent_folders_are_created(model, tmp_path):
    path = tmp_path / "a" / "b" / "w.h5"
    checkpoint(model, path).on_epoch_end(0, {})
    assert path.read_text() == "save"


def test_an_existing_directory_path_raises_with_keras_message(model, tmp_path):
    callback = checkpoint(model, tmp_path, save_weights_only=True)
    with pytest.raises(OSError, match="Please specify a non-directory filepath for "
                                      "ModelCheckpoint. Filepath used is an existing directory"):
        callback.on_epoch_end(0, {})


def test_missing_monitor_warns_and_skips_the_save(model, tmp_path, caplog, capsys):
    callback = checkpoint(model, tmp_path / "w.h5", verbose=1, save_best_only=True)
    with caplog.at_level(logging.WARNING):
        callback.on_epoch_end(0, {"loss": 1.0, "acc": 0.5})
    assert caplog.messages == ["Can save best model only with val_loss available, skipping."]
    assert model.calls == [] and capsys.readouterr().out == ""


def test_int_save_freq_counts_batches_across_epochs(model, tmp_path, capsys):
    callback = checkpoint(model, tmp_path / "w-{epoch}-{batch}.h5", verbose=1, save_freq=3)
    for epoch in range(2):
        callback.on_epoch_begin(epoch)
        for batch in range(2):
            callback.on_train_batch_end(batch, {"loss": 1.0})
        callback.on_epoch_end(epoch, {"loss": 1.0})
    assert model.calls == [("save", str(tmp_path / "w-2-1.h5"))]
    assert capsys.readouterr().out == f"\nEpoch 2: saving model to {tmp_path / 'w-2-1.h5'}\n"


def test_epoch_save_freq_ignores_batches(model, tmp_path):
    callback = checkpoint(model, tmp_path / "w.h5")
    callback.on_train_batch_end(0, {"loss": 1.0})
    assert model.calls == []


@pytest.mark.parametrize("save_freq", ["batch", 2.5, None])
def test_unrecognized_save_freq_raises(save_freq):
    with pytest.raises(ValueError, match=f"Unrecognized save_freq: {save_freq}"):
        ModelCheckpoint("w.h5", save_freq=save_freq)


def test_deprecated_period_warns_and_saves_every_n_epochs(model, tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        callback = checkpoint(model, tmp_path / "w{epoch}.h5", period=2)
    assert caplog.messages == ["`period` argument is deprecated. Please use `save_freq` to "
                               "specify the frequency in number of batches seen."]
    for epoch in range(4):
        callback.on_epoch_end(epoch, {})
    assert [path for _, path in model.calls] == [str(tmp_path / "w2.h5"), str(tmp_path / "w4.h5")]


def test_unexpected_keyword_arguments_are_rejected():
    with pytest.raises(TypeError, match=r"unexpected keyword arguments: \['save_best'\]"):
        ModelCheckpoint("w.h5", save_best=True)


def test_pathlike_filepath_is_accepted(tmp_path):
    assert ModelCheckpoint(tmp_path / "w.h5").filepath == str(tmp_path / "w.h5")

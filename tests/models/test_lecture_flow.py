"""The lecture's compile / fit(ModelCheckpoint) / load_weights flow, as a user runs it."""
import os
import re

import numpy as np

from chainrule.callbacks import ModelCheckpoint
from chainrule.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from chainrule.models import Sequential


def lecture_like_model():
    return Sequential([Conv2D(8, (3, 3), activation="relu", input_shape=(12, 12, 3)),
                       MaxPooling2D(2, 2), Flatten(), Dropout(0.5),
                       Dense(16, activation="relu"), Dense(3, activation="softmax")])


def test_checkpoint_path_without_h5_suffix_is_one_loadable_file(tmp_path, rng, capsys,
                                                                monkeypatch, live_display):
    monkeypatch.chdir(tmp_path)
    x = rng.random((24, 12, 12, 3), dtype=np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 24)]
    model = lecture_like_model()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["acc"])
    checkpoint_path = "tmp_checkpoint.ckpt"
    checkpoint = ModelCheckpoint(filepath=checkpoint_path, save_weights_only=True,
                                 save_best_only=True, monitor="val_loss", verbose=1)
    history = model.fit(x, y, batch_size=8, validation_data=(x[:6], y[:6]), epochs=3,
                        callbacks=[checkpoint])
    out = capsys.readouterr().out
    assert os.listdir(tmp_path) == ["tmp_checkpoint.ckpt"]
    first = history.history["val_loss"][0]
    assert (f"\nEpoch 1: val_loss improved from inf to {first:.5f}, saving model to "
            f"tmp_checkpoint.ckpt\n") in out
    # Keras prints the latest batch line ("ETA: ..."; updates under 50 ms apart are skipped)
    # before the message, and the epoch's full line after it.
    assert re.search(r"\r[123]/3 \[[=>.]+\] - ETA: \d+s - loss: [\d.]+ - acc: [\d.e+-]+\n"
                     r"Epoch 1: val_loss improved", out)
    assert re.search(r"\x08+\r3/3 \[=+\] - \d+s \d+m?s/step - loss: .* - val_acc: [\d.]+\n", out)
    best = int(np.argmin(history.history["val_loss"]))
    fresh = lecture_like_model()
    fresh.load_weights(checkpoint_path)
    fresh.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["acc"])
    reloaded_loss = fresh.evaluate(x[:6], y[:6], verbose=0)[0]
    assert np.isclose(reloaded_loss, history.history["val_loss"][best], rtol=1e-5)


def test_a_log_gets_one_line_per_epoch_and_no_blank_lines(tmp_path, rng, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    x = rng.random((16, 12, 12, 3), dtype=np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 16)]
    model = lecture_like_model()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["acc"])
    checkpoint = ModelCheckpoint("w.h5", save_best_only=True, save_weights_only=True, verbose=1)
    model.fit(x, y, batch_size=8, validation_data=(x, y), epochs=2, callbacks=[checkpoint])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[1].startswith("Epoch 1: val_loss improved from inf")
    assert re.fullmatch(r"2/2 \[=+\] - \d+s \d+m?s/step - loss: .* - val_acc: [\d.]+", lines[2])
    assert lines[3] == "Epoch 2/2" and len(lines) == 6
    assert "\b" not in "".join(lines) and "" not in lines

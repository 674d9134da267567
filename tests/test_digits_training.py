"""Training works for real: a small CNN learns the bundled digits to >= 97% validation accuracy."""
import numpy as np
import pytest

import chainrule
from chainrule.datasets import digits
from chainrule.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from chainrule.models import Sequential


def test_bundled_digits_have_the_uci_shape_and_labels():
    (x, y), (x_val, y_val) = digits.load_data()
    assert len(x) + len(x_val) == 1797 and x.shape[1:] == (8, 8) and x.dtype == np.uint8
    assert x.max() == 16 and set(np.unique(np.concatenate([y, y_val]))) == set(range(10))


@pytest.mark.slow
def test_small_cnn_reaches_97_percent_on_digits():
    chainrule.set_random_seed(0)
    (x, y), (x_val, y_val) = digits.load_data()
    x, x_val = x[..., None] / np.float32(16), x_val[..., None] / np.float32(16)
    model = Sequential([
        Conv2D(32, 3, padding="same", activation="relu", input_shape=(8, 8, 1)), MaxPooling2D(2),
        Conv2D(64, 3, padding="same", activation="relu"), MaxPooling2D(2),
        Flatten(), Dropout(0.3), Dense(64, activation="relu"), Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["acc"])
    history = model.fit(x, y, batch_size=32, epochs=15, validation_data=(x_val, y_val), verbose=0)
    assert history.history["val_acc"][-1] >= 0.97
    assert model.evaluate(x_val, y_val, verbose=0)[1] >= 0.97

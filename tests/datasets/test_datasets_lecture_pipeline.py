"""The lecture's cats-vs-dogs pipeline on a local stand-in of the Microsoft archive:
tfds.load(split='train[:80%]' / 'train[80%:]') -> .map(preprocess).batch(32) -> model.fit."""
import numpy as np
import pytest

import chainrule as tf
import chainrule.datasets as tfds
from chainrule.datasets.builders.cats_vs_dogs import CatsVsDogs
from chainrule.layers import Conv2D, Dense, Flatten, MaxPooling2D
from chainrule.models import Sequential
from tests.datasets.conftest import image_bytes, make_zip


@pytest.mark.slow
def test_tfds_style_split_map_batch_fit(serve, tmp_path):
    members = {f"PetImages/{kind}/{i}.jpg": image_bytes("JPEG", 10 * i + k, size=(40, 30))
               for k, kind in enumerate(("Cat", "Dog")) for i in range(10)}
    members["PetImages/Dog/99.jpg"] = b""                       # skipped, as TFDS does
    serve(CatsVsDogs, {"train": make_zip(members)})
    train_dataset = tfds.load(name="cats_vs_dogs", split="train[:80%]", data_dir=tmp_path)
    valid_dataset = tfds.load(name="cats_vs_dogs", split="train[80%:]", data_dir=tmp_path)
    assert (len(train_dataset), len(valid_dataset)) == (16, 4)

    def preprocess(data):
        x = data["image"]
        y = data["label"]
        x = x / 255
        x = tf.image.resize(x, size=(24, 24))
        return x, y

    train_data = train_dataset.map(preprocess).batch(32)
    valid_data = valid_dataset.map(preprocess).batch(32)
    x, y = next(iter(train_data))
    assert x.shape == (16, 24, 24, 3) and x.dtype == np.float32 and y.dtype == np.int64
    model = Sequential([Conv2D(4, (3, 3), activation="relu", input_shape=(24, 24, 3)),
                        MaxPooling2D(2, 2), Flatten(), Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["acc"])
    history = model.fit(train_data, validation_data=(valid_data), epochs=2, verbose=0)
    assert len(history.history["val_acc"]) == 2 and history.params["steps"] == 1

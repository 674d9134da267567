"""Transfer learning as in the lecture: a frozen VGG16 base, a small head, a folder of images."""
import numpy as np
import pytest

import chainrule
from chainrule.applications import VGG16
from chainrule.layers import Dense, Flatten
from chainrule.models import Sequential
from chainrule.preprocessing.image import ImageDataGenerator
from tests.image_folders import shape_folder


@pytest.mark.slow
def test_training_the_head_on_a_frozen_base_improves_validation_accuracy(tmp_path,
                                                                         standin_notop):
    """The base comes from a weights file in Keras' 2016 release layout (seeded He-normal
    stand-in weights: no download in tests), loaded by path as in the lecture."""
    chainrule.set_random_seed(3)
    data = shape_folder(tmp_path / "shapes", per_class=16, size=64)
    gen = ImageDataGenerator(rescale=1 / 255, validation_split=0.25)
    flow = dict(target_size=(64, 64), batch_size=8, class_mode="categorical")
    train = gen.flow_from_directory(data, subset="training", seed=0, **flow)
    val = gen.flow_from_directory(data, subset="validation", shuffle=False, **flow)
    base = VGG16(weights=str(standin_notop[0]), include_top=False, input_shape=(64, 64, 3))
    base.trainable = False
    frozen_before = [w.copy() for w in base.get_weights()]
    model = Sequential([base, Flatten(), Dense(64, activation="relu"),
                        Dense(3, activation="softmax")])
    model.compile(optimizer=chainrule.optimizers.Adam(learning_rate=1e-3),
                  loss="categorical_crossentropy", metrics=["acc"])
    before = model.evaluate(val, verbose=0)[1]
    history = model.fit(train, validation_data=val, epochs=10, verbose=0)
    assert max(history.history["val_acc"]) > before + 0.2
    for w, w0 in zip(base.get_weights(), frozen_before):
        np.testing.assert_array_equal(w, w0)                      # the base stayed frozen

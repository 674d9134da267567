"""Small models shared by the saving tests."""
import numpy as np

from chainrule.layers import (BatchNormalization, Conv2D, Dense, Flatten, Input, MaxPooling2D)
from chainrule.models import Model, Sequential


def small_cnn() -> Sequential:
    """Conv2D / BatchNormalization / MaxPooling2D / Flatten / Dense on 8x8x3 images."""
    return Sequential([Conv2D(4, 3, padding="same", activation="relu", input_shape=(8, 8, 3)),
                       BatchNormalization(), MaxPooling2D(2), Flatten(),
                       Dense(3, activation="softmax")])


def nested_model(conv_name: str = "inner_conv") -> Sequential:
    """A Functional conv base (built with Input) inside a Sequential, as with VGG16."""
    inputs = Input((8, 8, 3))
    x = Conv2D(4, 3, activation="relu", name=conv_name)(inputs)
    x = BatchNormalization()(x)
    base = Model(inputs, MaxPooling2D()(x), name="base")
    return Sequential([base, Flatten(), Dense(2)])


def randomize(model, rng) -> None:
    """Weights unlike any initializer's (positive, so BN variances stay valid)."""
    model.set_weights([rng.uniform(0.5, 1.5, w.shape).astype(w.dtype)
                       for w in model.get_weights()])


def images(rng, n: int = 4) -> np.ndarray:
    return rng.standard_normal((n, 8, 8, 3)).astype("float32")


def one_hot(rng, n: int = 4, classes: int = 3) -> np.ndarray:
    return np.eye(classes, dtype="float32")[rng.integers(0, classes, n)]

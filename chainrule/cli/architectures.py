"""The models `chainrule train --model` can build, named after the lecture's labs."""
from __future__ import annotations

from chainrule.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from chainrule.models import Sequential

MODELS = ("seed-cnn", "vgg16-transfer", "mlp")


class CLIError(Exception):
    """A problem the user can fix; the command prints it on one line and exits with code 2."""


def seed_cnn(image_size: int, channels: int, classes: int) -> Sequential:
    """The lecture's CNN: Conv2D(64)/MaxPooling2D blocks (64, 64, 128, 128 filters), then
    Flatten, Dropout(0.5), Dense(512, relu), Dense(classes, softmax). Small images get as many
    of the four blocks as fit (each block needs at least 4 pixels in, 1 out)."""
    filters, side, stack = [64, 64, 128, 128], image_size, []
    for f in filters:
        if (side - 2) // 2 < 1:
            break
        extra = {"input_shape": (image_size, image_size, channels)} if not stack else {}
        stack += [Conv2D(f, (3, 3), activation="relu", **extra), MaxPooling2D(2, 2)]
        side = (side - 2) // 2
    if not stack:
        raise CLIError(f"--image-size {image_size} is too small for the seed CNN: "
                       f"it needs at least 4 pixels. Use --image-size 32 or more.")
    return Sequential(stack + [Flatten(), Dropout(0.5), Dense(512, activation="relu"),
                               Dense(classes, activation="softmax")])


def mlp(image_size: int, channels: int, classes: int) -> Sequential:
    """A plain multilayer perceptron on the flattened pixels (the lecture's first model)."""
    return Sequential([Flatten(input_shape=(image_size, image_size, channels)),
                       Dense(128, activation="relu"), Dropout(0.2),
                       Dense(classes, activation="softmax")])


def vgg16_transfer(image_size: int, channels: int, classes: int,
                   weights: str | None = "imagenet") -> Sequential:
    """The lecture's transfer model: a frozen VGG16 base and a small trainable head."""
    from chainrule.applications import VGG16

    if image_size < 32 or channels != 3:
        raise CLIError(f"--model vgg16-transfer needs RGB images of at least 32x32; got "
                       f"--image-size {image_size} with {channels} channel(s).")
    base = VGG16(weights=weights, include_top=False,
                 input_shape=(image_size, image_size, channels))
    base.trainable = False
    return Sequential([base, Flatten(), Dropout(0.5), Dense(512, activation="relu"),
                       Dense(128, activation="relu"), Dense(classes, activation="softmax")])


def build(name: str, image_size: int, channels: int, classes: int, vgg_weights=None):
    """The model called `name`, for square images of `image_size` and `classes` outputs."""
    if name == "seed-cnn":
        return seed_cnn(image_size, channels, classes)
    if name == "mlp":
        return mlp(image_size, channels, classes)
    if name == "vgg16-transfer":
        return vgg16_transfer(image_size, channels, classes, vgg_weights or "imagenet")
    raise CLIError(f"unknown --model {name!r}; choose one of {', '.join(MODELS)}")

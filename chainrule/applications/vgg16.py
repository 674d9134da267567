"""VGG16 (Simonyan & Zisserman, 2014), as `keras.applications.VGG16` builds it.

Five blocks of 3x3 'same' ReLU convolutions, each closed by a 2x2 max-pool, then (with the
top) Flatten and three Dense layers. Layer names, shapes, weight order and the ImageNet weight
files are Keras', so Keras' `.h5` files load here and the other way round. This module also
holds the builder VGG19 shares: the two differ only in convolutions per block.
"""
from __future__ import annotations

import sys

from chainrule import config, layers
from chainrule.applications import imagenet_utils
from chainrule.models.functional import Functional

_BASE_URL = "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/"
WEIGHTS_FILE = "vgg16_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_FILE_NO_TOP = "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
WEIGHTS_PATH = _BASE_URL + WEIGHTS_FILE
WEIGHTS_PATH_NO_TOP = _BASE_URL + WEIGHTS_FILE_NO_TOP
WEIGHTS_HASH = "64373286793e3c8b2b4e3219cbf3544b"           # md5, as Keras passes it
WEIGHTS_HASH_NO_TOP = "6d6bbae143d832006294945121d1f1fc"

FILTERS = (64, 128, 256, 512, 512)                           # output channels of blocks 1-5


def VGG16(include_top: bool = True, weights="imagenet", input_tensor=None,  # noqa: N802
          input_shape=None, pooling: str | None = None, classes: int = 1000,
          classifier_activation="softmax") -> Functional:
    """The VGG16 model: a functional model named 'vgg16'.

    Args:
        include_top: add the classifier (flatten, fc1, fc2, predictions) after block5_pool.
        weights: None (random initialisation), 'imagenet' (download Keras' release file
            once into the cache, `models/` under CHAINRULE_HOME or ~/.chainrule), or the path
            of a weights file: Keras' `.h5` files, the 2016 `block1_conv1_W_1:0` layout
            included, load by position.
        input_tensor: a symbolic tensor (from `layers.Input` or a layer) to use as input.
        input_shape: (height, width, 3), each side >= 32. Default (224, 224, 3); without the
            top any size, (None, None, 3). With the top and 'imagenet' it must be the default.
        pooling: without the top, None keeps the 4-D block5_pool output; 'avg' or 'max'
            add global pooling, giving (batch, 512).
        classes: size of `predictions`; must be 1000 with 'imagenet' weights and the top.
        classifier_activation: activation of `predictions` (None gives logits).

    Inputs should go through `chainrule.applications.vgg16.preprocess_input` (caffe mode:
    RGB -> BGR and mean subtraction, no scaling) for the ImageNet weights to see the data
    they were trained on. Dividing by 255 instead runs too, but then the pretrained filters
    see inputs about 100 times smaller than in training. For transfer learning set
    `model.trainable = False` before `compile` (see also `extract_features`).

    >>> base = VGG16(weights=None, include_top=False, input_shape=(64, 64, 3))
    >>> base.output_shape, base.count_params()
    ((None, 2, 2, 512), 14714688)
    """
    return build_vgg("vgg16", (2, 2, 3, 3, 3), include_top, weights, input_tensor,
                     input_shape, pooling, classes, classifier_activation,
                     _weight_file(include_top))


def _weight_file(include_top: bool) -> tuple[str, str, str]:
    """(file name, URL, md5) of this model's release file. See `imagenet_utils.release_file`."""
    return imagenet_utils.release_file(sys.modules[__name__], include_top)


def build_vgg(name: str, convs_per_block: tuple[int, ...], include_top: bool, weights,
              input_tensor, input_shape, pooling, classes: int, classifier_activation,
              weight_file: tuple[str, str, str]) -> Functional:
    """VGG16 and VGG19 in one: check the arguments, stack the blocks, load the weights.

    Keras' checks come first, then the weight file is fetched (if needed), and only then are
    the layers built: offline, the error comes before hundreds of megabytes are allocated.
    """
    imagenet_utils.check_arguments(weights, include_top, classes, pooling, classifier_activation)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format=config.image_data_format(),
        require_flatten=include_top, weights=weights)
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    weights_path = imagenet_utils.weights_file_path(weights, *weight_file)
    x = conv_blocks(img_input, convs_per_block)
    if include_top:
        x = classifier(x, classes, classifier_activation)
    elif pooling is not None:
        pool = layers.GlobalAveragePooling2D if pooling == "avg" else layers.GlobalMaxPooling2D
        x = pool()(x)
    inputs = img_input if input_tensor is None else imagenet_utils.source_inputs(input_tensor)
    model = Functional(inputs, x, name=name)
    if weights_path is not None:
        model.load_weights(weights_path)
    return model


def conv_blocks(x, convs_per_block: tuple[int, ...]):
    """blockB_convC layers (3x3, 'same', ReLU) and a blockB_pool after each block."""
    for block, (convs, filters) in enumerate(zip(convs_per_block, FILTERS), start=1):
        for conv in range(1, convs + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{block}_conv{conv}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    return x


def classifier(x, classes: int, activation):
    """The ImageNet top: flatten, two 4096-unit ReLU layers, then `predictions`."""
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(4096, activation="relu", name="fc1")(x)
    x = layers.Dense(4096, activation="relu", name="fc2")(x)
    return layers.Dense(classes, activation=activation, name="predictions")(x)


def preprocess_input(x, data_format: str | None = None):
    """VGG16's preprocessing: `imagenet_utils.preprocess_input` in 'caffe' mode."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top: int = 5) -> list[list[tuple]]:
    """See `imagenet_utils.decode_predictions`."""
    return imagenet_utils.decode_predictions(preds, top=top)

"""ResNet50 (He et al., 2015), as `keras.applications.ResNet50` builds it.

A 7x7 stride-2 stem and a max-pool, then four stacks of bottleneck blocks (3, 4, 6 and 3
of them). Each block computes 1x1 -> 3x3 -> 1x1 convolutions, each followed by
BatchNormalization (epsilon 1.001e-5), and adds its input back: `relu(x + F(x))`. The first
block of a stack changes the width (and, from conv3 on, halves the size) so its shortcut is a
strided 1x1 convolution too. Layer names, their order, shapes and the ImageNet weight files are
Keras', so Keras' `.h5` files load here by position.
"""
from __future__ import annotations

import sys

from chainrule import config, layers
from chainrule.applications import imagenet_utils
from chainrule.models.functional import Functional

_BASE_URL = "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
WEIGHTS_FILE = "resnet50_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_FILE_NO_TOP = "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
WEIGHTS_PATH = _BASE_URL + WEIGHTS_FILE
WEIGHTS_PATH_NO_TOP = _BASE_URL + WEIGHTS_FILE_NO_TOP
WEIGHTS_HASH = "2cb95161c43110f7111970584f804107"           # md5, as Keras 2.12 passes it
WEIGHTS_HASH_NO_TOP = "4d473c1dd8becc155b73f8504c6f6626"

BN_EPSILON = 1.001e-5
STACKS = (("conv2", 64, 3, 1), ("conv3", 128, 4, 2), ("conv4", 256, 6, 2), ("conv5", 512, 3, 2))


def ResNet50(include_top: bool = True, weights="imagenet", input_tensor=None,  # noqa: N802
             input_shape=None, pooling: str | None = None, classes: int = 1000,
             classifier_activation="softmax") -> Functional:
    """The ResNet50 model: a functional model named 'resnet50'.

    Args:
        include_top: end with `avg_pool` (global average) and the `predictions` Dense layer.
        weights: None (random initialisation), 'imagenet' (download Keras' release file
            once into the cache, `models/` under CHAINRULE_HOME or ~/.chainrule), or the path
            of a weights file (Keras' legacy `.h5` layout loads by position).
        input_tensor: a symbolic tensor (from `layers.Input` or a layer) to use as input.
        input_shape: (height, width, 3), each side >= 32. Default (224, 224, 3); without the
            top any size, (None, None, 3). With the top and 'imagenet' it must be the default.
        pooling: without the top, None keeps the 4-D conv5_block3_out output; 'avg'
            (`avg_pool`) or 'max' (`max_pool`) add global pooling, giving (batch, 2048).
        classes: size of `predictions`; must be 1000 with 'imagenet' weights and the top.
        classifier_activation: activation of `predictions` (None gives logits).

    Inputs should go through `chainrule.applications.resnet.preprocess_input` (caffe mode:
    RGB -> BGR and ImageNet mean subtraction, no scaling), as for VGG16. 25,636,712
    parameters with the top, 23,587,712 without (53,120 of them BN moving statistics).

    >>> base = ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3))
    >>> base.output_shape, base.count_params(), len(base.layers)
    ((None, 1, 1, 2048), 23587712, 175)
    """
    imagenet_utils.check_arguments(weights, include_top, classes, pooling, classifier_activation)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format=config.image_data_format(),
        require_flatten=include_top, weights=weights)
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    weights_path = imagenet_utils.weights_file_path(weights, *_weight_file(include_top))
    x = _top(backbone(img_input), include_top, pooling, classes, classifier_activation)
    inputs = img_input if input_tensor is None else imagenet_utils.source_inputs(input_tensor)
    model = Functional(inputs, x, name="resnet50")
    if weights_path is not None:
        model.load_weights(weights_path)
    return model


def _weight_file(include_top: bool) -> tuple[str, str, str]:
    """(file name, URL, md5) of this model's release file. See `imagenet_utils.release_file`."""
    return imagenet_utils.release_file(sys.modules[__name__], include_top)


def _batch_norm(name: str):
    return layers.BatchNormalization(epsilon=BN_EPSILON, name=name)


def backbone(x):
    """The stem and the four stacks: (224, 224, 3) images -> (7, 7, 2048) features."""
    x = stem(x)
    for name, filters, blocks, stride in STACKS:
        x = stack(x, filters, blocks, stride, name)
    return x


def stem(x):
    """conv1: 7x7/2 convolution on the 3-pixel padded image, then a 3x3/2 max-pool."""
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(x)
    x = layers.Conv2D(64, 7, strides=2, name="conv1_conv")(x)
    x = _batch_norm("conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    return layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)


def stack(x, filters: int, blocks: int, stride: int, name: str):
    """`blocks` bottleneck blocks; the first projects the shortcut and applies `stride`."""
    x = block(x, filters, stride=stride, conv_shortcut=True, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = block(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def block(x, filters: int, stride: int = 1, conv_shortcut: bool = True, name: str = ""):
    """relu(shortcut + bn(conv1x1(relu(bn(conv3x3(relu(bn(conv1x1(x))))))))), 4*filters wide."""
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = _batch_norm(f"{name}_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = _batch_norm(f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.Conv2D(filters, 3, padding="same", name=f"{name}_2_conv")(x)
    x = _batch_norm(f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = _batch_norm(f"{name}_3_bn")(x)
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def _top(x, include_top: bool, pooling, classes: int, activation):
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        return layers.Dense(classes, activation=activation, name="predictions")(x)
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name="max_pool")(x)
    return x





def preprocess_input(x, data_format: str | None = None):
    """ResNet50's preprocessing: `imagenet_utils.preprocess_input` in 'caffe' mode."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top: int = 5) -> list[list[tuple]]:
    """See `imagenet_utils.decode_predictions`."""
    return imagenet_utils.decode_predictions(preds, top=top)

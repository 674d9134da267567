"""MobileNetV2 (Sandler et al., 2018), as `keras.applications.MobileNetV2` builds it.

A stride-2 3x3 convolution, then 17 inverted residual blocks: a 1x1 convolution expands the
channels 6 times, a 3x3 DepthwiseConv2D filters each channel on its own (stride 2 in five
blocks, after `correct_pad` zero padding), and a linear 1x1 convolution projects back down;
when input and output shapes agree the block's input is added back. Every convolution is
followed by BatchNormalization (epsilon 1e-3, momentum 0.999) and all but the projections by
ReLU(6.). `alpha` scales the widths. Names, shapes and weight order are Keras', so its release
`.h5` files load here by position.
"""
from __future__ import annotations

import warnings

from chainrule import config, layers
from chainrule.applications import imagenet_utils
from chainrule.models.functional import Functional

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
IMAGENET_ALPHAS = (0.35, 0.50, 0.75, 1.0, 1.3, 1.4)
IMAGENET_SIZES = (96, 128, 160, 192, 224)
# (filters, stride, expansion) of blocks 0-16
BLOCKS = ((16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6),
          (64, 1, 6), (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6),
          (160, 1, 6), (160, 1, 6), (320, 1, 6))


def MobileNetV2(input_shape=None, alpha: float = 1.0, include_top: bool = True,  # noqa: N802
                weights="imagenet", input_tensor=None, pooling: str | None = None,
                classes: int = 1000, classifier_activation="softmax") -> Functional:
    """The MobileNetV2 model: a functional model named 'mobilenetv2_{alpha:.2f}_{rows}'.

    Args:
        input_shape: (height, width, 3), each side >= 32. Default (224, 224, 3); without the
            top any size, (None, None, 3). ImageNet weights exist for square 96, 128, 160,
            192 and 224; for other sizes the 224 file is used (with a warning).
        alpha: width multiplier; with 'imagenet' one of 0.35, 0.5, 0.75, 1.0, 1.3, 1.4.
        include_top: end with global average pooling and the `predictions` Dense layer.
        weights: None (random initialisation), 'imagenet' (Keras' release file, fetched
            once into the cache as for VGG16), or the path of a Keras `.h5` weights file.
        input_tensor: a symbolic tensor (from `layers.Input` or a layer) to use as input.
        pooling: without the top, None keeps the 4-D `out_relu` output; 'avg' or 'max' give
            (batch, 1280) (more for alpha > 1).
        classes: size of `predictions`; must be 1000 with 'imagenet' weights and the top.
        classifier_activation: activation of `predictions` (None gives logits).

    Inputs should go through `chainrule.applications.mobilenet_v2.preprocess_input` ('tf'
    mode: pixels scaled to [-1, 1]). 3,538,984 parameters with the top at alpha 1.0.

    >>> base = MobileNetV2(input_shape=(96, 96, 3), include_top=False, weights=None)
    >>> base.name, base.output_shape, base.count_params()
    ('mobilenetv2_1.00_96', (None, 3, 3, 1280), 2257984)
    """
    imagenet_utils.check_arguments(weights, include_top, classes, pooling, classifier_activation)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=_default_size(input_shape, input_tensor), min_size=32,
        data_format=config.image_data_format(), require_flatten=include_top, weights=weights)
    rows = _weights_rows(input_shape, alpha, weights)
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    path = imagenet_utils.weights_file_path(weights, *_weight_file(alpha, rows, include_top))
    x = body(img_input, alpha)
    x = _top(x, include_top, pooling, classes, classifier_activation)
    inputs = img_input if input_tensor is None else imagenet_utils.source_inputs(input_tensor)
    model = Functional(inputs, x, name=f"mobilenetv2_{alpha:0.2f}_{rows}")
    if path is not None:
        model.load_weights(path)
    return model


def _default_size(input_shape, input_tensor) -> int:
    """A square side with ImageNet weights is the default size; anything else gives 224."""
    shape = input_shape
    if shape is None and input_tensor is not None:
        shape = tuple(input_tensor.shape[1:])
    if shape is not None and len(shape) == 3 and shape[0] == shape[1] \
            and shape[0] in IMAGENET_SIZES:
        return shape[0]
    return 224


def _weights_rows(input_shape: tuple, alpha: float, weights):
    """The image side in the model's name and weight file; 'imagenet' falls back to 224."""
    rows, cols = input_shape[:2]
    if not (isinstance(weights, str) and weights == "imagenet"):
        return rows
    if alpha not in IMAGENET_ALPHAS:
        raise ValueError(f"If imagenet weights are being loaded, alpha must be one of `0.35`, "
                         f"`0.50`, `0.75`, `1.0`, `1.3` or `1.4` only; Received `alpha={alpha}`")
    if rows != cols or rows not in IMAGENET_SIZES:
        warnings.warn("`input_shape` is undefined or non-square, or `rows` is not in "
                      "[96, 128, 160, 192, 224]. Weights for input shape (224, 224) will be "
                      "loaded as the default.", stacklevel=3)
        return 224
    return rows


def _weight_file(alpha: float, rows: int, include_top: bool) -> tuple[str, str, None]:
    """(file name, URL, md5) of the release file; Keras checks no hash for these."""
    suffix = "" if include_top else "_no_top"
    name = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}{suffix}.h5"
    return name, BASE_WEIGHT_PATH + name, None


def _batch_norm(name: str):
    return layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name=name)


def body(x, alpha: float):
    """Conv1 (3x3/2), the 17 inverted residual blocks, and Conv_1 (1x1) up to `out_relu`."""
    x = layers.Conv2D(make_divisible(32 * alpha, 8), 3, strides=2, padding="same",
                      use_bias=False, name="Conv1")(x)
    x = _batch_norm("bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, stride, expansion) in enumerate(BLOCKS):
        x = inverted_res_block(x, expansion, stride, alpha, filters, block_id)
    last = make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last, 1, use_bias=False, name="Conv_1")(x)
    x = _batch_norm("Conv_1_bn")(x)
    return layers.ReLU(6.0, name="out_relu")(x)


def inverted_res_block(inputs, expansion: int, stride: int, alpha: float, filters: int,
                       block_id: int):
    """Expand (1x1, not in block 0), depthwise 3x3, project (1x1, linear), add if shapes agree."""
    in_channels = inputs.shape[-1]
    pointwise_filters = make_divisible(int(filters * alpha), 8)
    prefix = f"block_{block_id}_" if block_id else "expanded_conv_"
    x = inputs
    if block_id:
        x = layers.Conv2D(expansion * in_channels, 1, padding="same", use_bias=False,
                          name=prefix + "expand")(x)
        x = _batch_norm(prefix + "expand_BN")(x)
        x = layers.ReLU(6.0, name=prefix + "expand_relu")(x)
    if stride == 2:
        x = layers.ZeroPadding2D(padding=correct_pad(x, 3), name=prefix + "pad")(x)
    x = layers.DepthwiseConv2D(3, strides=stride, use_bias=False,
                               padding="same" if stride == 1 else "valid",
                               name=prefix + "depthwise")(x)
    x = _batch_norm(prefix + "depthwise_BN")(x)
    x = layers.ReLU(6.0, name=prefix + "depthwise_relu")(x)
    x = layers.Conv2D(pointwise_filters, 1, padding="same", use_bias=False,
                      name=prefix + "project")(x)
    x = _batch_norm(prefix + "project_BN")(x)
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=prefix + "add")([inputs, x])
    return x


def correct_pad(inputs, kernel_size) -> tuple[tuple[int, int], tuple[int, int]]:
    """((top, bottom), (left, right)) zeros before a stride-2 'valid' convolution.

    Keras' `imagenet_utils.correct_pad`: k // 2 after, and before k // 2 less one on an even
    side (or an unknown one), so the output has ceil(n / 2) pixels on every side.
    """
    k = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    rows, cols = inputs.shape[1:3]
    adjust = (1, 1) if rows is None else (1 - rows % 2, 1 - cols % 2)
    return (k[0] // 2 - adjust[0], k[0] // 2), (k[1] // 2 - adjust[1], k[1] // 2)


def make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """`v` rounded to the nearest multiple of `divisor`, but never 10% below `v`."""
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def _top(x, include_top: bool, pooling, classes: int, activation):
    """Keras leaves these pooling layers unnamed: 'global_average_pooling2d' and so on."""
    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        return layers.Dense(classes, activation=activation, name="predictions")(x)
    if pooling == "avg":
        return layers.GlobalAveragePooling2D()(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D()(x)
    return x


def preprocess_input(x, data_format: str | None = None):
    """MobileNetV2's preprocessing: `imagenet_utils.preprocess_input` in 'tf' mode, [-1, 1]."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top: int = 5) -> list[list[tuple]]:
    """See `imagenet_utils.decode_predictions`."""
    return imagenet_utils.decode_predictions(preds, top=top)

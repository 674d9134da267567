"""VGG19, as `keras.applications.VGG19` builds it: VGG16 with a fourth conv in blocks 3-5.

The builder is shared with VGG16 (see `chainrule.applications.vgg16.build_vgg`).
"""
from __future__ import annotations

import sys

from chainrule.applications import imagenet_utils
from chainrule.applications.vgg16 import build_vgg
from chainrule.models.functional import Functional

_BASE_URL = "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/"
WEIGHTS_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_FILE_NO_TOP = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
WEIGHTS_PATH = _BASE_URL + WEIGHTS_FILE
WEIGHTS_PATH_NO_TOP = _BASE_URL + WEIGHTS_FILE_NO_TOP
WEIGHTS_HASH = "cbe5617147190e668d6c5d5026f83318"           # md5, as Keras passes it
WEIGHTS_HASH_NO_TOP = "253f8cb515780f3b799900260a226db6"


def VGG19(include_top: bool = True, weights="imagenet", input_tensor=None,  # noqa: N802
          input_shape=None, pooling: str | None = None, classes: int = 1000,
          classifier_activation="softmax") -> Functional:
    """The VGG19 model: a functional model named 'vgg19'.

    Arguments, input-shape rules and weight loading are those of
    `chainrule.applications.VGG16`. Blocks 1-5 have 2, 2, 4, 4, 4 convolutions:
    20,024,384 parameters without the top, 143,667,240 with it.
    """
    return build_vgg("vgg19", (2, 2, 4, 4, 4), include_top, weights, input_tensor,
                     input_shape, pooling, classes, classifier_activation,
                     _weight_file(include_top))


def _weight_file(include_top: bool) -> tuple[str, str, str]:
    """(file name, URL, md5) of this model's release file. See `imagenet_utils.release_file`."""
    return imagenet_utils.release_file(sys.modules[__name__], include_top)


def preprocess_input(x, data_format: str | None = None):
    """VGG19's preprocessing: `imagenet_utils.preprocess_input` in 'caffe' mode."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top: int = 5) -> list[list[tuple]]:
    """See `imagenet_utils.decode_predictions`."""
    return imagenet_utils.decode_predictions(preds, top=top)

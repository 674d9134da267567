"""What every ImageNet application shares: input preprocessing, decoding, argument checks,
shape and weight rules, and the model's input.

The functions follow tf.keras 2.12's `keras.applications.imagenet_utils`, including its
error messages, so code written for Keras behaves the same. One deliberate difference:
`preprocess_input` never writes over the caller's array (Keras does, for float input).
"""
from __future__ import annotations

import json
import os
import warnings

import numpy as np

from chainrule import activations, config, layers
from chainrule.autodiff.tensor import Tensor
from chainrule.layers.symbolic import SymbolicTensor

CLASS_INDEX_PATH = ("https://storage.googleapis.com/download.tensorflow.org/"
                    "data/imagenet_class_index.json")
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"

_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)    # ImageNet channel means, in the files' BGR order
_TORCH_MEAN = (0.485, 0.456, 0.406)
_TORCH_STD = (0.229, 0.224, 0.225)


def preprocess_input(x, data_format: str | None = None, mode: str = "caffe"):
    """Turn RGB images with values in [0, 255] into what an ImageNet model was trained on.

    Args:
        x: a batch (4-D) or one image (3-D), NumPy array or chainrule Tensor, with the 3
            colour channels last (or first, with `data_format='channels_first'`).
        data_format: 'channels_last' (default) or 'channels_first'.
        mode: 'caffe' (VGG, ResNet): RGB -> BGR, then subtract the ImageNet mean of each
            channel, no scaling; 'tf': scale to [-1, 1]; 'torch': scale to [0, 1], then
            subtract the mean and divide by the standard deviation of each channel.

    Returns:
        A new array (float32 for integer input, else the input's float type), or a Tensor
        for Tensor input (differentiable). The input is left unchanged.

    >>> preprocess_input(np.array([[[255.0, 0.0, 0.0]]])).round(3)
    array([[[-103.939, -116.779,  131.32 ]]])
    """
    if mode not in ("caffe", "tf", "torch"):
        raise ValueError(f"Expected mode to be one of `caffe`, `tf` or `torch`. "
                         f"Received: mode={mode}")
    data_format = data_format or config.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"Expected data_format to be one of `channels_first` or "
                         f"`channels_last`. Received: data_format={data_format}")
    if not isinstance(x, Tensor):
        x = np.asarray(x)
        x = x.astype(config.floatx()) if x.dtype.kind != "f" else x
    if mode == "tf":
        return x / 127.5 - 1.0
    if mode == "torch":
        return _normalize(x / 255.0, _TORCH_MEAN, _TORCH_STD, data_format)
    return _normalize(_rgb_to_bgr(x, data_format), _CAFFE_MEAN_BGR, None, data_format)


def _rgb_to_bgr(x, data_format: str):
    """Reverse the channel axis: the caffe weights were trained on BGR images."""
    if data_format == "channels_last":
        return x[..., ::-1]
    return x[::-1] if x.ndim == 3 else x[:, ::-1]


def _normalize(x, mean, std, data_format: str):
    """(x - mean) / std per channel; the constants take x's float type, as in Keras."""
    dtype = x.dtype
    shape = (3,) if data_format == "channels_last" else (3, 1, 1)
    x = x - np.asarray(mean, dtype).reshape(shape)
    return x if std is None else x / np.asarray(std, dtype).reshape(shape)


def decode_predictions(preds, top: int = 5) -> list[list[tuple]]:
    """The `top` ImageNet classes of each prediction: `(class_id, class_name, score)` tuples.

    The class index (a 35 KB JSON file) is downloaded once with `get_file` into the cache's
    `models/` folder, as Keras does.

    Args:
        preds: array of shape (samples, 1000), e.g. the output of `VGG16()`.
        top: how many classes to return per sample, best first.
    """
    preds = np.asarray(getattr(preds, "data", preds))
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError(f"`decode_predictions` expects a batch of predictions (i.e. a 2D "
                         f"array of shape (samples, 1000)). Found array with shape: "
                         f"{preds.shape}. Hint: pass the output of a model built with "
                         f"include_top=True and classes=1000.")
    class_index = _load_class_index()
    results = []
    for pred in preds:
        best = pred.argsort()[-top:][::-1]
        result = [(*class_index[str(i)], pred[i]) for i in best]
        result.sort(key=lambda entry: entry[2], reverse=True)
        results.append(result)
    return results


def _load_class_index() -> dict:
    from chainrule.utils.file_utils import get_file

    path = get_file("imagenet_class_index.json", CLASS_INDEX_PATH, cache_subdir="models",
                    file_hash=CLASS_INDEX_HASH)
    with open(path, encoding="utf8") as f:
        return json.load(f)


def obtain_input_shape(input_shape, default_size: int, min_size: int, data_format: str,
                       require_flatten: bool, weights=None) -> tuple:
    """Keras' input-shape rules for an application (channels_last only).

    `None` gives the default square image (or any size, `(None, None, 3)`, without the
    classifier top). ImageNet weights need 3 channels, and with the top exactly the
    default size; every side must be at least `min_size`.
    """
    if data_format != "channels_last":
        raise ValueError(f"chainrule applications are channels_last only. "
                         f"Received: data_format={data_format!r}")
    default_shape = (default_size, default_size, 3)
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        if input_shape[-1] not in {1, 3}:
            warnings.warn(f"This model usually expects 1 or 3 input channels. However, it was "
                          f"passed an input_shape with {input_shape[-1]} input channels.",
                          stacklevel=4)           # the caller of VGG16()
        default_shape = (default_size, default_size, input_shape[-1])
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and tuple(input_shape) != default_shape:
            raise ValueError(f"When setting `include_top=True` and loading `imagenet` weights, "
                             f"`input_shape` should be {default_shape}.  "
                             f"Received: input_shape={input_shape}. Hint: the ImageNet top "
                             f"needs that size; for other sizes use include_top=False.")
        return default_shape
    if input_shape:
        _check_given_shape(tuple(input_shape), min_size, weights)
    else:
        input_shape = default_shape if require_flatten else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError(f"If `include_top` is True, you should specify a static "
                         f"`input_shape`. Received: input_shape={input_shape}. Hint: pass "
                         f"e.g. input_shape=({default_size}, {default_size}, 3).")
    return tuple(input_shape)


def _check_given_shape(input_shape: tuple, min_size: int, weights) -> None:
    if len(input_shape) != 3:
        raise ValueError(f"`input_shape` must be a tuple of three integers. "
                         f"Received: input_shape={input_shape}")
    if input_shape[-1] != 3 and weights == "imagenet":
        raise ValueError(f"The input must have 3 channels; Received "
                         f"`input_shape={input_shape}`")
    if any(side is not None and side < min_size for side in input_shape[:2]):
        raise ValueError(f"Input size must be at least {min_size}x{min_size}; "
                         f"Received: input_shape={input_shape}")


def validate_activation(classifier_activation, weights) -> None:
    """Pretrained tops were trained with softmax: only None or 'softmax' keep them valid."""
    if weights is None:
        return
    if activations.get(classifier_activation) not in (activations.softmax, activations.linear):
        raise ValueError(f"Only `None` and `softmax` activations are allowed for the "
                         f"`classifier_activation` argument when using pretrained weights, "
                         f"with `include_top=True`; Received: "
                         f"classifier_activation={classifier_activation}")


def check_weights_argument(weights) -> None:
    """`weights` must be None, 'imagenet' or the path of an existing file."""
    is_path = isinstance(weights, str | os.PathLike) and os.path.exists(weights)
    if not (weights is None or weights == "imagenet" or is_path):
        raise ValueError(f"The `weights` argument should be either `None` (random "
                         f"initialization), `imagenet` (pre-training on ImageNet), or the path "
                         f"to the weights file to be loaded.  Received: weights={weights}. "
                         f"Hint: a relative path is looked up from {os.getcwd()!r}.")


def release_file(module, include_top: bool) -> tuple[str, str, str]:
    """(file name, URL, md5) of a Keras release weights file, from `module`'s WEIGHTS_FILE,
    WEIGHTS_PATH, WEIGHTS_HASH constants (`..._NO_TOP` without the top). Read at call time,
    so tests may patch them."""
    suffix = "" if include_top else "_NO_TOP"
    return tuple(getattr(module, f"WEIGHTS_{kind}{suffix}") for kind in ("FILE", "PATH", "HASH"))


def weights_file_path(weights, fname: str, origin: str, file_hash: str) -> str | None:
    """The local weights file: 'imagenet' is fetched into the cache (once), a path is kept.

    Called before the model is built, so a machine without the file fails fast, before
    hundreds of megabytes of weights are allocated. None stays None.
    """
    if weights is None:
        return None
    if isinstance(weights, str) and weights == "imagenet":
        from chainrule.utils.file_utils import get_file

        return get_file(fname, origin, cache_subdir="models", file_hash=file_hash)
    return os.fspath(weights)


def check_arguments(weights, include_top: bool, classes: int, pooling,
                    classifier_activation) -> None:
    """Keras' checks of an application's `weights`, `classes`, `pooling` and activation."""
    check_weights_argument(weights)
    imagenet_weights = isinstance(weights, str) and weights == "imagenet"
    if imagenet_weights and include_top and classes != 1000:
        raise ValueError(f'If using `weights` as `"imagenet"` with `include_top` as true, '
                         f'`classes` should be 1000.  Received `classes={classes}`')
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"`pooling` must be None, 'avg' or 'max'. Received: pooling={pooling!r}")
    if include_top:
        validate_activation(classifier_activation, weights)


def image_input(input_tensor, input_shape: tuple):
    """`input_tensor` if given (checked), else a new `Input` of `input_shape`."""
    if input_tensor is None:
        return layers.Input(shape=input_shape)
    if not isinstance(input_tensor, SymbolicTensor):
        raise TypeError(f"`input_tensor` must be a symbolic tensor from `chainrule.layers."
                        f"Input` (or a layer called on one). Received: {input_tensor!r}. Hint: "
                        f"pass `input_shape=` for a plain image size.")
    return input_tensor


def source_inputs(tensor: SymbolicTensor) -> list | SymbolicTensor:
    """The Input tensor(s) `tensor` was computed from, so layers before it join the model."""
    found, stack, seen = [], [tensor], set()
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        if not t.inputs:
            found.append(t)
        stack.extend(reversed(t.inputs))
    return found[0] if len(found) == 1 else found

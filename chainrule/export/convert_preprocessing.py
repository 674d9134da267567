"""ONNX converters for the preprocessing and augmentation layers, as they run at inference.

The random augmentation layers pass their input through in `predict` (Identity), except
RandomCrop, which `smart_resize`s it to its size (crop the centred box of the target's aspect
ratio, then resize bilinearly). Resizing's 'bilinear' and 'nearest' are ONNX `Resize` nodes
(half-pixel centres, as `tf.image.resize`); its other interpolations are separable linear
maps, out[n] = R @ x[n] @ C.T, exported as two MatMuls with chainrule's own R and C, so every
interpolation gives chainrule's numbers. Crop boxes and resize matrices need the image's
height and width, which are static in the model's shapes.
"""
from __future__ import annotations

import numpy as np
from onnx import helper

from chainrule import layers
from chainrule.export.registry import converts
from chainrule.ops.resize import resize_matrix

# ONNX Resize's attributes that give tf.image.resize's numbers (half_pixel_centers=True).
_RESIZE_MODES = {
    "bilinear": {"mode": "linear", "coordinate_transformation_mode": "half_pixel"},
    # TF's floor((i + 0.5) * in / out) is round-half-up of the half-pixel source - 0.5.
    "nearest": {"mode": "nearest", "coordinate_transformation_mode": "half_pixel",
                "nearest_mode": "round_prefer_ceil"},
}


def _as_float(g, layer, inputs) -> str:
    """The layer's input cast to the graph's float type, as `as_float` casts uint8 images
    (a float-to-same-float Cast is a no-op ONNX Runtime removes)."""
    return g.node("Cast", inputs[:1], f"{layer.name}/as_float",
                  to=helper.np_dtype_to_tensor_dtype(g.dtype))


def _image_size(layer, shape) -> tuple[int, int]:
    """The static (height, width) of an NHWC input, or a ValueError naming the layer."""
    if len(shape) != 4 or shape[1] is None or shape[2] is None:
        raise ValueError(f"ONNX export: layer {layer.name!r} of type {type(layer).__name__} "
                         f"needs a known image height and width; expected an input shape "
                         f"(batch, height, width, channels), received {tuple(shape)}.")
    return shape[1], shape[2]


def _slice(g, x, name, box, size):
    """The (top, left, height, width) `box` of NHWC `x` whose image size is `size`."""
    top, left, height, width = box
    if (top, left, height, width) == (0, 0, *size):
        return x
    return g.node("Slice", [x, g.ints(f"{name}/starts", [top, left]),
                            g.ints(f"{name}/ends", [top + height, left + width]),
                            g.ints(f"{name}/axes", [1, 2])], f"{name}/crop")


def _aspect_box(size, target) -> tuple[int, int, int, int]:
    """smart_resize's centred crop box, with its float32 arithmetic (preprocessing.py)."""
    (height, width), (target_h, target_w) = size, target
    crop_h = min(height, int(np.float32(width * target_h) / np.float32(target_w)))
    crop_w = min(width, int(np.float32(height * target_w) / np.float32(target_h)))
    top, left = int(np.float32(height - crop_h) / 2), int(np.float32(width - crop_w) / 2)
    return top, left, crop_h, crop_w


def _resize_onnx(g, x, name, size, target, interpolation):
    """Nodes resizing NHWC `x` of image size `size` to `target` with `interpolation`."""
    if tuple(size) == tuple(target) and interpolation in ("bilinear", "nearest"):
        return g.node("Identity", [x], name)     # TF's half-pixel resize to the same size
    if interpolation in _RESIZE_MODES:
        shape = g.node("Shape", [x], f"{name}/shape")
        batch = g.node("Slice", [shape, g.ints(f"{name}/zero", [0]), g.ints(f"{name}/one", [1])],
                       f"{name}/batch")
        channels = g.node("Slice", [shape, g.ints(f"{name}/three", [3]),
                                    g.ints(f"{name}/four", [4])], f"{name}/channels")
        sizes = g.node("Concat", [batch, g.ints(f"{name}/target", list(target)), channels],
                       f"{name}/sizes", axis=0)          # the batch axis stays dynamic
        return g.node("Resize", [x, "", "", sizes], name, **_RESIZE_MODES[interpolation])
    return _resize_matmul(g, x, name, size, target, interpolation)


def _resize_matmul(g, x, name, size, target, interpolation):
    """out[n] = R @ x[n] @ C.T for the methods ONNX Resize has no kernel for."""
    rows = g.const(f"{name}/rows", resize_matrix(interpolation, size[0], target[0]).T)
    cols = g.const(f"{name}/cols", resize_matrix(interpolation, size[1], target[1]).T)
    x = g.node("Transpose", [x], f"{name}/ncwh", perm=[0, 3, 2, 1])
    x = g.node("MatMul", [x, rows], f"{name}/resize_rows")                  # (N, C, W, h)
    x = g.node("Transpose", [x], f"{name}/nchw", perm=[0, 1, 3, 2])
    x = g.node("MatMul", [x, cols], f"{name}/resize_cols")                  # (N, C, h, w)
    return g.node("Transpose", [x], name, perm=[0, 2, 3, 1])


def _smart_resize(g, layer, x, shape, interpolation="bilinear"):
    """Keras' smart_resize of NHWC `x`: centred aspect-ratio crop, then resize."""
    size, target = _image_size(layer, shape), (layer.height, layer.width)
    box = _aspect_box(size, target)
    x = _slice(g, x, layer.name, box, size)
    return _resize_onnx(g, x, layer.name, box[2:], target, interpolation)


@converts(layers.Resizing)
def _resizing(g, layer, inputs, shapes):
    if layer.crop_to_aspect_ratio:
        return _smart_resize(g, layer, _as_float(g, layer, inputs), shapes[0],
                             layer.interpolation)
    size, target = _image_size(layer, shapes[0]), (layer.height, layer.width)
    return _resize_onnx(g, _as_float(g, layer, inputs), layer.name, size, target,
                        layer.interpolation)


@converts(layers.CenterCrop)
def _center_crop(g, layer, inputs, shapes):
    """The centred box; smaller images are smart_resized, as CenterCrop.call does."""
    height, width = _image_size(layer, shapes[0])
    x = _as_float(g, layer, inputs)
    if height < layer.height or width < layer.width:
        return _smart_resize(g, layer, x, shapes[0])
    top, left = (height - layer.height) // 2, (width - layer.width) // 2
    box = (top, left, layer.height, layer.width)
    return g.node("Identity", [_slice(g, x, layer.name, box, (height, width))],
                  layer.name)


@converts(layers.RandomCrop)
def _random_crop(g, layer, inputs, shapes):
    """At inference RandomCrop smart_resizes (bilinear) to its size, whatever the input's."""
    return _smart_resize(g, layer, _as_float(g, layer, inputs), shapes[0])


@converts(layers.Normalization)
def _normalization(g, layer, inputs, shapes):
    """(x - mean) / max(sqrt(variance), epsilon), or x * that + mean when `invert`."""
    mean, scale = layer._statistics(g.dtype)
    mean, scale = g.const(f"{layer.name}/mean", mean), g.const(f"{layer.name}/scale", scale)
    x = _as_float(g, layer, inputs)
    if layer.invert:
        y = g.node("Mul", [x, scale], f"{layer.name}/scaled")
        return g.node("Add", [y, mean], layer.name)
    y = g.node("Sub", [x, mean], f"{layer.name}/centred")
    return g.node("Div", [y, scale], layer.name)


@converts(layers.RandomFlip, layers.RandomTranslation, layers.RandomRotation,
          layers.RandomZoom, layers.RandomContrast, layers.RandomBrightness)
def _augmentation(g, layer, inputs, shapes):
    """The random augmentation layers pass their (float) input through at inference."""
    return g.node("Identity", [_as_float(g, layer, inputs)], layer.name)

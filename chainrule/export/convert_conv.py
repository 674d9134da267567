"""ONNX converters for convolutions, pooling, normalization, padding and cropping.

Keras kernels are HWIO (`(kh, kw, in, out)`), ONNX's are OIHW: `_oihw` transposes them once,
at export. 'same' padding is TensorFlow's (the extra pixel at the bottom/right), which is
ONNX's `auto_pad=SAME_UPPER`; explicit pads are written when the input size is known.
"""
from __future__ import annotations

import numpy as np

from chainrule import layers
from chainrule.export.convert_core import activation
from chainrule.export.registry import converts


def _oihw(kernel: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.moveaxis(kernel, (-1, -2), (0, 1)))   # (..., I, O) -> (O, I, ...)


def _depthwise_oihw(kernel: np.ndarray) -> np.ndarray:
    """(kh, kw, C, M) -> (C * M, 1, kh, kw): output channel c * M + m filters input channel c."""
    kh, kw, channels, multiplier = kernel.shape
    return np.ascontiguousarray(kernel.reshape(kh, kw, channels * multiplier)
                                .transpose(2, 0, 1)[:, None])


def _padding(padding: str, sizes, kernel, strides, dilations) -> dict:
    """ONNX pads (begin..., end...) for Keras' padding, or auto_pad when a size is unknown."""
    if padding == "valid":
        return {"pads": [0] * (2 * len(kernel))}
    if padding == "causal":
        raise ValueError("ONNX export: padding='causal' is not supported.")
    if any(n is None for n in sizes):
        return {"auto_pad": "SAME_UPPER"}
    begin, end = [], []
    for n, k, s, d in zip(sizes, kernel, strides, dilations):
        out = -(-n // s)
        total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
        begin.append(total // 2)
        end.append(total - total // 2)
    return {"pads": begin + end}


def _conv(g, layer, x, shape, kernel_name, group=1):
    spatial = len(layer.kernel_size)
    attributes = _padding(layer.padding, shape[1:-1], layer.kernel_size, layer.strides,
                          layer.dilation_rate)
    weights = [g.weight(f"{layer.name}/{kernel_name}", getattr(layer, kernel_name),
                        _depthwise_oihw if group > 1 else _oihw)]
    if layer.use_bias:
        weights.append(g.weight(f"{layer.name}/bias", layer.bias))
    return g.nchw(x, layer.name, "Conv", weights, rank=spatial + 2, group=group,
                  kernel_shape=list(layer.kernel_size), strides=list(layer.strides),
                  dilations=list(layer.dilation_rate), **attributes)


@converts(layers.Conv2D, layers.Conv1D)
def _conv_layer(g, layer, inputs, shapes):
    y = _conv(g, layer, inputs[0], shapes[0], "kernel")
    return activation(g, layer.activation, y, layer.name, layer.name)


@converts(layers.DepthwiseConv2D)
def _depthwise(g, layer, inputs, shapes):
    y = _conv(g, layer, inputs[0], shapes[0], "depthwise_kernel", group=shapes[0][-1])
    return activation(g, layer.activation, y, layer.name, layer.name)


@converts(layers.SeparableConv2D)
def _separable(g, layer, inputs, shapes):
    use_bias, layer.use_bias = layer.use_bias, False          # the bias follows the pointwise
    try:
        y = _conv(g, layer, inputs[0], shapes[0], "depthwise_kernel", group=shapes[0][-1])
    finally:
        layer.use_bias = use_bias
    weights = [g.weight(f"{layer.name}/pointwise_kernel", layer.pointwise_kernel, _oihw)]
    if layer.use_bias:
        weights.append(g.weight(f"{layer.name}/bias", layer.bias))
    y = g.nchw(y, f"{layer.name}/pointwise", "Conv", weights, kernel_shape=[1, 1])
    return activation(g, layer.activation, y, layer.name, layer.name)


_POOLS = {layers.MaxPooling2D: "MaxPool", layers.AveragePooling2D: "AveragePool",
          layers.MaxPooling1D: "MaxPool", layers.AveragePooling1D: "AveragePool"}


@converts(*_POOLS)
def _pool(g, layer, inputs, shapes):
    """Padded cells are left out of both the max and the mean, as TensorFlow's 'same'."""
    ones = [1] * len(layer.pool_size)
    attributes = _padding(layer.padding, shapes[0][1:-1], layer.pool_size, layer.strides, ones)
    return g.nchw(inputs[0], layer.name, _POOLS[type(layer)], [], rank=len(ones) + 2,
                  kernel_shape=list(layer.pool_size), strides=list(layer.strides),
                  **attributes)


_GLOBAL = {layers.GlobalAveragePooling2D: ("ReduceMean", [1, 2]),
           layers.GlobalMaxPooling2D: ("ReduceMax", [1, 2]),
           layers.GlobalAveragePooling1D: ("ReduceMean", [1]),
           layers.GlobalMaxPooling1D: ("ReduceMax", [1])}


@converts(*_GLOBAL)
def _global_pool(g, layer, inputs, shapes):
    op, axes = _GLOBAL[type(layer)]
    return g.node(op, inputs, layer.name, axes=axes, keepdims=int(layer.keepdims))


@converts(layers.BatchNormalization)
def _batch_norm(g, layer, inputs, shapes):
    """Inference: (x - moving_mean) * (gamma / sqrt(moving_variance + epsilon)) + beta."""
    variance = layer.moving_variance.numpy()
    inv = (1.0 / np.sqrt(variance + np.asarray(layer.epsilon, variance.dtype)))
    scale = inv * (layer.gamma.numpy() if layer.scale else 1.0)
    y = g.node("Sub", [inputs[0], g.weight(f"{layer.name}/moving_mean", layer.moving_mean)],
               f"{layer.name}/centered")
    y = g.node("Mul", [y, g.const(f"{layer.name}/scale", scale)], f"{layer.name}/scaled")
    if not layer.center:
        return g.node("Identity", [y], layer.name)
    return g.node("Add", [y, g.weight(f"{layer.name}/beta", layer.beta)], layer.name)


@converts(layers.LayerNormalization)
def _layer_norm(g, layer, inputs, shapes):
    rank = len(shapes[0])
    axes = sorted(a % rank for a in layer.axis)
    if axes != list(range(axes[0], rank)):
        raise ValueError(f"ONNX export: LayerNormalization {layer.name!r} normalizes axes "
                         f"{layer.axis}; ONNX's LayerNormalization needs the trailing axes.")
    normalized = [shapes[0][a] for a in axes]
    gamma = layer.gamma.numpy() if layer.scale else np.ones(normalized)
    beta = layer.beta.numpy() if layer.center else np.zeros(normalized)
    weights = [g.const(f"{layer.name}/gamma", np.reshape(gamma, normalized)),
               g.const(f"{layer.name}/beta", np.reshape(beta, normalized))]
    return g.node("LayerNormalization", [inputs[0], *weights], layer.name, axis=axes[0],
                  epsilon=float(layer.epsilon))


@converts(layers.ZeroPadding2D, layers.ZeroPadding1D)
def _zero_padding(g, layer, inputs, shapes):
    pairs = layer.padding if isinstance(layer.padding[0], tuple | list) else [layer.padding]
    begin, end = [0, *(p[0] for p in pairs), 0], [0, *(p[1] for p in pairs), 0]
    return g.node("Pad", [inputs[0], g.ints(f"{layer.name}/pads", begin + end)], layer.name)


@converts(layers.Cropping2D)
def _cropping(g, layer, inputs, shapes):
    starts = [lo for lo, _ in layer.cropping]
    ends = [-hi if hi else np.iinfo(np.int64).max for _, hi in layer.cropping]
    return g.node("Slice", [inputs[0], g.ints(f"{layer.name}/starts", starts),
                            g.ints(f"{layer.name}/ends", ends),
                            g.ints(f"{layer.name}/axes", [1, 2])], layer.name)


@converts(layers.UpSampling2D)
def _upsampling(g, layer, inputs, shapes):
    if layer.interpolation != "nearest":
        raise ValueError(f"ONNX export: UpSampling2D {layer.name!r} with interpolation="
                         f"{layer.interpolation!r}; only 'nearest' is exported.")
    scales = g.const(f"{layer.name}/scales", [1, *layer.size, 1], dtype=np.float32)
    return g.node("Resize", [inputs[0], "", scales], layer.name, mode="nearest",
                  coordinate_transformation_mode="asymmetric", nearest_mode="floor")


@converts(layers.Conv2DTranspose)
def _conv_transpose(g, layer, inputs, shapes):
    """ONNX ConvTranspose with the pads that give Keras' output size (compute_output_shape):
    total = (n - 1) s + dk - out, split as TensorFlow splits it; a negative total is extra
    output at the end (output_padding)."""
    sizes = shapes[0][1:3]
    if any(n is None for n in sizes):
        raise ValueError(f"ONNX export: Conv2DTranspose {layer.name!r} needs known rows and "
                         f"columns; received input shape {shapes[0]}.")
    outs = layer.compute_output_shape(shapes[0])[1:3]
    begin, end, extra = [], [], []
    for n, out, k, s, d in zip(sizes, outs, layer.kernel_size, layer.strides,
                               layer.dilation_rate):
        total = (n - 1) * s + (k - 1) * d + 1 - out
        begin.append(max(total, 0) // 2)
        end.append(max(total, 0) - max(total, 0) // 2)
        extra.append(max(-total, 0))
    weights = [g.weight(f"{layer.name}/kernel", layer.kernel, _oihw)]   # (in, out, kh, kw)
    if layer.use_bias:
        weights.append(g.weight(f"{layer.name}/bias", layer.bias))
    y = g.nchw(inputs[0], layer.name, "ConvTranspose", weights,
               kernel_shape=list(layer.kernel_size), strides=list(layer.strides),
               dilations=list(layer.dilation_rate), pads=begin + end, output_padding=extra)
    return activation(g, layer.activation, y, layer.name, layer.name)

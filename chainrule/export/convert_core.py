"""ONNX converters for activations, Dense, Dropout-like layers, merging and reshaping layers."""
from __future__ import annotations

import math

import onnx

from chainrule import activations, layers
from chainrule.export.registry import converts


def _gelu(g, x, name):
    """0.5 x (1 + erf(x / sqrt 2)); ONNX's own Gelu arrives only in opset 20."""
    scaled = g.node("Mul", [x, g.const(f"{name}/inv_sqrt2", 1 / math.sqrt(2))], f"{name}/scaled")
    erf = g.node("Erf", [scaled], f"{name}/erf")
    one = g.node("Add", [erf, g.const(f"{name}/one", 1.0)], f"{name}/one_plus")
    half = g.node("Mul", [x, g.const(f"{name}/half", 0.5)], f"{name}/half_x")
    return g.node("Mul", [half, one], name)


def _swish(g, x, name):
    return g.node("Mul", [x, g.node("Sigmoid", [x], f"{name}/sigmoid")], name)


_SIMPLE = {"relu": ("Relu", {}), "sigmoid": ("Sigmoid", {}), "tanh": ("Tanh", {}),
           "softmax": ("Softmax", {"axis": -1}), "log_softmax": ("LogSoftmax", {"axis": -1}),
           "elu": ("Elu", {"alpha": 1.0}), "selu": ("Selu", {}), "softplus": ("Softplus", {}),
           "softsign": ("Softsign", {}), "exponential": ("Exp", {}),
           "leaky_relu": ("LeakyRelu", {"alpha": 0.2}),
           "hard_sigmoid": ("HardSigmoid", {"alpha": 0.2, "beta": 0.5})}


def activation(g, fn, x: str, name: str, owner: str) -> str:
    """Nodes computing the Keras activation `fn` (a function of chainrule.activations)."""
    key = activations.serialize(fn)
    if key == "linear":
        return x
    if key in _SIMPLE:
        op, attributes = _SIMPLE[key]
        return g.node(op, [x], name, **attributes)
    if key in ("swish", "silu"):
        return _swish(g, x, name)
    if key == "gelu":
        return _gelu(g, x, name)
    raise ValueError(f"ONNX export: layer {owner!r} uses the activation {key!r}, which has no "
                     f"ONNX converter. Expected one of "
                     f"{sorted([*_SIMPLE, 'linear', 'swish', 'silu', 'gelu'])}.")


@converts(layers.Activation)
def _activation_layer(g, layer, inputs, shapes):
    out = activation(g, layer.activation, inputs[0], layer.name, layer.name)
    return out if out != inputs[0] else g.node("Identity", inputs, layer.name)


@converts(layers.Dense)
def _dense(g, layer, inputs, shapes):
    y = g.node("MatMul", [inputs[0], g.weight(f"{layer.name}/kernel", layer.kernel)],
               f"{layer.name}/matmul")
    if layer.use_bias:
        y = g.node("Add", [y, g.weight(f"{layer.name}/bias", layer.bias)], f"{layer.name}/add")
    return activation(g, layer.activation, y, layer.name, layer.name)


@converts(layers.ReLU)
def _relu(g, layer, inputs, shapes):
    if layer.negative_slope:
        y = g.node("LeakyRelu", inputs, f"{layer.name}/leaky", alpha=float(layer.negative_slope))
    else:
        y = g.node("Relu", inputs, f"{layer.name}/relu")
    if layer.max_value is None:
        return y
    return g.node("Min", [y, g.const(f"{layer.name}/max_value", layer.max_value)], layer.name)


@converts(layers.LeakyReLU)
def _leaky_relu(g, layer, inputs, shapes):
    return g.node("LeakyRelu", inputs, layer.name, alpha=float(layer.alpha))


@converts(layers.ELU)
def _elu(g, layer, inputs, shapes):
    return g.node("Elu", inputs, layer.name, alpha=float(layer.alpha))


@converts(layers.PReLU)
def _prelu(g, layer, inputs, shapes):
    return g.node("PRelu", [inputs[0], g.weight(f"{layer.name}/alpha", layer.alpha)], layer.name)


@converts(layers.Softmax)
def _softmax(g, layer, inputs, shapes):
    return g.node("Softmax", inputs, layer.name, axis=int(layer.axis))


@converts(layers.Dropout, layers.SpatialDropout2D, layers.GaussianNoise,
          layers.GaussianDropout, layers.AlphaDropout)
def _identity(g, layer, inputs, shapes):
    """Noise and dropout layers do nothing at inference."""
    return g.node("Identity", inputs, layer.name)


@converts(layers.Rescaling)
def _rescaling(g, layer, inputs, shapes):
    y = g.node("Mul", [inputs[0], g.const(f"{layer.name}/scale", layer.scale)],
               f"{layer.name}/mul")
    return g.node("Add", [y, g.const(f"{layer.name}/offset", layer.offset)], layer.name)


_MERGE_OPS = {layers.Add: "Sum", layers.Average: "Mean", layers.Maximum: "Max",
              layers.Minimum: "Min"}


@converts(*_MERGE_OPS)
def _merge(g, layer, inputs, shapes):
    return g.node(_MERGE_OPS[type(layer)], inputs, layer.name)


@converts(layers.Multiply)
def _multiply(g, layer, inputs, shapes):
    y = inputs[0]
    for index, other in enumerate(inputs[1:]):
        y = g.node("Mul", [y, other], f"{layer.name}/mul{index}" if index < len(inputs) - 2
                   else layer.name)
    return y


@converts(layers.Subtract)
def _subtract(g, layer, inputs, shapes):
    return g.node("Sub", inputs, layer.name)


@converts(layers.Concatenate)
def _concatenate(g, layer, inputs, shapes):
    return g.node("Concat", inputs, layer.name, axis=int(layer.axis))


@converts(layers.Flatten)
def _flatten(g, layer, inputs, shapes):
    return g.node("Flatten", inputs, layer.name, axis=1)   # row-major over (H, W, C): Keras'


@converts(layers.Reshape)
def _reshape(g, layer, inputs, shapes):
    shape = g.ints(f"{layer.name}/shape", [0, *layer.target_shape])    # 0: keep the batch
    return g.node("Reshape", [inputs[0], shape], layer.name)


@converts(layers.Permute)
def _permute(g, layer, inputs, shapes):
    return g.node("Transpose", inputs, layer.name, perm=[0, *layer.dims])


@converts(layers.RepeatVector)
def _repeat_vector(g, layer, inputs, shapes):
    y = g.node("Unsqueeze", [inputs[0], g.ints(f"{layer.name}/axis", [1])],
               f"{layer.name}/unsqueeze")
    return g.node("Tile", [y, g.ints(f"{layer.name}/repeats", [1, layer.n, 1])], layer.name)


@converts(layers.InputLayer)
def _input(g, layer, inputs, shapes):
    return g.node("Identity", inputs, layer.name)



@converts(layers.Embedding)
def _embedding(g, layer, inputs, shapes):
    ids = g.node("Cast", inputs, f"{layer.name}/ids", to=onnx.TensorProto.INT64)
    return g.node("Gather", [g.weight(f"{layer.name}/embeddings", layer.embeddings), ids],
                  layer.name, axis=0)


def _l2_normalize(g, x, axis, name):
    """x / sqrt(max(sum(x^2 along axis), 1e-12)), as tf.math.l2_normalize."""
    squares = g.node("ReduceSumSquare", [x], f"{name}/squares", axes=[axis], keepdims=1)
    floor = g.node("Max", [squares, g.const(f"{name}/epsilon", 1e-12)], f"{name}/floor")
    return g.node("Div", [x, g.node("Sqrt", [floor], f"{name}/norm")], f"{name}/normalized")


@converts(layers.Dot)
def _dot(g, layer, inputs, shapes):
    """As Dot.call: contracted axis last in a, first (after batch) in b, then a batched MatMul."""
    (x, y), (sx, sy) = inputs, shapes
    a, b = layer._positive_axes([sx, sy])
    if layer.normalize:
        x, y = _l2_normalize(g, x, a, f"{layer.name}/a"), _l2_normalize(g, y, b, f"{layer.name}/b")
    rest_x = [d for i, d in enumerate(sx) if i not in (0, a)]
    rest_y = [d for i, d in enumerate(sy) if i not in (0, b)]
    x = g.node("Transpose", [x], f"{layer.name}/a_last",
               perm=[0, *[i for i in range(1, len(sx)) if i != a], a])
    y = g.node("Transpose", [y], f"{layer.name}/b_first",
               perm=[0, b, *[i for i in range(1, len(sy)) if i != b]])
    k = sx[a]
    x = g.node("Reshape", [x, g.ints(f"{layer.name}/a_shape", [0, -1, k])], f"{layer.name}/a3")
    y = g.node("Reshape", [y, g.ints(f"{layer.name}/b_shape", [0, k, -1])], f"{layer.name}/b3")
    z = g.node("MatMul", [x, y], f"{layer.name}/matmul")
    shape = [0, *rest_x, *rest_y] if rest_x or rest_y else [0, 1]
    return g.node("Reshape", [z, g.ints(f"{layer.name}/shape", shape)], layer.name)

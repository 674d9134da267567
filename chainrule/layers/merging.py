"""Layers that join several inputs (for functional models): elementwise Add, Subtract,
Multiply, Average, Maximum, Minimum; Concatenate; Dot. Lower-case helpers build and call one.

Elementwise merges broadcast as Keras does: shapes (without the batch) are aligned from the
right, and an axis of size 1 stretches to the other's size.
"""
from __future__ import annotations

from chainrule import ops
from chainrule.layers.layer import Layer


def _elementwise_shape(a: tuple, b: tuple) -> tuple:
    """Broadcast two shapes (without batch) by Keras' rule, or raise its error."""
    if len(a) < len(b):
        a, b = b, a
    out = list(a[:len(a) - len(b)])
    for i, j in zip(a[len(a) - len(b):], b):
        if i is None or j is None:
            out.append(None)
        elif i == 1 or j == 1 or i == j:
            out.append(j if i == 1 else i)
        else:
            raise ValueError(f"Inputs have incompatible shapes. Received shapes {tuple(a)} and "
                             f"{tuple(b)}")
    return tuple(out)


def _check_list(layer, input_shape) -> None:
    if not isinstance(input_shape, list):
        raise ValueError(f"A merge layer should be called on a list of inputs. Received: "
                         f"input_shape={input_shape} (not a list of shapes)")
    if len(input_shape) < 2:
        raise ValueError(f"A merge layer {layer.name!r} should be called on a list of at "
                         f"least 2 inputs. Got {len(input_shape)} inputs.")


class _Merge(Layer):
    """Checks the list of inputs and folds `merge(a, b)` over it, left to right."""

    def build(self, input_shape):
        _check_list(self, input_shape)
        self.compute_output_shape(input_shape)

    def merge(self, a, b):
        raise NotImplementedError

    def call(self, inputs, training=False):
        total = inputs[0]
        for x in inputs[1:]:
            total = self.merge(total, x)
        return self.finish(total, len(inputs))

    def finish(self, total, count: int):
        return total

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape[0][1:])
        for other in input_shape[1:]:
            shape = _elementwise_shape(shape, tuple(other[1:]))
        return (input_shape[0][0], *shape)


class Add(_Merge):
    """Elementwise sum of a list of inputs."""

    def merge(self, a, b):
        return a + b


class Subtract(_Merge):
    """inputs[0] - inputs[1] (exactly two inputs)."""

    def build(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: input_shape={input_shape}")
        super().build(input_shape)

    def merge(self, a, b):
        return a - b


class Multiply(_Merge):
    """Elementwise product of a list of inputs."""

    def merge(self, a, b):
        return a * b


class Average(_Merge):
    """Elementwise mean of a list of inputs."""

    def merge(self, a, b):
        return a + b

    def finish(self, total, count: int):
        return total * (1.0 / count)


class Maximum(_Merge):
    """Elementwise maximum of a list of inputs (a tie sends the gradient to the first)."""

    def merge(self, a, b):
        return ops.maximum(a, b)


class Minimum(_Merge):
    """Elementwise minimum of a list of inputs: -max(-a, -b)."""

    def merge(self, a, b):
        return -ops.maximum(-a, -b)


class Concatenate(Layer):
    """Joins a list of inputs along `axis` (default: the last, channels)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def build(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) < 2:
            raise ValueError(f"A `Concatenate` layer should be called on a list of at least 2 "
                             f"inputs. Received: input_shape={input_shape!r}")
        rank = len(input_shape[0])
        axis = self.axis % rank if -rank <= self.axis < rank else None
        others = {tuple(d for i, d in enumerate(s) if i not in (0, axis))
                  for s in input_shape if len(s) == rank}
        if axis is None or len(others) > 1 or any(len(s) != rank for s in input_shape):
            raise ValueError(f"A `Concatenate` layer requires inputs with matching shapes except "
                             f"for the concatenation axis. Received: input_shape={input_shape}")

    def call(self, inputs, training=False):
        return ops.concat(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        out = list(input_shape[0])
        sizes = [s[self.axis] for s in input_shape]
        out[self.axis] = None if None in sizes else sum(sizes)
        return tuple(out)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Dot(Layer):
    """Dot product of two samples along `axes`: (batch, n) . (batch, n) -> (batch, 1);
    (batch, m, k) . (batch, k, p) with axes=(2, 1) -> (batch, m, p).

    Args:
        axes: int (the same axis of both) or (axis_a, axis_b); batch is axis 0, not allowed.
        normalize: L2-normalise both along their axes first, giving cosine similarities.

    Output shape: `(batch, *a's other axes, *b's other axes)`, or `(batch, 1)` when none.
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int | list | tuple):
            raise TypeError(f"Invalid type for argument `axes`: it should be a list or an int. "
                            f"Received: axes={axes}")
        if not isinstance(axes, int) and (len(axes) != 2 or
                                          not all(isinstance(a, int) for a in axes)):
            raise ValueError(f"Invalid format for argument `axes`: it should contain two "
                             f"elements. Received: axes={axes}")
        self.axes = list(axes) if isinstance(axes, list | tuple) else axes
        self.normalize = bool(normalize)

    def _positive_axes(self, input_shape) -> tuple[int, int]:
        pair = self.axes if isinstance(self.axes, list) else [self.axes] * 2
        return tuple(a % len(s) for a, s in zip(pair, input_shape))

    def build(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) != 2:
            raise ValueError(f"A `Dot` layer should be called on a list of 2 inputs. Received: "
                             f"input_shape={input_shape}")
        (a, b), (sa, sb) = self._positive_axes(input_shape), input_shape
        if sa[a] is not None and sb[b] is not None and sa[a] != sb[b]:
            raise ValueError(f"Incompatible input shapes: axis values {sa[a]} (at axis {a}) != "
                             f"{sb[b]} (at axis {b}). Full input shapes: {tuple(sa)}, "
                             f"{tuple(sb)}")

    def call(self, inputs, training=False):
        x, y = inputs
        a, b = self._positive_axes([x.shape, y.shape])
        if self.normalize:
            x, y = l2_normalize(x, a), l2_normalize(y, b)
        rest_x = [d for i, d in enumerate(x.shape) if i not in (0, a)]
        rest_y = [d for i, d in enumerate(y.shape) if i not in (0, b)]
        x = ops.transpose(x, (0, *[i for i in range(1, x.ndim) if i != a], a))
        y = ops.transpose(y, (0, b, *[i for i in range(1, y.ndim) if i != b]))
        n, k = x.shape[0], x.shape[-1]
        z = ops.matmul(ops.reshape(x, (n, -1, k)), ops.reshape(y, (n, k, -1)))
        return ops.reshape(z, (n, *rest_x, *rest_y) if rest_x or rest_y else (n, 1))

    def compute_output_shape(self, input_shape):
        a, b = self._positive_axes(input_shape)
        rest = [d for i, d in enumerate(input_shape[0]) if i not in (0, a)] + \
               [d for i, d in enumerate(input_shape[1]) if i not in (0, b)]
        return (input_shape[0][0], *(rest or [1]))

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def l2_normalize(x, axis: int, epsilon: float = 1e-12):
    """x / sqrt(max(sum(x^2 along axis), epsilon)), as tf.math.l2_normalize."""
    squares = ops.sum(x * x, axis=axis, keepdims=True)
    return x / ops.sqrt(ops.maximum(squares, epsilon))


def add(inputs, **kwargs):
    """Functional interface to `Add`: `add([a, b])`."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional interface to `Subtract`."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional interface to `Multiply`."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional interface to `Average`."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional interface to `Maximum`."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional interface to `Minimum`."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional interface to `Concatenate`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    """Functional interface to `Dot`."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)

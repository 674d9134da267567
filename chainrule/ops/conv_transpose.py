"""Transposed 2-D convolution ("deconvolution"): conv2d's input gradient, used as a layer.

Where conv2d gathers a window of input pixels into one output pixel, the transpose scatters
one input pixel into a window of output pixels: input pixel (i, j) adds `x[n, i, j] @ w[a, b].T`
to output pixel (i*s + a*d - top, j*s + b*d - left) for every kernel tap (a, b). Written per
tap, that is kh*kw strided slices of the output, each receiving one matrix product. Backward
walks the same taps: the input gradient gathers `gy @ w[a, b]` from the slices, and the kernel
gradient is each slice's `gy` against `x`. Kernels are Keras' (kh, kw, filters, in_channels).
"""
from __future__ import annotations

from chainrule.autodiff.function import Function
from chainrule.backend import get_array_module

OP = "conv2d_transpose"


def _pair(value, name: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int) and v > 0 for v in pair):
        raise ValueError(f"{OP}: `{name}` must be a positive int or a pair of them. "
                         f"Received: {name}={value!r}")
    return pair


def deconv_output_length(n: int, k: int, stride: int, padding: str, output_padding=None,
                         dilation: int = 1) -> int:
    """Keras' output length of a transposed convolution along one axis.

    With dk = (k - 1) * dilation + 1 and no `output_padding`: 'valid' n*s + max(dk - s, 0),
    'same' n*s. With `output_padding` p: (n - 1)*s + dk - 2*pad + p, pad = dk // 2 for 'same'
    and 0 for 'valid'.
    """
    dk = (k - 1) * dilation + 1
    if output_padding is None:
        return n * stride + (max(dk - stride, 0) if padding == "valid" else 0)
    pad = dk // 2 if padding == "same" else 0
    return (n - 1) * stride + dk - 2 * pad + output_padding


def _crop_before(n: int, k: int, stride: int, padding: str, out: int, dilation: int) -> int:
    """Rows the 'same' rule cuts from the top (left) of the full scatter, as TensorFlow does."""
    if padding == "valid":
        return 0
    return max((n - 1) * stride + (k - 1) * dilation + 1 - out, 0) // 2


class Conv2DTranspose(Function):
    """y[n, i*s + a*d - top, j*s + b*d - left, f] += sum_c x[n, i, j, c] * w[a, b, f, c]."""

    def __init__(self, strides, dilation_rate, crop: tuple[int, int], out_size: tuple[int, int]):
        self.strides, self.dilation = strides, dilation_rate
        self.crop, self.out_size = crop, out_size

    def _taps(self, kernel, h: int, w: int):
        """(a, b, slice of the full output that tap (a, b) writes) for every kernel tap."""
        (sh, sw), (dh, dw) = self.strides, self.dilation
        for a in range(kernel.shape[0]):
            for b in range(kernel.shape[1]):
                rows = slice(a * dh, a * dh + (h - 1) * sh + 1, sh)
                cols = slice(b * dw, b * dw + (w - 1) * sw + 1, sw)
                yield a, b, (slice(None), rows, cols)

    def _full_shape(self, x, kernel) -> tuple[int, ...]:
        n, h, w, _ = x.shape
        full = [max((size - 1) * s + (k - 1) * d + 1, top + out) for size, k, s, d, top, out in
                zip((h, w), kernel.shape[:2], self.strides, self.dilation, self.crop,
                    self.out_size)]
        return (n, *full, kernel.shape[2])

    def forward(self, x, kernel):
        xp = get_array_module(x)
        self.x, self.kernel = x, kernel
        self.full_shape = self._full_shape(x, kernel)
        full = xp.zeros(self.full_shape, dtype=x.dtype)
        for a, b, where in self._taps(kernel, *x.shape[1:3]):
            full[where] += x @ kernel[a, b].T            # scatter: (.., c) @ (c, f)
        return full[self._visible()]

    def _visible(self):
        (top, left), (oh, ow) = self.crop, self.out_size
        return slice(None), slice(top, top + oh), slice(left, left + ow)

    def backward(self, gy):
        xp = get_array_module(gy)
        gfull = xp.zeros(self.full_shape, dtype=gy.dtype)
        gfull[self._visible()] = gy
        gx = xp.zeros_like(self.x)
        gk = xp.zeros_like(self.kernel)
        for a, b, where in self._taps(self.kernel, *self.x.shape[1:3]):
            g = gfull[where]
            gx += g @ self.kernel[a, b]                  # gather: (.., f) @ (f, c)
            gk[a, b] = xp.tensordot(g, self.x, axes=([0, 1, 2], [0, 1, 2]))  # (f, c)
        return gx, gk


def conv2d_transpose(x, kernel, bias=None, strides=1, padding: str = "valid",
                     output_padding=None, dilation_rate=1):
    """Transposed convolution of NHWC `x` with a (kh, kw, filters, in_channels) kernel.

    Args:
        x: input of shape (batch, height, width, in_channels).
        kernel: weights of shape (kernel_h, kernel_w, filters, in_channels).
        bias: optional (filters,) vector.
        strides: int or pair; how far apart input pixels land in the output.
        padding: 'valid' or 'same' (output n * stride, cropped as TensorFlow does).
        output_padding: None, int or pair; extra rows/columns (each < its stride).
        dilation_rate: int or pair; spacing between kernel taps.

    Returns:
        Tensor (batch, out_h, out_w, filters), sizes from `deconv_output_length`.

    >>> import numpy as np
    >>> conv2d_transpose(np.ones((1, 3, 3, 2)), np.ones((3, 3, 4, 2)), strides=2,
    ...                  padding="same").shape
    (1, 6, 6, 4)
    """
    padding = padding.lower() if isinstance(padding, str) else padding
    if padding not in ("valid", "same"):
        raise ValueError(f"{OP}: `padding` must be 'valid' or 'same'. Received: "
                         f"padding={padding!r}")
    strides, dilation = _pair(strides, "strides"), _pair(dilation_rate, "dilation_rate")
    extra = (None, None) if output_padding is None else \
        ((output_padding,) * 2 if isinstance(output_padding, int) else tuple(output_padding))
    _check_shapes(x.shape, kernel.shape)
    sizes = x.shape[1:3]
    out = tuple(deconv_output_length(n, k, s, padding, p, d) for n, k, s, p, d in
                zip(sizes, kernel.shape[:2], strides, extra, dilation))
    crop = tuple(_crop_before(n, k, s, padding, o, d) for n, k, s, o, d in
                 zip(sizes, kernel.shape[:2], strides, out, dilation))
    y = Conv2DTranspose(strides, dilation, crop, out)(x, kernel)
    return y if bias is None else y + bias


def _check_shapes(x_shape, kernel_shape) -> None:
    if len(x_shape) != 4 or len(kernel_shape) != 4 or x_shape[3] != kernel_shape[3]:
        raise ValueError(
            f"{OP}: expected x of shape (batch, h, w, in_channels) and a kernel of shape "
            f"(kh, kw, filters, in_channels) with matching in_channels. Received "
            f"x.shape={tuple(x_shape)}, kernel.shape={tuple(kernel_shape)}.")

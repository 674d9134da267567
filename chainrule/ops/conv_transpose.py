"""Transposed 2-D convolution ("deconvolution"): conv2d's input gradient, used as a layer.

Where conv2d gathers a window of input pixels into one output pixel, the transpose scatters
one input pixel into a window of output pixels: input pixel (i, j) adds `x[n, i, j] @ w[a, b].T`
to output pixel (i*s + a*d - top, j*s + b*d - left) for every kernel tap (a, b). One matrix
product gives every tap's share at once; each tap's share is then added into its strided slice
of the output. Backward gathers the upstream gradient from the same slices (conv2d's im2col)
and needs two matrix products: against the kernel for the input gradient, against the input
for the kernel gradient. Kernels are Keras' (kh, kw, filters, in_channels).
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

    def _taps(self, kh: int, kw: int, h: int, w: int):
        """For each kernel tap (a, b) in row-major order: the slice of the full output it
        writes, pixel (i, j) of the input landing on (i*s + a*d, j*s + b*d)."""
        (sh, sw), (dh, dw) = self.strides, self.dilation
        return [(slice(None), slice(a * dh, a * dh + (h - 1) * sh + 1, sh),
                 slice(b * dw, b * dw + (w - 1) * sw + 1, sw))
                for a in range(kh) for b in range(kw)]

    def forward(self, x, kernel):
        xp = get_array_module(x)
        (n, h, w, c), (kh, kw, f, _) = x.shape, kernel.shape
        self.x, self.kernel = x, kernel
        self.full_shape = (n, *(max((size - 1) * s + (k - 1) * d + 1, top + out)
                                for size, k, s, d, top, out in
                                zip((h, w), (kh, kw), self.strides, self.dilation, self.crop,
                                    self.out_size)), f)
        per_tap = x.reshape(-1, c) @ _taps_by_channel(kernel)   # (n*h*w, taps * f): one GEMM
        per_tap = per_tap.reshape(n, h, w, kh * kw, f)
        full = xp.zeros(self.full_shape, dtype=x.dtype)
        for t, where in enumerate(self._taps(kh, kw, h, w)):
            full[where] += per_tap[:, :, :, t]                  # scatter each tap's share
        return full[self._visible()]

    def _visible(self):
        (top, left), (oh, ow) = self.crop, self.out_size
        return slice(None), slice(top, top + oh), slice(left, left + ow)

    def backward(self, gy):
        xp = get_array_module(gy)
        (n, h, w, c), (kh, kw, f, _) = self.x.shape, self.kernel.shape
        gfull = xp.zeros(self.full_shape, dtype=gy.dtype)
        gfull[self._visible()] = gy
        taps = self._taps(kh, kw, h, w)                         # gather what each tap wrote
        g = xp.stack([gfull[where] for where in taps], axis=3).reshape(-1, kh * kw * f)
        gx = g @ _taps_by_channel(self.kernel).T                # (n*h*w, c)
        gk = self.x.reshape(-1, c).T @ g                        # (c, taps * f)
        gk = gk.reshape(c, kh, kw, f).transpose(1, 2, 3, 0)
        return gx.reshape(self.x.shape), xp.ascontiguousarray(gk)


def _taps_by_channel(kernel):
    """(kh, kw, f, c) kernel -> (c, kh*kw*f) matrix: input channel -> every tap's filters."""
    kh, kw, f, c = kernel.shape
    return kernel.reshape(kh * kw * f, c).T


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

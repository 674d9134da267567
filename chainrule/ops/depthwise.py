"""Depthwise 2-D convolution: each input channel meets only its own `depth_multiplier` filters.

With no mixing across channels there is no matrix product to hand to BLAS. Instead, for each
of the kh*kw kernel offsets, the input pixels that offset touches form one strided slice of
shape (batch, OH, OW, C); that slice times the kernel row w[a, b] (C, M), broadcast over the
pixels, is added to the output. Backward walks the same offsets. Output channel c*M + m is
input channel c's m-th filter, TensorFlow's order, so Keras kernels and biases fit as they are.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from chainrule.autodiff.function import Function
from chainrule.autodiff.tensor import Tensor
from chainrule.backend import get_array_module
from chainrule.ops.conv import (conv_output_length, normalize_padding, normalize_tuple,
                                same_padding, window)
from chainrule.runtime.batch import batch_chunks

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

OP = "depthwise_conv2d"


class DepthwiseConv2D(Function):
    """y[n, i, j, c*M + m] = sum_{a,b} x_pad[n, i*sh + a*dh, j*sw + b*dw, c] * w[a, b, c, m]."""

    def __init__(self, strides=1, padding: str = "valid", dilation_rate=1):
        self.strides = normalize_tuple(strides, "strides", OP)
        self.padding = normalize_padding(padding, OP)
        self.dilation = normalize_tuple(dilation_rate, "dilation_rate", OP)

    def forward(self, x, kernel, bias=None):
        self._setup(x, kernel, bias)
        xp = get_array_module(x)
        padded, (kh, kw, c, m) = self._pad(x), kernel.shape
        out = xp.zeros((x.shape[0], self.oh, self.ow, c, m), self.dtype)
        term = xp.empty((self.chunk, self.oh, self.ow, c, m), self.dtype)   # reused buffer
        for lo, hi in self.chunks:               # a few images at a time, so out stays in cache
            for a, b, rows, cols in self._offsets(kh, kw):
                out[lo:hi] += xp.multiply(padded[lo:hi, rows, cols, :, None], kernel[a, b],
                                          out=term[:hi - lo])
        out = out.reshape(*out.shape[:3], c * m)
        if bias is not None:
            out += bias
        self.x, self.kernel, self.has_bias = x, kernel, bias is not None
        return out

    def backward(self, gy):
        xp = get_array_module(gy)
        kh, kw, c, m = self.kernel.shape
        gy5 = gy.reshape(*gy.shape[:3], c, m).astype(self.dtype, copy=False)
        padded = self._pad(self.x)
        gpad = xp.zeros(padded.shape, self.dtype) if self._wants(0) else None
        gk = xp.zeros(self.kernel.shape, self.dtype)
        for lo, hi in self.chunks:
            g = gy5[lo:hi]
            for a, b, rows, cols in self._offsets(kh, kw):
                gk[a, b] += xp.einsum("nijc,nijcm->cm", padded[lo:hi, rows, cols, :], g)  # x gy
                if gpad is not None:                                                    # w gy
                    gpad[lo:hi, rows, cols, :] += xp.einsum("nijcm,cm->nijc", g, self.kernel[a, b])
        gx = None if gpad is None else self._crop(gpad)
        gk = gk.astype(self.kernel.dtype, copy=False)
        return (gx, gk, gy.sum(axis=(0, 1, 2))) if self.has_bias else (gx, gk)

    def _setup(self, x, kernel, bias) -> None:
        """Validate shapes; fix output size, padding, dtype and batch chunks."""
        _check_shapes(x, kernel, bias)
        xp = get_array_module(x)
        (_, h, w, _), (kh, kw) = x.shape, kernel.shape[:2]
        self.dtype = xp.result_type(x.dtype, kernel.dtype)
        self.oh, self.ow = self._out_len(h, kh, 0), self._out_len(w, kw, 1)
        if self.oh <= 0 or self.ow <= 0:
            raise ValueError(
                f"{OP}: input {(h, w)} is smaller than the dilated kernel with padding='valid'. "
                f"Received x.shape={x.shape}, kernel.shape={kernel.shape}, "
                f"dilation_rate={self.dilation}. Use padding='same' or a larger input.")
        self.pads = self._pads(h, kh, 0) + self._pads(w, kw, 1)
        image_bytes = self.oh * self.ow * kernel.shape[2] * kernel.shape[3] * self.dtype.itemsize
        self.chunks = batch_chunks(x.shape[0], image_bytes)
        self.chunk = max((hi - lo for lo, hi in self.chunks), default=0)

    def _out_len(self, n: int, k: int, axis: int) -> int:
        return conv_output_length(n, k, self.strides[axis], self.padding, self.dilation[axis])

    def _pads(self, n: int, k: int, axis: int) -> tuple[int, int]:
        if self.padding == "valid":
            return 0, 0
        return same_padding(n, k, self.strides[axis], self.dilation[axis])

    def _pad(self, x):
        top, bottom, left, right = self.pads
        if not any(self.pads):
            return x
        return get_array_module(x).pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))

    def _crop(self, gpad):
        top, _, left, _ = self.pads
        h, w = self.x.shape[1:3]
        return gpad[:, top:top + h, left:left + w, :]

    def _offsets(self, kh: int, kw: int):
        """(a, b, rows, cols): each kernel offset and the input pixels it meets, as slices."""
        (sh, sw), (dh, dw) = self.strides, self.dilation
        for a in range(kh):
            for b in range(kw):
                yield a, b, window(a, sh, self.oh, dh), window(b, sw, self.ow, dw)

    def _wants(self, k: int) -> bool:
        """Does input k need a gradient? Skip the input gradient of a constant image batch."""
        return k >= len(self.inputs) or self.inputs[k].requires_grad


def _check_shapes(x, kernel, bias) -> None:
    """ValueError naming the shapes when x, kernel and bias do not fit together."""
    if x.ndim != 4 or kernel.ndim != 4:
        raise ValueError(
            f"{OP} expects x of rank 4 (batch, height, width, channels) and kernel of rank 4 "
            f"(kernel_h, kernel_w, in_channels, depth_multiplier). "
            f"Received x.shape={x.shape}, kernel.shape={kernel.shape}.")
    if kernel.shape[2] != x.shape[3]:
        raise ValueError(
            f"{OP}: kernel in_channels must equal the input's channels. Received "
            f"x.shape={x.shape} ({x.shape[3]} channels) and kernel.shape={kernel.shape} "
            f"({kernel.shape[2]} in_channels). The kernel is (kh, kw, in, depth_multiplier).")
    out_channels = kernel.shape[2] * kernel.shape[3]
    if bias is not None and bias.shape != (out_channels,):
        raise ValueError(
            f"{OP}: bias must have shape (in_channels * depth_multiplier,) = ({out_channels},)."
            f" Received bias.shape={bias.shape}, kernel.shape={kernel.shape}.")


def depthwise_conv2d(x: Tensor | ArrayLike, kernel: Tensor | ArrayLike,
                     bias: Tensor | ArrayLike | None = None, strides=1, padding: str = "valid",
                     dilation_rate=1) -> Tensor:
    """Depthwise 2-D convolution of NHWC `x`: channel c is filtered by kernel[:, :, c, :] only.

    Args:
        x: input of shape (batch, height, width, in_channels).
        kernel: weights of shape (kernel_h, kernel_w, in_channels, depth_multiplier).
        bias: optional (in_channels * depth_multiplier,) vector; None adds nothing.
        strides: int or (rows, cols) step between windows.
        padding: 'valid' (no padding) or 'same' (zeros so the output is ceil(n / stride)).
        dilation_rate: int or (rows, cols) spacing between kernel taps.

    Returns:
        Tensor of shape (batch, out_h, out_w, in_channels * depth_multiplier), where output
        channel c * depth_multiplier + m is input channel c's m-th filter; out_h and out_w
        as in `conv_output_length`.

    >>> import numpy as np
    >>> depthwise_conv2d(np.ones((1, 5, 5, 3)), np.ones((3, 3, 3, 2)), strides=2).shape
    (1, 2, 2, 6)
    """
    fn = DepthwiseConv2D(strides, padding, dilation_rate)
    return fn(x, kernel) if bias is None else fn(x, kernel, bias)

"""Depthwise 2-D convolution: each input channel meets only its own `depth_multiplier` filters.

With no mixing across channels there is no matrix product to hand to BLAS. Instead, for each
of the kh*kw kernel offsets, the input pixels that offset touches form one strided slice of
shape (batch, OH, OW, C); that slice times the kernel row w[a, b] (C, M), broadcast over the
pixels, is added to the output. Backward walks the same offsets. Output channel c*M + m is
input channel c's m-th filter, TensorFlow's order, so Keras kernels and biases fit as they are.
The batch is worked a few images at a time on the op threads (`runtime.batch.Batch`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from chainrule.autodiff.function import Function
from chainrule.autodiff.tensor import Tensor
from chainrule.backend import get_array_module
from chainrule.ops.windows import Windows, normalize_padding, normalize_tuple
from chainrule.runtime.batch import Batch

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

OP = "depthwise_conv2d"


class DepthwiseConv2DOp(Function):
    """y[n, i, j, c*M + m] = sum_{a,b} x_pad[n, i*sh + a*dh, j*sw + b*dw, c] * w[a, b, c, m].

    Per kernel offset (a, b) with input slice X_ab: y += X_ab w[a, b], so
    dL/dw[a, b] = sum over pixels of X_ab gy, and dL/dX_ab = gy w[a, b] summed over m.
    """

    def __init__(self, strides=1, padding: str = "valid", dilation_rate=1):
        self.strides = normalize_tuple(strides, "strides", OP)
        self.padding = normalize_padding(padding, OP)
        self.dilation = normalize_tuple(dilation_rate, "dilation_rate", OP)

    def forward(self, x, kernel, bias=None):
        xp, batch = get_array_module(x), self._setup(x, kernel, bias)
        padded, (_, _, c, m) = self.win.pad(xp, x), kernel.shape
        y = batch.empty((len(x), self.win.oh, self.win.ow, c, m), self.dtype)

        def chunk(lo, hi, term):                 # term: this thread's product buffer
            y[lo:hi] = 0
            for a, b, rows, cols in self.win.offsets():
                y[lo:hi] += xp.multiply(padded[lo:hi, rows, cols, :, None], kernel[a, b],
                                        out=term[:hi - lo])

        batch.run(chunk, y.shape[1:], self.dtype)
        y = y.reshape(*y.shape[:3], c * m)
        if bias is not None:
            y += bias
        self.x, self.kernel, self.has_bias = x, kernel, bias is not None
        return y

    def backward(self, gy):
        xp, (_, _, c, m) = get_array_module(gy), self.kernel.shape
        gy5 = gy.reshape(*gy.shape[:3], c, m).astype(self.dtype, copy=False)
        padded = self.win.pad(xp, self.x)
        gpad = xp.zeros(padded.shape, self.dtype) if self._wants(0) else None

        def chunk(lo, hi, _):
            g, gk = gy5[lo:hi], xp.zeros(self.kernel.shape, self.dtype)
            for a, b, rows, cols in self.win.offsets():
                x_ab = padded[lo:hi, rows, cols, :]
                gk[a, b] += xp.einsum("nijc,nijcm->cm", x_ab, g)                  # X_ab gy
                if gpad is not None:                                            # gy w[a, b]
                    gpad[lo:hi, rows, cols, :] += xp.einsum("nijcm,cm->nijc", g, self.kernel[a, b])
            return gk

        gk = self.batch.add(xp.zeros(self.kernel.shape, self.dtype), self.batch.run(chunk))
        gx = None if gpad is None else self.win.crop(gpad, *self.x.shape[1:3])
        gk = gk.astype(self.kernel.dtype, copy=False)
        return (gx, gk, gy.sum(axis=(0, 1, 2))) if self.has_bias else (gx, gk)

    def _setup(self, x, kernel, bias) -> Batch:
        """Validate shapes; fix the windows, the dtype and how the batch is worked."""
        _check_shapes(x, kernel, bias)
        xp = get_array_module(x)
        (_, h, w, _), (kh, kw, c, m) = x.shape, kernel.shape
        self.dtype = xp.result_type(x.dtype, kernel.dtype)
        self.win = Windows.over(h, w, (kh, kw), self.strides, self.padding, self.dilation)
        if self.win.oh <= 0 or self.win.ow <= 0:
            raise ValueError(
                f"{OP}: input {(h, w)} is smaller than the dilated kernel with padding='valid'. "
                f"Received x.shape={x.shape}, kernel.shape={kernel.shape}, "
                f"dilation_rate={self.dilation}. Use padding='same' or a larger input.")
        image_bytes = self.win.oh * self.win.ow * c * m * self.dtype.itemsize
        self.batch = Batch(xp, len(x), image_bytes)
        return self.batch

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
    fn = DepthwiseConv2DOp(strides, padding, dilation_rate)
    return fn(x, kernel) if bias is None else fn(x, kernel, bias)

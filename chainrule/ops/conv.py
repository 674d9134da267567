"""2-D convolution, NHWC input and HWIO kernel, as im2col + one matrix product per batch chunk.

Every output pixel is a window of the input dotted with the kernel, so with the windows laid
out as rows (`im2col`) the whole convolution is one matrix product, and its gradients are two
more. The batch is worked a few images at a time (`runtime.batch.Batch`: chunks, threads,
pooled buffers, compiled loops): the patch buffer stays cache-sized and is reused, and
backward rebuilds the patches per chunk instead of keeping them alive between the passes.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from chainrule.autodiff.function import Function
from chainrule.autodiff.tensor import Tensor
from chainrule.backend import get_array_module
from chainrule.ops.im2col import col2im, im2col, rows
from chainrule.ops.windows import (Windows, conv_output_length, normalize_padding,
                                   normalize_tuple, same_padding)
from chainrule.runtime.batch import Batch

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

LOOPS = "chainrule.ops.numba_kernels"  # compiled im2col, col2im and max-pool (Numba), optional
__all__ = ["Conv2DOp", "conv2d", "conv_output_length", "same_padding"]


class Conv2DOp(Function):
    """y[n, i, j, o] = sum_{a,b,c} x_pad[n, i*sh + a*dh, j*sw + b*dw, c] * w[a, b, c, o] + b[o].

    With P = im2col(x) (one row per output pixel) and W the kernel as (kh*kw*C, out):
    y = P W + b, so dL/dW = P^T gy, dL/dP = gy W^T (added back by col2im), dL/db = sum gy.
    """

    def __init__(self, strides=1, padding: str = "valid", dilation_rate=1):
        self.strides = normalize_tuple(strides, "strides", "conv2d")
        self.padding = normalize_padding(padding)
        self.dilation = normalize_tuple(dilation_rate, "dilation_rate", "conv2d")

    def forward(self, x, kernel, bias=None):
        xp, batch = get_array_module(x), self._setup(x, kernel, bias)
        y = batch.empty((len(x), self.win.oh, self.win.ow, self.cout), self.dtype)
        w = kernel.reshape(-1, self.cout).astype(self.dtype, copy=False)

        def chunk(lo, hi, scratch):
            y2d = y[lo:hi].reshape(-1, self.cout)          # a view: y[lo:hi] is contiguous
            xp.matmul(im2col(x[lo:hi], scratch, self.win, batch.fast), w, out=y2d)  # y = P W
            if bias is not None:
                y2d += bias                                # while the chunk is still in cache

        batch.run(chunk, self.patch_shape, self.dtype)
        self.x, self.kernel, self.has_bias = x, kernel, bias is not None
        return y

    def backward(self, gy):
        xp, batch, win = get_array_module(gy), self.batch, self.win
        gy = xp.ascontiguousarray(gy, dtype=self.dtype)
        want_x, want_w = self._wants(0), self._wants(1)
        gx = batch.empty(self.x.shape, self.dtype) if want_x else None
        w = self.kernel.reshape(-1, self.cout).astype(self.dtype, copy=False)

        def chunk(lo, hi, scratch):
            gy2d = gy[lo:hi].reshape(-1, self.cout)
            gw = im2col(self.x[lo:hi], scratch, win, batch.fast).T @ gy2d if want_w else None
            if want_x:                                     # dL/dP = gy W^T, added back to x
                col2im(xp.matmul(gy2d, w.T, out=rows(scratch, hi - lo)), gx[lo:hi], win,
                       batch.fast)
            return gy2d.sum(axis=0), gw                    # dL/db: gy summed over pixels

        parts = batch.run(chunk, self.patch_shape, self.dtype)
        gb = batch.add(xp.zeros(self.cout, self.dtype), [b for b, _ in parts])
        gw = None
        if want_w:
            gw = batch.add(xp.zeros((w.shape[0], self.cout), self.dtype), [g for _, g in parts])
            gw = gw.reshape(self.kernel.shape).astype(self.kernel.dtype, copy=False)
        return (gx, gw, gb) if self.has_bias else (gx, gw)

    def _setup(self, x, kernel, bias) -> Batch:
        """Validate shapes; fix the windows, the dtype and how the batch is worked."""
        _check_shapes(x, kernel, bias)
        xp = get_array_module(x)
        (n, h, w, c), (kh, kw, _, self.cout) = x.shape, kernel.shape
        self.dtype = xp.result_type(x.dtype, kernel.dtype)
        self.win = Windows.over(h, w, (kh, kw), self.strides, self.padding, self.dilation)
        if self.win.oh <= 0 or self.win.ow <= 0:
            raise ValueError(
                f"conv2d: input {(h, w)} is smaller than the dilated kernel with padding='valid'. "
                f"Received x.shape={x.shape}, kernel.shape={kernel.shape}, "
                f"dilation_rate={self.dilation}. Use padding='same' or a larger input."
            )
        self.patch_shape = (self.win.oh, self.win.ow, kh, kw, c)       # one image's patches
        image_bytes = self.win.oh * self.win.ow * kh * kw * c * self.dtype.itemsize
        self.batch = Batch(xp, n, image_bytes, LOOPS)
        return self.batch

    def _wants(self, k: int) -> bool:
        """Does input k need a gradient? conv1's x (the images) does not: skip its col2im."""
        return k >= len(self.inputs) or self.inputs[k].requires_grad


def _check_shapes(x, kernel, bias) -> None:
    """ValueError naming both shapes when x, kernel and bias do not fit together."""
    if x.ndim != 4 or kernel.ndim != 4:
        raise ValueError(
            "conv2d expects x of rank 4 (batch, height, width, channels) and kernel of rank 4 "
            f"(kernel_h, kernel_w, in_channels, out_channels). "
            f"Received x.shape={x.shape}, kernel.shape={kernel.shape}."
        )
    if kernel.shape[2] != x.shape[3]:
        raise ValueError(
            f"conv2d: kernel in_channels must equal the input's channels. Received "
            f"x.shape={x.shape} ({x.shape[3]} channels) and kernel.shape={kernel.shape} "
            f"({kernel.shape[2]} in_channels). Is the kernel HWIO and the input channels-last?"
        )
    if bias is not None and bias.shape != (kernel.shape[3],):
        raise ValueError(
            f"conv2d: bias must have shape (out_channels,) = ({kernel.shape[3]},). "
            f"Received bias.shape={bias.shape}, kernel.shape={kernel.shape}."
        )


def conv2d(x: Tensor | ArrayLike, kernel: Tensor | ArrayLike,
           bias: Tensor | ArrayLike | None = None, strides=1, padding: str = "valid",
           dilation_rate=1) -> Tensor:
    """2-D convolution (cross-correlation, as in Keras) of NHWC `x` with an HWIO `kernel`.

    Args:
        x: input of shape (batch, height, width, in_channels).
        kernel: weights of shape (kernel_h, kernel_w, in_channels, out_channels).
        bias: optional (out_channels,) vector; None adds nothing.
        strides: int or (rows, cols) step between windows.
        padding: 'valid' (no padding) or 'same' (zeros so the output is ceil(n / stride)).
        dilation_rate: int or (rows, cols) spacing between kernel taps.

    Returns:
        Tensor of shape (batch, out_h, out_w, out_channels); see `conv_output_length`.

    >>> import numpy as np
    >>> conv2d(np.ones((1, 6, 6, 1)), np.ones((3, 3, 1, 2))).shape
    (1, 4, 4, 2)
    """
    fn = Conv2DOp(strides, padding, dilation_rate)
    return fn(x, kernel) if bias is None else fn(x, kernel, bias)

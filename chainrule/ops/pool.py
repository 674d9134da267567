"""2-D max and average pooling over NHWC inputs, built from pool_h*pool_w strided slices.

Each window offset (a, b) picks, for every output pixel at once, the input pixel at that
offset: one strided slice. Forward combines the pool_h*pool_w slices with `maximum` or `+`;
backward writes (or, when windows overlap, adds) the gradient back one slice per offset.
No per-pixel loops and no scatter-add. Chunks of the batch run on `config.op_threads()`
threads.

'same' padding follows TensorFlow: output ceil(n / stride), an odd extra pad after. Max
pooling pads with -inf, so padding never wins. Average pooling divides each window by the
number of real (non-padded) pixels in it, as TF and Keras do: a 2x2 window hanging over the
border of a 3x3 input averages 2 values, not 2 values and 2 zeros.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from chainrule.autodiff.function import Function
from chainrule.autodiff.tensor import Tensor
from chainrule.backend import get_array_module
from chainrule.ops.conv import (LOOPS, conv_output_length, normalize_padding, normalize_tuple,
                                same_padding, window)
from chainrule.runtime import buffers
from chainrule.runtime.batch import batch_chunks
from chainrule.runtime.kernels import compiled
from chainrule.runtime.threads import map_chunks

if TYPE_CHECKING:
    from numpy.typing import ArrayLike


class _Pool2D(Function):
    """Window geometry shared by max and average pooling."""

    op = "pool2d"

    def __init__(self, pool_size=2, strides=None, padding: str = "valid"):
        self.pool = normalize_tuple(pool_size, "pool_size", self.op)
        strides = pool_size if strides is None else strides   # Keras: strides default to pool_size
        self.strides = normalize_tuple(strides, "strides", self.op)
        self.padding = normalize_padding(padding, self.op)

    def _setup(self, x) -> None:
        """Validate x; fix the output size and the (top, bottom, left, right) padding."""
        if x.ndim != 4:
            raise ValueError(
                f"{self.op} expects x of rank 4 (batch, height, width, channels). "
                f"Received x.shape={x.shape}."
            )
        (h, w), (ph, pw), (sh, sw) = x.shape[1:3], self.pool, self.strides
        self.oh = conv_output_length(h, ph, sh, self.padding)
        self.ow = conv_output_length(w, pw, sw, self.padding)
        if self.oh <= 0 or self.ow <= 0:
            raise ValueError(
                f"{self.op}: input {(h, w)} is smaller than pool_size={self.pool} with "
                f"padding='valid'. Received x.shape={x.shape}. Use padding='same'."
            )
        same = self.padding == "same"
        self.pads = same_padding(h, ph, sh) + same_padding(w, pw, sw) if same else (0,) * 4
        self.x_shape = x.shape

    def _padded(self, x, value: float):
        """x with this op's padding filled with `value` (x itself when there is none)."""
        if not any(self.pads):
            return x
        top, bottom, left, right = self.pads
        widths = ((0, 0), (top, bottom), (left, right), (0, 0))
        return get_array_module(x).pad(x, widths, constant_values=value)

    def _unpadded(self, g):
        """Crop a gradient of the padded input back to the input's shape."""
        if not any(self.pads):
            return g
        top, _, left, _ = self.pads
        h, w = self.x_shape[1:3]
        return get_array_module(g).ascontiguousarray(g[:, top:top + h, left:left + w, :])

    def _offsets(self):
        """(a, b, index): each window offset and the input pixels it meets, as a slice tuple."""
        for a in range(self.pool[0]):
            for b in range(self.pool[1]):
                rows = window(a, self.strides[0], self.oh)
                cols = window(b, self.strides[1], self.ow)
                yield a, b, (slice(None), rows, cols, slice(None))

    def _tiles(self) -> bool:
        """Windows tile the input without overlap or padding: every pixel has <= 1 window."""
        return self.pool == self.strides and not any(self.pads)

    def _pool(self, xpad, combine):
        """Output of folding each window with `combine` (maximum or add), chunk by chunk."""
        xp = get_array_module(xpad)
        y = buffers.empty((xpad.shape[0], self.oh, self.ow, xpad.shape[3]), xpad.dtype, xp)

        def chunk(lo, hi, _):
            x, out = xpad[lo:hi], y[lo:hi]
            offsets = self._offsets()
            out[...] = x[next(offsets)[2]]
            for _, _, index in offsets:
                combine(out, x[index], out=out)

        map_chunks(chunk, batch_chunks(len(xpad), xpad[0].nbytes))
        return y

    def _grad_buffer(self, xp, dtype):
        """Input gradient (padded) to fill: when windows tile, backward writes each pixel once.

        Then only the rows and columns past the last window (h % ph, w % pw) need zeros.
        """
        if not self._tiles():
            return xp.zeros(self._padded_shape(), dtype)
        gx = buffers.empty(self.x_shape, dtype, xp)
        gx[:, self.oh * self.pool[0]:] = 0
        gx[:, :, self.ow * self.pool[1]:] = 0
        return gx

    def _padded_shape(self) -> tuple[int, int, int, int]:
        n, h, w, c = self.x_shape
        top, bottom, left, right = self.pads
        return n, h + top + bottom, w + left + right, c


class MaxPool2D(_Pool2D):
    """y = max over each window. The gradient goes to the window's first maximum only.

    Ties (common after ReLU: a window of zeros) are broken like TensorFlow's CPU kernel: the
    first maximum in row-major window order gets the whole gradient, so the total gradient
    is preserved instead of being copied to every tied pixel.
    """

    op = "max_pool2d"

    def forward(self, x):
        self._setup(x)
        xp = get_array_module(x)
        self.fast = compiled(xp, LOOPS)
        if self.fast:
            return self._compiled_forward(xp.ascontiguousarray(x))
        self.xpad = self._padded(x, -xp.inf)
        self.y = self._pool(self.xpad, xp.maximum)       # backward finds the argmax by equality
        return self.y

    def backward(self, gy):
        xp = get_array_module(gy)
        if self.fast:
            return (self._compiled_backward(xp.ascontiguousarray(gy)),)
        gx = self._grad_buffer(xp, gy.dtype)

        def chunk(lo, hi, _):
            self._route(self.xpad[lo:hi], self.y[lo:hi], gy[lo:hi], gx[lo:hi])

        map_chunks(chunk, batch_chunks(len(gy), self.xpad[0].nbytes))
        return (self._unpadded(gx),)

    def _route(self, x, y, gy, gx) -> None:
        """Give each window's gradient to the first pixel, in window order, that equals y."""
        xp = get_array_module(gy)
        unclaimed = xp.ones(y.shape, dtype=bool)
        for _, _, index in self._offsets():
            hit = xp.equal(x[index], y)
            hit &= unclaimed
            unclaimed ^= hit
            if self._tiles():
                xp.multiply(gy, hit, out=gx[index])     # one window per pixel: write
            else:
                gx[index] += gy * hit                    # overlapping windows: add

    def _compiled_forward(self, x):
        """`forward` as one compiled loop per chunk (no padded copy of x)."""
        n, _, _, c = x.shape
        y = buffers.empty((n, self.oh, self.ow, c), x.dtype)
        geometry = (*self.pool, *self.strides, self.pads[0], self.pads[2])

        def chunk(lo, hi, _):
            self.fast.max_pool(x[lo:hi], y[lo:hi], *geometry)

        map_chunks(chunk, batch_chunks(n, x[0].nbytes))
        self.x, self.y = x, y
        return y

    def _compiled_backward(self, gy):
        """`backward` as one compiled loop per chunk: find each window's first maximum again
        (x is alive anyway, as this op's input) and route the gradient there."""
        gx = buffers.empty(self.x_shape, gy.dtype)
        tiles = self._tiles()
        if tiles:                                     # rows/columns past the last window
            gx[:, self.oh * self.pool[0]:] = 0
            gx[:, :, self.ow * self.pool[1]:] = 0
        geometry = (*self.pool, *self.strides, self.pads[0], self.pads[2], tiles)
        chunks = batch_chunks(len(gy), gx[0].nbytes)
        most = max(hi - lo for lo, hi in chunks)

        def chunk(lo, hi, first):                     # first: this thread's argmax scratch
            self.fast.max_pool_grad(self.x[lo:hi], self.y[lo:hi], gy[lo:hi], gx[lo:hi],
                                    first[:hi - lo], *geometry)

        map_chunks(chunk, chunks, lambda: np.empty((most,) + gy.shape[1:], np.int32))
        return gx


class AvgPool2D(_Pool2D):
    """y = mean over each window's real pixels; dL/dx = gy / count for every pixel in it."""

    op = "avg_pool2d"

    def forward(self, x):
        self._setup(x)
        xp = get_array_module(x)
        y = self._pool(self._padded(x, 0), xp.add)
        self.count = self._counts(xp, x.dtype)
        y /= self.count
        return y

    def backward(self, gy):
        xp = get_array_module(gy)
        share = gy / self.count
        gx = self._grad_buffer(xp, gy.dtype)
        if self._tiles():                    # one broadcast write of contiguous window rows
            n, c, (ph, pw) = gy.shape[0], gy.shape[3], self.pool
            tiles = gx[:, :self.oh * ph, :self.ow * pw].reshape(n, self.oh, ph, self.ow, pw, c)
            tiles[...] = share[:, :, None, :, None, :]
            return (gx,)
        for _, _, index in self._offsets():
            gx[index] += share
        return (self._unpadded(gx),)

    def _counts(self, xp, dtype):
        """Real pixels per window, (1, OH, OW, 1): a scalar product of per-axis counts."""
        if not any(self.pads):
            return dtype.type(self.pool[0] * self.pool[1])
        rows = _real_per_window(xp, self.x_shape[1], self.pool[0], self.strides[0], self.oh,
                                self.pads[0])
        cols = _real_per_window(xp, self.x_shape[2], self.pool[1], self.strides[1], self.ow,
                                self.pads[2])
        return (rows[:, None] * cols[None, :]).astype(dtype)[None, :, :, None]


def _real_per_window(xp, n: int, k: int, stride: int, out: int, before: int):
    """How many of the k positions of each window lie inside [0, n) rather than in padding."""
    start = xp.arange(out) * stride - before
    return xp.minimum(start + k, n) - xp.maximum(start, 0)


def max_pool2d(x: Tensor | ArrayLike, pool_size=2, strides=None, padding: str = "valid") -> Tensor:
    """Max over pool_size windows of NHWC `x`; strides default to pool_size, as in Keras.

    Output length per axis: 'valid' floor((n - pool) / stride) + 1, 'same' ceil(n / stride).

    >>> import numpy as np
    >>> max_pool2d(np.arange(16.0).reshape(1, 4, 4, 1)).numpy()[0, :, :, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    return MaxPool2D(pool_size, strides, padding)(x)


def avg_pool2d(x: Tensor | ArrayLike, pool_size=2, strides=None, padding: str = "valid") -> Tensor:
    """Mean over pool_size windows of NHWC `x`; 'same' averages only the real pixels.

    Output length per axis: 'valid' floor((n - pool) / stride) + 1, 'same' ceil(n / stride).

    >>> import numpy as np
    >>> avg_pool2d(np.arange(16.0).reshape(1, 4, 4, 1)).numpy()[0, :, :, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    return AvgPool2D(pool_size, strides, padding)(x)

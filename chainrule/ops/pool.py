"""2-D max and average pooling over NHWC inputs, built from pool_h*pool_w strided slices.

Each window offset (a, b) picks, for every output pixel at once, the input pixel at that
offset: one strided slice. Forward combines the pool_h*pool_w slices with `maximum` or `+`;
backward writes (or, when windows overlap, adds) the gradient back one slice per offset.
No per-pixel loops and no scatter-add. The batch is worked a few images at a time on the op
threads (`runtime.batch.Batch`).

'same' padding follows TensorFlow: output ceil(n / stride), an odd extra pad after. Max
pooling pads with -inf, so padding never wins. Average pooling divides each window by the
number of real (non-padded) pixels in it, as TF and Keras do: a 2x2 window hanging over the
border of a 3x3 input averages 2 values, not 2 values and 2 zeros.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from chainrule.autodiff.function import Function
from chainrule.autodiff.tensor import Tensor
from chainrule.backend import get_array_module
from chainrule.ops.conv import LOOPS
from chainrule.ops.windows import Windows, normalize_padding, normalize_tuple
from chainrule.runtime.batch import Batch

if TYPE_CHECKING:
    from numpy.typing import ArrayLike


class _Pool2D(Function):
    """Window geometry shared by max and average pooling."""

    op = "pool2d"
    loops: str | None = None          # module of compiled loops, if the op has them

    def __init__(self, pool_size=2, strides=None, padding: str = "valid"):
        self.pool = normalize_tuple(pool_size, "pool_size", self.op)
        strides = pool_size if strides is None else strides   # Keras: strides default to pool_size
        self.strides = normalize_tuple(strides, "strides", self.op)
        self.padding = normalize_padding(padding, self.op)

    def _setup(self, x) -> Batch:
        """Validate x; fix the windows and how the batch is worked."""
        if x.ndim != 4:
            raise ValueError(
                f"{self.op} expects x of rank 4 (batch, height, width, channels). "
                f"Received x.shape={x.shape}."
            )
        h, w = x.shape[1:3]
        self.win = Windows.over(h, w, self.pool, self.strides, self.padding)
        if self.win.oh <= 0 or self.win.ow <= 0:
            raise ValueError(
                f"{self.op}: input {(h, w)} is smaller than pool_size={self.pool} with "
                f"padding='valid'. Received x.shape={x.shape}. Use padding='same'."
            )
        self.x_shape = x.shape
        image_bytes = math.prod(self.win.padded_shape(x.shape)[1:]) * x.itemsize
        self.batch = Batch(get_array_module(x), len(x), image_bytes, self.loops)
        return self.batch

    def _fold(self, xpad, combine):
        """Output of folding each window with `combine` (maximum or add), chunk by chunk."""
        y = self.batch.empty((len(xpad), self.win.oh, self.win.ow, xpad.shape[3]), xpad.dtype)

        def chunk(lo, hi, _):
            x, out = xpad[lo:hi], y[lo:hi]
            offsets = self.win.offsets()
            _, _, rows, cols = next(offsets)
            out[...] = x[:, rows, cols]
            for _, _, rows, cols in offsets:
                combine(out, x[:, rows, cols], out=out)

        self.batch.run(chunk)
        return y

    def _unpadded(self, g):
        """Crop a gradient of the padded input back to the input's shape."""
        if not any(self.win.pads):
            return g
        return get_array_module(g).ascontiguousarray(self.win.crop(g, *self.x_shape[1:3]))

    def _tiles(self) -> bool:
        """Windows tile the input without overlap or padding: every pixel has <= 1 window."""
        return self.pool == self.strides and not any(self.win.pads)

    def _grad_buffer(self, xp, dtype):
        """Input gradient (padded) to fill: zeros, or when windows tile, a pooled buffer with
        zeros only in the rows and columns past the last window (h % ph, w % pw), as backward
        then writes every other pixel once."""
        if not self._tiles():
            return xp.zeros(self.win.padded_shape(self.x_shape), dtype)
        return self._tiled_grad(dtype)

    def _tiled_grad(self, dtype):
        gx = self.batch.empty(self.x_shape, dtype)
        if self._tiles():
            gx[:, self.win.oh * self.pool[0]:] = 0
            gx[:, :, self.win.ow * self.pool[1]:] = 0
        return gx


class MaxPool2DOp(_Pool2D):
    """y = max over each window. The gradient goes to the window's first maximum only.

    Ties (common after ReLU: a window of zeros) are broken like TensorFlow's CPU kernel: the
    first maximum in row-major window order gets the whole gradient, so the total gradient
    is preserved instead of being copied to every tied pixel.
    """

    op = "max_pool2d"
    loops = LOOPS

    def forward(self, x):
        xp, batch = get_array_module(x), self._setup(x)
        if batch.fast:
            return self._compiled_forward(xp.ascontiguousarray(x))
        self.xpad = self.win.pad(xp, x, -xp.inf)
        self.y = self._fold(self.xpad, xp.maximum)       # backward finds the argmax by equality
        return self.y

    def backward(self, gy):
        xp = get_array_module(gy)
        if self.batch.fast:
            return (self._compiled_backward(xp.ascontiguousarray(gy)),)
        gx = self._grad_buffer(xp, gy.dtype)

        def chunk(lo, hi, _):
            self._route(self.xpad[lo:hi], self.y[lo:hi], gy[lo:hi], gx[lo:hi])

        self.batch.run(chunk)
        return (self._unpadded(gx),)

    def _route(self, x, y, gy, gx) -> None:
        """Give each window's gradient to the first pixel, in window order, that equals y."""
        xp = get_array_module(gy)
        unclaimed = xp.ones(y.shape, dtype=bool)
        for _, _, rows, cols in self.win.offsets():
            hit = xp.equal(x[:, rows, cols], y)
            hit &= unclaimed
            unclaimed ^= hit
            if self._tiles():
                xp.multiply(gy, hit, out=gx[:, rows, cols])   # one window per pixel: write
            else:
                gx[:, rows, cols] += gy * hit                  # overlapping windows: add

    def _geometry(self) -> tuple[int, ...]:
        return (*self.pool, *self.strides, self.win.pads[0], self.win.pads[2])

    def _compiled_forward(self, x):
        """`forward` as one compiled loop per chunk (no padded copy of x)."""
        y = self.batch.empty((len(x), self.win.oh, self.win.ow, x.shape[3]), x.dtype)

        def chunk(lo, hi, _):
            self.batch.fast.max_pool(x[lo:hi], y[lo:hi], *self._geometry())

        self.batch.run(chunk)
        self.x, self.y = x, y
        return y

    def _compiled_backward(self, gy):
        """`backward` as one compiled loop per chunk: find each window's first maximum again
        (x is alive anyway, as this op's input) and route the gradient there."""
        gx, geometry = self._tiled_grad(gy.dtype), (*self._geometry(), self._tiles())

        def chunk(lo, hi, first):                     # first: this thread's argmax scratch
            self.batch.fast.max_pool_grad(self.x[lo:hi], self.y[lo:hi], gy[lo:hi], gx[lo:hi],
                                          first[:hi - lo], *geometry)

        self.batch.run(chunk, gy.shape[1:], np.int32)
        return gx


class AvgPool2DOp(_Pool2D):
    """y = mean over each window's real pixels; dL/dx = gy / count for every pixel in it."""

    op = "avg_pool2d"

    def forward(self, x):
        xp = get_array_module(x)
        self._setup(x)
        y = self._fold(self.win.pad(xp, x, 0), xp.add)
        self.count = self._counts(xp, x.dtype)
        y /= self.count
        return y

    def backward(self, gy):
        xp = get_array_module(gy)
        share = gy / self.count
        gx = self._grad_buffer(xp, gy.dtype)
        if self._tiles():                    # one broadcast write of contiguous window rows
            n, c, (ph, pw), (oh, ow) = gy.shape[0], gy.shape[3], self.pool, gy.shape[1:3]
            tiles = gx[:, :oh * ph, :ow * pw].reshape(n, oh, ph, ow, pw, c)
            tiles[...] = share[:, :, None, :, None, :]
            return (gx,)
        for _, _, rows, cols in self.win.offsets():
            gx[:, rows, cols] += share
        return (self._unpadded(gx),)

    def _counts(self, xp, dtype):
        """Real pixels per window, (1, OH, OW, 1): a scalar product of per-axis counts."""
        if not any(self.win.pads):
            return dtype.type(self.pool[0] * self.pool[1])
        (h, w), (top, _, left, _) = self.x_shape[1:3], self.win.pads
        rows = _real_per_window(xp, h, self.pool[0], self.strides[0], self.win.oh, top)
        cols = _real_per_window(xp, w, self.pool[1], self.strides[1], self.win.ow, left)
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
    return MaxPool2DOp(pool_size, strides, padding)(x)


def avg_pool2d(x: Tensor | ArrayLike, pool_size=2, strides=None, padding: str = "valid") -> Tensor:
    """Mean over pool_size windows of NHWC `x`; 'same' averages only the real pixels.

    Output length per axis: 'valid' floor((n - pool) / stride) + 1, 'same' ceil(n / stride).

    >>> import numpy as np
    >>> avg_pool2d(np.arange(16.0).reshape(1, 4, 4, 1)).numpy()[0, :, :, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    return AvgPool2DOp(pool_size, strides, padding)(x)

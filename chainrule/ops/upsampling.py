"""Upsampling NHWC images by whole factors: nearest (repeat) and bilinear (interpolate).

Both are linear maps of the input. Nearest copies each pixel into a size_h x size_w block, so
its gradient sums each block. Bilinear mixes, along each axis, the two nearest input pixels
of every output pixel (TensorFlow's half-pixel centres: output o looks at input
(o + 0.5) / size - 0.5, clamped to the image). That is one (out, in) interpolation matrix per
axis, y = R x C^T per channel, and the gradient applies the transposed matrices.
"""
from __future__ import annotations

from chainrule.autodiff.function import Function
from chainrule.backend import get_array_module


class UpSampleNearest(Function):
    """y[n, i, j, c] = x[n, i // sh, j // sw, c]."""

    def __init__(self, size: tuple[int, int]):
        self.size = size

    def forward(self, x):
        xp = get_array_module(x)
        n, h, w, c = self.in_shape = x.shape
        (sh, sw) = self.size
        blocks = xp.broadcast_to(x[:, :, None, :, None, :], (n, h, sh, w, sw, c))
        return blocks.reshape(n, h * sh, w * sw, c)     # one copy: each pixel fills its block

    def backward(self, gy):
        n, h, w, c = self.in_shape
        blocks = gy.reshape(n, h, self.size[0], w, self.size[1], c)
        return (blocks.sum(axis=(2, 4)),)                # each input feeds a whole block


def interpolation_matrix(n_in: int, size: int, xp, dtype):
    """(n_in * size, n_in) weights of linear interpolation with half-pixel centres."""
    out = xp.arange(n_in * size)
    src = xp.maximum((out + 0.5) / size - 0.5, 0.0)
    lower = xp.floor(src).astype(int)
    upper = xp.minimum(lower + 1, n_in - 1)
    frac = (src - lower)[:, None]
    column = xp.arange(n_in)[None, :]
    m = (1.0 - frac) * (column == lower[:, None]) + frac * (column == upper[:, None])
    return m.astype(dtype)                              # the sum covers lower == upper


class UpSampleBilinear(Function):
    """y[n, :, :, c] = R @ x[n, :, :, c] @ C.T with interpolation matrices R and C."""

    def __init__(self, size: tuple[int, int]):
        self.size = size

    def forward(self, x):
        xp = get_array_module(x)
        self.rows = interpolation_matrix(x.shape[1], self.size[0], xp, x.dtype)   # (H, h)
        self.cols = interpolation_matrix(x.shape[2], self.size[1], xp, x.dtype)   # (W, w)
        y = xp.tensordot(x, self.rows, axes=(1, 1))           # mix rows:    (n, w, c, H)
        y = xp.tensordot(y, self.cols, axes=(1, 1))           # mix columns: (n, c, H, W)
        return xp.ascontiguousarray(y.transpose(0, 2, 3, 1))

    def backward(self, gy):
        xp = get_array_module(gy)
        g = xp.tensordot(gy, self.cols, axes=(2, 0))          # the map, transposed: (n, H, c, w)
        g = xp.tensordot(g, self.rows, axes=(1, 0))           # (n, c, w, h)
        return (xp.ascontiguousarray(g.transpose(0, 3, 2, 1)),)


def upsampling2d(x, size=(2, 2), interpolation: str = "nearest"):
    """Enlarge NHWC `x` by whole factors `size` = (rows, cols).

    Args:
        x: input of shape (batch, height, width, channels).
        size: int or pair of positive ints.
        interpolation: 'nearest' or 'bilinear'.

    Returns:
        Tensor (batch, height * size[0], width * size[1], channels).

    >>> import numpy as np
    >>> upsampling2d(np.arange(4.0).reshape(1, 2, 2, 1), 2).data[0, :, :, 0].tolist()[0]
    [0.0, 0.0, 1.0, 1.0]
    """
    size = (size, size) if isinstance(size, int) else tuple(size)
    if len(size) != 2 or not all(isinstance(s, int) and s > 0 for s in size):
        raise ValueError(f"upsampling2d: `size` must be a positive int or a pair of them. "
                         f"Received: size={size!r}")
    if interpolation == "nearest":
        return UpSampleNearest(size)(x)
    if interpolation == "bilinear":
        return UpSampleBilinear(size)(x)
    raise ValueError(f"upsampling2d: `interpolation` must be 'nearest' or 'bilinear'. "
                     f"Received: interpolation={interpolation!r}")

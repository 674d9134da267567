"""The projective warp of the augmentation layers as a differentiable op.

z = warp(x): each output pixel mixes at most four input pixels with fixed weights
(`image_transform.neighbours`), so the op is linear in x and its local gradient is its
transpose: every output pixel hands gy times each weight back to the pixel it read (a
scatter-add; pixels read by several outputs add up, pixels read by none get zero, and the
fill value is a constant). This is the exact gradient. TF registers a cheaper rule for its
ImageProjectiveTransformV3 (gy warped by the inverse matrix), which is not the transpose, so
gradients through RandomRotation/Zoom/Translation differ from tf.keras's; these layers sit in
front of the first trainable layer, where the difference does not reach a weight.
"""
from __future__ import annotations

import numpy as np

from chainrule.autodiff.function import Function
from chainrule.backend import get_array_module, to_numpy
from chainrule.ops import image_transform
from chainrule.runtime import kernels


class ProjectiveTransform(Function):
    """z = transform(x, matrices); gx = the scatter-add of gy along the same weights."""

    def __init__(self, matrices, fill_mode, fill_value, interpolation):
        self.matrices = np.asarray(matrices, np.float32).reshape(-1, 8)
        self.args = fill_mode, fill_value, interpolation

    def forward(self, x):
        self.shape = x.shape
        out = image_transform.transform(to_numpy(x), self.matrices, *self.args)
        return get_array_module(x).asarray(out)

    def backward(self, gy):
        n, height, width, channels = self.shape
        fill_mode, _, interpolation = self.args
        matrices = np.broadcast_to(self.matrices, (n, 8))
        src_y, src_x = image_transform.sources(self.shape, matrices, fill_mode)
        upstream = to_numpy(gy).reshape(-1, channels)
        image = np.arange(n).reshape(n, 1, 1) * (height * width)
        gx = np.zeros((n * height * width, channels), upstream.dtype)
        loops = kernels.compiled(np, image_transform.LOOPS) \
            if upstream.dtype == np.float32 else None
        scatter = _scatter if loops is None else loops.scatter
        for rows, cols, weight in image_transform.neighbours(src_y, src_x, interpolation):
            inside = ((rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)).ravel()
            index = (image + rows * width + cols).ravel()
            weight = np.ones(len(index)) if weight is None else weight.ravel()
            scatter(gx, index, inside, upstream, weight)
        return (get_array_module(gy).asarray(gx.reshape(self.shape).astype(gy.dtype)),)


def _scatter(gx, index, inside, upstream, weight) -> None:
    """gx[index[p]] += upstream[p] * weight[p] for the pixels p inside, summed in float64 per
    channel (np.bincount) before joining gx; `numba_transform.scatter` gives the same bits."""
    index, share = index[inside], upstream[inside] * weight[inside, None]
    for c in range(gx.shape[1]):
        gx[:, c] += np.bincount(index, share[:, c], minlength=len(gx))


def projective_transform(x, matrices, fill_mode="reflect", fill_value=0.0,
                         interpolation="bilinear"):
    """Warp an (N, H, W, C) batch, image i by `matrices[i]` (see `image_transform`), keeping
    the graph."""
    return ProjectiveTransform(matrices, fill_mode, fill_value, interpolation)(x)

"""Resizing a batch of images, differentiably: `tf.image.resize`'s numbers, and their adjoint.

Every method is linear in the image and separable: out[n] = R @ x[n] @ C.T, with R
(out_h x in_h) and C (out_w x in_w) the 1-D weights of `resize_weights`. So the local gradient
is the transpose: gx[n] = R.T @ gy[n] @ C. The forward pass uses TF's own arithmetic where it
is not a plain matrix product (nearest gathers, bilinear lerps in float32), so the outputs are
TF's bits; the backward pass uses the matrices those two are equal to.
"""
from __future__ import annotations

import numpy as np

from chainrule.autodiff.function import Function
from chainrule.backend import get_array_module, to_numpy
from chainrule.ops import resize_weights

METHODS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian",
           "mitchellcubic")


def resize_matrix(method: str, in_size: int, out_size: int) -> np.ndarray:
    """The (out_size, in_size) float64 matrix of a 1-D resize (no antialiasing, as Keras)."""
    if method == "nearest":
        matrix = np.zeros((out_size, in_size))
        matrix[np.arange(out_size), resize_weights.nearest_indices(in_size, out_size)] = 1
        return matrix
    if method == "bilinear":
        lower, upper, frac = resize_weights.lerp_sources(in_size, out_size)
        matrix = np.zeros((out_size, in_size))
        np.add.at(matrix, (np.arange(out_size), lower), 1 - frac.astype(np.float64))
        np.add.at(matrix, (np.arange(out_size), upper), frac.astype(np.float64))
        return matrix
    return resize_weights.weights(method, in_size, out_size, False)


class Resize(Function):
    """z[n] = R @ x[n] @ C.T on (N, H, W, C) batches; gx[n] = R.T @ gy[n] @ C."""

    def __init__(self, size, method):
        self.size, self.method = size, method

    def forward(self, x):
        xp = get_array_module(x)
        self.in_size = x.shape[1:3]
        batch = to_numpy(x)
        (new_h, new_w), (h, w) = self.size, self.in_size
        if self.method == "nearest":
            rows = resize_weights.nearest_indices(h, new_h)
            out = batch[:, rows][:, :, resize_weights.nearest_indices(w, new_w)]
        elif self.method == "bilinear":
            dtype = np.float64 if batch.dtype == np.float64 else np.float32
            out = resize_weights.bilinear(batch.astype(dtype, copy=False), new_h, new_w)
        else:
            out = _separable(batch.astype(np.float64), resize_matrix(self.method, h, new_h),
                             resize_matrix(self.method, w, new_w))
        return xp.asarray(out.astype(x.dtype if x.dtype.kind == "f" else np.float32))

    def backward(self, gy):
        xp = get_array_module(gy)
        (new_h, new_w), (h, w) = self.size, self.in_size
        rows = resize_matrix(self.method, h, new_h).T
        cols = resize_matrix(self.method, w, new_w).T
        return (xp.asarray(_separable(to_numpy(gy), rows, cols).astype(gy.dtype)),)


def _separable(batch: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """rows @ batch[n] @ cols.T for every image and channel of an (N, H, W, C) batch."""
    n, h, w, c = batch.shape
    rows, cols = rows.astype(batch.dtype), cols.astype(batch.dtype)
    tall = (rows @ batch.reshape(n, h, w * c)).reshape(-1, w, c)     # (n * new_h, w, c)
    wide = tall.transpose(0, 2, 1).reshape(-1, w) @ cols.T            # one GEMM, not n * new_h
    return wide.reshape(n, rows.shape[0], c, -1).transpose(0, 1, 3, 2)


def resize(x, size, method: str = "bilinear"):
    """Resize an (N, H, W, C) batch to `size` = (height, width) as `tf.image.resize` does
    (half-pixel centres, no antialiasing), keeping the graph.

    >>> resize(np.arange(4.0).reshape(1, 2, 2, 1), (4, 4)).data[0, 0, :, 0].tolist()
    [0.0, 0.25, 0.75, 1.0]
    """
    if method not in METHODS:
        raise ValueError(f"Resize method is not implemented: {method!r}. Expected one of "
                         f"{list(METHODS)}.")
    return Resize(tuple(int(s) for s in size), method)(x)

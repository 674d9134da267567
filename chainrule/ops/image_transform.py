"""Projective warps of image batches with `tf.raw_ops.ImageProjectiveTransformV3`'s numerics.

Keras' RandomRotation, RandomZoom and RandomTranslation describe each image's warp by 8 numbers
[a0, a1, a2, b0, b1, b2, c0, c1]: output pixel (x, y) = (column, row) reads the input at
((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1 (inverse mapping, pixel
centres at integers). Positions are float32, as TF's kernel computes them. Fill modes:

- 'reflect' (Keras' default): d c b a | a b c d | d c b a (the edge pixel repeated).
- 'wrap': a b c d | a b c d | a b c d within one period; TF counts the periods to add in
  units of n - 1, so shifts past one width land on the clamped edge, and we do the same.
- 'nearest': a a a a | a b c d | d d d d.
- 'constant': every neighbour outside the image reads `fill_value`, so edges blend into it.

This is not `preprocessing.transforms.warp`, which reproduces scipy's modes for
ImageDataGenerator: scipy's legacy 'wrap' repeats with period n - 1 and its 'constant' does not
blend. `reference_transform` warps the whole batch at once in NumPy, one gather per
neighbour over all images; the compiled loop in `numba_transform` gives the same bits about ten
times faster, and `transform` takes it when `runtime.kernels` has it loaded.

>>> x = np.arange(5, dtype=np.float32).reshape(1, 1, 5, 1)
>>> transform(x, translation_matrix([[2.0, 0.0]]), "wrap")[0, 0, :, 0].tolist()
[3.0, 4.0, 0.0, 1.0, 2.0]
"""
from __future__ import annotations

import numpy as np

from chainrule.runtime import kernels

LOOPS = "chainrule.ops.numba_transform"      # the compiled loop (Numba), optional
FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("bilinear", "nearest")


def rotation_matrix(angles, height: int, width: int) -> np.ndarray:
    """Turn each image by `angles[i]` radians about its centre (counter-clockwise on screen)."""
    a = np.asarray(angles, np.float32).reshape(-1)
    cos, sin = np.cos(a), np.sin(a)
    h, w = np.float32(height - 1), np.float32(width - 1)
    x_offset = (w - (cos * w - sin * h)) / np.float32(2)
    y_offset = (h - (sin * w + cos * h)) / np.float32(2)
    zero = np.zeros_like(a)
    return np.stack([cos, -sin, x_offset, sin, cos, y_offset, zero, zero], axis=1)


def zoom_matrix(zooms, height: int, width: int) -> np.ndarray:
    """Scale each image about its centre; zooms[i] = (x zoom, y zoom), above 1 shrinks it."""
    z = np.asarray(zooms, np.float32).reshape(-1, 2)
    x_offset = np.float32((width - 1) / 2) * (np.float32(1) - z[:, 0])
    y_offset = np.float32((height - 1) / 2) * (np.float32(1) - z[:, 1])
    zero = np.zeros_like(x_offset)
    return np.stack([z[:, 0], zero, x_offset, zero, z[:, 1], y_offset, zero, zero], axis=1)


def translation_matrix(translations) -> np.ndarray:
    """Shift each image by translations[i] = (dx, dy) pixels (positive: right and down)."""
    t = np.asarray(translations, np.float32).reshape(-1, 2)
    one, zero = np.ones(len(t), np.float32), np.zeros(len(t), np.float32)
    return np.stack([one, zero, -t[:, 0], zero, one, -t[:, 1], zero, zero], axis=1)


def transform(images: np.ndarray, matrices: np.ndarray, fill_mode: str = "reflect",
              fill_value: float = 0.0, interpolation: str = "bilinear") -> np.ndarray:
    """Warp an (N, H, W, C) batch, image i by `matrices[i]` (or one (8,) matrix for all).

    Runs the compiled loop (`numba_transform`) when it is loaded, else `reference_transform`;
    the two give the same bits.

    Returns:
        An array of the batch's shape, float32 (float64 for a float64 batch).
    """
    x = np.ascontiguousarray(images, np.float64 if images.dtype == np.float64 else np.float32)
    m = np.ascontiguousarray(np.broadcast_to(np.asarray(matrices, np.float32).reshape(-1, 8),
                                             (x.shape[0], 8)))
    loops = kernels.compiled(np, LOOPS) if x.dtype == np.float32 else None
    if loops is None:
        return reference_transform(x, m, fill_mode, fill_value, interpolation)
    out = np.empty_like(x)
    loops.transform(x, m, out, FILL_MODES.index(fill_mode), np.float32(fill_value),
                    interpolation == "nearest")
    return out


def reference_transform(x: np.ndarray, matrices: np.ndarray, fill_mode: str,
                        fill_value: float, interpolation: str) -> np.ndarray:
    """`transform` in NumPy, the whole batch at once: positions, folds, then one gather per
    neighbour from (channels, pixels) planes."""
    n, height, width, _ = x.shape
    src_y, src_x = sources(x.shape, matrices, fill_mode)
    planes = x.transpose(3, 0, 1, 2).reshape(x.shape[3], -1)   # (channels, pixels): long rows
    image = np.arange(n).reshape(n, 1, 1) * (height * width)
    fill = np.float32(fill_value)
    if interpolation == "nearest":
        out = _read(planes, image, _round_half_away(src_y), _round_half_away(src_x), x.shape, fill)
    else:
        out = _bilinear(planes, image, src_y, src_x, x.shape, fill)
    return np.ascontiguousarray(out.reshape(x.shape[3], n, height, width).transpose(1, 2, 3, 0))


def sources(shape: tuple, matrices: np.ndarray, fill_mode: str):
    """(rows, cols): the float32 (N, H, W) positions each output pixel reads, folded."""
    _, height, width, _ = shape
    m = matrices[:, :, None, None]
    cols = np.arange(width, dtype=np.float32)[None, None, :]
    rows = np.arange(height, dtype=np.float32)[None, :, None]
    k = m[:, 6] * cols + m[:, 7] * rows + np.float32(1)
    src_x = (m[:, 0] * cols + m[:, 1] * rows + m[:, 2]) / k
    src_y = (m[:, 3] * cols + m[:, 4] * rows + m[:, 5]) / k
    return _fold(src_y, height, fill_mode), _fold(src_x, width, fill_mode)


def neighbours(src_y: np.ndarray, src_x: np.ndarray, interpolation: str):
    """[(rows, cols, weight)]: the pixels each output mixes and their float64 weights (None: 1);
    the products of the float32 distances are exact in float64, as the lerps apply them."""
    if interpolation == "nearest":
        return [(_round_half_away(src_y), _round_half_away(src_x), None)]
    top, left = np.floor(src_y), np.floor(src_x)
    to_top, to_bottom = (src_y - top).astype(np.float64), (top + 1 - src_y).astype(np.float64)
    to_left, to_right = src_x - left, left + 1 - src_x
    top, left = top.astype(np.intp), left.astype(np.intp)
    return [(top, left, to_bottom * to_right), (top, left + 1, to_bottom * to_left),
            (top + 1, left, to_top * to_right), (top + 1, left + 1, to_top * to_left)]


def _bilinear(planes, image, src_y, src_x, shape, fill) -> np.ndarray:
    """Two lerps along x and one along y, each weight a distance to a neighbour, as TF."""
    top, left = np.floor(src_y), np.floor(src_x)
    to_top, to_bottom = (src_y - top).ravel(), (top + 1 - src_y).ravel()
    to_left, to_right = (src_x - left).ravel(), (left + 1 - src_x).ravel()
    top, left = top.astype(np.intp), left.astype(np.intp)

    def read(rows, cols):
        return _read(planes, image, rows, cols, shape, fill)
    upper = to_right * read(top, left) + to_left * read(top, left + 1)
    lower = to_right * read(top + 1, left) + to_left * read(top + 1, left + 1)
    return to_bottom * upper + to_top * lower


def _fold(coord: np.ndarray, n: int, fill_mode: str) -> np.ndarray:
    """Bring positions outside [0, n - 1] back inside as `fill_mode` says ('constant' keeps
    them, for `_read` to fill), then clamp."""
    if fill_mode == "constant":
        return coord
    outside = (coord < 0) | (coord > n - 1)
    if fill_mode == "reflect" and n > 1:
        period = np.float32(2 * n)            # mirror images: fold whole periods off first
        below = coord + period * np.trunc(-coord / period)
        below = np.where(below < -n, below + period, -below - 1)
        above = coord - period * np.trunc(coord / period)
        above = np.where(above >= n, period - above - 1, above)
        coord = np.where(coord < 0, below, np.where(outside, above, coord))
    elif fill_mode == "wrap" and n > 1:   # TF's arithmetic: whole periods of n counted in n - 1
        turns = np.trunc(np.abs(coord) / np.float32(n - 1))
        wrapped = np.where(coord < 0, coord + n * (turns + 1), coord - n * turns)
        coord = np.where(outside, wrapped, coord)
    return np.clip(coord, np.float32(0), np.float32(n - 1))


def _round_half_away(v: np.ndarray) -> np.ndarray:
    """C's `round`: halves go away from zero (NumPy's `round` goes to even)."""
    return (np.sign(v) * np.floor(np.abs(v) + np.float32(0.5))).astype(np.intp)


def _read(planes, image, rows, cols, shape, fill) -> np.ndarray:
    """Pixel (rows, cols) of each image as (channels, pixels) planes; `fill` outside the image."""
    _, height, width, _ = shape
    inside = ((rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)).ravel()
    index = image + np.clip(rows, 0, height - 1) * width + np.clip(cols, 0, width - 1)
    values = planes.take(index.ravel(), axis=1)
    return values if inside.all() else np.where(inside, values, fill)


def check_fill_mode(fill_mode: str, interpolation: str) -> None:
    """Keras' checks of the two string arguments of the warping layers."""
    if fill_mode not in FILL_MODES:
        raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Only `reflect`, `wrap`, "
                                  f"`constant` and `nearest` are supported.")
    if interpolation not in INTERPOLATIONS:
        raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Only `nearest` "
                                  f"and `bilinear` are supported.")

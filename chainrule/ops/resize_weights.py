"""Resize weights with `tf.image.resize`'s numerics: the 1-D interpolation of every method.

Every resize method is separable: output = rows @ image @ cols.T, where `rows` (out_h x in_h)
and `cols` (out_w x in_w) hold the 1-D weights built here. Two methods skip the matrices in
the forward pass: nearest-neighbour gathers (`nearest_indices`), and plain bilinear lerps in
float32 as TF's kernel does (`bilinear`), giving TF's bits. This is array maths with no graph:
`chainrule.image.resize` (the tf.image-like op) and `ops.resize` (the differentiable op the
`Resizing` layer calls) both build on it, so it sits on the ops floor where both may import it.
"""
from __future__ import annotations

import numpy as np

_F32 = np.float32

# --- 1-D kernels of TF's scale_and_translate (used when antialiasing): (function, radius) ---
def _triangle(x):
    return np.maximum(_F32(0), _F32(1) - x)


def _keys_cubic(x):                          # Keys (1981) cubic with a = -0.5
    near = ((_F32(1.5) * x - _F32(2.5)) * x) * x + _F32(1)
    far = ((_F32(-0.5) * x + _F32(2.5)) * x - _F32(4)) * x + _F32(2)
    return np.where(x < 1, near, np.where(x < 2, far, _F32(0)))


def _mitchell_cubic(x):                      # Mitchell-Netravali, B = C = 1/3
    near = ((_F32(7 / 6) * x - _F32(2)) * x) * x + _F32(8 / 9)
    far = ((_F32(-7 / 18) * x + _F32(2)) * x - _F32(10 / 3)) * x + _F32(16 / 9)
    return np.where(x < 1, near, np.where(x < 2, far, _F32(0)))


def _lanczos(radius: int):
    def kernel(x):
        px = _F32(np.pi) * np.maximum(x, _F32(1e-3))
        value = _F32(radius) * np.sin(px) * np.sin(px / _F32(radius)) / (px * px)
        return np.where(x <= 1e-3, _F32(1), np.where(x > radius, _F32(0), value))
    return kernel


def _gaussian(x):                            # radius 1.5, sigma = radius / 3
    return np.where(x < 1.5, np.exp(-x * x / _F32(2 * 0.5 ** 2)), _F32(0))


_KERNELS = {"triangle": (_triangle, 1), "keyscubic": (_keys_cubic, 2),
            "mitchellcubic": (_mitchell_cubic, 2), "lanczos3": (_lanczos(3), 3),
            "lanczos5": (_lanczos(5), 5), "gaussian": (_gaussian, 1.5)}


# --- weight matrices (out_size x in_size), one per method ---------------------------------
def _scatter(indices, weights, in_size: int) -> np.ndarray:
    """Dense (out, in) matrix from per-output source indices and weights (repeats add up)."""
    matrix = np.zeros((len(indices), in_size))
    rows = np.repeat(np.arange(len(indices)), indices.shape[1])
    np.add.at(matrix, (rows, indices.ravel()), weights.ravel())
    return matrix


def _source_positions(in_size: int, out_size: int, offset: float = 0.5) -> np.ndarray:
    """Where output pixel i samples the input, in float32 as TF: (i + 0.5) * in/out - offset."""
    scale = _F32(in_size) / _F32(out_size)
    return (np.arange(out_size, dtype=_F32) + _F32(0.5)) * scale - _F32(offset)


def lerp_sources(in_size: int, out_size: int):
    """TF's bilinear sources (i + 0.5) * in/out - 0.5: lower, upper neighbour, upper's weight."""
    centre = _source_positions(in_size, out_size)
    lower = np.floor(centre)
    upper = np.minimum(np.ceil(centre), in_size - 1)
    return np.maximum(lower, 0).astype(np.intp), upper.astype(np.intp), centre - lower


def bilinear(batch: np.ndarray, new_h: int, new_w: int) -> np.ndarray:
    """TF's resize_bilinear kernel on a float32 batch, operation for operation (so the same
    bits): lerp along each row of the two source rows, then between those rows."""
    top, bottom, y_lerp = lerp_sources(batch.shape[1], new_h)
    left, right, x_lerp = lerp_sources(batch.shape[2], new_w)
    rows = [np.take(batch, top, axis=1), np.take(batch, bottom, axis=1)]   # take: 2x fancy's speed
    upper, lower = (a + (np.take(r, right, axis=2) - a) * x_lerp[:, None]
                    for r in rows for a in [np.take(r, left, axis=2)])
    return upper + (lower - upper) * y_lerp[:, None, None]


def _cubic_table(a: float = -0.5, steps: int = 1024) -> np.ndarray:
    """TF's bicubic lookup table: kernel weights at fractions 0, 1/1024, ..., 1."""
    x = np.arange(steps + 1) / steps
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * (x + 1) - 5 * a) * (x + 1) + 8 * a) * (x + 1) - 4 * a
    return np.stack([near, far], 1).astype(_F32)


def _bicubic_weights(in_size: int, out_size: int) -> np.ndarray:
    """TF's resize_bicubic: Keys cubic from a 1024-step table, taps outside the image
    dropped and the rest renormalised (as its half-pixel mode does)."""
    centre = _source_positions(in_size, out_size)
    base = np.floor(centre)
    offset = np.rint((centre - base) * _F32(1024)).astype(np.int64)
    table = _cubic_table()
    weights = np.stack([table[offset, 1], table[offset, 0],
                        table[1024 - offset, 0], table[1024 - offset, 1]], 1)
    indices = base.astype(np.int64)[:, None] + np.arange(-1, 3)
    inside = (indices >= 0) & (indices < in_size)
    weights = np.where(inside, weights, _F32(0))
    weights = weights * (_F32(1) / weights.sum(1, keepdims=True))
    return _scatter(np.clip(indices, 0, in_size - 1), weights, in_size)


def _area_weights(in_size: int, out_size: int) -> np.ndarray:
    """TF's resize_area: each output averages the input interval it covers, by overlap."""
    scale = _F32(in_size) / _F32(out_size)
    start = np.arange(out_size, dtype=_F32)[:, None] * scale
    cells = np.arange(in_size)
    overlap = np.minimum(start + scale, cells + 1) - np.maximum(start, cells)
    return np.maximum(overlap, 0) / scale


def _kernel_weights(name: str, in_size: int, out_size: int, antialias: bool) -> np.ndarray:
    """TF's scale_and_translate: kernel at each source centre; widened by in/out when
    antialiasing a downscale, so every input pixel contributes (a low-pass filter)."""
    kernel, radius = _KERNELS[name]
    inv_scale = _F32(1.0 / float(_F32(out_size) / _F32(in_size)))
    kernel_scale = max(inv_scale, _F32(1)) if antialias else _F32(1)
    sample = (np.arange(out_size, dtype=_F32) + _F32(0.5)) * inv_scale
    reach = _F32(radius) * kernel_scale
    start = np.clip(np.ceil(sample - reach - _F32(0.5)), 0, in_size - 1)[:, None]
    end = np.clip(np.floor(sample + reach - _F32(0.5)), 0, in_size - 1)[:, None] + 1
    source = np.arange(in_size, dtype=_F32)
    position = np.abs((source + _F32(0.5) - sample[:, None]) * (_F32(1) / kernel_scale))
    weights = np.where((source >= start) & (source < end), kernel(position), _F32(0))
    total = weights.sum(1, keepdims=True, dtype=_F32)
    usable = np.abs(total) >= 1000 * np.finfo(_F32).tiny
    return weights * np.where(usable, _F32(1) / np.where(usable, total, 1), _F32(0))


def weights(method: str, in_size: int, out_size: int, antialias: bool) -> np.ndarray:
    if method == "area":
        return _area_weights(in_size, out_size)
    if method == "bicubic" and not antialias:
        return _bicubic_weights(in_size, out_size)
    name = {"bilinear": "triangle", "bicubic": "keyscubic"}.get(method, method)
    return _kernel_weights(name, in_size, out_size, antialias)


def nearest_indices(in_size: int, out_size: int) -> np.ndarray:
    """TF's resize_nearest_neighbor with half-pixel centres: floor((i + 0.5) * in/out)."""
    source = np.floor(_source_positions(in_size, out_size, offset=0.0))
    return np.minimum(source.astype(np.int64), in_size - 1)

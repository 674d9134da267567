"""Compiled warp loop for fill modes 'nearest' and 'constant' (needs Numba; optional).

It does exactly what `resample.sample` does for those two modes, operation for operation
(float64 positions summed in scipy's order, the clamped +1 neighbour, lerps in the image's
dtype), so the pixels are bit-identical; the tests hold both to the plain reference in
tests/preprocessing/warp_reference.py. It is about twice as fast as the NumPy path (one pass
over the output instead of ~25 over whole-image temporaries and four gathers). 'reflect' and
'wrap' fold positions with NumPy's float `mod`/`trunc` arithmetic and stay on the NumPy path.

The loop works an output row at a time: first each pixel's four source offsets and two
fractions, then the values, with the channel loop inside the pixel loop. That inner loop has a
trip count of 3 in practice, and LLVM makes it fast only when it knows the count: a plain 3-D
copy with an inner loop of unknown length 3 runs 15x slower than a flat one. So the common case,
3 channels, is passed as the constant 3.

Like the conv and pooling loops (`chainrule.ops.numba_kernels`), it releases the GIL, so the
image iterators' worker threads warp in parallel; it is compiled on first use and cached on disk,
and `chainrule.config.set_kernels('numpy')` switches it off.
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(nogil=True, cache=True)
def warp(x, matrix, out, order, constant, cval, flip_rows, flip_cols):  # pragma: no cover
    """out[i, j] = x sampled at matrix @ (i, j, 1); x and out are C-contiguous, same shape and
    float dtype.

    `constant`: positions outside [0, n - 1] on either axis give `cval`; otherwise they are
    clamped ('nearest'). `flip_rows`/`flip_cols` walk the output grid backwards.
    """
    height, width, channels = x.shape
    src, dst = x.reshape(-1), out.reshape(-1)
    offsets = np.empty((4, width), np.intp)  # flat offsets of the 2x2 neighbours, channel 0
    fracs = np.empty((2, width), out.dtype)  # row and column fractions, rounded to the dtype
    outside = np.zeros(width, np.bool_)
    for i in range(height):
        r = float(height - 1 - i) if flip_rows else float(i)
        _row_sources(x.shape, matrix, r, flip_cols, order, constant, offsets, fracs, outside)
        row = dst[i * width * channels:(i + 1) * width * channels]
        if channels == 3:  # a constant count lets LLVM unroll the channel loop: ~15% faster
            _row_values(src, offsets, fracs, outside, order, cval, 3, row)
        else:
            _row_values(src, offsets, fracs, outside, order, cval, channels, row)


@njit(nogil=True, cache=True)
def _row_sources(shape, matrix, r, flip_cols, order, constant, offsets, fracs,
                 outside):  # pragma: no cover
    """Fill offsets, fracs and outside for output row `r` (see `warp`)."""
    height, width, channels = shape
    m00, m01, m02 = matrix[0, 0], matrix[0, 1], matrix[0, 2]  # locals: the stores below
    m10, m11, m12 = matrix[1, 0], matrix[1, 1], matrix[1, 2]  # might alias `matrix`
    for j in range(width):
        c = float(width - 1 - j) if flip_cols else float(j)
        row = r * m00 + c * m01
        row += m02
        col = r * m10 + c * m11
        col += m12
        outside[j] = constant and (row < 0 or row > height - 1 or col < 0 or col > width - 1)
        row = min(max(row, 0.0), height - 1.0)
        col = min(max(col, 0.0), width - 1.0)
        if order == 0:  # round half up, as scipy; the sample is then the top-left neighbour
            row, col = float(int(row + 0.5)), float(int(col + 0.5))
        top, left = int(row), int(col)  # row, col >= 0: truncation floors
        fracs[0, j] = row - top
        fracs[1, j] = col - left
        bottom, right = min(top + 1, height - 1), min(left + 1, width - 1)
        offsets[0, j] = (top * width + left) * channels
        offsets[1, j] = (top * width + right) * channels
        offsets[2, j] = (bottom * width + left) * channels
        offsets[3, j] = (bottom * width + right) * channels


@njit(nogil=True, cache=True, inline="always")
def _row_values(src, offsets, fracs, outside, order, cval, channels, row):  # pragma: no cover
    """One output row: for each pixel, two horizontal lerps and a vertical one per channel."""
    for j in range(offsets.shape[1]):
        frac_r, frac_c = fracs[0, j], fracs[1, j]
        for k in range(channels):
            a, b = src[offsets[0, j] + k], src[offsets[1, j] + k]
            c, d = src[offsets[2, j] + k], src[offsets[3, j] + k]
            upper = a + (b - a) * frac_c
            lower = c + (d - c) * frac_c
            value = a if order == 0 else upper + (lower - upper) * frac_r
            row[j * channels + k] = cval if outside[j] else value

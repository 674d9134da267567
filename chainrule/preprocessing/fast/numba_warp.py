"""Compiled warp loop: `transforms.reference_warp`, one output pixel at a time (needs Numba).

It does exactly what the reference does, operation for operation (float64 positions summed in
scipy's order, the same folding for every fill mode, the clamped +1 neighbour, lerps in the
image's dtype), so the pixels are bit-identical; the tests hold the two to each other on every
fill mode, order, flip and dtype. It is several times faster than the reference: one pass over
the output instead of a dozen whole-image temporaries and fancy-indexed gathers.

The loop makes one pass over the output pixels, computing each pixel's four source offsets and
two fractions and then its values, with the channel loop inside (storing a row's offsets and
fractions for a second loop to read back costs ~25% more). The channel loop has a trip count
of 3 in practice, and LLVM makes it fast only when it knows the count: a plain 3-D copy with
an inner loop of unknown length 3 runs 15x slower than a flat one. So the common case, 3
channels, is passed as the constant 3. The fractions go through a two-element array of the
image's dtype, which rounds them as the reference does.

Like the conv and pooling loops (`chainrule.ops.numba_kernels`), it releases the GIL, so the
image iterators' worker threads warp in parallel; it is compiled on first use and cached on disk,
and `chainrule.config.set_kernels('numpy')` switches it off.
"""
from __future__ import annotations

import numpy as np
from numba import njit

NEAREST, CONSTANT, REFLECT, WRAP = range(4)   # fill modes, as `fast.warp` passes them


@njit(nogil=True, cache=True)
def warp(x, matrix, out, order, mode, cval, flip_rows, flip_cols):  # pragma: no cover
    """out[i, j] = x sampled at matrix @ (i, j, 1); x and out are C-contiguous, same shape and
    float dtype.

    `mode` is one of NEAREST, CONSTANT (positions outside [0, n - 1] on either axis give
    `cval`), REFLECT or WRAP. `flip_rows`/`flip_cols` walk the output grid backwards.
    """
    if x.shape[2] == 3:  # a constant count lets LLVM unroll the channel loop
        _warp(x, matrix, out, order, mode, cval, flip_rows, flip_cols, 3)
    else:
        _warp(x, matrix, out, order, mode, cval, flip_rows, flip_cols, x.shape[2])


@njit(nogil=True, cache=True, inline="always")
def _warp(x, matrix, out, order, mode, cval, flip_rows, flip_cols,
          channels):  # pragma: no cover
    """`warp` with `channels` known to the compiler in the common case."""
    height, width = x.shape[0], x.shape[1]
    src, dst = x.reshape(-1), out.reshape(-1)
    m00, m01, m02 = matrix[0, 0], matrix[0, 1], matrix[0, 2]
    m10, m11, m12 = matrix[1, 0], matrix[1, 1], matrix[1, 2]
    frac = np.empty(2, out.dtype)  # rounds the fractions to the image's dtype, as the reference
    for i in range(height):
        r = float(height - 1 - i) if flip_rows else float(i)
        for j in range(width):
            c = float(width - 1 - j) if flip_cols else float(j)
            row = r * m00 + c * m01
            row += m02
            col = r * m10 + c * m11
            col += m12
            outside = mode == CONSTANT and (row < 0 or row > height - 1 or col < 0
                                            or col > width - 1)
            row = _fold(row, height, mode)
            col = _fold(col, width, mode)
            if order == 0:  # round half up, as scipy; the sample is then the top-left neighbour
                row, col = float(int(row + 0.5)), float(int(col + 0.5))
            top, left = int(row), int(col)  # row, col >= 0: truncation floors
            frac[0] = row - top
            frac[1] = col - left
            bottom, right = min(top + 1, height - 1), min(left + 1, width - 1)
            _pixel(src, (top * width + left) * channels, (top * width + right) * channels,
                   (bottom * width + left) * channels, (bottom * width + right) * channels,
                   frac[0], frac[1], outside, order, cval, channels, dst,
                   (i * width + j) * channels)


@njit(nogil=True, cache=True, inline="always")
def _fold(coord, n, mode):  # pragma: no cover
    """The reference's `_fold` for one position: reflect or wrap it, then clamp to [0, n - 1].

    Float `%` here is NumPy's `mod` (fmod, then the divisor added when the signs differ).
    """
    if mode >= REFLECT and n > 1 and (coord < 0 or coord > n - 1):  # 'nearest': one test
        if mode == REFLECT:
            coord = coord % (2 * n)
            if coord >= n:
                coord = 2 * n - 1 - coord
        elif mode == WRAP:
            period = n - 1
            if coord < 0:
                coord = coord + period * (np.trunc(-coord / period) + 1)
            else:
                coord = coord - period * np.trunc(coord / period)
    return min(max(coord, 0.0), n - 1.0)


@njit(nogil=True, cache=True, inline="always")
def _pixel(src, o0, o1, o2, o3, frac_r, frac_c, outside, order, cval, channels, dst,
           at):  # pragma: no cover
    """One output pixel: two horizontal lerps and a vertical one per channel."""
    for k in range(channels):
        a, b = src[o0 + k], src[o1 + k]
        c, d = src[o2 + k], src[o3 + k]
        upper = a + (b - a) * frac_c
        lower = c + (d - c) * frac_c
        value = a if order == 0 else upper + (lower - upper) * frac_r
        dst[at + k] = cval if outside else value


def warm_up() -> None:
    """Load (or compile) the float32 variant ImageDataGenerator uses, on a tiny image."""
    image = np.zeros((2, 2, 3), np.float32)
    warp(image, np.eye(3), np.empty_like(image), 1, NEAREST, 0.0, False, False)

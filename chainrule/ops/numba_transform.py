"""Compiled projective warp: `image_transform.reference_transform`, one output pixel at a time
(needs Numba), and its gradient's scatter-add (`projective._scatter`), one pass over the pixels.

It does what the NumPy reference does, operation for operation and in float32 (positions,
folding, the four neighbours with `fill_value` outside, the distance-weighted lerps), so the
pixels are bit-identical; the tests hold the two to each other on every fill mode and
interpolation. Constants are float32 so that no operation is promoted to float64, as NumPy keeps
float32 arrays float32. It is about ten times faster than the reference: one pass over the
output instead of a dozen whole-batch temporaries and gathers. It releases the GIL, is compiled
on first use and cached on disk, and `chainrule.config.set_kernels('numpy')` switches it off.
"""
from __future__ import annotations

import numpy as np
from numba import njit

REFLECT, WRAP, CONSTANT, NEAREST = range(4)     # fill modes, in image_transform.FILL_MODES order
ONE, HALF = np.float32(1), np.float32(0.5)


@njit(nogil=True, cache=True)
def transform(x, matrices, out, mode, fill, nearest):  # pragma: no cover
    """out[i, r, c] = x[i] sampled at matrices[i] @ (c, r); float32 arrays, C-contiguous."""
    n, height, width, channels = x.shape
    for i in range(n):
        m = matrices[i]
        for r in range(height):
            row = np.float32(r)
            for c in range(width):
                col = np.float32(c)
                k = m[6] * col + m[7] * row + ONE
                src_x = _fold((m[0] * col + m[1] * row + m[2]) / k, width, mode)
                src_y = _fold((m[3] * col + m[4] * row + m[5]) / k, height, mode)
                if nearest:
                    _nearest(x, i, src_y, src_x, fill, out[i, r, c])
                else:
                    _bilinear(x, i, src_y, src_x, fill, out[i, r, c])


@njit(nogil=True, cache=True, inline="always")
def _fold(coord, n, mode):  # pragma: no cover
    """The reference's `_fold` for one float32 position."""
    if mode == CONSTANT:
        return coord
    if n > 1 and (coord < 0 or coord > n - 1):
        if mode == REFLECT:
            period = np.float32(2 * n)
            if coord < 0:
                coord = coord + period * np.trunc(-coord / period)
                coord = coord + period if coord < -n else -coord - ONE
            else:
                coord = coord - period * np.trunc(coord / period)
                if coord >= n:
                    coord = period - coord - ONE
        elif mode == WRAP:
            turns = np.trunc(np.abs(coord) / np.float32(n - 1))
            if coord < 0:
                coord = coord + np.float32(n) * (turns + ONE)
            else:
                coord = coord - np.float32(n) * turns
    return min(max(coord, np.float32(0)), np.float32(n - 1))


@njit(nogil=True, cache=True, inline="always")
def _nearest(x, i, src_y, src_x, fill, pixel):  # pragma: no cover
    r = int(np.sign(src_y) * np.floor(np.abs(src_y) + HALF))
    c = int(np.sign(src_x) * np.floor(np.abs(src_x) + HALF))
    for ch in range(pixel.shape[0]):
        pixel[ch] = _read(x, i, r, c, ch, fill)


@njit(nogil=True, cache=True, inline="always")
def _bilinear(x, i, src_y, src_x, fill, pixel):  # pragma: no cover
    top, left = np.floor(src_y), np.floor(src_x)
    to_top, to_bottom = src_y - top, top + ONE - src_y
    to_left, to_right = src_x - left, left + ONE - src_x
    t, lft = int(top), int(left)
    for ch in range(pixel.shape[0]):
        upper = to_right * _read(x, i, t, lft, ch, fill) + to_left * _read(x, i, t, lft + 1, ch,
                                                                           fill)
        lower = to_right * _read(x, i, t + 1, lft, ch, fill) + \
            to_left * _read(x, i, t + 1, lft + 1, ch, fill)
        pixel[ch] = to_bottom * upper + to_top * lower


@njit(nogil=True, cache=True, inline="always")
def _read(x, i, r, c, ch, fill):  # pragma: no cover
    if r < 0 or r >= x.shape[1] or c < 0 or c >= x.shape[2]:
        return fill
    return x[i, r, c, ch]


@njit(nogil=True, cache=True)
def scatter(gx, index, inside, upstream, weight):  # pragma: no cover
    """`projective._scatter` in one pass: gx[index[p]] += upstream[p] * weight[p] for the
    pixels p inside, summed in float64 in pixel order first (as np.bincount sums), then added to
    the float32 gx, so the bits are the reference's."""
    total = np.zeros(gx.shape)
    for p in range(index.shape[0]):
        if inside[p]:
            for ch in range(gx.shape[1]):
                total[index[p], ch] += upstream[p, ch] * weight[p]
    for j in range(gx.shape[0]):
        for ch in range(gx.shape[1]):
            gx[j, ch] = gx[j, ch] + total[j, ch]


def warm_up() -> None:
    """Load (or compile) the loop on a tiny batch."""
    x = np.zeros((1, 2, 2, 3), np.float32)
    transform(x, np.zeros((1, 8), np.float32), np.empty_like(x), REFLECT, np.float32(0), False)
    scatter(np.zeros((4, 3), np.float32), np.zeros(4, np.intp), np.ones(4, np.bool_),
            np.zeros((4, 3), np.float32), np.ones(4))

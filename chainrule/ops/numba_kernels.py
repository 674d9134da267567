"""Compiled loops for the memory-bound glue of conv and max-pool (needs Numba; optional).

Each function here does exactly what a plain NumPy method in conv.py or pool.py does, and
that NumPy method stays the readable reference: tests run both on the same inputs and
require equal results. The loops win because they touch each value once, in cache, where
the NumPy versions make kh*kw strided passes and build temporaries (the lecture's conv2
col2im: 107 ms in NumPy, 35 ms as a loop on one core; ../shared/PERF_NOTES.md).

The loops are serial and release the GIL (`nogil=True`): `kernels.map_chunks` already runs
one batch chunk per core. They are compiled on first use and cached on disk (`cache=True`).
`chainrule.config.set_kernels('numpy')` switches them off.

Geometry arguments follow conv.py: strides (sh, sw), dilation (dh, dw), and the 'same'
padding before the first row and column (top, left); pixels outside the input count as
zeros (conv) or are skipped (max-pool), so no padded copy of x is ever made.
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(nogil=True, cache=True)
def im2col(x, cols, sh, sw, dh, dw, top, left):  # pragma: no cover - compiled
    """cols[n, i, j, a, b, :] = x[n, i*sh + a*dh - top, j*sw + b*dw - left, :] (0 outside).

    x and cols are C-contiguous, so with dw == 1 a window row's kw pixels are one run of
    kw*C values in both: copied as one run when the whole row lies inside the image.
    """
    n_img, h, w, c = x.shape
    oh, ow, kh, kw = cols.shape[1:5]
    flat_x, flat_cols = x.reshape(n_img, h, w * c), cols.reshape(n_img, oh, ow, kh, kw * c)
    for n in range(n_img):
        for i in range(oh):
            for j in range(ow):
                q0 = j * sw - left
                for a in range(kh):
                    r = i * sh + a * dh - top
                    if dw == 1 and 0 <= r < h and q0 >= 0 and q0 + kw <= w:
                        for t in range(kw * c):
                            flat_cols[n, i, j, a, t] = flat_x[n, r, q0 * c + t]
                        continue
                    for b in range(kw):
                        q = q0 + b * dw
                        inside = 0 <= r < h and 0 <= q < w
                        for k in range(c):
                            cols[n, i, j, a, b, k] = x[n, r, q, k] if inside else 0


@njit(nogil=True, cache=True)
def col2im(cols, gx, sh, sw, dh, dw, top, left):  # pragma: no cover - compiled
    """gx = 0, then gx[n, i*sh + a*dh - top, j*sw + b*dw - left, :] += cols[n, i, j, a, b, :].

    Runs of kw*C values are added at once when dw == 1, as in `im2col`.
    """
    n_img, h, w, c = gx.shape
    oh, ow, kh, kw = cols.shape[1:5]
    flat_gx, flat_cols = gx.reshape(n_img, h, w * c), cols.reshape(n_img, oh, ow, kh, kw * c)
    gx[...] = 0
    for n in range(n_img):
        for i in range(oh):
            for a in range(kh):
                r = i * sh + a * dh - top
                if r < 0 or r >= h:
                    continue
                for j in range(ow):
                    q0 = j * sw - left
                    if dw == 1 and q0 >= 0 and q0 + kw <= w:
                        for t in range(kw * c):
                            flat_gx[n, r, q0 * c + t] += flat_cols[n, i, j, a, t]
                        continue
                    for b in range(kw):
                        q = q0 + b * dw
                        if 0 <= q < w:
                            for k in range(c):
                                gx[n, r, q, k] += cols[n, i, j, a, b, k]


@njit(nogil=True, cache=True)
def max_pool(x, y, arg, ph, pw, sh, sw, top, left):  # pragma: no cover - compiled
    """y = max of each window; arg (int32) = row-major window offset of its first maximum.

    The inner loop runs along one pixel's channels, contiguous in x, y and arg, so the
    comparisons vectorise (a uint8 `arg` would stop that: 3x slower). A NaN wins, as with
    np.maximum. Windows over the border ('same') skip the missing pixels, as padding with
    -inf would; a window of -inf points at its first real pixel.
    """
    n_img, h, w, c = x.shape
    oh, ow = y.shape[1:3]
    rows_x, rows_y = x.reshape(n_img, h, w * c), y.reshape(n_img, oh, ow * c)
    rows_arg = arg.reshape(n_img, oh, ow * c)
    for n in range(n_img):
        for i in range(oh):
            out, where = rows_y[n, i], rows_arg[n, i]
            for j in range(ow):
                first = max(0, top - i * sh) * pw + max(0, left - j * sw)
                out[j * c:(j + 1) * c], where[j * c:(j + 1) * c] = -np.inf, first
            for a in range(ph):
                r = i * sh + a - top
                if 0 <= r < h:
                    _fold_row(rows_x[n, r], out, where, a, pw, sw, left, w, c)


@njit(nogil=True, cache=True, inline="always")
def _fold_row(row, out, where, a, pw, sw, left, w, c):  # pragma: no cover - compiled
    """Fold input row `row` (window row a) into one output row's running maxima."""
    for b in range(pw):
        offset = np.int32(a * pw + b)
        for j in range(len(out) // c):
            q = j * sw + b - left
            if 0 <= q < w:
                for k in range(c):
                    v, best = row[q * c + k], out[j * c + k]
                    wins = v > best or (v != v and best == best)
                    out[j * c + k] = v if wins else best
                    where[j * c + k] = offset if wins else where[j * c + k]


@njit(nogil=True, cache=True)
def max_pool_grad(gy, arg, gx, pw, sh, sw, top, left):  # pragma: no cover - compiled
    """gx = 0, then each window's gradient goes to the pixel `arg` points at."""
    n_img, oh, ow, c = gy.shape
    gx[...] = 0
    for n in range(n_img):
        for i in range(oh):
            for j in range(ow):
                for k in range(c):
                    offset = arg[n, i, j, k]
                    r = i * sh + offset // pw - top
                    q = j * sw + offset % pw - left
                    gx[n, r, q, k] += gy[n, i, j, k]

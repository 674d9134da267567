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
def max_pool(x, y, ph, pw, sh, sw, top, left):  # pragma: no cover - compiled
    """y = max of each window, as `MaxPool2D._pool` with np.maximum (a NaN wins).

    The inner loop runs along one pixel's channels, contiguous in x and y, so it
    vectorises. Windows over the border ('same') skip the missing pixels, as padding
    with -inf would.
    """
    n_img, h, w, c = x.shape
    oh, ow = y.shape[1:3]
    rows_x, rows_y = x.reshape(n_img, h, w * c), y.reshape(n_img, oh, ow * c)
    for n in range(n_img):
        for i in range(oh):
            out = rows_y[n, i]
            out[:] = -np.inf
            for a in range(ph):
                r = i * sh + a - top
                if r < 0 or r >= h:
                    continue
                for b in range(pw):
                    for j in range(ow):
                        q = j * sw + b - left
                        if 0 <= q < w:
                            for k in range(c):
                                v, best = rows_x[n, r, q * c + k], out[j * c + k]
                                wins = v > best or (v != v and best == best)
                                out[j * c + k] = v if wins else best


@njit(nogil=True, cache=True)
def max_pool_grad(x, y, gy, gx, ph, pw, sh, sw, top, left, tiles):  # pragma: no cover
    """`MaxPool2D._route`: each window's gradient goes to its first pixel equal to y.

    Per output row: first find each window's offset of its first maximum (`first`, a row of
    int32 that stays in cache), then write the gradient rows. When windows tile the input,
    every pixel is written exactly once and gx needs no zero-fill first. Both inner loops
    are branch-free selects along contiguous channels, so they vectorise.
    """
    n_img, h, w, c = x.shape
    oh, ow = y.shape[1:3]
    rows_x, rows_y = x.reshape(n_img, h, w * c), y.reshape(n_img, oh, ow * c)
    rows_gy, rows_gx = gy.reshape(n_img, oh, ow * c), gx.reshape(n_img, h, w * c)
    first = np.empty(ow * c, np.int32)
    if not tiles:
        gx[...] = 0
    for n in range(n_img):
        for i in range(oh):
            first[:] = -1
            _scan_windows(rows_x[n], rows_y[n, i], first, i, ph, pw, sh, sw, top, left, c,
                          True, rows_gy[n, i], rows_gx[n], tiles)
            _scan_windows(rows_x[n], rows_y[n, i], first, i, ph, pw, sh, sw, top, left, c,
                          False, rows_gy[n, i], rows_gx[n], tiles)


@njit(nogil=True, cache=True, inline="always")
def _scan_windows(x, y, first, i, ph, pw, sh, sw, top, left, c, find, gy, gx,
                  tiles):  # pragma: no cover - compiled
    """One output row's windows: find each first maximum (`find`), or route gy to it."""
    h, ow = x.shape[0], len(y) // c
    w = x.shape[1] // c
    for a in range(ph):
        r = i * sh + a - top
        if r < 0 or r >= h:
            continue
        for b in range(pw):
            offset = np.int32(a * pw + b)
            for j in range(ow):
                q = j * sw + b - left
                if q < 0 or q >= w:
                    continue
                for k in range(c):
                    o, p = j * c + k, q * c + k
                    if find:
                        is_first = first[o] < 0 and x[r, p] == y[o]
                        first[o] = offset if is_first else first[o]
                    elif tiles:
                        gx[r, p] = gy[o] if first[o] == offset else 0
                    else:
                        gx[r, p] += gy[o] if first[o] == offset else 0

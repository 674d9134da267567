"""Compiled loops for the memory-bound glue of conv and max-pool (needs Numba; optional).

Each function here does exactly what a plain NumPy function in im2col.py or pool.py does, and
that NumPy method stays the readable reference: tests run both on the same inputs and
require equal results. The loops win because they touch each value once, in cache, where
the NumPy versions make kh*kw strided passes and build temporaries (benchmarks/README.md).

The loops are serial and release the GIL (`nogil=True`): `runtime.threads.map_chunks`
already runs one batch chunk per core. They are compiled on first use and cached on disk (`cache=True`).
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
                        if 0 <= r < h and 0 <= q < w:
                            cols[n, i, j, a, b, :] = x[n, r, q, :]
                        else:
                            cols[n, i, j, a, b, :] = 0


@njit(nogil=True, cache=True)
def col2im(cols, gx, sh, sw, dh, dw, top, left):  # pragma: no cover - compiled
    """gx[n, i*sh + a*dh - top, j*sw + b*dw - left, :] summed over cols[n, i, j, a, b, :].

    One input row at a time (it stays in L1 while the kh*kw offsets are added into it),
    offsets in (a, b) order from zero, exactly as `im2col.col2im` adds its slices: each
    pixel sums the same numbers in the same order, so both paths agree bit for bit.
    """
    n_img, h, w, c = gx.shape
    oh, ow, kh, kw = cols.shape[1:5]
    rows_gx = gx.reshape(n_img, h, w * c)
    for n in range(n_img):
        for r in range(h):
            row = rows_gx[n, r]
            row[:] = 0
            for a in range(kh):
                di = r + top - a * dh                  # = i * sh for the output row i
                if di < 0 or di % sh != 0 or di // sh >= oh:
                    continue
                i = di // sh
                for b in range(kw):
                    for j in range(ow):
                        q = j * sw + b * dw - left
                        if 0 <= q < w:
                            for k in range(c):
                                row[q * c + k] += cols[n, i, j, a, b, k]


@njit(nogil=True, cache=True)
def max_pool(x, y, ph, pw, sh, sw, top, left):  # pragma: no cover - compiled
    """y = max of each window, as `MaxPool2DOp._fold` with np.maximum (a NaN wins).

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
def max_pool_grad(x, y, gy, gx, first, ph, pw, sh, sw, top, left, tiles):  # pragma: no cover
    """`MaxPool2DOp._route`: each window's gradient goes to its first pixel equal to y.

    First every window's offset of its first maximum (`_first_maxima`, into `first`, an
    int32 scratch shaped like y that the caller reuses), then the gradient,
    one input row at a time with the offsets in (a, b) order as `_route` adds its slices,
    so overlapping windows sum in the same order on both paths. When windows tile the
    input, every pixel is written once and gx needs no zero-fill first.
    """
    n_img, h, w, c = x.shape
    oh, ow = y.shape[1:3]
    first = first.reshape(n_img, oh, ow * c)
    _first_maxima(x, y, first, ph, pw, sh, sw, top, left)
    rows_gy, rows_gx = gy.reshape(n_img, oh, ow * c), gx.reshape(n_img, h, w * c)
    for n in range(n_img):
        for r in range(h):
            row = rows_gx[n, r]
            if not tiles:
                row[:] = 0
            for a in range(ph):
                di = r + top - a                        # = i * sh for the window row i
                if di < 0 or di % sh != 0 or di // sh >= oh:
                    continue
                i = di // sh
                for b in range(pw):
                    offset = a * pw + b
                    for j in range(ow):
                        q = j * sw + b - left
                        if 0 <= q < w:
                            for k in range(c):
                                hit = first[n, i, j * c + k] == offset
                                g = rows_gy[n, i, j * c + k] if hit else 0
                                if tiles:
                                    row[q * c + k] = g
                                else:
                                    row[q * c + k] += g


@njit(nogil=True, cache=True)
def _first_maxima(x, y, first, ph, pw, sh, sw, top, left):  # pragma: no cover - compiled
    """first[n, i, j*C + k] = the row-major offset of each window's first pixel equal to y.

    As on the NumPy path, padding counts as -inf pixels (a window of -inf may thus point
    at padding, and its gradient is dropped) and -1 marks a window where nothing equals y
    (NaN), whose gradient goes nowhere. Inner loops are branch-free selects along
    contiguous channels, so they vectorise.
    """
    n_img, h, w, c = x.shape
    oh, ow = y.shape[1:3]
    rows_x, rows_y = x.reshape(n_img, h, w * c), y.reshape(n_img, oh, ow * c)
    first[...] = -1
    for n in range(n_img):
        for i in range(oh):
            found, best = first[n, i], rows_y[n, i]
            for a in range(ph):
                r = i * sh + a - top
                if r < 0 or r >= h:
                    continue
                for b in range(pw):
                    offset = np.int32(a * pw + b)
                    for j in range(ow):
                        q = j * sw + b - left
                        if 0 <= q < w:
                            for k in range(c):
                                o = j * c + k
                                is_first = found[o] < 0 and rows_x[n, r, q * c + k] == best[o]
                                found[o] = offset if is_first else found[o]
    if top or left:                                  # padding before: -inf windows may hit it
        _first_with_padding(rows_x, rows_y, first, ph, pw, sh, sw, top, left, c)


@njit(nogil=True, cache=True)
def _first_with_padding(rows_x, rows_y, first, ph, pw, sh, sw, top, left, c):  # pragma: no cover
    """Redo the search for windows of -inf that reach into padding (a few border windows)."""
    n_img, h, oh = rows_x.shape[0], rows_x.shape[1], rows_y.shape[1]
    w, ow = rows_x.shape[2] // c, rows_y.shape[2] // c
    for n in range(n_img):
        for i in range(oh):
            for j in range(ow):
                if i * sh >= top and j * sw >= left:
                    continue                             # no padding before this window
                for k in range(c):
                    o = j * c + k
                    if rows_y[n, i, o] != -np.inf:
                        continue
                    for offset in range(ph * pw - 1, -1, -1):   # ends on the first match
                        r, q = i * sh + offset // pw - top, j * sw + offset % pw - left
                        if not (0 <= r < h and 0 <= q < w) or rows_x[n, r, q * c + k] == -np.inf:
                            first[n, i, o] = offset


def warm_up() -> None:
    """Load (or compile) the float32 variants of every loop, on tiny arrays."""
    x, y = np.zeros((1, 4, 4, 2), np.float32), np.zeros((1, 2, 2, 2), np.float32)
    cols = np.zeros((1, 2, 2, 3, 3, 2), np.float32)
    im2col(x, cols, 1, 1, 1, 1, 0, 0)
    col2im(cols, x, 1, 1, 1, 1, 0, 0)
    max_pool(x, y, 2, 2, 2, 2, 0, 0)
    max_pool_grad(x, y, y, x, np.empty(y.shape, np.int32), 2, 2, 2, 2, 1, 1, False)

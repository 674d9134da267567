"""Compiled loop that undoes PNG's row filters (needs Numba; optional).

A PNG stores each row after one of five filters, chosen per row, that predict a byte from its
left (a), upper (b) and upper-left (c) neighbours, already decoded, and keep only the
difference. Undoing them is a byte-by-byte loop in which each byte needs the one just written,
so NumPy cannot vectorise it. Pillow runs it in C inside its own decoder; this is the same loop
for `png.decode`, which skips the Python file handling around Pillow's (~0.1 ms here for a
300x300 image). The arithmetic is the PNG specification's (section 9.2), all modulo 256, so the
bytes are exactly Pillow's; the tests hold the two to each other on every filter type.

It releases the GIL, so the image iterators' worker threads decode in parallel; it is compiled
on first use and cached on disk, and `chainrule.config.set_kernels('numpy')` switches it off.
"""
from __future__ import annotations

import numpy as np
from numba import njit

NONE, SUB, UP, AVERAGE, PAETH = range(5)


@njit(nogil=True, cache=True)
def unfilter(filtered, out, bpp):  # pragma: no cover
    """Write the decoded rows of `filtered` (height, 1 + row bytes: filter type, then bytes)
    into `out` (height, row bytes); `bpp` is bytes per pixel. False at an unknown filter type.

    Above the first row is a row of zeros, left of the first pixel a pixel of zeros. One loop
    per filter type, so the inner loops carry no branches.
    """
    height, stride = out.shape
    zeros = np.zeros(stride, np.uint8)
    for y in range(height):
        kind, x = filtered[y, 0], filtered[y, 1:]
        row, up = out[y], out[y - 1] if y > 0 else zeros
        if kind == NONE:
            row[:] = x
        elif kind == SUB:
            row[:bpp] = x[:bpp]
            for i in range(bpp, stride):
                row[i] = (x[i] + row[i - bpp]) & 255
        elif kind == UP:
            for i in range(stride):
                row[i] = (x[i] + up[i]) & 255
        elif kind == AVERAGE:
            for i in range(bpp):
                row[i] = (x[i] + (up[i] >> 1)) & 255
            for i in range(bpp, stride):
                row[i] = (x[i] + ((np.int32(row[i - bpp]) + up[i]) >> 1)) & 255
        elif kind == PAETH:
            for i in range(bpp):
                row[i] = (x[i] + up[i]) & 255     # a = c = 0: the predictor is b
            for i in range(bpp, stride):
                row[i] = (x[i] + _paeth(np.int32(row[i - bpp]), np.int32(up[i]),
                                        np.int32(up[i - bpp]))) & 255
        else:
            return False
    return True


@njit(nogil=True, cache=True, inline="always")
def _paeth(a, b, c):  # pragma: no cover
    """Whichever of a, b, c is closest to a + b - c; ties go to a, then b."""
    pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def warm_up() -> None:
    """Load (or compile) the loop on a five-row image, one row per filter type."""
    filtered = np.zeros((5, 1 + 6), np.uint8)
    filtered[:, 0] = np.arange(5)
    unfilter(filtered, np.empty((5, 6), np.uint8), 3)

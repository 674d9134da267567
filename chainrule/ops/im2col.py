"""im2col and col2im: the copies around a convolution's matrix product.

im2col lays out every window of the input as one row of a patch matrix: (b, H, W, C) ->
(b*OH*OW, kh*kw*C), in the row order of a Keras HWIO kernel reshaped to (kh*kw*C, out), so
neither side needs a transpose. col2im is its adjoint: it adds each row's values back onto
the input pixels they came from. Both take the compiled loops (`numba_kernels`) when the op
was handed them, else run the NumPy code below, the readable reference the loops are tested
against bit for bit.
"""
from __future__ import annotations

from chainrule.backend import get_array_module
from chainrule.ops.windows import Windows


def im2col(x, scratch, win: Windows, fast=None):
    """(b, H, W, C) -> (b*OH*OW, kh*kw*C) rows, written into `scratch` (a view of it).

    patch[n, i, j, a, k, c] = x_pad[n, i*sh + a*dh, j*sw + k*dw, c]. `scratch` is a
    (>= b, OH, OW, kh, kw, C) buffer, reused across chunks.
    """
    xp, b = get_array_module(x), len(x)
    if fast:
        fast.im2col(xp.ascontiguousarray(x), scratch[:b], *win.strides, *win.dilation,
                    win.pads[0], win.pads[2])
        return rows(scratch, b)
    x = xp.ascontiguousarray(win.pad(xp, x))
    if win.strides[1] == win.dilation[1] == 1:
        patches = scratch[:b].reshape(b, win.oh, win.ow, win.size[0], -1)
        for a in range(win.size[0]):                   # kh copies of kw*C contiguous values
            patches[:, :, :, a, :] = _row_windows(x, a, win)
    else:
        patches = scratch[:b]
        for a, k, rs, cs in win.offsets():             # kh*kw copies of C contiguous values
            patches[:, :, :, a, k, :] = x[:, rs, cs, :]
    return rows(scratch, b)


def col2im(cols, gx, win: Windows, fast=None) -> None:
    """Add patch gradients (b*OH*OW, kh*kw*C) back into the (b, H, W, C) input gradient `gx`."""
    xp = get_array_module(cols)
    b, h, w, c = gx.shape
    cols = cols.reshape(b, win.oh, win.ow, *win.size, c)
    if fast:
        fast.col2im(cols, gx, *win.strides, *win.dilation, win.pads[0], win.pads[2])
        return
    if any(win.pads):
        target = xp.zeros(win.padded_shape(gx.shape), gx.dtype)
    else:
        target = gx
        target[...] = 0                                # this chunk of gx, zeroed while in cache
    for a, k, rs, cs in win.offsets():                 # kh*kw slice-adds
        target[:, rs, cs, :] += cols[:, :, :, a, k, :]
    if target is not gx:
        gx[...] = win.crop(target, h, w)


def rows(scratch, batch: int):
    """The first `batch` images of a patch buffer, viewed as (rows, kh*kw*C)."""
    return scratch[:batch].reshape(-1, scratch[0, 0, 0].size)


def _row_windows(x, a: int, win: Windows):
    """(b, OH, OW, kw*C) read-only view of kernel row a's windows, for width stride 1.

    With stride and dilation 1 along the width, window j's kw pixels are the kw*C values
    starting at pixel j, so a window is a plain run of memory: 3x fewer, longer copies.
    """
    xp = get_array_module(x)
    n, h, w, c = x.shape
    item = x.itemsize                 # strides from the shape: size-1 axes may report any
    strides = (h * w * c * item, win.strides[0] * w * c * item, c * item, item)
    shape = (n, win.oh, win.ow, win.size[1] * c)
    return xp.lib.stride_tricks.as_strided(x[:, a * win.dilation[0]:], shape, strides)

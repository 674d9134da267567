"""The sampling half of `transforms.warp`: read an image at affine-mapped positions.

Output pixel (r, c) reads the input at `matrix[:2, :2] @ (r, c) + matrix[:2, 2]`, with scipy's
fill modes (see `transforms`) and order 1 (bilinear) or 0 (nearest neighbour). The arithmetic is
that of the plain version kept in the tests (tests/preprocessing/warp_reference.py), operation
for operation (float64 positions, lerps in the image's dtype), so the pixels are bit-identical
to it. What differs is how the work is laid out for NumPy, which made the warp of a 150x150x3
image ~3x faster:

- Scratch buffers. Done with fresh temporaries, the warp made about ten arrays of 200-500 KB,
  page-faulted in again for every image (~600 faults, about a third of the time). Here every
  temporary is a per-thread buffer (`scratch`); large images are done in bands of
  `BAND_PIXELS` output pixels, which bounds the buffers.
- Whole pixels per gather. `np.take` costs per item, and moves an item of 4, 8, 16 or 32 bytes
  with one copy but any other size with a `memmove` call. So the image is first copied into a
  table whose pixels are such items (3 float32 channels padded to 4, 16 bytes), and each of the
  four neighbours is one gather of n pixels instead of 3n values.
- Long rows. NumPy's inner loop runs along the axis with the smallest strides; in an (n, 3)
  layout that is the 3 channels, a loop ~5x slower than one along n. So the neighbours are
  turned into (C, n) channel rows, the lerps run along n, and the result is written back one
  channel at a time.

With Numba installed, fill modes 'nearest' and 'constant' run the compiled loop in `numba_warp`
instead (same pixels, about twice as fast again); `config.set_kernels('numpy')` keeps this code.
"""
from __future__ import annotations

import numpy as np

from chainrule.runtime import kernels, scratch

BAND_PIXELS = 65536  # a 150x150 image is one band; each band costs ~40 NumPy calls
LOOPS = "chainrule.preprocessing.numba_warp"
_scratch = scratch.buffers


def sample(x: np.ndarray, matrix: np.ndarray, fill_mode: str, cval: float, order: int,
           out: np.ndarray, flip: tuple[bool, bool] = (False, False)) -> None:
    """Fill `out` (same shape as `x`, a float dtype) with `x` sampled through `matrix`.

    `flip` = (vertical, horizontal) flips the output by walking its rows or columns backwards:
    the same pixels as flipping the result afterwards, without a copy through a reversed view.
    """
    compiled = _compiled(fill_mode)
    if compiled is not None:
        x = np.ascontiguousarray(x, dtype=out.dtype)
        compiled.warp(x, matrix, out, order, fill_mode == "constant", cval, *flip)
        return
    height, width, channels = x.shape
    table = _pixel_table(x, out.dtype, pad=order == 1)
    out_pixels = out.reshape(-1, channels)
    rows_per_band = max(1, BAND_PIXELS // width)
    for r0 in range(0, height, rows_per_band):
        r1 = min(height, r0 + rows_per_band)
        rows, cols = _band_positions(matrix, r0, r1, (height, width), flip)
        outside = _outside(rows, cols, height, width) if fill_mode == "constant" else None
        fold(rows, height, fill_mode)
        fold(cols, width, fill_mode)
        interpolate = _nearest if order == 0 else _bilinear
        values = interpolate(table, rows, cols, channels)
        if outside is not None:
            np.copyto(values, out.dtype.type(cval), where=outside)
        band = out_pixels[r0 * width:r1 * width]
        for k in range(channels):
            band[:, k] = values[k]


def _compiled(fill_mode: str):
    """The Numba loop (`numba_warp`) when kernels are 'numba', it is loaded and it serves
    `fill_mode`; loaded like the conv loops (`ops.kernels.compiled`), in the background."""
    if fill_mode not in ("nearest", "constant"):
        return None
    return kernels.compiled(np, LOOPS)


def _pixel_table(x: np.ndarray, dtype, pad: bool) -> np.ndarray:
    """The image in `dtype` as (H, W, item_channels) pixels; with `pad`, (H+1, W+1, ...) with the
    last row and column repeated.

    Padding lets a position clamped to the last row or column still read its +1 neighbours
    (their weight there is 0, as in scipy), so one index array serves all four neighbours.
    """
    height, width, channels = x.shape
    shape = (height + pad, width + pad, _item_channels(channels, np.dtype(dtype).itemsize))
    table = _scratch.get("table", shape, dtype)
    for k in range(channels):  # a channel at a time: long rows (see the module docstring)
        table[:height, :width, k] = x[:, :, k]
    if pad:
        table[height, :width] = table[height - 1, :width]
        table[:, width] = table[:, width - 1]
    return table


def _item_channels(channels: int, itemsize: int) -> int:
    """Channels per table pixel: padded up so that a pixel is 4, 8, 16 or 32 bytes if it can."""
    for size in (1, 2, 4, 8):
        if channels <= size and size * itemsize <= 32:
            return size
    return channels


def _band_positions(matrix: np.ndarray, r0: int, r1: int, size: tuple[int, int],
                    flip: tuple[bool, bool]):
    """Input row and column of output rows r0..r1-1, flattened; summed in scipy's order."""
    shape = (r1 - r0, size[1])
    r = _grid(r0, r1, size[0], flip[0])[:, None]
    c = _grid(0, size[1], size[1], flip[1])[None, :]
    rows = np.add(r * matrix[0, 0], c * matrix[0, 1], out=_scratch.get("rows", shape, np.float64))
    rows += matrix[0, 2]
    cols = np.add(r * matrix[1, 0], c * matrix[1, 1], out=_scratch.get("cols", shape, np.float64))
    cols += matrix[1, 2]
    return rows.reshape(-1), cols.reshape(-1)


def _grid(start: int, stop: int, size: int, flip: bool) -> np.ndarray:
    """Output indices start..stop-1 as float64, counted from the far end if `flip`."""
    index = np.arange(start, stop, dtype=np.float64)
    return size - 1 - index if flip else index


def _outside(rows: np.ndarray, cols: np.ndarray, height: int, width: int) -> np.ndarray:
    """Where a position falls outside [0, n - 1] on either axis ('constant' takes cval there)."""
    return (rows < 0) | (rows > height - 1) | (cols < 0) | (cols > width - 1)


def fold(coords: np.ndarray, n: int, fill_mode: str) -> np.ndarray:
    """Fold positions like scipy's boundary mode, then clamp them into [0, n - 1] (in place).

    After folding, 'reflect' can leave positions in (-1, 0) or (n - 1, n), where scipy reads the
    edge sample twice; clamping gives the same value. 'constant' is clamped here and masked later.
    """
    if fill_mode in ("reflect", "wrap") and n > 1:
        outside = (coords < 0) | (coords > n - 1)
        if outside.any():
            folded = _reflect(coords, n) if fill_mode == "reflect" else _wrap(coords, n)
            np.copyto(coords, folded, where=outside)
    return np.clip(coords, 0, n - 1, out=coords)


def _reflect(coords: np.ndarray, n: int) -> np.ndarray:
    """Half-sample symmetric extension: period 2n, mirrored about -0.5 and n - 0.5."""
    folded = np.mod(coords, 2 * n)
    return np.where(folded >= n, 2 * n - 1 - folded, folded)


def _wrap(coords: np.ndarray, n: int) -> np.ndarray:
    """scipy's legacy 'wrap' (period n - 1), with its exact arithmetic for each side."""
    period = n - 1
    below = coords + period * (np.trunc(-coords / period) + 1)
    above = coords - period * np.trunc(coords / period)
    return np.where(coords < 0, below, above)


def _flat_index(rows: np.ndarray, cols: np.ndarray, width: int) -> np.ndarray:
    """Table positions of whole-numbered float (rows, cols), as intp. Overwrites `rows`."""
    rows *= width
    rows += cols  # exact: whole numbers far below 2**53
    index = _scratch.get("index", rows.shape, np.intp)
    np.copyto(index, rows, casting="unsafe")
    return index


def _gather(table: np.ndarray, index: np.ndarray, shift: int, channels: int,
            name: str) -> np.ndarray:
    """Pixels `index + shift` of the table, as (C, n) channel rows in a buffer called `name`."""
    item = np.dtype((np.void, table.shape[-1] * table.itemsize))
    items = table.reshape(-1, table.shape[-1]).view(item).reshape(-1)
    gathered = _scratch.get(name + "_items", index.shape, item)
    # The indices are in range by construction; mode="clip" skips take's checks (~25%).
    np.take(items[shift:], index, mode="clip", out=gathered)
    values = _scratch.get(name, (channels, index.size), table.dtype)
    np.copyto(values, gathered.view(table.dtype).reshape(index.size, -1)[:, :channels].T)
    return values


def _nearest(table: np.ndarray, rows: np.ndarray, cols: np.ndarray,
             channels: int) -> np.ndarray:
    """Order 0: round half up (scipy's `floor(c + 0.5)`; positions are >= 0, so trunc floors)."""
    rows += 0.5
    cols += 0.5
    np.trunc(rows, out=rows)
    np.trunc(cols, out=cols)
    return _gather(table, _flat_index(rows, cols, table.shape[1]), 0, channels, "a")


def _split(coords: np.ndarray, name: str, dtype) -> tuple[np.ndarray, np.ndarray]:
    """floor(coords) (float64) and coords - floor(coords) (in `dtype`). Overwrites `coords`."""
    whole = np.floor(coords, out=_scratch.get("whole_" + name, coords.shape, np.float64))
    coords -= whole
    frac = _scratch.get("frac_" + name, coords.shape, dtype)
    np.copyto(frac, coords, casting="same_kind")
    return whole, frac


def _bilinear(table: np.ndarray, rows: np.ndarray, cols: np.ndarray,
              channels: int) -> np.ndarray:
    """Order 1: gather the four neighbours, two horizontal lerps, one vertical lerp."""
    top, frac_r = _split(rows, "r", table.dtype)
    left, frac_c = _split(cols, "c", table.dtype)
    index = _flat_index(top, left, table.shape[1])
    step = table.shape[1]
    a, b, c, d = (_gather(table, index, shift, channels, name)
                  for name, shift in (("a", 0), ("b", 1), ("c", step), ("d", step + 1)))
    b -= a
    b *= frac_c
    b += a  # top edge: a + (b - a) * frac_c
    d -= c
    d *= frac_c
    d += c  # bottom edge
    d -= b
    d *= frac_r
    b += d
    return b

"""The plain whole-image warp that `chainrule.preprocessing.resample` and `numba_warp` must
reproduce bit for bit: the same float64 positions summed in scipy's order, the same folding, the
same lerps in the image's dtype, with none of their speed-ups (no scratch buffers, bands, pixel
tables or compiled loops). Its own parity with Keras/scipy is what the fixture tests check
through `transforms.warp`.
"""
import numpy as np


def reference_warp(image: np.ndarray, matrix: np.ndarray, fill_mode: str, cval: float,
                   order: int) -> np.ndarray:
    """`transforms.warp(image, matrix, fill_mode, cval, order)`, the slow and obvious way."""
    x = image if image.dtype in (np.float32, np.float64) else image.astype(np.float32)
    height, width, _ = x.shape
    r = np.arange(height, dtype=np.float64)[:, None]
    c = np.arange(width, dtype=np.float64)[None, :]
    rows = (r * matrix[0, 0] + c * matrix[0, 1]) + matrix[0, 2]
    cols = (r * matrix[1, 0] + c * matrix[1, 1]) + matrix[1, 2]
    outside = (rows < 0) | (rows > height - 1) | (cols < 0) | (cols > width - 1)
    rows, cols = _fold(rows, height, fill_mode), _fold(cols, width, fill_mode)
    if order == 0:
        out = x[np.floor(rows + 0.5).astype(int), np.floor(cols + 0.5).astype(int)]
    else:
        out = _bilinear(x, rows, cols)
    if fill_mode == "constant":
        out[outside] = cval
    return out


def _fold(coords: np.ndarray, n: int, fill_mode: str) -> np.ndarray:
    """scipy's boundary modes for positions, then a clamp into [0, n - 1]."""
    if fill_mode == "reflect" and n > 1:
        folded = np.mod(coords, 2 * n)
        folded = np.where(folded >= n, 2 * n - 1 - folded, folded)
        coords = np.where((coords < 0) | (coords > n - 1), folded, coords)
    if fill_mode == "wrap" and n > 1:
        period = n - 1
        below = coords + period * (np.trunc(-coords / period) + 1)
        above = coords - period * np.trunc(coords / period)
        folded = np.where(coords < 0, below, above)
        coords = np.where((coords < 0) | (coords > n - 1), folded, coords)
    return np.clip(coords, 0, n - 1)


def _bilinear(x: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Four neighbours (the +1 of the last row or column is that row or column), lerped."""
    height, width, _ = x.shape
    top, left = np.floor(rows), np.floor(cols)
    frac_r = (rows - top).astype(x.dtype)[..., None]
    frac_c = (cols - left).astype(x.dtype)[..., None]
    top, left = top.astype(int), left.astype(int)
    bottom, right = np.minimum(top + 1, height - 1), np.minimum(left + 1, width - 1)
    upper = x[top, left] + (x[top, right] - x[top, left]) * frac_c
    lower = x[bottom, left] + (x[bottom, right] - x[bottom, left]) * frac_c
    return upper + (lower - upper) * frac_r

"""Pure image-augmentation math: affine matrices, one-pass warping, channel and brightness shifts.

Nothing here is random: `ImageDataGenerator` draws the parameters and these functions apply them,
so a test can pin every output pixel. Images are (height, width, channels) arrays.

Coordinates. Keras builds its matrices on (x, y) = (column, row) vectors; we do the same, so a
square image gets exactly Keras' numbers. The warp is *inverse* mapping, as in
`scipy.ndimage.affine_transform`: output pixel (r, c) reads the input at `A @ (r, c) + b`.

Fill modes reproduce scipy's (order 1 and 0), which is what Keras uses:

- 'constant': samples outside [0, n - 1] on either axis take `cval`; no blending with cval.
- 'nearest': the sample position is clamped to [0, n - 1].
- 'reflect': half-sample symmetric (`... 1 0 | 0 1 2 ... n-1 | n-1 n-2 ...`).
- 'wrap': scipy's legacy 'wrap', which repeats with period n - 1, not n. Shifting
  [0 1 2 3 4 5] left by 3 gives [3 4 5 1 2 3], not [3 4 5 0 1 2].

>>> img = np.arange(6, dtype=np.float32).reshape(1, 6, 1)
>>> warp(img, centered_matrix(affine_matrix(tx=3), 1, 6), "wrap")[0, :, 0]
array([3., 4., 5., 1., 2., 3.], dtype=float32)
"""
from __future__ import annotations

import numbers

import numpy as np

from chainrule.preprocessing import fast

FILL_MODES = ("constant", "nearest", "reflect", "wrap")
INTERPOLATION_ORDERS = (0, 1)


def affine_matrix(theta: float = 0, tx: float = 0, ty: float = 0, shear: float = 0,
                  zx: float = 1, zy: float = 1) -> np.ndarray | None:
    """Keras' rotation · shift · shear · zoom product on (x, y, 1) vectors, or None if identity.

    Args:
        theta: Rotation in degrees; positive turns the content counter-clockwise on screen.
        tx: Horizontal shift in pixels; positive moves the content left (inverse mapping).
        ty: Vertical shift in pixels; positive moves the content up.
        shear: Shear angle in degrees.
        zx: Horizontal zoom; above 1 shrinks the content (zoom out).
        zy: Vertical zoom.

    Returns:
        A float64 (3, 3) matrix, built with the same products in the same order as Keras'
        `apply_affine_transform` (identity factors skipped), so the numbers match it bit for bit.
    """
    parts = []
    if theta != 0:
        t = np.deg2rad(theta)
        parts.append(np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]]))
    if tx != 0 or ty != 0:
        parts.append(np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]], dtype=np.float64))
    if shear != 0:
        s = np.deg2rad(shear)
        parts.append(np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]]))
    if zx != 1 or zy != 1:
        parts.append(np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]], dtype=np.float64))
    if not parts:
        return None
    matrix = parts[0]
    for part in parts[1:]:
        matrix = np.dot(matrix, part)
    return matrix


def centered_matrix(matrix: np.ndarray, height: int, width: int) -> np.ndarray:
    """Move the origin of an (x, y) matrix to the image centre and re-order it to (row, col).

    The centre is the true one, x = (width - 1) / 2 and y = (height - 1) / 2. Keras uses
    (height - 1) / 2 for x and (width - 1) / 2 for y, which is the same only for square images.

    Returns:
        A (3, 3) matrix acting on (row, col, 1): what `warp` expects.
    """
    ox, oy = width / 2 - 0.5, height / 2 - 0.5
    offset = np.array([[1, 0, ox], [0, 1, oy], [0, 0, 1]])
    reset = np.array([[1, 0, -ox], [0, 1, -oy], [0, 0, 1]])
    centered = np.dot(np.dot(offset, matrix), reset)
    return centered[[1, 0, 2]][:, [1, 0, 2]]  # swap x/y: numpy indexes (row, col) = (y, x)


def warp(image: np.ndarray, matrix: np.ndarray, fill_mode: str = "nearest", cval: float = 0.0,
         order: int = 1, flip: tuple[bool, bool] = (False, False)) -> np.ndarray:
    """Resample an (H, W, C) image through an inverse (row, col) affine map, all channels at once.

    Args:
        image: Array of shape (height, width, channels).
        matrix: (3, 3) or (2, 3) matrix; output pixel (r, c) samples the input at
            `matrix[:2, :2] @ (r, c) + matrix[:2, 2]`.
        fill_mode: One of 'constant', 'nearest', 'reflect', 'wrap' (see the module docstring).
        cval: Value for samples outside the image when `fill_mode='constant'`.
        order: 1 for bilinear interpolation, 0 for nearest neighbour.
        flip: (vertical, horizontal): flip the output, bit for bit as `out[::-1]` and
            `out[:, ::-1]` would, but for free (the output grid is walked backwards).

    Returns:
        A new array with the image's shape, float32 unless the image is float64.
    """
    _check_warp_args(image, fill_mode, order)
    matrix = np.asarray(matrix, dtype=np.float64)
    out = fast.warp(image, matrix, fill_mode, cval, order, flip)
    return out if out is not None else reference_warp(image, matrix, fill_mode, cval, order, flip)


def reference_warp(image: np.ndarray, matrix: np.ndarray, fill_mode: str, cval: float,
                   order: int, flip: tuple[bool, bool] = (False, False)) -> np.ndarray:
    """`warp` the plain way: every output pixel's source position, folded into the image, then
    sampled (`fast.warp` is the same arithmetic, operation for operation, compiled).

    Positions are float64, summed in scipy's order; the lerps run in the image's float dtype.
    The image is read as (channels, pixels) planes, so every gather and lerp runs along a long
    row of pixels rather than over 3 channels at a time (several times faster in NumPy).
    """
    x = image if image.dtype in (np.float32, np.float64) else image.astype(np.float32)
    height, width, channels = x.shape
    r = _grid(height, flip[0])[:, None]
    c = _grid(width, flip[1])[None, :]
    rows = ((r * matrix[0, 0] + c * matrix[0, 1]) + matrix[0, 2]).ravel()
    cols = ((r * matrix[1, 0] + c * matrix[1, 1]) + matrix[1, 2]).ravel()
    planes = x.transpose(2, 0, 1).reshape(channels, height * width)
    sample = _nearest if order == 0 else _bilinear
    out = sample(planes, _fold(rows, height, fill_mode), _fold(cols, width, fill_mode), width)
    if fill_mode == "constant":
        out[:, (rows < 0) | (rows > height - 1) | (cols < 0) | (cols > width - 1)] = cval
    return np.ascontiguousarray(out.T).reshape(x.shape)


def _grid(size: int, flip: bool) -> np.ndarray:
    """Output indices 0..size-1 as float64, counted from the far end if `flip` (so the output
    comes out flipped, with the very numbers of flipping it afterwards)."""
    index = np.arange(size, dtype=np.float64)
    return index[::-1] if flip else index


def _fold(coords: np.ndarray, n: int, fill_mode: str) -> np.ndarray:
    """scipy's boundary modes for positions (see the module docstring), then a clamp into
    [0, n - 1]: 'reflect' can leave positions in (-1, 0), where scipy reads the edge twice."""
    if fill_mode in ("reflect", "wrap") and n > 1:
        if fill_mode == "reflect":   # half-sample symmetric: period 2n, mirrored at n - 0.5
            folded = np.mod(coords, 2 * n)
            folded = np.where(folded >= n, 2 * n - 1 - folded, folded)
        else:                        # scipy's legacy wrap, period n - 1, exact on each side
            period = n - 1
            below = coords + period * (np.trunc(-coords / period) + 1)
            above = coords - period * np.trunc(coords / period)
            folded = np.where(coords < 0, below, above)
        coords = np.where((coords < 0) | (coords > n - 1), folded, coords)
    return np.clip(coords, 0, n - 1)


def _nearest(planes: np.ndarray, rows: np.ndarray, cols: np.ndarray, width: int) -> np.ndarray:
    """Order 0: the pixel nearest each position, rounding half up as scipy does."""
    top, left = np.floor(rows + 0.5).astype(np.intp), np.floor(cols + 0.5).astype(np.intp)
    return planes.take(top * width + left, axis=1)


def _bilinear(planes: np.ndarray, rows: np.ndarray, cols: np.ndarray, width: int) -> np.ndarray:
    """Order 1: four neighbours (the +1 of the last row or column is that row or column), two
    horizontal lerps and a vertical one."""
    height = planes.shape[1] // width
    top, left = np.floor(rows), np.floor(cols)
    frac_r = (rows - top).astype(planes.dtype)
    frac_c = (cols - left).astype(planes.dtype)
    top, left = top.astype(np.intp), left.astype(np.intp)
    bottom, right = np.minimum(top + 1, height - 1), np.minimum(left + 1, width - 1)

    def at(r: np.ndarray, c: np.ndarray) -> np.ndarray:
        return planes.take(r * width + c, axis=1)

    upper = at(top, left) + (at(top, right) - at(top, left)) * frac_c
    lower = at(bottom, left) + (at(bottom, right) - at(bottom, left)) * frac_c
    return upper + (lower - upper) * frac_r


def _check_warp_args(image, fill_mode: str, order: int) -> None:
    if image.ndim != 3:
        raise ValueError(f"warp expects an image of shape (height, width, channels). "
                         f"Received: image.shape={image.shape}")
    check_fill_mode(fill_mode)
    check_interpolation_order(order)


def check_fill_mode(fill_mode: str) -> str:
    """One of FILL_MODES (scipy.ndimage's names, as Keras passes them)."""
    if fill_mode not in FILL_MODES:
        raise ValueError(f"`fill_mode` must be one of {FILL_MODES}. "
                         f"Received: fill_mode={fill_mode!r}")
    return fill_mode


def check_interpolation_order(order: int) -> int:
    """0 or 1: the spline orders this NumPy warp implements (scipy also has 2 to 5)."""
    if isinstance(order, bool) or order not in INTERPOLATION_ORDERS:
        raise ValueError("`interpolation_order` must be 0 (nearest) or 1 (bilinear). "
                         f"Received: interpolation_order={order!r}")
    return order


def apply_affine_transform(x: np.ndarray, theta: float = 0, tx: float = 0, ty: float = 0,
                           shear: float = 0, zx: float = 1, zy: float = 1,
                           fill_mode: str = "nearest", cval: float = 0.0,
                           order: int = 1) -> np.ndarray:
    """Rotate, shift, shear and zoom an (H, W, C) image about its centre in one warp.

    Arguments mean what they mean in `affine_matrix`. The input is returned unchanged (same
    object) when every part is the identity.

    >>> img = np.zeros((3, 3, 1), np.float32); img[1, 2] = 1.0
    >>> apply_affine_transform(img, theta=90)[:, :, 0]   # counter-clockwise, as displayed
    array([[0., 1., 0.],
           [0., 0., 0.],
           [0., 0., 0.]], dtype=float32)
    """
    matrix = affine_matrix(theta, tx, ty, shear, zx, zy)
    if matrix is None:
        return x
    return warp(x, centered_matrix(matrix, x.shape[0], x.shape[1]), fill_mode, cval, order)


def channel_shift(x: np.ndarray, intensity: float) -> np.ndarray:
    """Add one `intensity` to every channel, clipped to the image's own [min, max] from before.

    Keras clips to the range of the image before the shift, so a shift can only saturate.
    """
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
    shifted = x + dtype.type(intensity)  # a NumPy-2 float64 scalar must not upcast the image
    return np.clip(shifted, x.min(), x.max()).astype(dtype, copy=False)


def brightness_shift(x: np.ndarray, brightness: float) -> np.ndarray:
    """Scale brightness by `brightness` exactly as Keras does it through Pillow.

    Keras (with `scale=False`) truncates the image to uint8, lets
    `PIL.ImageEnhance.Brightness` compute `trunc(float32(brightness) * value)` clipped to
    0..255 (alpha untouched), and returns float32. An image outside 0..255 is first stretched to
    0..255 and mapped back to its original [min, max] afterwards. We do the same arithmetic in
    NumPy, so the output is quantised to 256 levels, as in Keras.

    >>> brightness_shift(np.array([[[10.7, 200.0, 255.0]]], np.float32), 1.5)
    array([[[ 15., 255., 255.]]], dtype=float32)
    """
    if x.ndim != 3 or x.shape[-1] not in (1, 3, 4):
        raise ValueError(f"Brightness shifts need an (height, width, 1|3|4) image, as Pillow does. "
                         f"Received: x.shape={x.shape}")
    lo, hi = x.min(), x.max()
    stretch = bool(lo < 0 or hi > 255)
    v = np.asarray(x, dtype=np.float32)
    if stretch:
        v = v - v.min()
        span = v.max()
        if span != 0:
            v /= span
        v *= 255
    pixels = v.astype(np.uint8)
    out = np.clip(np.float32(brightness) * pixels.astype(np.float32), 0, 255)
    out = out.astype(np.uint8).astype(np.float32)
    if x.shape[-1] == 4:
        out[..., 3] = pixels[..., 3]
    if stretch:
        out = out / 255 * (hi - lo) + lo
    return out


def check_shift_range(name: str, value):
    """A `*_shift_range` as Keras accepts it: a number, or a non-empty 1-D list of numbers."""
    if isinstance(value, numbers.Real):
        return value
    array = np.asarray(value)
    if array.ndim == 1 and array.size and array.dtype.kind in "iuf":
        return array
    raise ValueError(f"`{name}` should be a float, an int, or a 1-D list or array of numbers. "
                     f"Received: {name}={value!r}")


def check_zoom_range(zoom_range) -> list:
    """Keras' zoom range as [low, high]: a float z means [1 - z, 1 + z]."""
    if isinstance(zoom_range, numbers.Real):
        return [1 - zoom_range, 1 + zoom_range]
    if (isinstance(zoom_range, list | tuple | np.ndarray) and len(zoom_range) == 2
            and all(isinstance(z, numbers.Real) for z in zoom_range)):
        return [zoom_range[0], zoom_range[1]]
    raise ValueError("`zoom_range` should be a float or a tuple or list of two floats. "
                     f"Received: zoom_range={zoom_range!r}")


def check_brightness_range(brightness_range):
    """None, or a (low, high) list or tuple, as Keras requires."""
    if brightness_range is not None and (not isinstance(brightness_range, tuple | list)
                                         or len(brightness_range) != 2):
        raise ValueError("`brightness_range should be tuple or list of two floats. "
                         f"Received: brightness_range={brightness_range!r}")
    return brightness_range

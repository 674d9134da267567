"""Image operations with `tf.image`'s names and numerics, in NumPy.

Images are (height, width, channels) arrays, or (batch, height, width, channels) batches.
`resize` reproduces TF 2's `tf.image.resize` to float32 rounding (half-pixel centres, TF's
kernels, antialiasing), so a model trained on a tf.data pipeline sees the same pixels here.

Every resize method is separable: output = rows @ image @ cols.T, where `rows` (out_h x in_h)
and `cols` (out_w x in_w) hold the 1-D interpolation weights. Two methods skip the matrices:
nearest-neighbour gathers, to keep the dtype, and plain bilinear (no antialias) lerps in float32
as TF's kernel does, giving TF's bits (what `smart_resize` calls, as Keras calls TF's). Random
ops take `seed` (an int or a `numpy.random.Generator`), never global state.

>>> image = np.arange(4, dtype=np.float32).reshape(2, 2, 1)
>>> resize(image, (4, 4))[..., 0]
array([[0.  , 0.25, 0.75, 1.  ],
       [0.5 , 0.75, 1.25, 1.5 ],
       [1.5 , 1.75, 2.25, 2.5 ],
       [2.  , 2.25, 2.75, 3.  ]], dtype=float32)
"""
from __future__ import annotations

import numpy as np

from chainrule import config
from chainrule.backend import to_numpy

_F32 = np.float32


class ResizeMethod:
    """Names accepted by `resize(method=...)` (tf.image.ResizeMethod)."""

    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"
    LANCZOS3 = "lanczos3"
    LANCZOS5 = "lanczos5"
    GAUSSIAN = "gaussian"
    MITCHELLCUBIC = "mitchellcubic"


# --- 1-D kernels of TF's scale_and_translate (used when antialiasing): (function, radius) ---
def _triangle(x):
    return np.maximum(_F32(0), _F32(1) - x)


def _keys_cubic(x):                          # Keys (1981) cubic with a = -0.5
    near = ((_F32(1.5) * x - _F32(2.5)) * x) * x + _F32(1)
    far = ((_F32(-0.5) * x + _F32(2.5)) * x - _F32(4)) * x + _F32(2)
    return np.where(x < 1, near, np.where(x < 2, far, _F32(0)))


def _mitchell_cubic(x):                      # Mitchell-Netravali, B = C = 1/3
    near = ((_F32(7 / 6) * x - _F32(2)) * x) * x + _F32(8 / 9)
    far = ((_F32(-7 / 18) * x + _F32(2)) * x - _F32(10 / 3)) * x + _F32(16 / 9)
    return np.where(x < 1, near, np.where(x < 2, far, _F32(0)))


def _lanczos(radius: int):
    def kernel(x):
        px = _F32(np.pi) * np.maximum(x, _F32(1e-3))
        value = _F32(radius) * np.sin(px) * np.sin(px / _F32(radius)) / (px * px)
        return np.where(x <= 1e-3, _F32(1), np.where(x > radius, _F32(0), value))
    return kernel


def _gaussian(x):                            # radius 1.5, sigma = radius / 3
    return np.where(x < 1.5, np.exp(-x * x / _F32(2 * 0.5 ** 2)), _F32(0))


_KERNELS = {"triangle": (_triangle, 1), "keyscubic": (_keys_cubic, 2),
            "mitchellcubic": (_mitchell_cubic, 2), "lanczos3": (_lanczos(3), 3),
            "lanczos5": (_lanczos(5), 5), "gaussian": (_gaussian, 1.5)}


# --- weight matrices (out_size x in_size), one per method ---------------------------------
def _scatter(indices, weights, in_size: int) -> np.ndarray:
    """Dense (out, in) matrix from per-output source indices and weights (repeats add up)."""
    matrix = np.zeros((len(indices), in_size))
    rows = np.repeat(np.arange(len(indices)), indices.shape[1])
    np.add.at(matrix, (rows, indices.ravel()), weights.ravel())
    return matrix


def _source_positions(in_size: int, out_size: int, offset: float = 0.5) -> np.ndarray:
    """Where output pixel i samples the input, in float32 as TF: (i + 0.5) * in/out - offset."""
    scale = _F32(in_size) / _F32(out_size)
    return (np.arange(out_size, dtype=_F32) + _F32(0.5)) * scale - _F32(offset)


def _lerp_sources(in_size: int, out_size: int):
    """TF's bilinear sources (i + 0.5) * in/out - 0.5: lower, upper neighbour, upper's weight."""
    centre = _source_positions(in_size, out_size)
    lower = np.floor(centre)
    upper = np.minimum(np.ceil(centre), in_size - 1)
    return np.maximum(lower, 0).astype(np.intp), upper.astype(np.intp), centre - lower


def _bilinear(batch: np.ndarray, new_h: int, new_w: int) -> np.ndarray:
    """TF's resize_bilinear kernel on a float32 batch, operation for operation (so the same
    bits): lerp along each row of the two source rows, then between those rows."""
    top, bottom, y_lerp = _lerp_sources(batch.shape[1], new_h)
    left, right, x_lerp = _lerp_sources(batch.shape[2], new_w)
    rows = [batch[:, top], batch[:, bottom]]
    upper, lower = (r[:, :, left] + (r[:, :, right] - r[:, :, left]) * x_lerp[:, None]
                    for r in rows)
    return upper + (lower - upper) * y_lerp[:, None, None]


def _cubic_table(a: float = -0.5, steps: int = 1024) -> np.ndarray:
    """TF's bicubic lookup table: kernel weights at fractions 0, 1/1024, ..., 1."""
    x = np.arange(steps + 1) / steps
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * (x + 1) - 5 * a) * (x + 1) + 8 * a) * (x + 1) - 4 * a
    return np.stack([near, far], 1).astype(_F32)


def _bicubic_weights(in_size: int, out_size: int) -> np.ndarray:
    """TF's resize_bicubic: Keys cubic from a 1024-step table, taps outside the image
    dropped and the rest renormalised (as its half-pixel mode does)."""
    centre = _source_positions(in_size, out_size)
    base = np.floor(centre)
    offset = np.rint((centre - base) * _F32(1024)).astype(np.int64)
    table = _cubic_table()
    weights = np.stack([table[offset, 1], table[offset, 0],
                        table[1024 - offset, 0], table[1024 - offset, 1]], 1)
    indices = base.astype(np.int64)[:, None] + np.arange(-1, 3)
    inside = (indices >= 0) & (indices < in_size)
    weights = np.where(inside, weights, _F32(0))
    weights = weights * (_F32(1) / weights.sum(1, keepdims=True))
    return _scatter(np.clip(indices, 0, in_size - 1), weights, in_size)


def _area_weights(in_size: int, out_size: int) -> np.ndarray:
    """TF's resize_area: each output averages the input interval it covers, by overlap."""
    scale = _F32(in_size) / _F32(out_size)
    start = np.arange(out_size, dtype=_F32)[:, None] * scale
    cells = np.arange(in_size)
    overlap = np.minimum(start + scale, cells + 1) - np.maximum(start, cells)
    return np.maximum(overlap, 0) / scale


def _kernel_weights(name: str, in_size: int, out_size: int, antialias: bool) -> np.ndarray:
    """TF's scale_and_translate: kernel at each source centre; widened by in/out when
    antialiasing a downscale, so every input pixel contributes (a low-pass filter)."""
    kernel, radius = _KERNELS[name]
    inv_scale = _F32(1.0 / float(_F32(out_size) / _F32(in_size)))
    kernel_scale = max(inv_scale, _F32(1)) if antialias else _F32(1)
    sample = (np.arange(out_size, dtype=_F32) + _F32(0.5)) * inv_scale
    reach = _F32(radius) * kernel_scale
    start = np.clip(np.ceil(sample - reach - _F32(0.5)), 0, in_size - 1)[:, None]
    end = np.clip(np.floor(sample + reach - _F32(0.5)), 0, in_size - 1)[:, None] + 1
    source = np.arange(in_size, dtype=_F32)
    position = np.abs((source + _F32(0.5) - sample[:, None]) * (_F32(1) / kernel_scale))
    weights = np.where((source >= start) & (source < end), kernel(position), _F32(0))
    total = weights.sum(1, keepdims=True, dtype=_F32)
    usable = np.abs(total) >= 1000 * np.finfo(_F32).tiny
    return weights * np.where(usable, _F32(1) / np.where(usable, total, 1), _F32(0))


def _weights(method: str, in_size: int, out_size: int, antialias: bool) -> np.ndarray:
    if method == "area":
        return _area_weights(in_size, out_size)
    if method == "bicubic" and not antialias:
        return _bicubic_weights(in_size, out_size)
    name = {"bilinear": "triangle", "bicubic": "keyscubic"}.get(method, method)
    return _kernel_weights(name, in_size, out_size, antialias)


def _nearest_indices(in_size: int, out_size: int) -> np.ndarray:
    """TF's resize_nearest_neighbor with half-pixel centres: floor((i + 0.5) * in/out)."""
    source = np.floor(_source_positions(in_size, out_size, offset=0.0))
    return np.minimum(source.astype(np.int64), in_size - 1)


# --- resize ----------------------------------------------------------------------------
def resize(images, size, method: str = "bilinear", preserve_aspect_ratio: bool = False,
           antialias: bool = False, name: str | None = None) -> np.ndarray:
    """Resize images to `size` = (height, width), like `tf.image.resize` (TF 2).

    Args:
        images: (H, W, C) or (N, H, W, C) array of any real dtype.
        size: (new_height, new_width). The aspect ratio is not kept unless asked.
        method: 'bilinear' (default), 'nearest', 'bicubic', 'area', 'lanczos3',
            'lanczos5', 'gaussian' or 'mitchellcubic' (see `ResizeMethod`).
        preserve_aspect_ratio: Scale to fit inside `size` instead, keeping proportions.
        antialias: When downscaling, widen the kernel so no input pixel is skipped
            (ignored by 'nearest' and 'area', as in TF).

    Returns:
        float32 array, except 'nearest', which keeps the input dtype (as TF).
    """
    batch, single = _as_batch(images, "resize")
    new_h, new_w = _check_size(size)
    method = _check_method(method)
    if preserve_aspect_ratio:
        new_h, new_w = _fit_inside(batch.shape[1:3], (new_h, new_w))
    if method == "nearest":
        rows = _nearest_indices(batch.shape[1], new_h)
        out = batch[:, rows][:, :, _nearest_indices(batch.shape[2], new_w)]
    elif method == "bilinear" and not antialias:
        out = _bilinear(batch.astype(_F32, copy=False), new_h, new_w)
    else:
        rows = _weights(method, batch.shape[1], new_h, antialias)
        cols = _weights(method, batch.shape[2], new_w, antialias)
        n, h, w, c = batch.shape
        tall = (rows @ batch.astype(np.float64).reshape(n, h, w * c)).reshape(n, new_h, w, c)
        out = (cols @ tall).astype(_F32)           # (new_w, w) @ (..., w, c) per row
    return out[0] if single else out


def _as_batch(images, op: str) -> tuple[np.ndarray, bool]:
    """(1, H, W, C) view of a single image, or the batch itself; and whether it was single."""
    array = to_numpy(images)
    if array.ndim not in (3, 4):
        raise ValueError(f"{op}: 'images' must have either 3 or 4 dimensions, (height, width, "
                         f"channels) or (batch, height, width, channels). Received shape "
                         f"{array.shape}. Add a channel axis with x[..., None] for grey images.")
    return (array[None], True) if array.ndim == 3 else (array, False)


def _check_size(size) -> tuple[int, int]:
    values = np.asarray(to_numpy(size)).ravel()
    if values.size != 2 or values.dtype.kind not in "iu" or (values <= 0).any():
        raise ValueError(f"'size' must be a 1-D Tensor of 2 positive ints: new_height, "
                         f"new_width. Received: size={size!r}.")
    return int(values[0]), int(values[1])


def _check_method(method) -> str:
    known = [v for k, v in vars(ResizeMethod).items() if k.isupper()]
    if method not in known:
        raise ValueError(f"Resize method is not implemented: {method!r}. Expected one of "
                         f"{known}.")
    return method


def _fit_inside(shape, size) -> tuple[int, int]:
    """TF's preserve_aspect_ratio: the largest size with the input's proportions that fits."""
    height, width = _F32(shape[0]), _F32(shape[1])
    factor = min(_F32(size[0]) / height, _F32(size[1]) / width)
    return int(np.rint(factor * height)), int(np.rint(factor * width))


def resize_with_pad(image, target_height: int, target_width: int, method: str = "bilinear",
                    antialias: bool = False) -> np.ndarray:
    """Resize to fit inside the target keeping proportions, then pad with zeros (centred)."""
    batch, single = _as_batch(image, "resize_with_pad")
    _check_size((target_height, target_width))
    height, width = _F32(batch.shape[1]), _F32(batch.shape[2])
    ratio = max(width / _F32(target_width), height / _F32(target_height))
    fit_h, fit_w = height / ratio, width / ratio
    resized = resize(batch, (int(np.floor(fit_h)), int(np.floor(fit_w))), method,
                     antialias=antialias)
    top = max(0, int(np.floor((_F32(target_height) - fit_h) / 2)))
    left = max(0, int(np.floor((_F32(target_width) - fit_w) / 2)))
    padded = pad_to_bounding_box(resized, top, left, target_height, target_width)
    return padded[0] if single else padded


def pad_to_bounding_box(image, offset_height: int, offset_width: int, target_height: int,
                        target_width: int) -> np.ndarray:
    """Place `image` at (offset_height, offset_width) on a zero canvas of the target size."""
    batch, single = _as_batch(image, "pad_to_bounding_box")
    _, h, w, c = batch.shape
    if offset_height < 0 or offset_width < 0 or offset_height + h > target_height \
            or offset_width + w > target_width:
        raise ValueError(f"pad_to_bounding_box: a {h}x{w} image at offset ({offset_height}, "
                         f"{offset_width}) does not fit in {target_height}x{target_width}. "
                         f"Use offsets >= 0 and a target at least offset + image size.")
    canvas = np.zeros((len(batch), target_height, target_width, c), batch.dtype)
    canvas[:, offset_height:offset_height + h, offset_width:offset_width + w] = batch
    return canvas[0] if single else canvas


# --- geometry ----------------------------------------------------------------------------
def flip_left_right(image) -> np.ndarray:
    """Mirror the width axis (axis -2) of an image or batch."""
    return np.flip(_as_image(image, "flip_left_right"), axis=-2).copy()


def flip_up_down(image) -> np.ndarray:
    """Mirror the height axis (axis -3) of an image or batch."""
    return np.flip(_as_image(image, "flip_up_down"), axis=-3).copy()


def rot90(image, k: int = 1) -> np.ndarray:
    """Rotate counter-clockwise by k quarter turns (height and width axes)."""
    return np.rot90(_as_image(image, "rot90"), int(k), axes=(-3, -2)).copy()


def central_crop(image, central_fraction: float) -> np.ndarray:
    """Keep the central `central_fraction` of height and width (TF's integer rounding)."""
    array = _as_image(image, "central_crop")
    if not 0.0 < central_fraction <= 1.0:
        raise ValueError(f"central_fraction must be within (0, 1]. Received: "
                         f"central_fraction={central_fraction!r}.")
    if central_fraction == 1.0:
        return array
    height, width = array.shape[-3], array.shape[-2]
    top, left = (int((n - n * central_fraction) / 2) for n in (height, width))
    return array[..., top:height - top, left:width - left, :]


def _as_image(image, op: str) -> np.ndarray:
    """The checked array of an (H, W, C) image or (N, H, W, C) batch."""
    batch, single = _as_batch(image, op)
    return batch[0] if single else batch


# --- random ------------------------------------------------------------------------------
def _rng(seed) -> np.random.Generator:
    """A Generator as given, or a new one from an int seed / chainrule's seed stream."""
    return seed if isinstance(seed, np.random.Generator) else config.make_rng(seed)


def random_flip_left_right(image, seed=None) -> np.ndarray:
    """Mirror left-right with probability 1/2, independently for each image of a batch."""
    return _random_flip(image, seed, axis=-2, op="random_flip_left_right")


def random_flip_up_down(image, seed=None) -> np.ndarray:
    """Mirror up-down with probability 1/2, independently for each image of a batch."""
    return _random_flip(image, seed, axis=-3, op="random_flip_up_down")


def _random_flip(image, seed, axis: int, op: str) -> np.ndarray:
    batch, single = _as_batch(image, op)
    flip = _rng(seed).random(len(batch)) < 0.5
    out = np.where(flip[:, None, None, None], np.flip(batch, axis), batch)
    return out[0] if single else out


def random_crop(value, size, seed=None) -> np.ndarray:
    """A random window of shape `size` (same rank as `value`), uniform over positions."""
    array = to_numpy(value)
    size = tuple(int(s) for s in np.ravel(size))
    if len(size) != array.ndim or any(s > n or s < 0 for s, n in zip(size, array.shape)):
        raise ValueError(f"random_crop needs value.shape >= size, with one size per axis. "
                         f"Received value.shape={array.shape}, size={size}.")
    rng = _rng(seed)
    starts = [int(rng.integers(n - s + 1)) for s, n in zip(size, array.shape)]
    return array[tuple(slice(a, a + s) for a, s in zip(starts, size))].copy()


# --- dtype and colour --------------------------------------------------------------------
def convert_image_dtype(image, dtype, saturate: bool = False) -> np.ndarray:
    """Convert between image dtypes, rescaling as TF: ints span [0, MAX], floats [0, 1].

    uint8 -> float32 divides by 255; float -> uint8 multiplies by 255.5 and truncates.
    Float -> int always saturates here (NumPy's out-of-range cast is undefined).
    """
    array, dtype = to_numpy(image), np.dtype(dtype)
    if array.dtype == dtype:
        return array
    source_int, target_int = array.dtype.kind in "iu", dtype.kind in "iu"
    if source_int and target_int:
        return _rescale_int(array, dtype, saturate)
    if not source_int and not target_int:
        return array.astype(dtype)
    if source_int:                            # int -> float: cast, then scale to [0, 1]
        return array.astype(dtype) * dtype.type(1.0 / np.iinfo(array.dtype).max)
    scaled = array * array.dtype.type(np.iinfo(dtype).max + 0.5)
    return _saturate(scaled, dtype)              # astype truncates toward zero, as TF


def _rescale_int(array: np.ndarray, dtype: np.dtype, saturate: bool) -> np.ndarray:
    """Int -> int keeps the value's fraction of MAX: shift down by floor division, or up."""
    max_in, max_out = np.iinfo(array.dtype).max, np.iinfo(dtype).max
    if max_in > max_out:
        scaled = array // ((max_in + 1) // (max_out + 1))
        return _saturate(scaled, dtype) if saturate else scaled.astype(dtype)
    cast = _saturate(array, dtype) if saturate else array.astype(dtype)
    return cast * dtype.type((max_out + 1) // (max_in + 1))


def _saturate(array: np.ndarray, dtype: np.dtype) -> np.ndarray:
    info = np.iinfo(dtype) if dtype.kind in "iu" else np.finfo(dtype)
    return np.clip(array, info.min, info.max).astype(dtype)


def _in_float(image, adjust) -> np.ndarray:
    """Apply `adjust` in float32 (float16/32 images as they are) and convert back, as TF."""
    array = to_numpy(image)
    flt = array if array.dtype in (np.float16, np.float32) else convert_image_dtype(array, _F32)
    return convert_image_dtype(adjust(flt), array.dtype, saturate=True)


def adjust_brightness(image, delta: float) -> np.ndarray:
    """Add `delta` to every value, on the [0, 1] scale (so uint8 images shift by 255*delta)."""
    return _in_float(image, lambda x: x + x.dtype.type(delta))


def adjust_contrast(images, contrast_factor: float) -> np.ndarray:
    """(x - mean) * factor + mean, the mean taken per image and channel over height, width."""
    def adjust(x):
        mean = x.mean(axis=(-3, -2), keepdims=True, dtype=_F32).astype(x.dtype)
        return (x - mean) * x.dtype.type(contrast_factor) + mean
    return _in_float(_as_image(images, "adjust_contrast"), adjust)

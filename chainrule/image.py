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
from chainrule.ops.resize_weights import bilinear as _bilinear
from chainrule.ops.resize_weights import nearest_indices as _nearest_indices
from chainrule.ops.resize_weights import weights as _weights

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

"""Reading, writing and resizing single images, with Keras' exact conversions.

`load_img` is Keras' contract for every file `flow_from_directory` reads: RGBA drops alpha
without compositing, the default resize is nearest-neighbour, and a file is resized only when
its size differs from `target_size`. Pillow does the decoding (and releases the GIL while it
does, which is what lets the iterators decode in worker threads). The iterators call
`load_array`, the same pixels as `img_to_array(load_img(...))`, which with the `fast` extra
decodes the common PNG itself and resizes it by a gather (`preprocessing.fast`).
"""
from __future__ import annotations

import io
import os
import warnings

import numpy as np

from chainrule import config, image
from chainrule.preprocessing import fast

PIL_INTERPOLATION = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")
COLOR_MODES = ("grayscale", "rgb", "rgba")
_PIL_MODE = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}
_CHANNELS = {"grayscale": 1, "rgb": 3, "rgba": 4}
_GRAY_MODES = ("L", "I;16", "I")   # Keras keeps 16/32-bit grayscale as is


def _pil_image():
    """PIL.Image, imported on first use so that importing chainrule stays cheap."""
    try:
        from PIL import Image
    except ImportError as err:
        raise ImportError("Loading and saving images needs Pillow. "
                          "Install it with: pip install pillow") from err
    return Image


def check_target_size(target_size) -> tuple[int, int]:
    """Validate a (height, width) pair of positive ints and return it as a tuple."""
    try:
        height, width = target_size
        valid = all(isinstance(v, int | np.integer) and v > 0 for v in (height, width))
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise ValueError("`target_size` must be a (height, width) pair of positive ints. "
                         f"Received: target_size={target_size!r}")
    return int(height), int(width)


def check_interpolation(interpolation: str) -> str:
    """Reject an unknown resampling name up front, instead of at the first resize."""
    if interpolation not in PIL_INTERPOLATION:
        raise ValueError(f"Invalid interpolation method {interpolation!r}. Supported methods "
                         f"are {', '.join(PIL_INTERPOLATION)}. Received: "
                         f"interpolation={interpolation!r}")
    return interpolation


def check_color_mode(color_mode: str) -> str:
    """Reject anything but 'grayscale', 'rgb' or 'rgba'."""
    if color_mode not in COLOR_MODES:
        raise ValueError('`color_mode` must be "grayscale", "rgb", or "rgba". '
                         f"Received: color_mode={color_mode!r}")
    return color_mode


def load_img(path, grayscale: bool = False, color_mode: str = "rgb", target_size=None,
             interpolation: str = "nearest", keep_aspect_ratio: bool = False):
    """Load an image file into a PIL Image, converted and resized as Keras does.

    Args:
        path: File path (str, bytes, os.PathLike) or a binary file object such as io.BytesIO.
        grayscale: Deprecated; same as `color_mode="grayscale"`.
        color_mode: "rgb" (alpha is dropped, not composited), "rgba" or "grayscale" ('L';
            16- and 32-bit grayscale stay as they are).
        target_size: None (keep the size) or (height, width). Resizes only if the size differs.
        interpolation: Pillow resampling: nearest (default, as Keras), bilinear, bicubic,
            hamming, box or lanczos.
        keep_aspect_ratio: Centre-crop to the target's aspect ratio before resizing.

    Returns:
        A fully loaded PIL Image (the file is closed).

    >>> img = load_img(io.BytesIO(_tiny_png()), target_size=(4, 6))
    >>> img.size, img.mode
    ((6, 4), 'RGB')
    """
    if grayscale:
        warnings.warn('grayscale is deprecated. Please use color_mode = "grayscale"',
                      stacklevel=2)
        color_mode = "grayscale"
    check_color_mode(color_mode)
    check_interpolation(interpolation)
    img = _open(path)
    img = _convert(img, color_mode)
    if target_size is not None:
        img = _resize(img, check_target_size(target_size), interpolation, keep_aspect_ratio)
    return img


def load_array(path, color_mode: str = "rgb", target_size=None, interpolation: str = "nearest",
               keep_aspect_ratio: bool = False, dtype=None) -> np.ndarray:
    """`img_to_array(load_img(path, ...), dtype=dtype)` in channels_last, faster for PNGs.

    The iterators call this for every file, with arguments they checked once. A PNG that
    `fast.decode` reads is decoded without Pillow, and when it needs no conversion but
    dropping alpha and at most a nearest-neighbour resize, that is a gather of its pixels;
    the pixels are load_img's either way. Everything else goes through load_img's steps.
    """
    data = _read(path)
    pixels = fast.decode(data)
    if pixels is not None:
        x = _without_pillow(pixels, color_mode, target_size, interpolation, keep_aspect_ratio,
                            dtype)
        if x is not None:
            return x
        img = _pil_image().fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels)
    else:
        img = _decode(io.BytesIO(data))
    img = _convert(img, color_mode)
    if target_size is not None:
        img = _resize(img, target_size, interpolation, keep_aspect_ratio)
    x = img_to_array(img, data_format="channels_last", dtype=dtype)
    img.close()
    return x


def _without_pillow(pixels: np.ndarray, color_mode: str, target_size, interpolation: str,
                    keep_aspect_ratio: bool, dtype) -> np.ndarray | None:
    """load_img's array for decoded `pixels` (L, RGB or RGBA), or None when it needs Pillow:
    a colour conversion other than dropping alpha, or a resize other than nearest."""
    channels = _CHANNELS[color_mode]
    if not (pixels.shape[2] == channels or (pixels.shape[2], channels) == (4, 3)):
        return None
    dtype = dtype or config.floatx()
    height, width = pixels.shape[:2]
    if target_size is None or tuple(target_size) == (height, width):
        return pixels[:, :, :channels].astype(dtype)
    if interpolation != "nearest":
        return None
    box = (_crop_box((width, height), (target_size[1], target_size[0])) if keep_aspect_ratio
           else (0, 0, width, height))
    return fast.nearest_resize(pixels, target_size, box, channels, dtype)


def _open(path):
    """Read the whole file first (as Keras does), so no file handle outlives the call."""
    if hasattr(path, "read"):
        return _decode(path)
    return _decode(io.BytesIO(_read(path)))


def _read(path) -> bytes:
    if not isinstance(path, str | bytes | os.PathLike):
        raise TypeError("`path` should be a path (str, bytes, os.PathLike) or a binary file "
                        f"object such as io.BytesIO. Received: type {type(path).__name__}")
    with open(path, "rb") as f:
        return f.read()


def _decode(file):
    """Pillow's decode of an open binary file, done now: a truncated file fails here."""
    img = _pil_image().open(file)
    img.load()
    return img


def _convert(img, color_mode: str):
    if color_mode == "grayscale":
        return img if img.mode in _GRAY_MODES else img.convert("L")
    mode = _PIL_MODE[color_mode]
    return img if img.mode == mode else img.convert(mode)


def _resize(img, target_size: tuple[int, int], interpolation: str, keep_aspect_ratio: bool):
    """Resize to (height, width) only when the size differs; optional centre crop first."""
    Image = _pil_image()
    size = (target_size[1], target_size[0])           # PIL speaks (width, height)
    if img.size == size:
        return img
    resample = getattr(Image.Resampling, interpolation.upper())
    box = _crop_box(img.size, size) if keep_aspect_ratio else None
    return img.resize(size, resample, box=box)


def _crop_box(size: tuple[int, int], target: tuple[int, int]) -> list[int]:
    """Keras' centre crop with the target aspect ratio, in integer arithmetic."""
    width, height = size
    target_width, target_height = target
    crop_height = min(height, (width * target_height) // target_width)
    crop_width = min(width, (height * target_width) // target_height)
    top = (height - crop_height) // 2
    left = (width - crop_width) // 2
    return [left, top, left + crop_width, top + crop_height]


def _check_data_format(data_format: str | None) -> str:
    data_format = data_format or config.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("`data_format` must be 'channels_last' or 'channels_first'. "
                         f"Received: data_format={data_format!r}")
    return data_format


def img_to_array(img, data_format: str | None = None, dtype=None) -> np.ndarray:
    """A PIL Image as a 3-D array (height, width, channels), float32 by default.

    >>> img_to_array(load_img(io.BytesIO(_tiny_png()), color_mode="grayscale")).shape
    (3, 5, 1)
    """
    data_format = _check_data_format(data_format)
    x = np.asarray(img, dtype=dtype or config.floatx())
    if x.ndim == 2:
        x = x[:, :, np.newaxis]
    elif x.ndim != 3:
        raise ValueError(f"Unsupported image shape: {x.shape}. Expected a 2-D (grayscale) or "
                         "3-D (height, width, channels) image.")
    return x.transpose(2, 0, 1) if data_format == "channels_first" else x


def array_to_img(x, data_format: str | None = None, scale: bool = True, dtype=None):
    """A 3-D array as a PIL Image; `scale` stretches the values to 0..255 first (Keras).

    >>> array_to_img(np.zeros((2, 3, 3))).size
    (3, 2)
    """
    x = np.asarray(x, dtype=dtype or config.floatx())
    if x.ndim != 3:
        raise ValueError("Expected image array to have rank 3 (single image). "
                         f"Got array with shape: {x.shape}")
    if _check_data_format(data_format) == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x = x / x_max
        x = x * 255
    return _from_array(x)


def _from_array(x: np.ndarray):
    Image = _pil_image()
    channels = x.shape[2]
    if channels in (3, 4):
        return Image.fromarray(x.astype("uint8"), "RGB" if channels == 3 else "RGBA")
    if channels == 1:
        if np.max(x) > 255:                     # does not fit 8 bits: 32-bit grayscale
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels}. Expected 1, 3 or 4 channels "
                     f"(array shape {x.shape}).")


def save_img(path, x, data_format: str | None = None, file_format: str | None = None,
             scale: bool = True, **kwargs) -> None:
    """Save a 3-D array as an image file (format from the extension or `file_format`)."""
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format in ("jpg", "jpeg"):
        warnings.warn("The JPG format does not support RGBA images, converting to RGB.",
                      stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def smart_resize(x, size, interpolation: str = "bilinear") -> np.ndarray:
    """Resize to `size` without distorting the aspect ratio: centre-crop, then resize.

    Same crop as Keras' `smart_resize`, then `chainrule.image.resize` (TensorFlow's resize:
    half-pixel centres, no antialiasing), as Keras calls `tf.image.resize`. Bilinear returns
    float32; nearest keeps the input dtype.

    Args:
        x: Image (height, width, channels) or batch (n, height, width, channels).
        size: (height, width) of the output.
        interpolation: "bilinear" (default) or "nearest".

    >>> smart_resize(np.ones((10, 20, 3)), (5, 5)).shape
    (5, 5, 3)
    """
    x = np.asarray(x)
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    if x.ndim not in (3, 4):
        raise ValueError("Expected an image array with shape `(height, width, channels)`, or "
                         "`(batch_size, height, width, channels)`, but got input with "
                         f"incorrect rank, of shape {x.shape}.")
    if interpolation not in ("bilinear", "nearest"):
        raise ValueError("smart_resize supports interpolation='bilinear' or 'nearest'. "
                         f"Received: interpolation={interpolation!r}")
    return image.resize(center_crop_to_ratio(x, size), size, method=interpolation)


def center_crop_to_ratio(x: np.ndarray, size) -> np.ndarray:
    """Keras' `smart_resize` crop: the largest centred window with the aspect ratio of `size`
    (computed in float32, as Keras does)."""
    height, width = x.shape[-3], x.shape[-2]
    target_height, target_width = size
    crop_height = min(height, int(np.float32(width * target_height) / np.float32(target_width)))
    crop_width = min(width, int(np.float32(height * target_width) / np.float32(target_height)))
    top = int(np.float32(height - crop_height) / 2)
    left = int(np.float32(width - crop_width) / 2)
    return x[..., top:top + crop_height, left:left + crop_width, :]


def _tiny_png() -> bytes:
    """A 5x3 RGBA PNG in memory, for the doctests."""
    buffer = io.BytesIO()
    _pil_image().new("RGBA", (5, 3), (10, 20, 30, 128)).save(buffer, format="PNG")
    return buffer.getvalue()

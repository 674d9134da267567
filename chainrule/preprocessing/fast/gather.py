"""Pillow's NEAREST resize of decoded pixels, as a gather of rows and then columns."""
from __future__ import annotations

import functools

import numpy as np


def nearest_resize(pixels: np.ndarray, target_size: tuple[int, int],
                   box: tuple[int, int, int, int], channels: int, dtype) -> np.ndarray:
    """The first `channels` channels of `pixels` (H, W, C) inside `box` = (left, top, right,
    bottom), resized to `target_size` = (height, width) exactly as Pillow's
    `Image.resize(size, NEAREST, box=box)` does, in `dtype`."""
    height, width = pixels.shape[:2]
    rows = _nearest_sources(height, target_size[0], box[1], box[3])
    cols = _nearest_sources(width, target_size[1], box[0], box[2])
    picked = pixels.take(rows, axis=0).take(cols, axis=1)   # 4x faster than one fancy index
    return picked[:, :, :channels].astype(dtype)


@functools.lru_cache(maxsize=64)
def _nearest_sources(size: int, target: int, start: int, stop: int) -> np.ndarray:
    """The source index each of `target` outputs reads when Pillow resizes the span
    start..stop of `size` pixels with NEAREST. Asked of Pillow itself, on a row of indices,
    so it is exactly Pillow's rounding (its nearest resize maps rows and columns separately).
    """
    from PIL import Image

    indices = Image.fromarray(np.arange(size, dtype=np.int32)[np.newaxis, :])
    resized = indices.resize((target, 1), Image.Resampling.NEAREST, box=(start, 0, stop, 1))
    return np.asarray(resized)[0].astype(np.intp)

"""Drawing `ImageDataGenerator`'s random augmentation parameters for one image (`draw_one`).

Zoom (both factors) first, then the rest in Keras' order, each draw only when its option is on
(except the two flips). The iterators draw a whole batch at once through `fast.draw_batch`,
which gives the same dicts from one block of doubles when every draw is a single double.
"""
from __future__ import annotations

import numbers

import numpy as np


def draw_one(gen, img_shape: tuple[int, ...], rng: np.random.Generator) -> dict:
    """One image's parameters (see `ImageDataGenerator.draw_transform`)."""
    height, width = img_shape[0], img_shape[1]
    zx, zy = 1.0, 1.0
    if gen.zoom_range[0] != 1 or gen.zoom_range[1] != 1:
        zx, zy = (float(z) for z in rng.uniform(gen.zoom_range[0], gen.zoom_range[1], 2))
    return {
        "theta": _uniform(rng, gen.rotation_range),
        "tx": _draw_shift(rng, gen.width_shift_range, width),
        "ty": _draw_shift(rng, gen.height_shift_range, height),
        "shear": _uniform(rng, gen.shear_range),
        "zx": zx,
        "zy": zy,
        "flip_horizontal": bool(rng.random() < 0.5 and gen.horizontal_flip),
        "flip_vertical": bool(rng.random() < 0.5 and gen.vertical_flip),
        "channel_shift_intensity": _uniform(rng, gen.channel_shift_range) or None,
        "brightness": (None if gen.brightness_range is None
                       else float(rng.uniform(*gen.brightness_range))),
    }


def _uniform(rng: np.random.Generator, limit) -> float:
    """U(-limit, limit), or 0 without a draw when the option is off."""
    return float(rng.uniform(-limit, limit)) if limit else 0.0


def _draw_shift(rng: np.random.Generator, spec, size: int) -> float:
    """One shift in pixels following Keras' rules for `*_shift_range` (see the class docstring)."""
    if isinstance(spec, np.ndarray):
        shift = rng.choice(spec) * rng.choice([-1, 1])
    elif isinstance(spec, numbers.Integral) and spec > 0:
        shift = rng.integers(spec) * rng.choice([-1, 1])  # Keras: np.random.choice(n), 0..n-1
    elif spec:
        shift = rng.uniform(-spec, spec)
    else:
        return 0.0
    return float(shift * size if np.max(spec) < 1 else shift)  # values below 1 are fractions

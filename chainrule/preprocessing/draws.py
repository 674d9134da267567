"""Drawing `ImageDataGenerator`'s random augmentation parameters: per image, or per batch.

`draw_one` is the definition: zoom (both factors) first, then the rest in Keras' order, each
draw only when its option is on (except the two flips). `draw_batch` gives exactly the same
dicts as calling `draw_one` n times on the same Generator, and leaves the Generator in the same
state, but much more cheaply.

Why a batch version: the iterators draw every image's parameters in the calling thread, under
the GIL, while the worker threads decode and warp. Image by image that is about eight Generator
calls (~25 us) per image, ~3 ms for a batch of 128 that the workers wait on. For the usual
options every draw is a single double: NumPy's `uniform(low, high)` returns
`low + (high - low) * next_double`, `random()` returns `next_double`, and `random(n)` yields the
same doubles as n calls. So `draw_batch` takes all the batch's doubles in one call and does the
same double arithmetic in Python floats. Options that draw something else (integer or listed
shifts) fall back to `draw_one`, as do ranges NumPy would reject, so that it raises as before.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

# The parameter dict with every option off, in Keras' key order.
_IDENTITY = {"theta": 0.0, "tx": 0.0, "ty": 0.0, "shear": 0.0, "zx": 1.0, "zy": 1.0,
             "flip_horizontal": False, "flip_vertical": False, "channel_shift_intensity": None,
             "brightness": None}


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


def draw_batch(gen, img_shape: tuple[int, ...], rng: np.random.Generator, n: int) -> list[dict]:
    """`[draw_one(gen, img_shape, rng) for _ in range(n)]`, from one block of doubles."""
    plan = _double_plan(gen, img_shape)
    if plan is None:
        return [draw_one(gen, img_shape, rng) for _ in range(n)]
    flips = (bool(gen.horizontal_flip), bool(gen.vertical_flip))
    return [_from_doubles(plan, row, flips) for row in rng.random((n, len(plan))).tolist()]


def _from_doubles(plan: list[tuple], row: list[float], flips: tuple[bool, bool]) -> dict:
    """One image's dict: each slot is `(low + span * u) * scale`, as NumPy's uniform computes."""
    params = dict(_IDENTITY)
    for (name, low, span, scale), u in zip(plan, row):
        params[name] = (low + span * u) * scale if span is not None else u
    params["flip_horizontal"] = params["flip_horizontal"] < 0.5 and flips[0]
    params["flip_vertical"] = params["flip_vertical"] < 0.5 and flips[1]
    params["channel_shift_intensity"] = params["channel_shift_intensity"] or None
    return params


def _double_plan(gen, img_shape: tuple[int, ...]) -> list[tuple] | None:
    """`draw_one`'s draws in order as (name, low, span, scale) slots (span None: a plain
    `random()`), or None when some draw is not one double from a valid range."""
    height, width = img_shape[0], img_shape[1]
    plan = []
    if gen.zoom_range[0] != 1 or gen.zoom_range[1] != 1:
        plan += [_slot("zx", *gen.zoom_range), _slot("zy", *gen.zoom_range)]
    plan += [_symmetric("theta", gen.rotation_range), _shift("tx", gen.width_shift_range, width),
             _shift("ty", gen.height_shift_range, height), _symmetric("shear", gen.shear_range),
             ("flip_horizontal", 0.0, None, 1), ("flip_vertical", 0.0, None, 1),
             _symmetric("channel_shift_intensity", gen.channel_shift_range)]
    if gen.brightness_range is not None:
        plan.append(_slot("brightness", *gen.brightness_range))
    if any(slot is False for slot in plan):
        return None
    return [slot for slot in plan if slot is not None]


def _slot(name: str, low, high, scale=1):
    """A `uniform(low, high)` draw, or False where NumPy would raise (drawn by `draw_one`)."""
    try:
        low, high = float(low), float(high)
    except (TypeError, ValueError):
        return False
    span = high - low
    return (name, low, span, scale) if math.isfinite(span) and span >= 0 else False


def _symmetric(name: str, limit):
    """`_uniform`'s draw: none (None) when the option is off."""
    return _slot(name, -limit, limit) if limit else None


def _shift(name: str, spec, size: int):
    """`_draw_shift`'s draw when it is one uniform double; False for integer or listed shifts."""
    if isinstance(spec, np.ndarray) or (isinstance(spec, numbers.Integral) and spec > 0):
        return False
    if not spec:
        return None
    return _slot(name, -spec, spec, size if spec < 1 else 1)


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

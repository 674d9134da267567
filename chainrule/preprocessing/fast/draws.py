"""A batch's augmentation parameters from one block of doubles (`draw_batch`).

`draws.draw_one` is the definition: zoom (both factors) first, then the rest in Keras' order,
each draw only when its option is on (except the two flips). `draw_batch` gives exactly the same
dicts as calling `draw_one` n times on the same Generator, and leaves the Generator in the same
state, but much more cheaply.

Why: the iterators draw every image's parameters in the calling thread, under the GIL, while the
worker threads decode and warp. Image by image that is about eight Generator calls (~25 us) per
image, ~3 ms for a batch of 128 that the workers wait on. For the usual options every draw is a
single double: NumPy's `uniform(low, high)` returns `low + (high - low) * next_double`,
`random()` returns `next_double`, and `random(n)` yields the same doubles as n calls. So
`draw_batch` takes all the batch's doubles in one call and does the same double arithmetic in
Python floats. Options that draw something else (integer or listed shifts), and ranges NumPy
would reject, give None: the caller then draws image by image (and raises as before).
"""
from __future__ import annotations

import math
import numbers

import numpy as np

# The parameter dict with every option off, in Keras' key order.
_IDENTITY = {"theta": 0.0, "tx": 0.0, "ty": 0.0, "shear": 0.0, "zx": 1.0, "zy": 1.0,
             "flip_horizontal": False, "flip_vertical": False, "channel_shift_intensity": None,
             "brightness": None}


def draw_batch(gen, img_shape: tuple[int, ...], rng: np.random.Generator,
               n: int) -> list[dict] | None:
    """`[draw_one(gen, img_shape, rng) for _ in range(n)]`, from one block of doubles; None
    (and nothing drawn) when some draw is not a single double."""
    plan = _double_plan(gen, img_shape)
    if plan is None:
        return None
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
    """A `uniform(low, high)` draw, or False where NumPy would raise (left to `draw_one`)."""
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

"""The optimizer's state inside a `.keras` file, laid out as Keras 3 lays it out.

model.weights.h5 holds `optimizer/vars/0 .. n-1` (observed with Keras 3.15.1):

    0              the step count
    1              the learning rate (absent when it is a schedule: the step count defines it)
    2 ..           the slots of the trainable weights, in `Optimizer.keras3_slot_groups` order
                   (Adam: m0 v0 m1 v1 ...; RMSprop: every velocity, then every momentum)
    last           an optimizer's extra scalars (Nadam's momentum product)

Keras 3 restores the slots only when this count equals its own optimizer's, and otherwise warns
and trains on with a fresh state; reading here does the same, so a model saved mid-training by
either library resumes with its Adam moments, momentum and step count in the other.
"""
from __future__ import annotations

import warnings

import numpy as np

from chainrule.optimizers.schedules import LearningRateSchedule


def write_optimizer(group, model) -> None:
    """Write the compiled model's optimizer state into `group` (model.weights.h5's root)."""
    compiled = getattr(model, "compiled", None)
    if compiled is None:
        return
    optimizer = compiled.optimizer
    weights = compiled.train_weights if compiled.train_weights is not None else (
        model.trainable_weights)
    variables = [v for v in weights if id(v) in optimizer.slots]
    values = _header(optimizer) + [optimizer.slots[id(v)][s] for v, s in
                                   _layout(optimizer, variables)]
    values += [np.float32(x) for x in optimizer.keras3_extra_scalars()] if variables else []
    vars_group = group.create_group("optimizer").create_group("vars")
    vars_group.attrs["name"] = optimizer.name
    for i, value in enumerate(values):
        vars_group.create_dataset(str(i), data=np.asarray(value))


def read_optimizer(group, model, path: str) -> None:
    """Give the freshly compiled model's optimizer the file's step count, rate and slots."""
    if "optimizer/vars" not in group or getattr(model, "compiled", None) is None:
        return
    stored = group["optimizer/vars"]
    optimizer = model.compiled.optimizer
    variables = list(model.trainable_weights)
    layout = _layout(optimizer, variables)
    header = len(_header(optimizer))
    with_slots = header + len(layout) + len(optimizer.keras3_extra_scalars())
    if len(stored) not in (header, with_slots):
        _skip(optimizer, with_slots, len(stored), path)
        return
    values = [np.asarray(stored[str(i)]) for i in range(len(stored))]
    if len(stored) == with_slots:
        arrays = dict(zip([(id(v), s) for v, s in layout], values[header:]))
        if any(arrays[id(v), s].shape != v.shape for v, s in layout):
            _skip(optimizer, with_slots, len(stored), path)
            return
    else:
        variables, arrays = [], {}
    optimizer.set_slot_arrays(variables, [arrays[id(v), s] for v in variables
                                          for s in optimizer.slot_names], int(values[0]))
    if header == 2:
        optimizer.learning_rate = float(values[1])


def _header(optimizer) -> list:
    """The step count, then the learning rate unless a schedule computes it."""
    steps = [np.int64(optimizer.iterations)]
    if isinstance(optimizer._learning_rate, LearningRateSchedule):
        return steps
    return steps + [optimizer.learning_rate.numpy()]


def _layout(optimizer, variables) -> list[tuple[object, str]]:
    """(weight, slot name) for each stored slot array, in Keras 3's order."""
    return [(v, s) for group in optimizer.keras3_slot_groups for v in variables for s in group]


def _skip(optimizer, expected: int, found: int, path: str) -> None:
    warnings.warn(f"Skipping variable loading for optimizer '{optimizer.name}', because it has "
                  f"{expected} variables whereas the saved optimizer in {path!r} has {found} "
                  f"variables. Training continues with a fresh optimizer state.",
                  stacklevel=4)

"""Optimizers with tf.keras 2.12's update rules and defaults.

`apply_gradients(zip(grads, variables))` updates each variable's array in place. Slot arrays
(momentum, Adam's m and v, ...) are created on first sight of a variable, so frozen weights,
which never reach the optimizer, never get slots. The step they share (schedules, clipping,
weight decay, moving averages) is in base.py; the update rules are grouped by family:
sgd.py (SGD, Lion), adam.py (Adam, AdamW, Adamax, Nadam), adaptive.py (RMSprop, Adagrad,
Adadelta, Ftrl). `optimizers.legacy` holds Keras 2's classes with `decay=`,
`optimizers.schedules` the learning-rate schedules, and `optimizers.experimental` the new
classes under their tf.keras 2.9-2.10 names.
"""
from __future__ import annotations

from chainrule.optimizers import experimental, legacy, schedules
from chainrule.optimizers.adam import Adam, Adamax, AdamW, Nadam
from chainrule.optimizers.adaptive import Adadelta, Adagrad, Ftrl, RMSprop
from chainrule.optimizers.base import Optimizer, ScalarVariable
from chainrule.optimizers.sgd import SGD, Lion

_CLASSES = {cls.__name__: cls for cls in (SGD, Adam, AdamW, Adamax, Nadam, RMSprop, Adagrad,
                                          Adadelta, Ftrl, Lion)}
_BY_NAME = {name.lower(): cls for name, cls in _CLASSES.items()}


def get(identifier) -> Optimizer:
    """An optimizer from a name ('adam', case-insensitive), a config dict, or an instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    if isinstance(identifier, dict) and "class_name" in identifier:
        return deserialize(identifier)
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}. "
                     f"Expected an Optimizer or one of {sorted(_BY_NAME)}.")


def serialize(optimizer: Optimizer) -> dict:
    """{'class_name': 'Adam', 'config': {...}}."""
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config: dict, custom_objects: dict | None = None) -> Optimizer:
    """An optimizer from `serialize`'s dict; `is_legacy_optimizer` picks `optimizers.legacy`.

    A learning-rate schedule inside comes back as a schedule (custom ones through
    `custom_objects` or the enclosing `custom_object_scope`).
    """
    name, cfg = config.get("class_name", ""), config.get("config", {})
    custom = (custom_objects or {}).get(name)
    if custom is not None:
        return custom.from_config(cfg)
    name = name.removeprefix("Custom>")       # tf.keras 2.12's .h5 files name its new classes so
    table = legacy.CLASSES if cfg.get("is_legacy_optimizer") else _CLASSES
    cls = table.get(name) or _BY_NAME.get(name.lower())
    if cls is None:
        raise ValueError(f"Could not interpret optimizer identifier: {config!r}. "
                         f"Expected an Optimizer or one of {sorted(_BY_NAME)}.")
    return cls.from_config(cfg, custom_objects)


__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lion", "Nadam",
           "Optimizer", "RMSprop", "ScalarVariable", "deserialize", "experimental", "get",
           "legacy", "schedules", "serialize"]

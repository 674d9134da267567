"""Layers to and from `{"class_name": ..., "config": ...}` dicts, as Keras 2 writes them.

Configs are plain JSON-able data: tuples come back as lists, and every `from_config`
accepts that. Classes are found among chainrule's layers and models, then in the
`custom_objects` of the call, then in any enclosing `custom_object_scope` (which is how the
custom objects given to `load_model` reach layers nested inside a Sequential).
"""
from __future__ import annotations

import contextvars
import json
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

_SCOPE: contextvars.ContextVar[dict] = contextvars.ContextVar("custom_objects", default={})


@contextmanager
def custom_object_scope(*scopes: dict | None) -> Iterator[None]:
    """Make custom classes/functions visible to every deserialization inside the block.

    >>> from chainrule.layers import Dense
    >>> class MyDense(Dense):
    ...     pass
    >>> with custom_object_scope({"MyDense": MyDense}):
    ...     layer = deserialize_layer({"class_name": "MyDense", "config": {"units": 2}})
    >>> type(layer).__name__
    'MyDense'
    """
    merged = dict(_SCOPE.get())
    for scope in scopes:
        merged.update(scope or {})
    token = _SCOPE.set(merged)
    try:
        yield
    finally:
        _SCOPE.reset(token)


def get_custom_objects(custom_objects: dict | None = None) -> dict:
    """The active scope's objects, updated with `custom_objects` (which win)."""
    return {**_SCOPE.get(), **(custom_objects or {})}


def serialize_layer(layer) -> dict:
    """`{"class_name": type name, "config": layer.get_config()}`."""
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize_layer(cfg: dict, custom_objects: dict | None = None):
    """A new layer (or model) from `serialize_layer`'s output.

    Extra keys in `cfg` (the functional model's "inbound") are ignored here; the caller
    that put them there reads them itself.
    """
    if not isinstance(cfg, dict) or "class_name" not in cfg or "config" not in cfg:
        raise ValueError(f"Expected a layer config dict with keys 'class_name' and 'config'. "
                         f"Received: {str(cfg)[:200]}")
    cls = find_class(cfg["class_name"], custom_objects)
    with custom_object_scope(custom_objects):
        return cls.from_config(cfg["config"])


def find_class(class_name: str, custom_objects: dict | None = None):
    """The layer or model class called `class_name`; custom objects take precedence."""
    custom = get_custom_objects(custom_objects)
    if class_name in custom:
        return custom[class_name]
    builtin = _builtin_classes()
    if class_name in builtin:
        return builtin[class_name]
    raise ValueError(
        f"Unknown layer: {class_name!r}. Please ensure you are using a "
        f"`chainrule.saving.custom_object_scope` or passing `custom_objects`, and that this "
        f"object is included, e.g. load_model(path, custom_objects={{{class_name!r}: "
        f"{class_name}}}). Custom objects given: {sorted(custom)}.")


def _builtin_classes() -> dict:
    from chainrule import layers, models
    from chainrule.layers.layer import Layer

    found = {name: getattr(layers, name) for name in layers.__all__}
    found = {name: obj for name, obj in found.items()
             if isinstance(obj, type) and issubclass(obj, Layer)}
    found.update(Sequential=models.Sequential, Functional=models.Functional,
                 Model=models.Functional)           # older Keras files call it "Model"
    from chainrule.dispatch import TFOpLambda  # tf.* functions inside functional models

    found["TFOpLambda"] = TFOpLambda
    return found


def to_json(obj) -> str:
    """JSON text of a config; NumPy scalars and arrays become plain numbers and lists."""
    return json.dumps(obj, default=_json_default)


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.dtype):
        return obj.name
    raise TypeError(f"Cannot serialize {obj!r} (type {type(obj).__name__}) to JSON: configs "
                    f"must hold numbers, strings, lists, dicts and None. If it comes from a "
                    f"custom layer, convert it in that layer's get_config().")

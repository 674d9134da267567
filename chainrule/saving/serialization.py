"""Configs to JSON text, and the layer registry's functions under their `saving` names.

Layers to and from `{"class_name": ..., "config": ...}` dicts live in `chainrule.layers.registry`
(the floor that models build on); saving re-exports them, as Keras' `saving` namespace does.
"""
from __future__ import annotations

import json

import numpy as np

from chainrule.layers.registry import (builtin_class, custom_object_scope, deserialize_layer,
                                       find_class, get_custom_objects, serialize_layer)

__all__ = ["builtin_class", "custom_object_scope", "deserialize_layer", "find_class",
           "get_custom_objects", "serialize_layer", "to_json"]


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

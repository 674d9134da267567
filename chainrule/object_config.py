"""Keras' `serialize` / `deserialize` / `get` for small objects given as layer arguments.

Regularizers and constraints follow the same rules: an object of the module's base class is
`{"class_name", "config"}`, a plain function is its name, and a name or a config dict is
looked up in the call's `custom_objects` first, then among the module's own names.
"""
from __future__ import annotations


def serialize_object(obj, base: type):
    """`{'class_name': ..., 'config': ...}` for a `base` instance, a function's name, or None."""
    if obj is None:
        return None
    if isinstance(obj, base):
        return {"class_name": type(obj).__name__, "config": obj.get_config()}
    return getattr(obj, "__name__", type(obj).__name__)


def deserialize_object(config, by_name: dict, kind: str, custom_objects: dict | None = None,
                       factories: tuple = ()):
    """Inverse of `serialize_object`. A name stands for the object with its defaults; a
    class comes back from its config; a function in `factories` (such as `l1_l2`) is called
    with the config; any other function comes back as itself."""
    name = config if isinstance(config, str) else (config or {}).get("class_name")
    found = (custom_objects or {}).get(name) or by_name.get(name)
    if found is None:
        raise ValueError(f"Unknown {kind}: {name!r}. Please ensure you are using a "
                         f"`keras.utils.custom_object_scope` and that this object is included "
                         f"in the scope. See https://www.tensorflow.org/guide/keras/"
                         f"save_and_serialize#registering_the_custom_object for details.")
    builds = isinstance(found, type) or found in factories
    if isinstance(config, str):
        return found() if builds else found
    if isinstance(found, type):
        return found.from_config(dict(config.get("config", {})))
    return found(**config.get("config", {})) if builds else found


def get_object(identifier, deserialize, what: str, custom_objects: dict | None = None):
    """An object from None, a name, a config dict (through `deserialize`) or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, dict | str):
        return deserialize(identifier, custom_objects)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret {what} identifier: {identifier}")

"""Layers to and from `{"class_name": ..., "config": ...}` dicts, as Keras 2 writes them.

Every layer and model class that chainrule defines registers itself here under its class name
when its class statement runs (`Layer.__init_subclass__`), so this module knows `Dense`,
`Sequential` and `Functional` without importing the floors below it. Configs are plain JSON-able
data: tuples come back as lists, and every `from_config` accepts that. A class name is looked up
in the `custom_objects` of the call, then in any enclosing `custom_object_scope` (which is how
the custom objects given to `load_model` reach layers nested inside a Sequential), then among
chainrule's own classes.
"""
from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

_SCOPE: contextvars.ContextVar[dict] = contextvars.ContextVar("custom_objects", default={})
_BUILTIN: dict[str, type] = {}
_ALIASES = {"Model": "Functional"}                  # older Keras files call it "Model"


def register_builtin(cls: type) -> None:
    """Make chainrule's own layer or model class `cls` findable by its class name.

    Classes defined outside the `chainrule` package are not registered: like Keras, loading
    them needs `custom_objects` or a `custom_object_scope`.
    """
    if cls.__module__.split(".")[0] == "chainrule":
        _BUILTIN[cls.__name__] = cls


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


def builtin_class(class_name: str) -> type:
    """chainrule's own layer or model class called `class_name` (aliases resolved)."""
    return _BUILTIN[_ALIASES.get(class_name, class_name)]


def find_class(class_name: str, custom_objects: dict | None = None):
    """The layer or model class called `class_name`; custom objects take precedence."""
    custom = get_custom_objects(custom_objects)
    if class_name in custom:
        return custom[class_name]
    if _ALIASES.get(class_name, class_name) in _BUILTIN:
        return builtin_class(class_name)
    raise ValueError(
        f"Unknown layer: {class_name!r}. Please ensure you are using a "
        f"`chainrule.saving.custom_object_scope` or passing `custom_objects`, and that this "
        f"object is included, e.g. load_model(path, custom_objects={{{class_name!r}: "
        f"{class_name}}}). Custom objects given: {sorted(custom)}.")

"""Dataset elements: nested tuples and dicts whose leaves are NumPy arrays or scalars.

tf.data calls this "structure" (`tf.nest`). Only tuples and dicts nest; a list is a value,
as in `tf.constant([1, 2])`. Leaves follow TensorFlow's conversion rules, so the same
pipeline gives the same dtypes here and there: Python ints become int32 (int64 when too
large), Python floats float32, str bytes; NumPy values keep their dtype; chainrule Tensors
become their NumPy array. A 0-d value is stored as a NumPy scalar (`np.int64(3)`), which is
what TF's `as_numpy_iterator()` yields.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule.backend import to_numpy

_INT32 = np.iinfo(np.int32)


def is_nested(value) -> bool:
    """Tuples (named or not) and dicts nest; everything else is a leaf."""
    return isinstance(value, tuple | dict)


def map_structure(fn: Callable, *structures):
    """Apply `fn` to matching leaves of structures that share one layout; keep the layout."""
    first = structures[0]
    for other in structures[1:]:
        _check_same_layout(first, other)
    if isinstance(first, dict):
        return {k: map_structure(fn, *(s[k] for s in structures)) for k in first}
    if isinstance(first, tuple):
        items = [map_structure(fn, *parts) for parts in zip(*structures)]
        return type(first)(*items) if hasattr(first, "_fields") else tuple(items)
    return fn(*structures)


def _check_same_layout(a, b) -> None:
    if not (is_nested(a) or is_nested(b)):
        return
    keys_differ = isinstance(a, dict) and isinstance(b, dict) and set(a) != set(b)
    if type(a) is not type(b) or keys_differ or len(a) != len(b):
        raise ValueError(f"The two structures don't have the same nested structure. "
                         f"First: {describe(a)}, second: {describe(b)}. Every element of a "
                         f"dataset must have the same tuple/dict layout.")


def describe(value) -> str:
    """The layout of a structure for error messages: `({'a': .}, .)`, one dot per leaf."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {describe(v)}" for k, v in value.items()) + "}"
    if isinstance(value, tuple):
        return "(" + ", ".join(describe(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return "."


def flatten(value) -> list:
    """The leaves of `value`, depth first, dicts in their key order."""
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in flatten(v)]
    if isinstance(value, tuple):
        return [leaf for v in value for leaf in flatten(v)]
    return [value]


def to_leaf(value) -> np.ndarray | np.generic:
    """One value as TensorFlow would convert it, then as NumPy gives it back (0-d -> scalar)."""
    if isinstance(value, str):
        return np.bytes_(value.encode())
    if isinstance(value, np.generic):              # before float: np.float64 is a float
        return value
    if isinstance(value, bool):
        return np.bool_(value)
    if isinstance(value, int):
        return np.int32(value) if _INT32.min <= value <= _INT32.max else np.int64(value)
    if isinstance(value, float):
        return np.float32(value)
    array = _python_defaults(value) if isinstance(value, list) else to_numpy(value)
    return array[()] if array.ndim == 0 else array


def _python_defaults(values: list) -> np.ndarray:
    """A nested list of Python numbers gets TF's defaults: int32 (if it fits) and float32."""
    array = np.asarray(values)
    if array.dtype.kind == "U":
        return np.char.encode(array)
    if not _all_python_numbers(values):
        return array
    if array.dtype == np.float64:
        return array.astype(np.float32)
    fits = array.size == 0 or (array.min() >= _INT32.min and array.max() <= _INT32.max)
    return array.astype(np.int32) if array.dtype == np.int64 and fits else array


def _all_python_numbers(values) -> bool:
    stack = [values]
    while stack:
        item = stack.pop()
        if isinstance(item, list | tuple):
            stack.extend(item)
        elif not isinstance(item, int | float) or isinstance(item, np.generic):
            return False
    return True


def normalize(element):
    """Convert every leaf of an element with `to_leaf`; a top-level list becomes a tuple."""
    if isinstance(element, list):
        element = tuple(element)
    return map_structure(to_leaf, element)


def stack(elements: list, what: str = "batch"):
    """Stack matching leaves of several elements along a new first axis (`Dataset.batch`)."""
    return map_structure(lambda *leaves: _stack_leaves(leaves, what), *elements)


def _stack_leaves(leaves, what: str) -> np.ndarray:
    shape = np.shape(leaves[0])
    for i, leaf in enumerate(leaves):
        if np.shape(leaf) != shape:
            raise ValueError(
                f"Cannot {what} tensors with different shapes: the first element had shape "
                f"{shape} and element {i} had shape {np.shape(leaf)}. Resize or pad them in "
                f"`map` first (e.g. with chainrule.image.resize) so every element has one shape.")
    return np.stack(leaves)


class TensorSpec:
    """The shape and dtype of one leaf; `None` in `shape` means any size (tf.TensorSpec).

    Args:
        shape: Tuple of ints or None, or None for any rank.
        dtype: Anything `np.dtype` accepts (default float32).
        name: Optional name, for display only.
    """

    def __init__(self, shape, dtype: Any = "float32", name: str | None = None):
        self.shape = None if shape is None else tuple(shape)
        self.dtype = np.dtype(dtype)
        self.name = name

    def is_compatible_with(self, value) -> bool:
        """Whether `value`'s shape fits this spec (dtype is converted, not checked)."""
        shape = np.shape(value)
        if self.shape is None:
            return True
        return len(shape) == len(self.shape) and all(
            want is None or want == got for want, got in zip(self.shape, shape))

    @classmethod
    def from_value(cls, value) -> TensorSpec:
        """The spec of one concrete leaf."""
        return cls(np.shape(value), np.asarray(value).dtype)

    def __eq__(self, other) -> bool:
        return (isinstance(other, TensorSpec) and self.shape == other.shape
                and self.dtype == other.dtype)

    __hash__ = None

    def __repr__(self) -> str:
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype.name}, name={self.name!r})"


def specs_from(dtypes, shapes=None):
    """A structure of TensorSpecs from from_generator's `output_types` and `output_shapes`.

    Walks the layout of `dtypes`, because a shape such as (2, 3) is itself a tuple.
    """
    if isinstance(dtypes, dict):
        return {k: specs_from(t, None if shapes is None else shapes[k]) for k, t in dtypes.items()}
    if isinstance(dtypes, tuple):
        return tuple(specs_from(t, None if shapes is None else shapes[i])
                     for i, t in enumerate(dtypes))
    return TensorSpec(shapes, dtypes)


def conform(element, signature):
    """Cast `element`'s leaves to the signature's dtypes and check their shapes."""
    return map_structure(_conform_leaf, signature, normalize(element))


def _conform_leaf(spec: TensorSpec, leaf):
    if not spec.is_compatible_with(leaf):
        raise TypeError(f"`generator` yielded an element of shape {np.shape(leaf)} where an "
                        f"element of shape {spec.shape} was expected. Check the generator, or "
                        f"use None in `output_signature` for sizes that vary.")
    return to_leaf(np.asarray(leaf).astype(spec.dtype, copy=False))


def row(element, i: int):
    """Row `i` of every leaf (`from_tensor_slices`, `unbatch`)."""
    return map_structure(lambda leaf: to_leaf(leaf[i]), element)


def pack_as(structure, leaves):
    """Inverse of `flatten`: put `leaves` back into the layout of `structure`."""
    remaining = iter(leaves)
    return map_structure(lambda _: next(remaining), structure)

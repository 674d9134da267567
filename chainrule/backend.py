"""Which array module holds the numbers: NumPy always, CuPy when it is installed and used.

Every op is written once against `xp = get_array_module(x)`, so the same code runs on a CPU
array or a GPU array. CuPy is imported lazily and only looked for; it is never required.

This is also Keras' `backend` module (`from chainrule import backend as K`): `K.mean`,
`K.epsilon()`, `K.set_value(...)` and the rest live in `chainrule.keras_backend`, which needs the
ops, so any name not defined here is looked up there on first use (`__getattr__` below).
"""
from __future__ import annotations

import importlib.util

import numpy

_cupy = None
_cupy_checked = False


def _cupy_or_none():
    """Import CuPy once, on first use, if it is installed; otherwise None."""
    global _cupy, _cupy_checked
    if not _cupy_checked:
        _cupy_checked = True
        if importlib.util.find_spec("cupy") is not None:
            import cupy

            _cupy = cupy
    return _cupy


def unwrap(value):
    """The array inside a Tensor (anything with `requires_grad`), else the value itself.

    Not `getattr(value, "data")`: a NumPy array's own `.data` is its raw memory buffer.
    """
    return value.data if hasattr(value, "requires_grad") else value


def get_array_module(*values):
    """Return `cupy` if any value (or its `.data`) is a CuPy array, else `numpy`."""
    cupy = _cupy_or_none()
    if cupy is not None:
        for v in values:
            if isinstance(unwrap(v), cupy.ndarray):
                return cupy
    return numpy


def to_numpy(x) -> numpy.ndarray:
    """A NumPy array from a NumPy/CuPy array, a Tensor, or anything array-like."""
    x = unwrap(x)
    cupy = _cupy_or_none()
    if cupy is not None and isinstance(x, cupy.ndarray):
        return cupy.asnumpy(x)
    return numpy.asarray(x)


def __getattr__(name: str):
    """Keras' backend functions (K.mean, K.int_shape, ...): see `chainrule.keras_backend`."""
    if name.startswith("__"):
        raise AttributeError(name)
    from chainrule import keras_backend

    try:
        return getattr(keras_backend, name)
    except AttributeError:
        raise AttributeError(f"module 'chainrule.backend' has no attribute {name!r}") from None


def __dir__() -> list[str]:
    from chainrule import keras_backend

    return sorted(set(globals()) | set(keras_backend.__all__))

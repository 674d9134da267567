"""Weight constraints by Keras name: applied to a weight's values after each update.

A constraint maps an array to an array of the same shape: `MaxNorm(3)(w)`, `NonNeg()(w)`.
"""
from __future__ import annotations

import numpy as np


class Constraint:
    """Base class: `__call__(w)` returns the constrained values; `get_config` its arguments."""

    def __call__(self, w):
        return w

    def get_config(self) -> dict:
        return {}


class NonNeg(Constraint):
    """Negative values become 0."""

    def __call__(self, w):
        return np.maximum(np.asarray(w), 0)


class MaxNorm(Constraint):
    """Rescale each slice along `axis` whose L2 norm exceeds `max_value` down to it."""

    def __init__(self, max_value: float = 2, axis: int = 0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        w = np.asarray(w)
        norms = np.sqrt(np.sum(np.square(w), axis=self.axis, keepdims=True))
        return w * (np.clip(norms, 0, self.max_value) / (1e-7 + norms))

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": self.axis}


class UnitNorm(Constraint):
    """Each slice along `axis` scaled to L2 norm 1."""

    def __init__(self, axis: int = 0):
        self.axis = axis

    def __call__(self, w):
        w = np.asarray(w)
        return w / (1e-7 + np.sqrt(np.sum(np.square(w), axis=self.axis, keepdims=True)))

    def get_config(self) -> dict:
        return {"axis": self.axis}


max_norm, non_neg, unit_norm = MaxNorm, NonNeg, UnitNorm
_BY_NAME = {"max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm, "MaxNorm": MaxNorm,
            "NonNeg": NonNeg, "UnitNorm": UnitNorm}


def get(identifier):
    """A constraint from None, a name ('max_norm'), a config dict or a callable."""
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    if isinstance(identifier, dict) and identifier.get("class_name") in _BY_NAME:
        return _BY_NAME[identifier["class_name"]](**identifier.get("config", {}))
    raise ValueError(f"Could not interpret constraint identifier: {identifier!r}. Expected "
                     f"one of {sorted(_BY_NAME)}, a config dict or a callable.")

"""Weight penalties by Keras name: `regularizers.l2(1e-4)`, `L1L2(l1=..., l2=...)`.

A regularizer is called on a weight and returns a scalar Tensor added to the loss.
"""
from __future__ import annotations

from chainrule import ops


class Regularizer:
    """Base class: `__call__(weight)` returns the penalty; `get_config` its arguments."""

    def __call__(self, x):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__.")

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class L1L2(Regularizer):
    """l1 * sum(|x|) + l2 * sum(x**2)."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        for name, value in (("l1", l1), ("l2", l2)):
            if not isinstance(value, int | float) or value < 0:
                raise ValueError(f"Value for argument `{name}` must be a non-negative number. "
                                 f"Received: {name}={value!r}")
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, x):
        penalty = ops.mul(ops.sum(ops.abs(x)), self.l1) if self.l1 else None
        if self.l2:
            term = ops.mul(ops.sum(ops.square(x)), self.l2)
            penalty = term if penalty is None else ops.add(penalty, term)
        return penalty if penalty is not None else ops.mul(ops.sum(x), 0.0)

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """l1 * sum(|x|)."""

    def __init__(self, l1: float = 0.01):
        super().__init__(l1=l1)

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(L1L2):
    """l2 * sum(x**2)."""

    def __init__(self, l2: float = 0.01):
        super().__init__(l2=l2)

    def get_config(self) -> dict:
        return {"l2": self.l2}


l1, l2, l1_l2 = L1, L2, L1L2
_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": L1L2, "L1": L1, "L2": L2, "L1L2": L1L2}


def get(identifier):
    """A regularizer from None, a name ('l2'), a config dict or an instance/callable."""
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    if isinstance(identifier, dict) and identifier.get("class_name") in _BY_NAME:
        return _BY_NAME[identifier["class_name"]](**identifier.get("config", {}))
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}. Expected "
                     f"one of {sorted(_BY_NAME)}, a config dict or a callable.")

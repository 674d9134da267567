"""`Variable`: a layer's weight, a leaf Tensor with a Keras name and a trainable flag."""
from __future__ import annotations

import numpy as np

from chainrule.autodiff.tensor import Tensor
from chainrule.backend import to_numpy


class Variable(Tensor):
    """A weight. `requires_grad` follows `trainable`, so frozen weights get no gradient.

    Args:
        value: initial array (kept as given: the initializer chose its dtype).
        name: Keras-style full name, e.g. 'conv2d/kernel:0'.
        trainable: whether optimizers update it.
    """

    constraint = None          # set by `Layer.add_weight`; optimizers apply it after each step

    def __init__(self, value, name: str, trainable: bool = True):
        super().__init__(value, requires_grad=trainable, name=name)
        self._trainable = trainable

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        self.requires_grad = self._trainable

    def assign(self, value) -> None:
        """Copy `value` into this weight in place; its shape must match."""
        value = np.asarray(to_numpy(value))
        if value.shape != self.shape:
            raise ValueError(f"Cannot assign to variable {self.name}: expected shape "
                             f"{self.shape}, received value of shape {value.shape}.")
        self.data[...] = value

    def __repr__(self) -> str:
        return f"<Variable '{self.name}' shape={self.shape} dtype={self.dtype}>"

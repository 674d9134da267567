"""Momentum methods: SGD (plain, momentum, Nesterov) and Lion (the sign of a momentum mix)."""
from __future__ import annotations

import numpy as np

from chainrule.optimizers.base import Optimizer


class SGD(Optimizer):
    """w -= lr * g; with momentum m = momentum*m - lr*g, w += m (or the Nesterov look-ahead)."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name="SGD", **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be between [0, 1]. Received: momentum={momentum}")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)
        self.update_slots = ("momentum",) if self.momentum else ()

    def update_step(self, g, w, slots):
        lr = self._lr()
        if not self.momentum:
            w -= lr * g
            return
        m = slots["momentum"]
        m *= self.momentum
        m -= lr * g
        w += self.momentum * m - lr * g if self.nesterov else m

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class Lion(Optimizer):
    """Lion (Chen et al., 2023), as Keras 3 has it: only the sign of the update is used.

    w -= lr * sign(beta_1 * m + (1 - beta_1) * g);  then m = beta_2 * m + (1 - beta_2) * g.
    Its steps are as large as the rate in every coordinate, so Lion wants a rate 3-10x smaller
    than Adam's.
    """

    update_slots = ("momentum",)

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, name="Lion", **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError(f"Argument `beta_1` must be in the [0, 1] range. Otherwise, the "
                             f"optimizer degenerates to SignSGD. Received: beta_1={beta_1}.")
        self.beta_1, self.beta_2 = beta_1, beta_2

    def update_step(self, g, w, slots):
        m, beta_1, beta_2 = slots["momentum"], np.float32(self.beta_1), np.float32(self.beta_2)
        w -= self._lr() * np.sign(m * beta_1 + g * (1 - beta_1))
        m[...] = m * beta_2 + g * (1 - beta_2)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}

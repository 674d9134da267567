"""`optimizers.legacy`: Keras 2's optimizers (OptimizerV2), with `decay=` meaning what it did.

Each step's rate is `learning_rate / (1 + decay * iterations)` (iterations counted from 0,
before the step). The legacy classes take no `weight_decay` and no `use_ema`. Their update
rules are the new ones except where Keras 2's fused kernels differ: Adagrad and RMSprop
(without momentum) add epsilon outside the square root, and Nadam's momentum schedule is
beta_1 (1 - 0.5 * 0.96^(0.004 t)) with a constant rate (its `decay` is that 0.004).
"""
from __future__ import annotations

import numpy as np

from chainrule.optimizers import adam, adaptive, sgd
from chainrule.optimizers.schedules import LearningRateSchedule

_ACCEPTED = {"clipnorm", "clipvalue", "global_clipnorm", "lr", "name", "is_legacy_optimizer"}


class LegacyOptimizer:
    """The part every legacy optimizer shares: the `decay` argument, its rate and config."""

    def _init_legacy(self, decay, kwargs: dict) -> None:
        unexpected = sorted(set(kwargs) - _ACCEPTED)
        if unexpected:
            raise TypeError(f"Unexpected keyword argument passed to optimizer: {unexpected[0]}."
                            f" Allowed kwargs are {sorted(_ACCEPTED - {'is_legacy_optimizer'})}.")
        if decay < 0.0:
            raise ValueError(f"decay cannot be less than 0. Received: decay={decay}.")
        self.decay = decay

    def _lr(self) -> np.float32:
        lr = super()._lr()
        if not self.decay:
            return lr
        return lr / (1 + np.float32(self.decay) * np.float32(self.iterations - 1))

    def get_config(self) -> dict:
        config = super().get_config()
        dropped = ("weight_decay", "use_ema", "ema_momentum", "ema_overwrite_frequency",
                   "jit_compile")
        config = {k: v for k, v in config.items() if k not in dropped
                  and not (k in ("clipnorm", "clipvalue", "global_clipnorm") and v is None)}
        return {**config, "decay": self.decay, "is_legacy_optimizer": True}


class SGD(LegacyOptimizer, sgd.SGD):
    """Keras 2's SGD, with `decay`."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name="SGD",
                 decay=0.0, **kwargs):
        self._init_legacy(decay, kwargs)
        super().__init__(learning_rate, momentum, nesterov, name=name, **kwargs)


class Adam(LegacyOptimizer, adam.Adam):
    """Keras 2's Adam, with `decay`."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, name="Adam", decay=0.0, **kwargs):
        self._init_legacy(decay, kwargs)
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, name=name, **kwargs)


class Adamax(LegacyOptimizer, adam.Adamax):
    """Keras 2's Adamax, with `decay`."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 name="Adamax", decay=0.0, **kwargs):
        self._init_legacy(decay, kwargs)
        super().__init__(learning_rate, beta_1, beta_2, epsilon, name=name, **kwargs)


class Nadam(LegacyOptimizer, adam.Nadam):
    """Keras 2's Nadam: momentum schedule beta_1 (1 - 0.5 * 0.96^(schedule_decay * t))."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 name="Nadam", decay=None, schedule_decay=0.004, **kwargs):
        self._init_legacy(schedule_decay if decay is None else decay, kwargs)
        if isinstance(kwargs.get("lr", learning_rate), LearningRateSchedule):
            raise ValueError("The Nadam optimizer does not support "
                             "chainrule.optimizers.schedules.LearningRateSchedules as the "
                             "learning rate.")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, name=name, **kwargs)

    def _lr(self) -> np.float32:
        return adam.Nadam._lr(self)                 # Keras 2's Nadam never decays its rate

    def _mu(self, t: int) -> np.float32:
        power = np.float32(0.96) ** (np.float32(self.decay) * np.float32(t))
        return np.float32(self.beta_1) * (1 - np.float32(0.5) * power)


class RMSprop(LegacyOptimizer, adaptive.RMSprop):
    """Keras 2's RMSprop; without momentum it adds epsilon outside the square root."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, name="RMSprop", decay=0.0, **kwargs):
        self._init_legacy(decay, kwargs)
        super().__init__(learning_rate, rho, momentum, epsilon, centered, name=name, **kwargs)

    def update_step(self, g, w, slots):
        if self.momentum:
            return super().update_step(g, w, slots)
        v, rho = slots["velocity"], np.float32(self.rho)
        v[...] = rho * v + (1 - rho) * g * g
        denominator = v
        if self.centered:
            a = slots["average_gradient"]
            a[...] = rho * a + (1 - rho) * g
            denominator = v - a * a
        w -= self._lr() * g / (np.sqrt(denominator) + np.float32(self.epsilon))
        return None


class Adagrad(LegacyOptimizer, adaptive.Adagrad):
    """Keras 2's Adagrad: w -= lr g / (sqrt(acc) + eps)."""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 name="Adagrad", decay=0.0, **kwargs):
        self._init_legacy(decay, kwargs)
        super().__init__(learning_rate, initial_accumulator_value, epsilon, name=name, **kwargs)

    def update_step(self, g, w, slots):
        acc = slots["accumulator"]
        acc += g * g
        w -= self._lr() * g / (np.sqrt(acc) + np.float32(self.epsilon))


class Adadelta(LegacyOptimizer, adaptive.Adadelta):
    """Keras 2's Adadelta, with `decay`."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, name="Adadelta",
                 decay=0.0, **kwargs):
        self._init_legacy(decay, kwargs)
        super().__init__(learning_rate, rho, epsilon, name=name, **kwargs)


class Ftrl(LegacyOptimizer, adaptive.Ftrl):
    """Keras 2's Ftrl, with `decay`."""

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, name="Ftrl",
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, decay=0.0, **kwargs):
        self._init_legacy(decay, kwargs)
        super().__init__(learning_rate, learning_rate_power, initial_accumulator_value,
                         l1_regularization_strength, l2_regularization_strength,
                         l2_shrinkage_regularization_strength, beta, name=name, **kwargs)


CLASSES = {cls.__name__: cls for cls in (SGD, Adam, Adamax, Nadam, RMSprop, Adagrad,
                                         Adadelta, Ftrl)}

__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "Adamax", "Ftrl", "LegacyOptimizer", "Nadam",
           "RMSprop"]

"""Per-coordinate step sizes from accumulated squares: Adagrad, Adadelta, RMSprop, Ftrl."""
from __future__ import annotations

import numpy as np

from chainrule.optimizers.base import Optimizer


class RMSprop(Optimizer):
    """v = rho v + (1 - rho) g^2;  w -= lr g / sqrt(v + eps)  (Keras puts eps inside the sqrt)."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, name="RMSprop", **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered
        self.update_slots = ("velocity",) + (("momentum",) if momentum else ()) + (
            ("average_gradient",) if centered else ())

    @property
    def keras3_slot_groups(self):
        """Keras 3 saves all velocities, then all momentums, then all average gradients."""
        return (("average",),) * self.use_ema + tuple((s,) for s in self.update_slots)

    def update_step(self, g, w, slots):
        v = slots["velocity"]
        v += (g * g - v) * (1 - self.rho)
        denominator = v + self.epsilon
        if self.centered:
            a = slots["average_gradient"]
            a += (g - a) * (1 - self.rho)
            denominator = denominator - a * a
        increment = self._lr() * g / np.sqrt(denominator)
        if self.momentum:
            m = slots["momentum"]
            m *= self.momentum
            m += increment
            increment = m
        w -= increment

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}


class Adagrad(Optimizer):
    """acc += g^2; w -= lr g / sqrt(acc + eps)."""

    update_slots = ("accumulator",)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 name="Adagrad", **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def initial_slot(self, name, w):
        if name == "accumulator":
            return np.full_like(w, self.initial_accumulator_value)
        return super().initial_slot(name, w)

    def update_step(self, g, w, slots):
        acc = slots["accumulator"]
        acc += g * g
        w -= self._lr() * g / np.sqrt(acc + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value":
                self.initial_accumulator_value, "epsilon": self.epsilon}


class Adadelta(Optimizer):
    """Step sizes from the ratio of two running RMS values (Zeiler, 2012):

    a_g = rho a_g + (1 - rho) g^2;  d = -sqrt(a_d + eps) / sqrt(a_g + eps) * g;
    a_d = rho a_d + (1 - rho) d^2;  w += lr d.
    """

    update_slots = ("accumulated_grad", "accumulated_delta_var")

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, name="Adadelta", **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)
        self.rho, self.epsilon = rho, epsilon

    def update_step(self, g, w, slots):
        acc_g, acc_d = slots["accumulated_grad"], slots["accumulated_delta_var"]
        rho, eps = np.float32(self.rho), np.float32(self.epsilon)
        acc_g[...] = rho * acc_g + (1 - rho) * g * g
        delta = -np.sqrt(acc_d + eps) * g / np.sqrt(acc_g + eps)
        acc_d[...] = rho * acc_d + (1 - rho) * delta * delta
        w += self._lr() * delta

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


class Ftrl(Optimizer):
    """Follow The Regularized Leader (McMahan et al., 2013), Keras' dense update.

    n' = n + g^2;  z += g_s - (n'^-p - n^-p) / lr * w  (g_s: g with the L2 shrinkage term);
    w = (clip(z, -l1, l1) - z) / (n'^-p / lr + 2 l2);  n = n'   (p = learning_rate_power).
    """

    update_slots = ("accumulator", "linear")

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, name="Ftrl", **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)
        _check_ftrl(initial_accumulator_value, learning_rate_power, l1_regularization_strength,
                    l2_regularization_strength, l2_shrinkage_regularization_strength)
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def initial_slot(self, name, w):
        if name == "accumulator":
            return np.full_like(w, self.initial_accumulator_value)
        return super().initial_slot(name, w)

    def update_step(self, g, w, slots):
        lr, power = self._lr(), np.float32(-self.learning_rate_power)
        acc, linear = slots["accumulator"], slots["linear"]
        l1 = np.float32(self.l1_regularization_strength)
        l2 = np.float32(self.l2_regularization_strength) + np.float32(self.beta) / (2 * lr)
        g_shrunk = g + 2 * np.float32(self.l2_shrinkage_regularization_strength) * w
        new_acc = acc + g * g
        linear += g_shrunk - (np.power(new_acc, power) - np.power(acc, power)) / lr * w
        quadratic = np.power(new_acc, power) / lr + 2 * l2
        w[...] = (np.clip(linear, -l1, l1) - linear) / quadratic
        acc[...] = new_acc

    def get_config(self):
        return {**super().get_config(), "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength":
                    self.l2_shrinkage_regularization_strength, "beta": self.beta}


def _check_ftrl(initial_accumulator_value, power, l1, l2, l2_shrinkage) -> None:
    for name, value in (("initial_accumulator_value", initial_accumulator_value),
                        ("l1_regularization_strength", l1),
                        ("l2_regularization_strength", l2),
                        ("l2_shrinkage_regularization_strength", l2_shrinkage)):
        if value < 0.0:
            raise ValueError(f"`{name}` needs to be positive or zero. Received: "
                             f"{name}={value}.")
    if power > 0.0:
        raise ValueError(f"`learning_rate_power` needs to be negative or zero. Received: "
                         f"learning_rate_power={power}.")

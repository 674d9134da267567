"""Optimizers with tf.keras 2.12's update rules and defaults.

`apply_gradients(zip(grads, variables))` updates each variable's array in place. Slot arrays
(momentum, Adam's m and v, ...) are created on first sight of a variable, so frozen weights,
which never reach the optimizer, never get slots.
"""
from __future__ import annotations

import math

import numpy as np

from chainrule.backend import get_array_module, unwrap


class Optimizer:
    """Base: learning rate, iteration count, clipping, decoupled weight decay, slots."""

    slot_names: tuple[str, ...] = ()

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None, **kwargs):
        if "lr" in kwargs:
            learning_rate = kwargs.pop("lr")
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected arguments {sorted(kwargs)}.")
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be "
                             f"set. Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                             f"global_clipnorm={global_clipnorm}")
        self.learning_rate = float(learning_rate)
        self.weight_decay, self.clipnorm = weight_decay, clipnorm
        self.clipvalue, self.global_clipnorm = clipvalue, global_clipnorm
        self.name = name or type(self).__name__
        self.iterations = 0
        self.slots: dict[int, dict] = {}

    @property
    def lr(self) -> float:
        return self.learning_rate

    @lr.setter
    def lr(self, value: float) -> None:
        self.learning_rate = float(value)

    def apply_gradients(self, grads_and_vars) -> None:
        """One step: clip, decay, then each variable's `update_step`."""
        pairs = [(unwrap(g), v) for g, v in grads_and_vars if g is not None]  # Tensors too
        grads = self._clip([g for g, _ in pairs])
        self.iterations += 1
        for g, v in zip(grads, (v for _, v in pairs)):
            if self.weight_decay:
                v.data -= v.data * (self.weight_decay * self.learning_rate)
            self.update_step(g.astype(v.data.dtype, copy=False), v.data, self._slots_for(v))

    def _slots_for(self, variable) -> dict:
        key = id(variable)
        if key not in self.slots:
            xp = get_array_module(variable.data)
            self.slots[key] = {n: xp.zeros_like(variable.data) for n in self.slot_names}
            self.slots[key]["variable"] = variable  # keeps id() unique while the slot lives
        return self.slots[key]

    def _clip(self, grads: list) -> list:
        if self.clipvalue is not None:
            return [g.clip(-self.clipvalue, self.clipvalue) for g in grads]
        if self.clipnorm is not None:
            return [g * min(1.0, self.clipnorm / max(_norm(g), 1e-12)) for g in grads]
        if self.global_clipnorm is not None:
            total = math.sqrt(sum(_norm(g) ** 2 for g in grads))
            return [g * min(1.0, self.global_clipnorm / max(total, 1e-12)) for g in grads]
        return grads

    def update_step(self, g, w, slots: dict) -> None:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"name": self.name, "learning_rate": self.learning_rate,
                "weight_decay": self.weight_decay, "clipnorm": self.clipnorm,
                "clipvalue": self.clipvalue, "global_clipnorm": self.global_clipnorm}

    @classmethod
    def from_config(cls, cfg: dict):
        return cls(**cfg)

    def get_slot_arrays(self, variables) -> list:
        """Slot arrays in (variable order, slot_names order), for saving optimizer state."""
        return [self.slots[id(v)][n] for v in variables if id(v) in self.slots
                for n in self.slot_names]

    def set_slot_arrays(self, variables, arrays, iterations: int) -> None:
        """Inverse of `get_slot_arrays` (used by `load_model` to resume training exactly)."""
        it = iter(arrays)
        for v in variables[: len(arrays) // max(len(self.slot_names), 1)]:
            slots = self._slots_for(v)
            for n in self.slot_names:
                slots[n][...] = next(it)
        self.iterations = int(iterations)


def _norm(g) -> float:
    return float(np.sqrt(np.sum(np.square(g, dtype=np.float64))))


class SGD(Optimizer):
    """w -= lr * g; with momentum m = momentum*m - lr*g, w += m (or the Nesterov look-ahead)."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be between [0, 1]. Received: momentum={momentum}")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)
        self.slot_names = ("momentum",) if self.momentum else ()

    def update_step(self, g, w, slots):
        lr = self.learning_rate
        if not self.momentum:
            w -= lr * g
            return
        m = slots["momentum"]
        m *= self.momentum
        m -= lr * g
        w += self.momentum * m - lr * g if self.nesterov else m

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adam as in Keras: epsilon is added to the *uncorrected* sqrt(v); the step is corrected."""

    slot_names = ("m", "v")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad
        if amsgrad:
            self.slot_names = ("m", "v", "vhat")

    def update_step(self, g, w, slots):
        t = self.iterations
        alpha = self.learning_rate * math.sqrt(1 - self.beta_2 ** t) / (1 - self.beta_1 ** t)
        m, v, tmp = slots["m"], slots["v"], np.empty_like(w)   # one temporary, reused
        np.subtract(g, m, out=tmp)
        tmp *= 1 - self.beta_1
        m += tmp                                       # m <- m + (1 - beta1)(g - m)
        np.multiply(g, g, out=tmp)
        tmp -= v
        tmp *= 1 - self.beta_2
        v += tmp                                       # v <- v + (1 - beta2)(g^2 - v)
        if self.amsgrad:
            np.maximum(slots["vhat"], v, out=slots["vhat"])
            v = slots["vhat"]
        np.sqrt(v, out=tmp)
        tmp += self.epsilon
        w -= np.divide(alpha * m, tmp, out=tmp)       # w <- w - alpha m / (sqrt(v) + eps)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay: w -= w * weight_decay * lr before each Adam step."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad,
                         weight_decay=weight_decay, **kwargs)


class RMSprop(Optimizer):
    """v = rho v + (1 - rho) g^2;  w -= lr g / sqrt(v + eps)  (Keras puts eps inside the sqrt)."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered
        self.slot_names = ("velocity",) + (("momentum",) if momentum else ()) + (
            ("average_gradient",) if centered else ())

    def update_step(self, g, w, slots):
        v = slots["velocity"]
        v += (g * g - v) * (1 - self.rho)
        denominator = v + self.epsilon
        if self.centered:
            a = slots["average_gradient"]
            a += (g - a) * (1 - self.rho)
            denominator = denominator - a * a
        increment = self.learning_rate * g / np.sqrt(denominator)
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

    slot_names = ("accumulator",)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kw):
        super().__init__(learning_rate, **kw)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def _slots_for(self, variable):
        fresh = id(variable) not in self.slots
        slots = super()._slots_for(variable)
        if fresh:
            slots["accumulator"][...] = self.initial_accumulator_value
        return slots

    def update_step(self, g, w, slots):
        acc = slots["accumulator"]
        acc += g * g
        w -= self.learning_rate * g / np.sqrt(acc + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon,
                "initial_accumulator_value": self.initial_accumulator_value}


_BY_NAME = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop, "adagrad": Adagrad}


def get(identifier) -> Optimizer:
    """An optimizer from a name ('adam', case-insensitive), a config dict, or an instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    if isinstance(identifier, dict) and identifier.get("class_name", "").lower() in _BY_NAME:
        return _BY_NAME[identifier["class_name"].lower()].from_config(identifier["config"])
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}. "
                     f"Expected an Optimizer or one of {sorted(_BY_NAME)}.")


def serialize(optimizer: Optimizer) -> dict:
    """{'class_name': 'Adam', 'config': {...}}."""
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}

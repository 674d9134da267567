"""The Adam family: Adam (and AMSGrad), AdamW, Adamax (infinity norm), Nadam (Nesterov)."""
from __future__ import annotations

import math

import numpy as np

from chainrule.optimizers.base import Optimizer


class Adam(Optimizer):
    """Adam as in Keras: epsilon is added to the *uncorrected* sqrt(v); the step is corrected."""

    update_slots = ("m", "v")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, name="Adam", **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad
        if amsgrad:
            self.update_slots = ("m", "v", "vhat")

    @property
    def keras3_slot_groups(self):
        """Keras 3 saves m0 v0 m1 v1 ..., then AMSGrad's maxima v_hat0 v_hat1 ..."""
        groups = (("m", "v"),) + ((("vhat",),) if self.amsgrad else ())
        return (("average",),) * self.use_ema + groups

    def update_step(self, g, w, slots):
        t = self.iterations
        alpha = self._lr() * math.sqrt(1 - self.beta_2 ** t) / (1 - self.beta_1 ** t)
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
                 epsilon=1e-7, amsgrad=False, name="AdamW", **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad,
                         weight_decay=weight_decay, name=name, **kwargs)


class Adamax(Optimizer):
    """Adam with the infinity norm in place of v:

    m += (1 - beta_1)(g - m);  u = max(beta_2 u, |g|);  w -= lr m / ((1 - beta_1^t)(u + eps)).
    """

    update_slots = ("m", "u")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 name="Adamax", **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def update_step(self, g, w, slots):
        m, u = slots["m"], slots["u"]
        correction = 1 - np.float32(self.beta_1) ** np.float32(self.iterations)
        m += (g - m) * np.float32(1 - self.beta_1)
        np.maximum(np.float32(self.beta_2) * u, np.abs(g), out=u)
        w -= self._lr() * m / (correction * (u + np.float32(self.epsilon)))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}


class Nadam(Optimizer):
    """Adam with Nesterov momentum (Dozat, 2015), with Keras' momentum schedule
    mu_t = beta_1 (1 - 0.5 * 0.96^t) and its running product over the steps so far."""

    update_slots = ("m", "v")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 name="Nadam", **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self._mu_product = (0, np.float32(1))       # (step, product of mu_1 .. mu_step)

    def _mu(self, t: int) -> np.float32:
        return np.float32(self.beta_1) * (1 - np.float32(0.5) * np.float32(0.96) ** np.float32(t))

    def _product_through(self, t: int) -> np.float32:
        """mu_1 * ... * mu_t in float32, multiplied in step order (recomputed after a load)."""
        step, product = self._mu_product
        if step > t:
            step, product = 0, np.float32(1)
        while step < t:
            step += 1
            product = product * self._mu(step)
        self._mu_product = (step, product)
        return product

    def keras3_extra_scalars(self) -> list:
        """Keras 3 saves mu_1 * ... * mu_t (here recomputed from the step count on loading)."""
        return [self._product_through(self.iterations)]

    def update_step(self, g, w, slots):
        t, m, v = self.iterations, slots["m"], slots["v"]
        mu_t, mu_next = self._mu(t), self._mu(t + 1)
        product = self._product_through(t)
        m += (g - m) * np.float32(1 - self.beta_1)
        v += (g * g - v) * np.float32(1 - self.beta_2)
        m_hat = mu_next * m / (1 - product * mu_next) + (1 - mu_t) * g / (1 - product)
        v_hat = v / (1 - np.float32(self.beta_2) ** np.float32(t))
        w -= (m_hat * self._lr()) / (np.sqrt(v_hat) + np.float32(self.epsilon))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}

"""Learning-rate schedules: `schedule(step)` is the rate of step `step` (counted from 0).

Give one as an optimizer's `learning_rate`; the optimizer evaluates it at its step count
before every update and saves it in its config, so a model loaded with `load_model` continues
the schedule exactly where it stopped. Values are computed in float32, as Keras computes them
for a Python-float `initial_learning_rate`.

    >>> lr = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    >>> [round(float(lr(step)), 4) for step in (0, 10, 20)]
    [0.1, 0.05, 0.025]
"""
from __future__ import annotations

import math

import numpy as np

from chainrule.layers.registry import get_custom_objects

_F = np.float32


class LearningRateSchedule:
    """Base class: subclasses write `__call__(step)` and `get_config()` (and may keep the
    default `from_config(config) = cls(**config)`). A custom schedule saved with a model
    loads again when its class is in `custom_objects`."""

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must "
                                  f"override `__call__(self, step)`.")

    def get_config(self) -> dict:
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must "
                                  f"override `get_config()` in order to be serializable.")

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class _StepDecay(LearningRateSchedule):
    """What ExponentialDecay and InverseTimeDecay share: arguments, config, and the progress
    step / decay_steps, floored with `staircase`."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name=None):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name

    def _progress(self, step):
        p = _F(step) / _F(self.decay_steps)
        return np.floor(p) if self.staircase else p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_StepDecay):
    """initial_learning_rate * decay_rate ** (step / decay_steps), floored with `staircase`."""

    def __call__(self, step):
        return _F(self.initial_learning_rate) * np.power(_F(self.decay_rate),
                                                         self._progress(step))


class PiecewiseConstantDecay(LearningRateSchedule):
    """values[0] up to and including boundaries[0], values[1] up to boundaries[1], ..."""

    def __init__(self, boundaries, values, name=None):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                f"The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}.")
        self.boundaries, self.values, self.name = boundaries, values, name

    def __call__(self, step):
        index = int(np.searchsorted(np.asarray(self.boundaries), step, side="left"))
        return _F(self.values[index])

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """From initial to end_learning_rate along (1 - step / decay_steps) ** power.

    After `decay_steps` it stays at `end_learning_rate`, or with `cycle=True` starts again
    over a `decay_steps` span stretched to the next multiple that covers `step`.
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001,
                 power=1.0, cycle=False, name=None):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.end_learning_rate, self.power = end_learning_rate, power
        self.cycle, self.name = cycle, name

    def __call__(self, step):
        step, decay_steps = _F(step), _F(self.decay_steps)
        if self.cycle:
            decay_steps = decay_steps * (_F(1) if step == 0 else np.ceil(step / decay_steps))
        else:
            step = min(step, decay_steps)
        p = step / decay_steps
        start, end = _F(self.initial_learning_rate), _F(self.end_learning_rate)
        return (start - end) * np.power(_F(1) - p, _F(self.power)) + end

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(_StepDecay):
    """initial_learning_rate / (1 + decay_rate * step / decay_steps), floored with `staircase`."""

    def __call__(self, step):
        return _F(self.initial_learning_rate) / (_F(1) + _F(self.decay_rate)
                                                 * self._progress(step))


def _cosine(fraction, alpha, m_fac=_F(1)):
    """The decayed fraction: alpha + (1 - alpha) * m_fac * (1 + cos(pi * fraction)) / 2."""
    cosine = _F(0.5) * m_fac * (_F(1) + np.cos(_F(math.pi) * fraction))
    return (_F(1) - _F(alpha)) * cosine + _F(alpha)


class CosineDecay(LearningRateSchedule):
    """Half a cosine from the rate down to alpha * rate over `decay_steps`, then flat.

    With `warmup_target`, the rate first climbs linearly from `initial_learning_rate` to
    `warmup_target` over `warmup_steps`, and the cosine then starts from `warmup_target`
    (Keras 2.13's warmup).
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name=None,
                 warmup_target=None, warmup_steps=0):
        if decay_steps <= 0:
            raise ValueError(f"Argument `decay_steps` must be > 0. "
                             f"Received: decay_steps={decay_steps}")
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.alpha, self.name = alpha, name
        self.warmup_target, self.warmup_steps = warmup_target, warmup_steps

    def __call__(self, step):
        step, decay_steps = _F(step), _F(self.decay_steps)
        start = _F(self.initial_learning_rate)
        if self.warmup_target is None:
            return start * _cosine(min(step, decay_steps) / decay_steps, self.alpha)
        target, warmup = _F(self.warmup_target), _F(self.warmup_steps)
        step = min(step, decay_steps + warmup)
        if step < warmup:
            return (target - start) * (step / warmup) + start
        return target * _cosine((step - warmup) / decay_steps, self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay that restarts (SGDR): period i lasts first_decay_steps * t_mul**i steps and
    starts from initial_learning_rate * m_mul**i."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name=None):
        self.initial_learning_rate, self.first_decay_steps = initial_learning_rate, \
            first_decay_steps
        self._t_mul, self._m_mul, self.alpha, self.name = t_mul, m_mul, alpha, name

    def __call__(self, step):
        fraction = _F(step) / _F(self.first_decay_steps)
        t_mul = _F(self._t_mul)
        if t_mul == 1:
            restart = np.floor(fraction)
            fraction = fraction - restart
        else:
            restart = np.floor(np.log(_F(1) - fraction * (_F(1) - t_mul)) / np.log(t_mul))
            done = (_F(1) - t_mul ** restart) / (_F(1) - t_mul)
            fraction = (fraction - done) / t_mul ** restart
        m_fac = _F(self._m_mul) ** restart
        return _F(self.initial_learning_rate) * _cosine(fraction, self.alpha, m_fac)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


_BUILTIN = {cls.__name__: cls for cls in (ExponentialDecay, PiecewiseConstantDecay,
                                          PolynomialDecay, InverseTimeDecay, CosineDecay,
                                          CosineDecayRestarts)}


def serialize(schedule: LearningRateSchedule) -> dict:
    """`{'class_name': ..., 'config': ...}`, as Keras writes it into the optimizer's config."""
    return {"class_name": type(schedule).__name__, "config": schedule.get_config()}


def deserialize(config: dict, custom_objects: dict | None = None) -> LearningRateSchedule:
    """A schedule from `serialize`'s dict; custom classes come from `custom_objects` or the
    enclosing `custom_object_scope` (which `load_model` opens with its `custom_objects`)."""
    name = config.get("class_name") if isinstance(config, dict) else None
    cls = get_custom_objects(custom_objects).get(name) or _BUILTIN.get(name)
    if cls is None:
        raise ValueError(f"Unknown learning rate schedule: {name!r}. Please ensure you are "
                         f"passing it in `custom_objects` (or a `custom_object_scope`). "
                         f"Known schedules: {sorted(_BUILTIN)}.")
    return cls.from_config(config["config"])


__all__ = ["CosineDecay", "CosineDecayRestarts", "ExponentialDecay", "InverseTimeDecay",
           "LearningRateSchedule", "PiecewiseConstantDecay", "PolynomialDecay", "deserialize",
           "serialize"]

"""The optimizer base: tf.keras 2.12's step (learning rate, clipping, weight decay, EMA, slots).

One `apply_gradients(zip(grads, variables))` call is one training step, in Keras' order:

1. a learning-rate schedule is evaluated at the current step count (`iterations`, from 0);
2. every variable gets its slots on first sight (zeros, or the variable itself for the EMA);
3. the gradients are clipped (`clipnorm`, else `global_clipnorm`, else `clipvalue`);
4. decoupled weight decay: `w -= w * weight_decay * lr`;
5. each variable's `update_step(g, w, slots)`, the optimizer's own rule, in place;
6. the moving averages (`use_ema`), then `iterations += 1`;
7. each weight's `constraint` (from `add_weight(constraint=...)`) is assigned to it.

Update steps see `self.iterations` already incremented, so it is Keras' `iterations + 1`.
The learning rate is a float32 `ScalarVariable` (assign, numpy, float), as Keras keeps it in a
float32 `tf.Variable`, so callbacks and `backend.set_value` can change it between steps.
"""
from __future__ import annotations


import math
import re
import warnings

import numpy as np

from chainrule.backend import get_array_module, unwrap
from chainrule.optimizers.schedules import LearningRateSchedule
from chainrule.optimizers.schedules import deserialize as deserialize_schedule
from chainrule.optimizers.schedules import serialize as serialize_schedule


class ScalarVariable:
    """A float32 scalar with the part of `tf.Variable` that code reads: assign, numpy, float.

    >>> lr = ScalarVariable(0.001, "learning_rate")
    >>> lr.assign(0.0001)
    >>> float(lr), lr == 0.0001, lr.numpy().dtype
    (9.999999747378752e-05, True, dtype('float32'))
    """

    dtype, shape = "float32", ()

    def __init__(self, value, name: str):
        self.name = name
        self._value = np.float32(float(value))

    def assign(self, value) -> None:
        """Set the value (rounded to float32, as a float32 variable stores it)."""
        self._value = np.float32(float(value))

    def numpy(self) -> np.float32:
        return self._value

    def __float__(self) -> float:
        return float(self._value)

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self._value, dtype=dtype)

    def __repr__(self) -> str:
        return f"<ScalarVariable '{self.name}' numpy={self._value}>"

    __hash__ = object.__hash__

    def __eq__(self, other):
        value = _as_float32(other)
        return NotImplemented if value is None else bool(self._value == value)

    def __lt__(self, other):
        value = _as_float32(other)
        return NotImplemented if value is None else bool(self._value < value)

    def __le__(self, other):
        value = _as_float32(other)
        return NotImplemented if value is None else bool(self._value <= value)

    def __gt__(self, other):
        value = _as_float32(other)
        return NotImplemented if value is None else bool(self._value > value)

    def __ge__(self, other):
        value = _as_float32(other)
        return NotImplemented if value is None else bool(self._value >= value)

    def __mul__(self, other):
        return self._value * np.float32(other)

    __rmul__ = __mul__

    def __truediv__(self, other):
        return self._value / np.float32(other)


def _as_float32(other) -> np.float32 | None:
    """`other` as a float32 number, or None for what is not one (so Python asks `other`)."""
    try:
        return np.float32(other)
    except (TypeError, ValueError):
        return None


_LEGACY_ONLY = ("gradient_aggregator", "gradient_transformers")


class Optimizer:
    """Base class; a subclass sets `update_slots` and writes `update_step`. See the module doc.

    Args:
        learning_rate: a float, or a `LearningRateSchedule` evaluated at every step.
        weight_decay: decoupled weight decay rate, or None.
        clipnorm: clip each gradient to this L2 norm.
        clipvalue: clip each gradient entry to [-clipvalue, clipvalue].
        global_clipnorm: clip all gradients together to this global L2 norm.
        use_ema: keep an exponential moving average of the weights (slot 'average').
        ema_momentum: new_average = ema_momentum * average + (1 - ema_momentum) * weight.
        ema_overwrite_frequency: every this many steps, write the averages into the weights;
            with None they are written once, by `finalize_variable_values` at the end of fit.
        jit_compile: accepted for Keras compatibility (there is nothing to compile).
        name: the optimizer's name (default the class name).
    """

    update_slots: tuple[str, ...] = ()

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, jit_compile=True, name=None, **kwargs):
        learning_rate = self._process_kwargs(learning_rate, kwargs)
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be "
                             f"set. Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                             f"global_clipnorm={global_clipnorm}")
        _check_ema(use_ema, ema_momentum, ema_overwrite_frequency)
        self.weight_decay, self.clipnorm = weight_decay, clipnorm
        self.clipvalue, self.global_clipnorm = clipvalue, global_clipnorm
        self.use_ema, self.ema_momentum = bool(use_ema), ema_momentum
        self.ema_overwrite_frequency, self.jit_compile = ema_overwrite_frequency, jit_compile
        self.name = name or type(self).__name__
        self.iterations = 0
        self.slots: dict[int, dict] = {}
        self._excluded_ids: set[int] = set()
        self._excluded_names: list[str] = []
        self._learning_rate = self._build_learning_rate(learning_rate)

    def _process_kwargs(self, learning_rate, kwargs: dict):
        """`lr` is the old name of `learning_rate`; Keras 2 arguments point to the legacy class.

        `decay=` (Keras 2's programs pass it everywhere) is kept, with a warning, and means
        what it meant there: tf.keras 2.12 refuses it here, but code written for Keras 2
        should run unchanged, so chainrule applies it as `optimizers.legacy` does.
        """
        learning_rate = kwargs.pop("lr", learning_rate)
        kwargs.pop("is_legacy_optimizer", None)
        self._keras2_decay = float(kwargs.pop("decay", 0.0) or 0.0)
        if self._keras2_decay < 0.0:
            raise ValueError(f"decay cannot be less than 0. Received: "
                             f"decay={self._keras2_decay}.")
        if self._keras2_decay:
            warnings.warn(f"`decay` is deprecated in Keras' new optimizers (tf.keras 2.12 "
                          f"refuses it); chainrule applies it as Keras 2 did, learning_rate / "
                          f"(1 + decay * iterations). Use chainrule.optimizers.legacy."
                          f"{type(self).__name__} or a LearningRateSchedule instead.",
                          stacklevel=4)
        for key in kwargs:
            if key in _LEGACY_ONLY:
                raise ValueError(
                    f"{key} is deprecated in the new Keras optimizer, please check the "
                    f"docstring for valid arguments, or use the legacy optimizer, e.g., "
                    f"chainrule.optimizers.legacy.{type(self).__name__}.")
            raise TypeError(f"{key} is not a valid argument, kwargs should be empty for "
                            f"`{type(self).__name__}`.")
        return learning_rate

    # --- learning rate ---------------------------------------------------------------------
    def _build_learning_rate(self, learning_rate):
        if isinstance(learning_rate, LearningRateSchedule):
            self._current_learning_rate = ScalarVariable(learning_rate(self.iterations),
                                                         "current_learning_rate")
            return learning_rate
        return ScalarVariable(learning_rate, "learning_rate")

    @property
    def learning_rate(self) -> ScalarVariable:
        """The rate of the next step: a variable to `assign`; with a schedule, its last value."""
        if isinstance(self._learning_rate, LearningRateSchedule):
            return self._current_learning_rate
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if isinstance(value, LearningRateSchedule):
            self._learning_rate = self._build_learning_rate(value)
        elif isinstance(self._learning_rate, LearningRateSchedule):
            raise TypeError("This optimizer was created with a `LearningRateSchedule` object as "
                            "its `learning_rate` constructor argument, hence its learning rate "
                            "is not settable. If you need the learning rate to be settable, "
                            "you should instantiate the optimizer with a float "
                            "`learning_rate` argument.")
        else:
            self._learning_rate.assign(value)

    lr = learning_rate                                     # Keras 2's alias

    def _lr(self) -> np.float32:
        """The learning rate this step uses, as the float32 scalar Keras computes with."""
        lr = self.learning_rate.numpy()
        if not self._keras2_decay:
            return lr
        return lr / (1 + np.float32(self._keras2_decay) * np.float32(self.iterations - 1))

    # --- the step ----------------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars) -> None:
        """One step (see the module docstring); gradients may be arrays or Tensors, and None
        gradients are skipped."""
        if isinstance(self._learning_rate, LearningRateSchedule):
            self._current_learning_rate.assign(self._learning_rate(self.iterations))
        pairs = [(unwrap(g), v) for g, v in grads_and_vars if g is not None]  # Tensors too
        if not pairs:
            return
        variables = [v for _, v in pairs]
        slots = [self._slots_for(v) for v in variables]
        grads = self._clip([g for g, _ in pairs])
        self._apply_weight_decay(variables)
        self.iterations += 1
        for g, v, s in zip(grads, variables, slots):
            self.update_step(g.astype(v.data.dtype, copy=False), v.data, s)
        if self.use_ema:
            self._update_moving_averages(variables, slots)
        for v in variables:                       # Keras: constraints after the whole step
            if getattr(v, "constraint", None) is not None:
                v.assign(v.constraint(v.data))

    def update_step(self, g, w, slots: dict) -> None:
        """Update the array `w` in place from its gradient `g` and its slot arrays."""
        raise NotImplementedError

    def _clip(self, grads: list) -> list:
        if self.clipnorm and self.clipnorm > 0:
            return [g * np.float32(self.clipnorm / max(_norm(g), self.clipnorm)) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            total = math.sqrt(sum(_norm(g) ** 2 for g in grads))
            scale = self.global_clipnorm * min(1.0 / max(total, 1e-38), 1.0 / self.global_clipnorm)
            return [g * np.float32(scale) for g in grads]
        if self.clipvalue and self.clipvalue > 0:
            return [g.clip(-self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        """Skip weight decay for these variables, or any whose name matches a `var_names` regex."""
        if self.slots:
            raise ValueError("`exclude_from_weight_decay()` can only be configued before the "
                             "optimizer is built.")
        self._excluded_ids = {id(v) for v in var_list or []}
        self._excluded_names = list(var_names or [])

    def _apply_weight_decay(self, variables) -> None:
        if self.weight_decay is None:
            return
        for v in variables:
            if id(v) not in self._excluded_ids and not any(
                    re.search(n, v.name) for n in self._excluded_names):
                v.data -= v.data * np.float32(self.weight_decay) * self._lr()

    # --- slots and moving averages -------------------------------------------------------------
    @property
    def slot_names(self) -> tuple[str, ...]:
        """The update rule's slots, then 'average' with `use_ema`: saved in this order."""
        return self.update_slots + (("average",) if self.use_ema else ())

    @property
    def keras3_slot_groups(self) -> tuple[tuple[str, ...], ...]:
        """The slots as Keras 3 orders them in a `.keras` file: the EMA averages first, then
        group after group, each group's slots interleaved per weight (Adam: m0 v0 m1 v1 ...)."""
        groups = (self.update_slots,) if self.update_slots else ()
        return (("average",),) * self.use_ema + groups

    def keras3_extra_scalars(self) -> list:
        """Scalars Keras 3 saves after the slots (Nadam's momentum product); none here."""
        return []

    def initial_slot(self, name: str, w):
        """A new slot array for weight array `w`: zeros, or the weight itself for 'average'."""
        return w.copy() if name == "average" else get_array_module(w).zeros_like(w)

    def _slots_for(self, variable) -> dict:
        key = id(variable)
        if key not in self.slots:
            self.slots[key] = {n: self.initial_slot(n, variable.data) for n in self.slot_names}
            self.slots[key]["variable"] = variable  # keeps id() unique while the slot lives
        return self.slots[key]

    def _update_moving_averages(self, variables, slots) -> None:
        momentum = np.float32(self.ema_momentum)
        for v, s in zip(variables, slots):
            s["average"][...] = momentum * s["average"] + (1 - momentum) * v.data
        frequency = self.ema_overwrite_frequency
        if frequency and self.iterations % frequency == 0:
            self.finalize_variable_values(variables)

    def finalize_variable_values(self, var_list) -> None:
        """With `use_ema`, write each weight's moving average into it (fit does at its end)."""
        if self.use_ema:
            for v in var_list:
                if id(v) in self.slots:
                    v.data[...] = self.slots[id(v)]["average"]

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
        if isinstance(self._learning_rate, LearningRateSchedule):      # the last step's rate
            self._current_learning_rate.assign(self._learning_rate(max(self.iterations - 1, 0)))

    # --- config -----------------------------------------------------------------------------
    def get_config(self) -> dict:
        """Keras' keys; `learning_rate` is a float, or the schedule's `serialize` dict."""
        rate = self._learning_rate
        rate = serialize_schedule(rate) if isinstance(rate, LearningRateSchedule) else float(rate)
        return {"name": self.name, "weight_decay": self.weight_decay, "clipnorm": self.clipnorm,
                "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue,
                "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "jit_compile": self.jit_compile, "is_legacy_optimizer": False,
                "learning_rate": rate, **({"decay": self._keras2_decay} if self._keras2_decay else {})}

    @classmethod
    def from_config(cls, cfg: dict, custom_objects: dict | None = None):
        """An optimizer from `get_config()`; a schedule dict becomes the schedule again."""
        cfg = dict(cfg)
        if isinstance(cfg.get("learning_rate"), dict):
            cfg["learning_rate"] = deserialize_schedule(cfg["learning_rate"], custom_objects)
        return cls(**cfg)


def _check_ema(use_ema: bool, momentum, frequency) -> None:
    if not use_ema:
        return
    if momentum > 1 or momentum < 0:
        raise ValueError(f"`ema_momentum` must be in the range [0, 1]. "
                         f"Received: ema_momentum={momentum}")
    if frequency and (not isinstance(frequency, int) or frequency < 1):
        raise ValueError(f"`ema_overwrite_frequency` must be an integer > 1 or None. "
                         f"Received: ema_overwrite_frequency={frequency}")


def _norm(g) -> float:
    return float(np.sqrt(np.sum(np.square(g, dtype=np.float64))))

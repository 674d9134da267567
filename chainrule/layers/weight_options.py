"""Regularizers and constraints as layer arguments: `Dense(8, kernel_regularizer='l2')`.

A layer keeps `<weight>_regularizer` / `<weight>_constraint` attributes (Keras' names),
passes them to `add_weight` for that weight, and writes them in `get_config` in Keras'
serialized form. Names and config dicts resolve here, custom ones through the enclosing
`custom_object_scope`. `activity_penalties` is Keras 2's per-call output penalty.
"""
from __future__ import annotations

from chainrule import constraints, regularizers
from chainrule.autodiff.tensor import as_tensor
from chainrule.layers.registry import get_custom_objects

# The get_config keys of a layer with a kernel and a bias (Dense, Conv*), in Keras' order.
KERNEL_AND_BIAS_OPTIONS = ("kernel_regularizer", "bias_regularizer", "activity_regularizer",
                           "kernel_constraint", "bias_constraint")


def resolve_regularizer(identifier):
    """A regularizer from a layer argument; custom names resolve in the custom-object scope."""
    return regularizers.get(identifier, get_custom_objects())


def resolve_constraint(identifier):
    """A constraint from a layer argument; custom names resolve in the custom-object scope."""
    return constraints.get(identifier, get_custom_objects())


class WeightOptions:
    """The Layer methods that keep, hand out and serialize per-weight options."""

    def _set_weight_options(self, **options) -> None:
        """Keep `<weight>_regularizer` / `<weight>_constraint` arguments, resolved by name."""
        for key, value in options.items():
            resolve = resolve_regularizer if key.endswith("_regularizer") else resolve_constraint
            setattr(self, key, resolve(value))

    def _options(self, weight: str) -> dict:
        """add_weight's `regularizer` and `constraint` for `weight` ('kernel', 'bias', ...)."""
        return {"regularizer": getattr(self, f"{weight}_regularizer", None),
                "constraint": getattr(self, f"{weight}_constraint", None)}

    def _weight_options_config(self, *keys: str) -> dict:
        """The serialized regularizers and constraints named `keys`, for `get_config`."""
        return {k: (regularizers.serialize if k.endswith("_regularizer") else
                    constraints.serialize)(getattr(self, k)) for k in keys}


def activity_penalties(regularizer, outputs) -> list:
    """Keras 2's activity penalty of each output: regularizer(output) / batch size."""
    flat = list(outputs.values()) if isinstance(outputs, dict) else (
        list(outputs) if isinstance(outputs, list | tuple) else [outputs])
    penalties = []
    for y in flat:
        penalty = as_tensor(regularizer(y))
        batch = y.shape[0] if y.ndim else 0
        penalties.append(penalty / batch if batch else penalty * 0)   # as divide_no_nan
    return penalties

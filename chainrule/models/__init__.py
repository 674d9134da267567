"""Models: Sequential, functional Model, and loading saved models."""
from chainrule.models.functional import Functional
from chainrule.models.model import Model
from chainrule.models.sequential import Sequential


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):  # noqa: A002
    """Rebuild a model saved by `model.save(path)`: architecture, weights, optimizer state."""
    from chainrule.saving import load_model as _load

    return _load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


__all__ = ["Functional", "Model", "Sequential", "load_model"]

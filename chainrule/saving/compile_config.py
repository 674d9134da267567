"""A model's compile() setup as saved configs (Keras 2's training_config, Keras 3's
compile_config) and back: losses and metrics by name, or by class and config.

Shared by the HDF5 writer (`model_io`) and the `.keras` writer (`keras_format`).
"""
from __future__ import annotations

from chainrule import losses


def serialize_metrics(metric_ids):
    if isinstance(metric_ids, dict):
        return {k: serialize_metrics(v if isinstance(v, list | tuple) else [v])
                for k, v in metric_ids.items()}
    return [serialize_metrics(m) if isinstance(m, list | tuple) else metric_id(m)
            for m in metric_ids]


def serialize_loss(compiled):
    """The loss as compile() got it when known, else a built-in class and its config."""
    given = getattr(compiled, "loss_id", None)
    if isinstance(given, dict):
        return {k: _serialize_one_loss(v) for k, v in given.items()}
    if isinstance(given, list | tuple):
        return [_serialize_one_loss(v) for v in given]
    return _serialize_one_loss(given)


def _serialize_one_loss(given):
    if given is None or isinstance(given, str):
        return given
    from chainrule.losses import get

    loss = get(given)
    name = type(loss).__name__
    if not name.startswith("_") and getattr(losses, name, None) is type(loss):
        return {"class_name": name, "config": loss.get_config()}
    return loss.name                # a user function: found again through custom_objects


def metric_id(metric) -> str:
    """A metric as a name: strings as given; objects and functions by their names."""
    if isinstance(metric, str):
        return metric
    return getattr(metric, "name", None) or getattr(metric, "__name__", str(metric))


def deserialize_losses(spec, custom: dict):
    if isinstance(spec, dict) and "class_name" not in spec:
        return {k: deserialize_loss(v, custom) for k, v in spec.items()}
    if isinstance(spec, list):
        return [deserialize_loss(v, custom) for v in spec]
    return deserialize_loss(spec, custom)


def deserialize_metrics(spec, custom: dict):
    if isinstance(spec, dict) and "class_name" in spec:      # a Metric object's config
        from chainrule import metrics

        cls = custom.get(spec["class_name"]) or getattr(metrics, spec["class_name"], None)
        if cls is None:
            raise ValueError(f"Unknown metric class {spec['class_name']!r} in the saved "
                             f"training config. Pass it in `custom_objects`, or load with "
                             f"compile=False.")
        return cls.from_config(spec["config"])
    if isinstance(spec, dict):
        return {k: deserialize_metrics(v, custom) for k, v in spec.items()}
    if isinstance(spec, list):
        return [deserialize_metrics(m, custom) if isinstance(m, list | dict) else
                custom.get(m, m) for m in spec]
    return custom.get(spec, spec) if spec is not None else None


def deserialize_loss(spec, custom: dict):
    if isinstance(spec, dict):
        cls = custom.get(spec["class_name"]) or getattr(losses, spec["class_name"], None)
        if cls is None:
            raise ValueError(f"Unknown loss class {spec['class_name']!r} in the saved training "
                             f"config. Pass it in `custom_objects`, or load with compile=False.")
        return cls.from_config(spec["config"])
    if spec in custom:
        return custom[spec]
    return spec                     # a name: losses.get resolves it (or names what is known)

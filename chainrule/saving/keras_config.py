"""Model configs in Keras 3's `.keras` shape (config.json) and back.

Keras 3 wraps every object as `{"module", "class_name", "config", "registered_name"}`,
writes a functional model's graph as `inbound_nodes: [{"args": [tensor], "kwargs": {}}]`
with `keras_history: [layer, node, tensor]`, and puts an `InputLayer` (`batch_shape`)
first in a Sequential's layers. Going out we write that; coming in we also drop the keys
Keras 3 adds that chainrule has no use for, when they hold their neutral value (None,
False, 1, "channels_last"), and refuse any other unknown key rather than guess.
"""
from __future__ import annotations

import inspect

from chainrule.saving.serialization import find_class, serialize_layer

_NEUTRAL = (None, False, 1, [1, 1], [1], "channels_last", 0.0)
_ALWAYS_DROPPED = {"renorm_momentum", "quantization_config", "optional", "sparse", "ragged",
                   "lora_rank", "lora_alpha", "build_input_shape"}


# --- chainrule -> Keras 3 -------------------------------------------------------------------
def model_to_keras3(model) -> dict:
    """The config.json object of `model` (Sequential or functional)."""
    from chainrule.models import Functional, Sequential

    if isinstance(model, Sequential):
        return _sequential_out(model)
    if isinstance(model, Functional):
        return _functional_out(model)
    raise NotImplementedError(
        f"Saving a subclassed model ({type(model).__name__}) to the .keras format needs its "
        f"code: chainrule writes Sequential and functional models only. Save the weights "
        f"with `model.save_weights('w.weights.h5')` and rebuild the model in code instead.")


def _wrap(layer, config: dict) -> dict:
    from chainrule.layers.layer import Layer

    cls = type(layer)
    builtin = cls.__module__.startswith("chainrule.")
    out = {"module": "keras.layers" if builtin and isinstance(layer, Layer) else cls.__module__,
           "class_name": cls.__name__, "config": config,
           "registered_name": None if builtin else cls.__name__}
    shape = getattr(layer, "_build_shape", None)
    if shape is not None and type(layer).__name__ != "InputLayer":
        out["build_config"] = {"input_shape": _jsonable(shape)}
    return out


def layer_to_keras3(layer) -> dict:
    from chainrule.models import Functional, Sequential

    if isinstance(layer, Sequential | Functional):
        return model_to_keras3(layer)
    config = dict(serialize_layer(layer)["config"])
    if type(layer).__name__ == "InputLayer":
        config = {"batch_shape": _jsonable(layer._batch_input_shape), "dtype": layer.dtype,
                  "sparse": False, "ragged": False, "name": layer.name}
    config.pop("batch_input_shape", None)
    return _wrap(layer, _jsonable(config))


def _input_entry(shape, name: str, dtype: str) -> dict:
    return {"module": "keras.layers", "class_name": "InputLayer",
            "config": {"batch_shape": _jsonable(shape), "dtype": dtype, "sparse": False,
                       "ragged": False, "name": name}, "registered_name": None}


def _sequential_out(model) -> dict:
    layers = [layer_to_keras3(la) for la in model.layers]
    shape = model._input_shape
    if shape is not None:
        layers.insert(0, _input_entry(shape, f"{model.name}_input", model.dtype))
    cfg = {"name": model.name, "trainable": model.trainable, "dtype": model.dtype,
           "layers": layers}
    if shape is not None:
        cfg["build_input_shape"] = _jsonable(shape)
    out = {"module": "keras", "class_name": "Sequential", "config": cfg, "registered_name": None}
    if shape is not None:
        out["build_config"] = {"input_shape": _jsonable(shape)}
    return out


def _history(t) -> dict:
    return {"class_name": "__keras_tensor__",
            "config": {"shape": _jsonable(t.shape), "dtype": t.dtype,
                       "keras_history": [t.layer.name, 0, 0]}}


def _functional_out(model) -> dict:
    layers = []
    for layer in model.layers:
        entry = layer_to_keras3(layer)
        node = next(n for n in model._nodes if n.layer is layer)
        args = [_history(t) for t in node.inputs]
        entry["name"] = layer.name
        entry["inbound_nodes"] = [] if not node.inputs else [
            {"args": [args if len(args) > 1 else args[0]], "kwargs": {}}]
        layers.append(entry)

    def refs(tensors, many):
        items = [[t.layer.name, 0, 0] for t in tensors]
        return items if many else items[0]

    cfg = {"name": model.name, "trainable": model.trainable, "layers": layers,
           "input_layers": refs(model.inputs, len(model.inputs) > 1),
           "output_layers": refs(model.outputs, model._multi_output)}
    return {"module": "keras.src.models.functional", "class_name": "Functional",
            "config": cfg, "registered_name": "Functional"}


def _jsonable(value):
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


# --- Keras 3 -> chainrule -------------------------------------------------------------------
def model_from_keras3(spec: dict, custom_objects: dict | None = None):
    """A chainrule model from a config.json object written by Keras 3 or by chainrule."""
    name = spec.get("class_name")
    if name == "Sequential":
        return _sequential_in(spec["config"], custom_objects)
    if name in ("Functional", "Model"):
        return _functional_in(spec["config"], custom_objects)
    cls = find_class(spec.get("registered_name") or name, custom_objects)
    return cls.from_config(spec.get("config", {}))


def layer_from_keras3(spec: dict, custom_objects: dict | None = None):
    if spec.get("class_name") in ("Sequential", "Functional", "Model"):
        return model_from_keras3(spec, custom_objects)
    name = spec["class_name"]
    try:
        cls = find_class(name, custom_objects)
    except ValueError:
        registered = spec.get("registered_name")
        if not registered:
            raise
        cls = find_class(registered.split(">")[-1], custom_objects)
    config = _clean(cls, dict(spec.get("config", {})))
    layer = cls.from_config(config)
    build = (spec.get("build_config") or {}).get("input_shape")
    if build is not None and not layer.built:
        layer.maybe_build(_shape(build))
    return layer


def _clean(cls, config: dict) -> dict:
    """Keras 3 values in chainrule's terms; drop keys chainrule lacks if they are neutral."""
    if isinstance(config.get("dtype"), dict):
        config["dtype"] = config["dtype"].get("config", {}).get("name", "float32")
    if cls.__name__ == "InputLayer" and "batch_shape" in config:
        config["batch_input_shape"] = config.pop("batch_shape")
    for key, value in list(config.items()):
        if isinstance(value, dict) and "class_name" in value:
            config[key] = _strip_wrapper(value)
    accepted = _accepted(cls)
    if accepted is None:
        return config
    for key in [k for k in config if k not in accepted]:
        value = config.pop(key)
        if key not in _ALWAYS_DROPPED and value not in _NEUTRAL:
            raise ValueError(
                f"Cannot load layer {config.get('name')!r} ({cls.__name__}): its config has "
                f"{key}={value!r}, which chainrule's {cls.__name__} does not support. "
                f"Expected only the arguments {sorted(accepted)}.")
    return config


def _strip_wrapper(value: dict) -> dict:
    inner = {k: v for k, v in (value.get("config") or {}).items() if v is not None}
    return {"class_name": value["class_name"], "config": inner}


def _accepted(cls) -> set | None:
    """Constructor arguments of `cls`, or None for a user class we should not second-guess."""
    if not cls.__module__.startswith("chainrule."):
        return None
    from chainrule.layers.layer import Layer

    names: set = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        params = inspect.signature(init).parameters
        names |= {n for n, p in params.items() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
        if not any(p.kind is p.VAR_KEYWORD for p in params.values()) or klass is Layer:
            break
    return names - {"self"}


def _shape(value):
    if isinstance(value, list) and value and isinstance(value[0], list):
        return [tuple(v) for v in value]
    return tuple(value)


def _sequential_in(cfg: dict, custom_objects):
    from chainrule.models import Sequential

    model = Sequential(name=cfg.get("name"))
    for entry in cfg["layers"]:
        model.add(layer_from_keras3(entry, custom_objects))
    shape = cfg.get("build_input_shape")
    if shape is not None and not model.built:
        model.maybe_build(tuple(shape))
    if not cfg.get("trainable", True):
        model.trainable = False
    return model


def _functional_in(cfg: dict, custom_objects):
    from chainrule.layers.symbolic import SymbolicTensor
    from chainrule.models import Functional

    tensors = {}
    for entry in cfg["layers"]:
        layer = layer_from_keras3(entry, custom_objects)
        name = entry.get("name", layer.name)
        if type(layer).__name__ == "InputLayer":
            tensors[name] = SymbolicTensor(layer._batch_input_shape, layer, [], layer.dtype)
            continue
        for node in entry.get("inbound_nodes", []):
            tensors[name] = layer(_node_inputs(node, tensors, name))
    ins, outs = cfg["input_layers"], cfg["output_layers"]
    many_in, many_out = isinstance(ins[0], list), isinstance(outs[0], list)
    inputs = [tensors[r[0]] for r in ins] if many_in else tensors[ins[0]]
    outputs = [tensors[r[0]] for r in outs] if many_out else tensors[outs[0]]
    model = Functional(inputs, outputs, name=cfg.get("name"))
    if not cfg.get("trainable", True):
        model.trainable = False
    return model


def _node_inputs(node, tensors: dict, layer_name: str):
    """The symbolic inputs of one inbound node, in Keras 3's dict form or Keras 2's lists."""
    if isinstance(node, dict):
        args = node["args"][0]
        refs = args if isinstance(args, list) else [args]
        names = [r["config"]["keras_history"][0] for r in refs]
        many = isinstance(args, list)
    else:
        names, many = [ref[0] for ref in node], len(node) > 1
    missing = [n for n in names if n not in tensors]
    if missing:
        raise ValueError(f"Layer {layer_name!r} reads {missing[0]!r}, which comes later in the "
                         f"saved config: the file's layer list is not in graph order.")
    found = [tensors[n] for n in names]
    return found if many else found[0]

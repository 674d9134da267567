"""The Keras 3 `.keras` file: a zip of config.json, metadata.json and model.weights.h5.

model.weights.h5 holds each layer's variables under a path made of class names, not layer
names, as Keras 3 walks the model: `layers/dense/vars/0`, `layers/dense_1/vars/1`,
`layers/batch_normalization/vars/2`, nested models as `layers/functional/layers/...`.
A functional model's list includes its InputLayers (`layers/input_layer`), a Sequential's
does not. A layer's variables are numbered trainable first, then the others.

Written here: the model, its compile() arguments and its optimizer's state
(`saving/keras_optimizer.py`), so a loaded model trains on where it stopped.
"""
from __future__ import annotations

import datetime
import io
import json
import os
import shutil
import uuid
import zipfile

import h5py
import numpy as np

from chainrule.saving.compile_config import (deserialize_losses, deserialize_metrics,
                                              serialize_loss, serialize_metrics)
from chainrule.saving.keras_config import model_from_keras3, model_to_keras3
from chainrule.saving.keras_optimizer import read_optimizer, write_optimizer
from chainrule.saving.serialization import custom_object_scope, to_json

KERAS3_VERSION = "3.15.1"                       # the Keras 3 these files were checked against


def keras_files(model, compile_config: dict | None) -> dict[str, bytes]:
    """The three members of a `.keras` file, as bytes."""
    config = model_to_keras3(model)
    config["compile_config"] = compile_config
    metadata = {"keras_version": KERAS3_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    weights = io.BytesIO()
    with h5py.File(weights, "w") as f:
        _write_model(f, model)
        write_optimizer(f, model)
    return {"metadata.json": json.dumps(metadata).encode(),
            "config.json": to_json(config).encode(), "model.weights.h5": weights.getvalue()}


def save_keras(model, filepath, compile_config: dict | None, zipped: bool = True) -> None:
    """Write `model` as a `.keras` zip (or, unzipped, as a folder of the same three files,
    Keras 3's `zipped=False`), atomically: a failed save keeps the old file."""
    from chainrule.saving.h5io import _check_write_target

    path = os.fspath(filepath) if not zipped else _check_write_target(filepath)
    files = keras_files(model, compile_config)
    tmp = os.path.join(os.path.dirname(os.path.abspath(path)),
                       f".{os.path.basename(path)}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        if zipped:
            with zipfile.ZipFile(tmp, "w") as z:
                for name, data in files.items():
                    z.writestr(name, data)
        else:
            os.makedirs(tmp)
            for name, data in files.items():
                with open(os.path.join(tmp, name), "wb") as f:
                    f.write(data)
        _replace(tmp, path)
    except BaseException:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp)
        elif os.path.exists(tmp):
            os.remove(tmp)
        raise


def _replace(new: str, path: str) -> None:
    if not os.path.isdir(path):
        os.replace(new, path)
        return
    others = sorted(set(os.listdir(path)) - set(os.listdir(new)))
    if others:                       # a folder of the user's (a config.json alone proves nothing)
        raise FileExistsError(f"Cannot save the model to {path!r}: it is a folder holding other "
                              f"files, not a saved model ({', '.join(others[:5])}). Choose "
                              f"another name.")
    old = f"{new}.old"
    os.replace(path, old)
    os.replace(new, path)
    shutil.rmtree(old)


def load_keras(filepath, custom_objects: dict | None = None, compile: bool = True):  # noqa: A002
    """Read a `.keras` file written by Keras 3 or by chainrule."""
    path = os.fspath(filepath)
    config, weights = json.loads(_member(path, "config.json")), _member(path, "model.weights.h5")
    with custom_object_scope(custom_objects):
        model = model_from_keras3(config, custom_objects)
    with h5py.File(io.BytesIO(weights), "r") as f:
        _read_model(f, model, path)
        if compile and config.get("compile_config"):
            compile_from_config(model, config["compile_config"], custom_objects)
            read_optimizer(f, model, path)
    return model


def _member(path: str, name: str) -> bytes:
    """One file of a `.keras` zip or of a model folder."""
    if os.path.isdir(path):
        if not os.path.exists(os.path.join(path, name)):
            raise ValueError(f"{path!r} is a folder but not a saved model: it has no {name}. "
                             f"Expected a folder written by `model.save(name)` (or Keras 3's "
                             f"`save(..., zipped=False)`).")
        with open(os.path.join(path, name), "rb") as f:
            return f.read()
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path!r} is not a .keras file (a zip archive with config.json and "
                         f"model.weights.h5). Expected a file written by `model.save(...)` "
                         f"with a .keras name.")
    with zipfile.ZipFile(path) as z:
        if name not in z.namelist():
            raise ValueError(f"{path!r} is a zip archive but not a .keras file: it has no "
                             f"{name}.")
        return z.read(name)


def is_keras3_weights(filepath) -> bool:
    """A `.keras` zip, or an HDF5 file in Keras 3's layout (`layers/<name>/vars/<i>`)."""
    path = os.fspath(filepath)
    if not os.path.isfile(path):
        return False
    if zipfile.is_zipfile(path):
        return True
    if not h5py.is_hdf5(path):
        return False
    with h5py.File(path, "r") as f:
        return "layer_names" not in f.attrs and ("layers" in f or "vars" in f)


def load_keras3_weights(model, filepath) -> None:
    """Assign the weights of a Keras 3 weights file (or of a `.keras` file) to `model`."""
    path = os.fspath(filepath)
    data = _member(path, "model.weights.h5") if zipfile.is_zipfile(path) else None
    with h5py.File(io.BytesIO(data) if data is not None else path, "r") as f:
        _read_model(f, model, path)


# --- weights ---------------------------------------------------------------------------
def _children(model) -> list[tuple[str, object]]:
    """(path name, layer) for each layer, named as Keras 3 names them in the file."""
    from chainrule.layers.layer import to_snake_case

    used: dict[str, int] = {}
    out = []
    for layer in model.layers:
        base = to_snake_case(type(layer).__name__)
        k = used.get(base, 0)
        used[base] = k + 1
        out.append((base if k == 0 else f"{base}_{k}", layer))
    return out


def _own_variables(layer) -> list:
    return layer.trainable_weights + layer.non_trainable_weights


def _write_model(group, model) -> None:
    group.create_group("vars").attrs["name"] = model.name
    layers = group.create_group("layers")
    for key, layer in _children(model):
        if _is_model(layer):
            sub = layers.create_group(key)
            _write_model(sub, layer)
            continue
        vars_group = layers.create_group(key).create_group("vars")
        vars_group.attrs["name"] = layer.name
        for i, v in enumerate(_own_variables(layer)):
            vars_group.create_dataset(str(i), data=v.numpy())


def _read_model(group, model, path: str) -> None:
    """Assign every variable from the file; nothing is assigned if anything mismatches."""
    for variable, value in _pairs(group, model, path, ""):
        variable.assign(value)


def _pairs(group, model, path: str, where: str) -> list:
    layers = group.get("layers")
    out = []
    for key, layer in _children(model):
        found = layers[key] if layers is not None and key in layers else None
        if _is_model(layer):
            out += _pairs(found if found is not None else {}, layer, path,
                          f"{where}layers/{key}/")
            continue
        variables = _own_variables(layer)
        stored = found["vars"] if found is not None and "vars" in found else {}
        if len(stored) != len(variables):
            raise ValueError(
                f"Layer {layer.name!r} expects {len(variables)} variables, but the file "
                f"{path!r} holds {len(stored)} at {where}layers/{key}/vars. Was it saved "
                f"from a different model?")
        for i, v in enumerate(variables):
            value = np.asarray(stored[str(i)])
            if value.shape != v.shape:
                raise ValueError(f"Layer {layer.name!r}: variable {v.name} has shape "
                                 f"{v.shape}, but the file holds shape {value.shape} at "
                                 f"{where}layers/{key}/vars/{i}.")
            out.append((v, value))
    return out


def _is_model(layer) -> bool:
    from chainrule.models.model import Model

    return isinstance(layer, Model)


# --- compile ---------------------------------------------------------------------------
_KERAS2_ONLY = ("jit_compile", "is_legacy_optimizer")   # Keras 3's optimizers refuse them


def compile_config_of(model) -> dict | None:
    """compile()'s arguments in Keras 3's `compile_config` shape (None if not compiled)."""
    from chainrule import optimizers

    state = getattr(model, "compiled", None)
    if state is None:
        return None
    opt = optimizers.serialize(state.optimizer)
    opt["config"] = {k: v for k, v in opt["config"].items() if k not in _KERAS2_ONLY}
    rate = opt["config"].get("learning_rate")
    if isinstance(rate, dict):                           # a schedule, in Keras 3's wrapping
        config = {**rate["config"], "name": rate["config"].get("name") or rate["class_name"]}
        opt["config"]["learning_rate"] = {"module": "keras.optimizers.schedules", **rate,
                                          "config": config, "registered_name": None}
    return {"optimizer": {"module": "keras.optimizers", **opt, "registered_name": None},
            "loss": serialize_loss(state), "loss_weights": state.loss_weights,
            "metrics": serialize_metrics(state.metric_ids),
            "weighted_metrics": None, "run_eagerly": False, "steps_per_execution": 1,
            "jit_compile": False}


def compile_from_config(model, cfg: dict, custom_objects: dict | None) -> None:
    from chainrule import optimizers
    from chainrule.saving.serialization import get_custom_objects

    custom = get_custom_objects(custom_objects)
    opt = cfg.get("optimizer") or "rmsprop"
    if isinstance(opt, dict):
        inner = {k: v for k, v in opt.get("config", {}).items()
                 if k in _optimizer_keys(opt["class_name"])}
        opt = optimizers.get({"class_name": opt["class_name"], "config": inner})
    model.compile(optimizer=opt, loss=deserialize_losses(_unwrap(cfg.get("loss")), custom),
                  metrics=deserialize_metrics(_unwrap(cfg.get("metrics")), custom),
                  loss_weights=cfg.get("loss_weights"))


def _unwrap(spec):
    """Keras 3's {"module", "class_name", "config", "registered_name"} -> Keras 2's pair."""
    if isinstance(spec, dict) and "class_name" in spec:
        config = {k: v for k, v in (spec.get("config") or {}).items()
                  if v is not None and k != "dtype"}
        return {"class_name": spec["class_name"], "config": config}
    if isinstance(spec, dict):
        return {k: _unwrap(v) for k, v in spec.items()}
    if isinstance(spec, list):
        return [_unwrap(v) for v in spec]
    return spec


def _optimizer_keys(class_name: str) -> set:
    import inspect

    from chainrule import optimizers

    cls = getattr(optimizers, class_name, None)
    if cls is None:
        raise ValueError(f"Unknown optimizer {class_name!r} in the file's compile_config. "
                         f"Load with compile=False and compile the model yourself.")
    keys = set(inspect.signature(cls.__init__).parameters) | set(
        inspect.signature(optimizers.Optimizer.__init__).parameters)
    return keys - {"self", "kwargs", "kw"}

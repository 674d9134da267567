"""`save_model` / `load_model`: architecture, weights and optimizer state in one HDF5 file.

Layout (Keras 2's legacy `.h5` model file):

    /                     attrs keras_version, backend, model_config (JSON),
                          training_config (JSON, when compiled and include_optimizer)
    /model_weights        the `save_weights` layout
    /optimizer_weights    attr weight_names = ['iteration:0', 'm/dense/kernel:0', ...]:
                          the step count, then each slot of each trainable weight

Restoring the slots (Adam's m and v, momentum, ...) and the iteration count, which Adam's
bias correction depends on, is what makes training resume exactly where it stopped.
"""
from __future__ import annotations

import json
import os
import warnings
import zipfile

import numpy as np

from chainrule import optimizers
from chainrule.backend import to_numpy
from chainrule.layers.lambda_layer import safe_mode_scope
from chainrule.saving.compile_config import (deserialize_losses, deserialize_metrics,
                                              serialize_loss, serialize_metrics)
from chainrule.saving.h5io import (BACKEND, KERAS_VERSION, atomic_h5_file, open_h5_for_reading,
                                   read_names, text, write_names)
from chainrule.saving.serialization import (builtin_class, custom_object_scope,
                                            deserialize_layer, get_custom_objects,
                                            serialize_layer, to_json)
from chainrule.saving.weights import (check_built, match_topological, read_values,
                                      weights_group, write_model_weights)

ITERATION = "iteration:0"


def save_model(model, filepath, include_optimizer: bool = True, save_format=None,
               overwrite: bool = True) -> None:
    """Write the model in the format its name says: `.keras` (Keras 3 zip), `.h5`/`.hdf5`
    (Keras 2 HDF5), or no suffix: a folder, as tf.keras 2.12 writes a SavedModel folder
    there, holding Keras 3's unzipped model files (see `saving_format`)."""
    fmt = saving_format(filepath, save_format)
    path = os.fspath(filepath)
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{path!r} exists and overwrite=False: nothing was written.")
    if fmt != "h5":
        from chainrule.saving.keras_format import compile_config_of, save_keras

        check_built(model, "save it")
        save_keras(model, path, compile_config_of(model) if include_optimizer else None,
                   zipped=fmt == "keras")
        return
    save_h5_model(model, path, include_optimizer)


def saving_format(filepath, save_format=None) -> str:
    """'keras', 'h5' or 'folder' for a name and tf.keras' `save_format` argument."""
    path = os.fspath(filepath)
    if save_format in ("h5", "keras"):
        return save_format
    if save_format not in (None, "tf"):
        raise ValueError(f"Unknown save_format={save_format!r}. Expected 'keras' (a .keras "
                         f"zip), 'h5' (Keras 2's HDF5 file) or 'tf' (a model folder).")
    if path.endswith(".keras") and save_format is None:
        return "keras"
    if path.endswith((".h5", ".hdf5")) and save_format is None:
        return "h5"
    warnings.warn(f"{path!r} has no .keras or .h5 suffix: like tf.keras 2.12, chainrule "
                  f"writes a folder there, but not a TensorFlow SavedModel (chainrule cannot "
                  f"write one): the folder holds Keras 3's unzipped model files (config.json, "
                  f"model.weights.h5, metadata.json), which chainrule's and Keras 3's "
                  f"load_model read. Name the file 'model.keras' or 'model.h5' for one file.",
                  UserWarning, stacklevel=4)
    return "folder"


def save_h5_model(model, filepath, include_optimizer: bool = True) -> None:
    """Write architecture, weights and (if compiled) training setup to one HDF5 file."""
    _check_saveable(model)
    check_built(model, "save it")
    model_config = to_json(serialize_layer(model))
    compiled = getattr(model, "compiled", None)
    with atomic_h5_file(filepath) as f:
        f.attrs["keras_version"] = KERAS_VERSION.encode("utf8")
        f.attrs["backend"] = BACKEND.encode("utf8")
        f.attrs["model_config"] = model_config.encode("utf8")
        write_model_weights(f.create_group("model_weights"), model)
        if include_optimizer and compiled is not None:
            f.attrs["training_config"] = to_json(_training_config(compiled)).encode("utf8")
            _write_optimizer_weights(f.create_group("optimizer_weights"), model, compiled)


def _check_saveable(model) -> None:
    if not isinstance(model, builtin_class("Functional") | builtin_class("Sequential")):
        raise NotImplementedError(
            f"Saving the model to HDF5 format requires the model to be a Functional model or a "
            f"Sequential model. It does not work for subclassed models such as "
            f"{type(model).__name__}, because their architecture is Python code. Save the "
            f"weights with `model.save_weights(path)` and rebuild the model in code instead.")


def _training_config(compiled) -> dict:
    """What compile() was given, in the keys Keras 2 writes (per output: lists or dicts)."""
    return {"loss": serialize_loss(compiled), "metrics": serialize_metrics(compiled.metric_ids),
            "weighted_metrics": None, "loss_weights": compiled.loss_weights,
            "optimizer_config": optimizers.serialize(compiled.optimizer)}


def _write_optimizer_weights(group, model, compiled) -> None:
    """Step count, then the slot arrays of every trainable weight the optimizer has seen."""
    optimizer = compiled.optimizer
    variables = _variables_with_slots(model, compiled)
    names = [ITERATION] + [f"{slot}/{v.name}" for v in variables for slot in
                           optimizer.slot_names]
    arrays = [np.asarray(optimizer.iterations, dtype=np.int64)] + [
        to_numpy(a) for a in optimizer.get_slot_arrays(variables)]
    write_names(group, "weight_names", names)
    for name, array in zip(names, arrays):
        group.create_dataset(name, data=array)


def _variables_with_slots(model, compiled) -> list:
    weights = compiled.train_weights if compiled.train_weights is not None else (
        model.trainable_weights)
    return [v for v in weights if id(v) in compiled.optimizer.slots]


def load_model(filepath, custom_objects: dict | None = None, compile: bool = True,  # noqa: A002
               safe_mode: bool = True):
    """Rebuild a model saved by `save_model`: architecture, weights, optimizer state.

    Args:
        filepath: a `.keras` file, a model folder, or a Keras 2 HDF5 file.
        custom_objects: `{name: class or function}` for custom layers, losses, metrics.
        compile: whether to compile the model with the saved training setup and restore
            the optimizer's state, so that `fit` continues exactly where it stopped.
        safe_mode: refuse to load Lambda layers stored as marshalled bytecode (running
            them would run code from the file); pass False only for files you trust.
    """
    path = os.fspath(filepath)
    if os.path.isdir(path) or zipfile.is_zipfile(path):
        from chainrule.saving.keras_format import load_keras

        return load_keras(path, custom_objects=custom_objects, compile=compile)
    with open_h5_for_reading(filepath) as f:
        if "model_config" not in f.attrs:
            raise ValueError(
                f"No model config found in the file at {str(filepath)!r}: it holds weights "
                f"only (written by `save_weights`?). Build the model in code and call "
                f"`model.load_weights(path)` instead.")
        with custom_object_scope(custom_objects), safe_mode_scope(safe_mode):
            model = deserialize_layer(json.loads(text(f.attrs["model_config"])))
        for variable, value in match_topological(model, weights_group(f, filepath)):
            variable.assign(value)
        if compile:
            _compile_from_file(model, f, custom_objects)
    return model


def _compile_from_file(model, f, custom_objects) -> None:
    if "training_config" not in f.attrs:
        warnings.warn("No training configuration found in save file, so the model was *not* "
                      "compiled. Compile it manually.", stacklevel=3)
        return
    config = json.loads(text(f.attrs["training_config"]))
    custom = get_custom_objects(custom_objects)
    model.compile(optimizer=_deserialize_optimizer(config["optimizer_config"], custom),
                  loss=deserialize_losses(config["loss"], custom),
                  metrics=deserialize_metrics(config.get("metrics"), custom),
                  loss_weights=config.get("loss_weights"))
    if "optimizer_weights" in f:
        _restore_optimizer(model, f["optimizer_weights"])


def _deserialize_optimizer(spec: dict, custom: dict):
    return optimizers.deserialize(spec, custom)   # custom optimizers and schedules included


def _restore_optimizer(model, group) -> None:
    """Give the new optimizer the saved slots and step count, matched by weight name."""
    optimizer = model.compiled.optimizer
    names = read_names(group, "weight_names")
    saved, slots = set(names), optimizer.slot_names
    variables = [v for v in model.trainable_weights
                 if slots and all(f"{s}/{v.name}" in saved for s in slots)]
    wanted = [f"{s}/{v.name}" for v in variables for s in slots]
    arrays = read_values(group, wanted)
    expected = [v.shape for v in variables for _ in slots]
    if len(wanted) != len(names) - 1 or [a.shape for a in arrays] != expected:
        warnings.warn("Error in loading the saved optimizer state: its slots do not match the "
                      "model's trainable weights. As a result, your model is starting with a "
                      "freshly initialized optimizer.", stacklevel=4)
        return
    iterations = int(np.asarray(group[ITERATION])) if ITERATION in group else 0
    optimizer.set_slot_arrays(variables, arrays, iterations)

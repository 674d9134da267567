"""`save_weights` / `load_weights` in Keras 2's legacy HDF5 layout.

Layout (what tf.keras 2.12 `model.save_weights('w.h5')` writes):

    /                       attrs layer_names (every top-level layer), backend, keras_version
    /conv2d                 attr  weight_names = ['conv2d/kernel:0', 'conv2d/bias:0']
    /conv2d/conv2d/kernel:0 dataset: the dataset path inside the group is the weight name
    /max_pooling2d          attr  weight_names = [] (weightless layers get a group too)
    /top_level_model_weights  weights owned by the model itself (none in chainrule)

A nested model is one group whose weight_names list all its sub-weights. Each layer's
weights are listed as Keras' `_legacy_weights` lists them: trainable ones first.

Loading is Keras' too. By default it is by topology: the model's layers that have weights are
paired, in order, with the file's layers that have weights, and values are assigned by
position, so the dataset names never matter (the 2016 VGG16 files name them
`block1_conv1_W_1:0`). `by_name=True` pairs layers by name instead.
"""
from __future__ import annotations

import warnings

import numpy as np

from chainrule.saving.h5io import (BACKEND, KERAS_VERSION, atomic_h5_file, has_names,
                                   open_h5_for_reading, read_names, write_names)
from chainrule.saving.keras_format import is_keras3_weights, load_keras3_weights

TOP_LEVEL = "top_level_model_weights"


def legacy_weights(layer) -> list:
    """A layer's weights in h5 order: trainable first, then the others (as Keras writes)."""
    return layer.trainable_weights + layer.non_trainable_weights


def save_weights(model, filepath) -> None:
    """Write all weights of `model` to one HDF5 file at exactly `filepath`, atomically.

    Unlike tf.keras, a path not ending in `.h5` (e.g. 'tmp_checkpoint.ckpt') still gets
    one HDF5 file of that exact name, never a TensorFlow checkpoint.
    """
    check_built(model, "save its weights")
    with atomic_h5_file(filepath) as f:
        write_model_weights(f, model)


def write_model_weights(group, model) -> None:
    """The layout described in the module docstring, under `group`."""
    layers = model.layers
    write_names(group, "layer_names", [layer.name for layer in layers])
    group.attrs["backend"] = BACKEND.encode("utf8")
    group.attrs["keras_version"] = KERAS_VERSION.encode("utf8")
    for layer in layers:
        write_weight_subset(group.create_group(layer.name), legacy_weights(layer))
    write_weight_subset(group.create_group(TOP_LEVEL), [])


def write_weight_subset(group, variables) -> None:
    """`weight_names` attribute plus one dataset per variable, at the path of its name."""
    write_names(group, "weight_names", [v.name for v in variables])
    for v in variables:
        group.create_dataset(v.name, data=v.numpy())


def check_built(model, action: str) -> None:
    if not model.built:
        raise ValueError(
            f"Model {model.name!r} has not been built yet, so it has no weights: cannot "
            f"{action}. Build it first: pass `input_shape` to its first layer, call it on a "
            f"batch, or call `model.build(input_shape)`.")


def load_weights(model, filepath, by_name: bool = False, skip_mismatch: bool = False) -> None:
    """Read weights written by `save_weights`, `model.save` or Keras (legacy `.h5`).

    Args:
        model: a built model.
        filepath: path of the HDF5 file.
        by_name: pair layers by name instead of by position.
        skip_mismatch: with `by_name`, warn about and skip weights whose count or shape
            differs instead of raising.

    Nothing is assigned unless every weight matches, so a failed load leaves the model as
    it was.
    """
    if skip_mismatch and not by_name:
        raise ValueError("When calling model.load_weights, skip_mismatch can only be set to "
                         "True when by_name is True.")
    if is_keras3_weights(filepath):            # Keras 3's model.weights.h5, or a .keras file
        load_keras3_weights(model, filepath)
        return
    check_built(model, "load weights into it")
    with open_h5_for_reading(filepath) as f:
        group = weights_group(f, filepath)
        if by_name:
            pairs = _match_by_name(model, group, skip_mismatch)
        else:
            pairs = match_topological(model, group)
    for variable, value in pairs:
        variable.assign(value)


def weights_group(f, filepath):
    """The group holding `layer_names`: the root, or `model_weights` in a `model.save` file."""
    if not has_names(f, "layer_names") and "model_weights" in f:
        f = f["model_weights"]
    if not has_names(f, "layer_names"):
        raise ValueError(
            f"{str(filepath)!r} is an HDF5 file but holds no Keras weights: it has no "
            f"'layer_names' attribute and no 'model_weights' group. Expected a file written "
            f"by `save_weights` or `model.save`.")
    return f


def _saved_layers(group) -> list[tuple[str, list[str]]]:
    """(layer name, weight names) for every layer listed in the file, in file order."""
    out = []
    for name in read_names(group, "layer_names"):
        if name not in group:
            raise ValueError(f"The weights file lists layer {name!r} in 'layer_names' but has "
                             f"no group of that name; the file is damaged or incomplete.")
        out.append((name, read_names(group[name], "weight_names")))
    return out


def read_values(group, weight_names: list[str]) -> list[np.ndarray]:
    missing = [n for n in weight_names if n not in group]
    if missing:
        raise ValueError(f"Group {group.name!r} lists weights {missing} in 'weight_names' but "
                         f"holds no datasets of those names; the file is damaged.")
    return [np.asarray(group[n]) for n in weight_names]


def match_topological(model, group) -> list[tuple]:
    """(variable, value) pairs by Keras' positional rule; raises on any mismatch."""
    layers = [layer for layer in model.layers if legacy_weights(layer)]
    saved = [(name, weights) for name, weights in _saved_layers(group) if weights]
    if len(saved) != len(layers):
        raise ValueError(
            f"Layer count mismatch when loading weights from file. Model expected "
            f"{len(layers)} layers, found {len(saved)} saved layers. Model layers with "
            f"weights: {[la.name for la in layers]}; saved layers with weights: "
            f"{[name for name, _ in saved]}. Hint: `load_weights(path, by_name=True)` pairs "
            f"layers by name instead of by position.")
    pairs = []
    for k, (layer, (name, weight_names)) in enumerate(zip(layers, saved)):
        variables = legacy_weights(layer)
        if len(weight_names) != len(variables):
            raise ValueError(
                f"Weight count mismatch for layer #{k} (named {layer.name} in the current "
                f"model, {name} in the save file). Layer expects {len(variables)} weight(s). "
                f"Received {len(weight_names)} saved weight(s)")
        values = read_values(group[name], weight_names)
        for variable, value, saved_name in zip(variables, values, weight_names):
            _check_shape(layer, variable, value, f"{name}/{saved_name}")
        pairs += zip(variables, values)
    _check_no_top_level_weights(group, skip=False)
    return pairs


def _check_shape(layer, variable, value, saved_as: str) -> None:
    if value.shape != variable.shape:
        raise ValueError(
            f"Layer '{layer.name}' weight shape {variable.shape} is not compatible with "
            f"provided weight shape {value.shape}. (Weight {variable.name!r}, saved in the "
            f"file as {saved_as!r}.) Was the model built with the same layers and input shape "
            f"as the one that saved these weights?")


def _match_by_name(model, group, skip: bool) -> list[tuple]:
    """(variable, value) pairs for the layers whose names appear in the file."""
    index: dict[str, list] = {}
    for layer in model.layers:
        index.setdefault(layer.name, []).append(layer)
    pairs = []
    for k, (name, weight_names) in enumerate(_saved_layers(group)):
        for layer in index.get(name, []):
            pairs += _layer_pairs_by_name(k, layer, group[name], weight_names, skip)
    _check_no_top_level_weights(group, skip)
    return pairs


def _layer_pairs_by_name(k: int, layer, group, weight_names, skip: bool) -> list[tuple]:
    variables = legacy_weights(layer)
    where = f"layer #{k} (named {layer.name})"
    if len(weight_names) != len(variables):
        counts = (f"Layer expects {len(variables)} weight(s). Received {len(weight_names)} "
                  f"saved weight(s)")
        if skip:
            warnings.warn(f"Skipping loading of weights for {where} due to mismatch in number "
                          f"of weights. {counts}", stacklevel=4)
            return []
        raise ValueError(f"Weight count mismatch for {where}. {counts}")
    pairs = []
    for variable, value in zip(variables, read_values(group, weight_names)):
        if value.shape == variable.shape:
            pairs.append((variable, value))
            continue
        shapes = (f"Weight expects shape {variable.shape}. Received saved weight with shape "
                  f"{value.shape}")
        if not skip:
            raise ValueError(f"Shape mismatch in {where} for weight {variable.name}. {shapes}")
        warnings.warn(f"Skipping loading weights for {where} due to mismatch in shape for "
                      f"weight {variable.name}. {shapes}", stacklevel=4)
    return pairs


def _check_no_top_level_weights(group, skip: bool) -> None:
    """chainrule models own no weights themselves; a Keras file whose model did can't load."""
    if TOP_LEVEL not in group:
        return
    count = len(read_names(group[TOP_LEVEL], "weight_names"))
    if count == 0:
        return
    message = (f"Model expects 0 top-level weight(s). Received {count} saved top-level "
               f"weight(s) (weights created on the Keras model itself, outside its layers).")
    if skip:
        warnings.warn(f"Skipping loading top-level weights for model due to mismatch in "
                      f"number of weights. {message}", stacklevel=4)
        return
    raise ValueError(f"Weight count mismatch for top-level weights when loading weights from "
                     f"file. {message}")

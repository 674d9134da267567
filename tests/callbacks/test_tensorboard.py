"""TensorBoard: event files read back with TensorBoard's own EventAccumulator.

tf.keras 2.12's folders, tags, plugins and steps are recorded in
tests/fixtures/tensorboard_layout.json (by make_tensorboard_layout.py), and every scalar
written must equal what `History` (or the batch logs) recorded.
"""
import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

import chainrule as keras
from chainrule import layers

pytest.importorskip("tensorboard", reason="TensorBoard tests need the [tensorboard] extra")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.graph import keras_util
from tensorboard.util import tensor_util

LAYOUT = json.loads((Path(__file__).parents[1] / "fixtures" / "tensorboard_layout.json")
                    .read_text())


def _fit(log_dir, schedule=False, epochs=2, extra=(), **kwargs):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(20, 4)).astype("float32"), rng.integers(0, 2, size=(20,))
    model = keras.Sequential([layers.Dense(3, activation="relu", input_shape=(4,)),
                              layers.Dense(2, activation="softmax")])
    lr = keras.optimizers.schedules.ExponentialDecay(0.1, 5, 0.5) if schedule else 0.1
    model.compile(keras.optimizers.SGD(lr), "sparse_categorical_crossentropy", ["accuracy"])
    callback = keras.callbacks.TensorBoard(log_dir, **kwargs)
    history = model.fit(x, y, batch_size=5, epochs=epochs, validation_split=0.25, verbose=0,
                        callbacks=[callback, *extra])
    return model, history


def _read(log_dir):
    """{folder: {tag: (plugin, [steps], [values])}} for every event file under log_dir."""
    out = {}
    for folder in sorted(os.listdir(log_dir)):
        acc = EventAccumulator(os.path.join(log_dir, folder), size_guidance={"tensors": 0})
        acc.Reload()
        out[folder] = {tag: (acc.SummaryMetadata(tag).plugin_data.plugin_name,
                             [e.step for e in acc.Tensors(tag)],
                             [tensor_util.make_ndarray(e.tensor_proto) for e in acc.Tensors(tag)])
                       for tag in acc.Tags()["tensors"]}
    return out


def _layer_index(tag, names):
    head, _, rest = tag.partition("/")
    return f"layer{names.index(head)}/{rest}" if rest else tag


def _layout(found, model):
    names = [layer.name for layer in model.layers]
    return {folder: {_layer_index(tag, names): {"plugin": plugin, "steps": steps}
                     for tag, (plugin, steps, _) in tags.items()}
            for folder, tags in found.items()}


def _expected(case):
    expected = {}
    for folder, tags in LAYOUT[case].items():
        names = sorted({t.split("/")[0] for t in tags if "/" in t})
        expected[folder] = {_layer_index(t, names): v for t, v in tags.items() if t != "<graph>"}
    return expected


@pytest.mark.parametrize("case, kwargs", [
    ("epoch", {}),
    ("epoch_schedule", {"schedule": True}),
    ("batch_2_histograms", {"update_freq": 2, "histogram_freq": 1}),
    ("batch_2_steps_per_second", {"update_freq": 2, "write_steps_per_second": True}),
])
def test_folders_tags_plugins_and_steps_are_tf_keras_2_12s(tmp_path, case, kwargs):
    model, _ = _fit(tmp_path, **kwargs)
    found = _layout(_read(tmp_path), model)
    if case == "batch_2_histograms":      # 2.12 skips batch hooks here (see the module doc)
        found["train"] = {k: v for k, v in found["train"].items() if not k.startswith("batch_")}
    assert found == _expected(case)


def test_every_epoch_scalar_equals_history(tmp_path):
    _, history = _fit(tmp_path, schedule=True, epochs=3)
    found = _read(tmp_path)
    for key, values in history.history.items():
        folder, name = ("validation", key[4:]) if key.startswith("val_") else ("train", key)
        _, steps, written = found[folder]["epoch_" + name]
        assert steps == [0, 1, 2]
        np.testing.assert_array_equal(written, np.float32(values))
    _, _, rates = found["train"]["epoch_learning_rate"]
    np.testing.assert_allclose(rates, [0.1 * 0.5 ** (3 * (e + 1) / 5) for e in range(3)],
                               rtol=1e-6)


def test_batch_scalars_equal_the_batch_logs(tmp_path):
    seen = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(dict(logs)))
    _fit(tmp_path, update_freq="batch", extra=[record])
    _, steps, losses = _read(tmp_path)["train"]["batch_loss"]
    assert steps == list(range(1, len(seen) + 1))
    np.testing.assert_array_equal(losses, np.float32([logs["loss"] for logs in seen]))


def test_histograms_count_every_weight_and_the_graph_parses(tmp_path):
    model, _ = _fit(tmp_path, histogram_freq=2, epochs=3, write_images=True)
    found = _read(tmp_path)["train"]
    plugin, steps, buckets = found[f"{model.layers[0].name}/kernel_0/histogram"]
    assert (plugin, steps) == ("histograms", [0, 2])
    assert [b[:, 2].sum() for b in buckets] == [12, 12]
    assert found[f"{model.layers[1].name}/bias_0/image"][0] == "images"
    _, _, (config,) = found["keras"]
    graph = keras_util.keras_model_to_graph_def(json.loads(config.item()))
    assert [node.name for node in graph.node] == [f"{model.name}/{layer.name}"
                                                  for layer in model.layers]


def test_functional_graph_names_each_layers_inputs():
    inputs = keras.Input((4,))
    left, right = layers.Dense(2)(inputs), layers.Dense(2)(inputs)
    model = keras.Model(inputs, layers.Add()([left, right]))
    config = keras.callbacks.tensorboard.keras_graph_config(model)
    graph = keras_util.keras_model_to_graph_def(config)
    add = next(node for node in graph.node if node.name.endswith(model.layers[-1].name))
    assert sorted(add.input) == sorted(f"{model.name}/{layer.name}" for layer in
                                       model.layers[1:3])


def test_profile_batch_warns_that_it_is_ignored(tmp_path):
    with pytest.warns(UserWarning, match="profile_batch=2 is ignored"):
        keras.callbacks.TensorBoard(tmp_path, profile_batch=2)


def test_without_tensorboard_the_error_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboard.summary.writer.event_file_writer", None)
    with pytest.raises(ImportError, match=r"pip install 'chainrule\[tensorboard\]'"):
        _fit(tmp_path)

"""The Keras 3 `.keras` format: files from real Keras 3 load; chainrule's files round-trip
(and, when a Keras 3 interpreter is named in CHAINRULE_KERAS3_PYTHON, Keras 3 reads them)."""
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest

from chainrule import layers
from chainrule.models import Model, Sequential, load_model
from tests.saving.builders import images, nested_model, one_hot, randomize, small_cnn

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MAKER = FIXTURES / "make_keras3_files.py"


def reference():
    with np.load(FIXTURES / "keras3_reference.npz") as f:
        return {k: f[k] for k in f.files}


@pytest.mark.parametrize("name", ["mlp", "two_inputs", "cnn"])
def test_files_written_by_keras3_load_and_predict_as_keras3(name):
    ref = reference()
    model = load_model(FIXTURES / f"keras3_{name}.keras")
    x = [ref[k] for k in sorted(ref) if k.startswith(f"{name}/x")]
    y = model.predict(x if len(x) > 1 else x[0], verbose=0)
    np.testing.assert_allclose(y, ref[f"{name}/y"], atol=1e-6)


def test_keras3_compile_config_compiles_the_loaded_model():
    model = load_model(FIXTURES / "keras3_mlp.keras")
    assert model.compiled.loss_id == "sparse_categorical_crossentropy"
    assert type(model.optimizer).__name__ == "Adam"
    assert model.optimizer.learning_rate == pytest.approx(0.01)
    assert load_model(FIXTURES / "keras3_mlp.keras", compile=False).compiled is None


def two_input_model():
    a, b = layers.Input((4,), name="a"), layers.Input((2,), name="b")
    h = layers.Dense(8, name="hidden")(layers.Concatenate()([a, b]))
    h = layers.Activation("relu")(layers.BatchNormalization(name="bn")(h))
    return Model([a, b], layers.Dense(1, activation="sigmoid", name="score")(h), name="two")


def cases(rng):
    cnn = small_cnn()
    cnn.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    cnn.fit(images(rng), one_hot(rng), epochs=1, verbose=0)
    two = two_input_model()
    randomize(two, rng)
    nested = nested_model()
    nested.build((None, 8, 8, 3))
    randomize(nested, rng)
    return {"cnn": (cnn, [images(rng)]), "two": (two, [rng.standard_normal((3, 4)),
                                                       rng.standard_normal((3, 2))]),
            "nested": (nested, [images(rng)])}


def test_chainrule_files_have_keras3_layout_and_round_trip(tmp_path, rng):
    for name, (model, x) in cases(rng).items():
        path = tmp_path / f"{name}.keras"
        model.save(path)
        with zipfile.ZipFile(path) as z:
            assert sorted(z.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
            config = json.loads(z.read("config.json"))
        assert config["class_name"] in ("Sequential", "Functional")
        loaded = load_model(path)
        x = [v.astype("float32") for v in x]
        np.testing.assert_allclose(loaded.predict(x if len(x) > 1 else x[0], verbose=0),
                                   model.predict(x if len(x) > 1 else x[0], verbose=0),
                                   atol=1e-6)
    with h5py.File(zipfile.ZipFile(tmp_path / "cnn.keras").open("model.weights.h5"), "r") as f:
        assert f["layers/conv2d/vars"].attrs["name"] == cases_layer_name(tmp_path)
        assert f["layers/batch_normalization/vars/3"].shape == (4,)     # moving_variance


def cases_layer_name(tmp_path) -> str:
    return load_model(tmp_path / "cnn.keras").layers[0].name


def test_compiled_model_reloads_compiled(tmp_path, rng):
    model = small_cnn()
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    model.save(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras")
    assert loaded.compiled.loss_id == "categorical_crossentropy"
    logs = loaded.evaluate(images(rng), one_hot(rng), verbose=0, return_dict=True)
    assert list(logs) == ["loss", "accuracy"]


def test_name_without_suffix_writes_a_model_folder_and_warns(tmp_path, rng):
    model = small_cnn()
    with pytest.warns(UserWarning, match="no .keras or .h5 suffix.*not a TensorFlow SavedModel"):
        model.save(tmp_path / "my_model")
    assert sorted(os.listdir(tmp_path / "my_model")) == ["config.json", "metadata.json",
                                                         "model.weights.h5"]
    x = images(rng)
    np.testing.assert_allclose(load_model(tmp_path / "my_model").predict(x, verbose=0),
                               model.predict(x, verbose=0), atol=1e-6)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("mine")
    with pytest.warns(UserWarning), pytest.raises(FileExistsError, match="holding other files"):
        model.save(tmp_path / "notes")
    assert (tmp_path / "notes" / "todo.txt").read_text() == "mine"
    (tmp_path / "notes" / "config.json").write_text("{}")         # a user's own config.json
    with pytest.warns(UserWarning), pytest.raises(FileExistsError, match="todo.txt"):
        model.save(tmp_path / "notes")
    assert (tmp_path / "notes" / "config.json").read_text() == "{}"
    with pytest.warns(UserWarning):
        model.save(tmp_path / "my_model")                          # a saved model: replaced
    assert sorted(os.listdir(tmp_path / "my_model")) == ["config.json", "metadata.json",
                                                         "model.weights.h5"]


def test_save_format_argument_and_bad_files(tmp_path):
    model = small_cnn()
    model.save(tmp_path / "weights_file", save_format="h5")
    assert h5py.is_hdf5(tmp_path / "weights_file")
    with pytest.raises(ValueError, match="Unknown save_format='pb'.*'keras'.*'h5'"):
        model.save(tmp_path / "x", save_format="pb")
    with zipfile.ZipFile(tmp_path / "other.keras", "w") as z:
        z.writestr("readme.txt", "not a model")
    with pytest.raises(ValueError, match="not a .keras file: it has no config.json"):
        load_model(tmp_path / "other.keras")
    with pytest.raises(NotImplementedError, match="subclassed model"):
        _subclassed().save(tmp_path / "sub.keras")


def _subclassed():
    class Tiny(Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, inputs):
            return self.dense(inputs)

    model = Tiny()
    model(np.zeros((1, 3), "float32"))
    return model


def test_unknown_keras3_arguments_are_refused_not_guessed(tmp_path):
    model = Sequential([layers.Input((3,)), layers.Dense(2)])
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as z:
        files = {n: z.read(n) for n in z.namelist()}
    config = json.loads(files["config.json"])
    dense = next(la for la in config["config"]["layers"] if la["class_name"] == "Dense")
    dense["config"]["lora_rank"] = None                 # neutral: dropped
    dense["config"]["kernel_quantizer"] = "int4"        # meaningful: refused
    files["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(tmp_path / "edited.keras", "w") as z:
        for n, data in files.items():
            z.writestr(n, data)
    with pytest.raises(ValueError, match="kernel_quantizer='int4'.*does not support"):
        load_model(tmp_path / "edited.keras")


@pytest.mark.skipif(not os.environ.get("CHAINRULE_KERAS3_PYTHON"),
                    reason="set CHAINRULE_KERAS3_PYTHON to a Python with Keras 3 to run")
def test_keras3_reads_the_files_chainrule_writes(tmp_path, rng):
    inputs = {}
    expected = {}
    for name, (model, x) in cases(rng).items():
        model.save(tmp_path / f"{name}.keras")
        x = [v.astype("float32") for v in x]
        for i, xi in enumerate(x):
            inputs[f"{name}/x{i}"] = xi
        expected[name] = model.predict(x if len(x) > 1 else x[0], verbose=0)
    np.savez(tmp_path / "inputs.npz", **inputs)
    env = {**os.environ, "KERAS_BACKEND": "numpy"}
    subprocess.run([os.environ["CHAINRULE_KERAS3_PYTHON"], str(MAKER), "--check",
                    str(tmp_path)], check=True, env=env, capture_output=True)
    with np.load(tmp_path / "keras3_outputs.npz") as out:
        for name, y in expected.items():
            np.testing.assert_allclose(out[name], y, atol=1e-5)
    assert sys.version_info >= (3, 11)


def test_keras3_loss_and_metric_objects_in_compile_config():
    model = load_model(FIXTURES / "keras3_two_inputs.keras")
    loss = model.compiled.compiled_loss
    assert type(model.optimizer).__name__ == "RMSprop"
    assert model.optimizer.learning_rate == pytest.approx(0.002)
    ref = reference()
    x = [ref["two_inputs/x0"], ref["two_inputs/x1"]]
    logs = model.evaluate(x, np.ones((4, 1), "float32"), verbose=0, return_dict=True)
    assert list(logs) == ["loss", "binary_accuracy", "mse"]
    assert loss._losses[0].fn_kwargs["label_smoothing"] == pytest.approx(0.1)


def multi_output_model():
    inputs = layers.Input((3,), name="x")
    h = layers.Dense(4, activation="relu", name="h")(inputs)
    return Model(inputs, [layers.Dense(1, activation="sigmoid", name="p")(h),
                          layers.Dense(2, activation="softmax", name="d")(h)])


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_multi_output_compile_setup_survives_saving(tmp_path, rng, suffix):
    model = multi_output_model()
    model.compile("sgd", loss={"p": "binary_crossentropy", "d": "categorical_crossentropy"},
                  loss_weights={"p": 1.0, "d": 0.5}, metrics={"d": ["accuracy"]})
    x = rng.standard_normal((6, 3)).astype("float32")
    y = {"p": rng.integers(0, 2, (6, 1)).astype("float32"), "d": one_hot(rng, 6, 2)}
    expected = model.evaluate(x, y, verbose=0, return_dict=True)
    model.save(tmp_path / f"m{suffix}")
    loaded = load_model(tmp_path / f"m{suffix}")
    logs = loaded.evaluate(x, y, verbose=0, return_dict=True)
    assert list(logs) == ["loss", "p_loss", "d_loss", "d_accuracy"]
    np.testing.assert_allclose(list(logs.values()), list(expected.values()), rtol=1e-6)


def test_load_weights_reads_keras3_weight_files_and_keras_files(tmp_path, rng):
    ref = reference()
    model = Sequential([layers.Input((6,)), layers.Dense(5, activation="relu"),
                        layers.Dropout(0.2), layers.Dense(3, activation="softmax")])
    model.load_weights(FIXTURES / "keras3_mlp.keras")
    np.testing.assert_allclose(model.predict(ref["mlp/x0"], verbose=0), ref["mlp/y"], atol=1e-6)
    with zipfile.ZipFile(FIXTURES / "keras3_mlp.keras") as z:
        (tmp_path / "model.weights.h5").write_bytes(z.read("model.weights.h5"))
    other = Sequential([layers.Input((6,)), layers.Dense(5, activation="relu"),
                        layers.Dropout(0.2), layers.Dense(3, activation="softmax")])
    other.load_weights(tmp_path / "model.weights.h5")
    np.testing.assert_allclose(other.predict(ref["mlp/x0"], verbose=0), ref["mlp/y"], atol=1e-6)
    wrong = Sequential([layers.Input((6,)), layers.Dense(4), layers.Dense(3)])
    with pytest.raises(ValueError, match="variable .* has shape \\(6, 4\\).*\\(6, 5\\)"):
        wrong.load_weights(tmp_path / "model.weights.h5")


def test_a_failed_keras3_weight_load_changes_nothing(tmp_path):
    model = Sequential([layers.Input((6,)), layers.Dense(5), layers.Dense(4)])
    before = model.get_weights()
    with pytest.raises(ValueError, match="shape"):
        model.load_weights(FIXTURES / "keras3_mlp.keras")      # first Dense fits, second not
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)

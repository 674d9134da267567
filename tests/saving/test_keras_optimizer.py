"""The optimizer's state travels inside `.keras` files, both ways between chainrule and Keras 3
(fixtures made by tests/fixtures/make_keras3_optimizer_state.py)."""
import os
import pathlib
import subprocess
import warnings
import zipfile

import h5py
import numpy as np
import pytest

from chainrule import layers, optimizers
from chainrule.models import Sequential, load_model

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures"
MAKER = FIXTURES / "make_keras3_optimizer_state.py"
NAMES = ["adam", "adam_amsgrad", "rmsprop", "sgd", "nadam", "adam_ema", "adam_schedule",
         "adadelta", "adagrad"]


def reference():
    return np.load(FIXTURES / "keras3_state_reference.npz")


def make_optimizer(name):
    o = optimizers
    return {"adam": lambda: o.Adam(0.01), "adam_amsgrad": lambda: o.Adam(0.01, amsgrad=True),
            "rmsprop": lambda: o.RMSprop(0.01, momentum=0.5, centered=True),
            "sgd": lambda: o.SGD(0.05, momentum=0.9), "nadam": lambda: o.Nadam(0.01),
            "adam_ema": lambda: o.Adam(0.01, use_ema=True),
            "adam_schedule": lambda: o.Adam(o.schedules.ExponentialDecay(0.02, 2, 0.5)),
            "adadelta": lambda: o.Adadelta(1.0), "adagrad": lambda: o.Adagrad(0.1)}[name]()


def fit_once(model, x, y):
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)


@pytest.mark.parametrize("name", NAMES)
def test_a_model_keras3_trained_resumes_with_its_optimizer_state(name):
    ref = reference()
    model = load_model(FIXTURES / f"keras3_state_{name}.keras")
    assert model.optimizer.iterations == 3
    fit_once(model, ref["next/x"], ref["next/y"])
    for i, w in enumerate(model.get_weights()):
        np.testing.assert_allclose(w, ref[f"{name}/w{i}"], rtol=1e-5, atol=1e-6)


def trained(name, ref):
    model = Sequential([layers.Input((4,)), layers.Dense(3, activation="tanh"),
                        layers.Dense(2)])
    model.compile(make_optimizer(name), "mse")
    fit_once(model, ref["train/x"], ref["train/y"])
    return model


@pytest.mark.parametrize("name", NAMES)
def test_a_saved_and_loaded_model_takes_the_same_next_step(tmp_path, name):
    ref = reference()
    model = trained(name, ref)
    model.save(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras")
    fit_once(model, ref["next/x"], ref["next/y"])
    fit_once(loaded, ref["next/x"], ref["next/y"])
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_the_file_holds_keras3s_layout(tmp_path):
    model = trained("adam", reference())
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as z:
        (tmp_path / "w.h5").write_bytes(z.read("model.weights.h5"))
    with h5py.File(tmp_path / "w.h5") as f:
        stored = f["optimizer/vars"]
        assert len(stored) == 2 + 2 * 4                 # step, rate, then m and v of 4 weights
        assert int(stored["0"][()]) == 3
        kernel = model.layers[0].kernel
        np.testing.assert_array_equal(stored["2"], model.optimizer.slots[id(kernel)]["m"])
        np.testing.assert_array_equal(stored["3"], model.optimizer.slots[id(kernel)]["v"])


def test_a_state_that_does_not_fit_is_skipped_with_keras3s_warning(tmp_path):
    ref = reference()
    model = trained("adam", ref)
    model.save(tmp_path / "m.keras")
    other = Sequential([layers.Input((4,)), layers.Dense(3, activation="tanh"),
                        layers.Dense(2)])
    other.compile(optimizers.SGD(0.05, momentum=0.9), "mse")   # 2 + 4 variables, not 2 + 8
    other.save(tmp_path / "o.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as z:
        adam_weights = z.read("model.weights.h5")
    with zipfile.ZipFile(tmp_path / "o.keras") as z:
        files = {n: z.read(n) for n in z.namelist()}
    files["model.weights.h5"] = adam_weights           # Adam's ten variables, SGD's config
    with zipfile.ZipFile(tmp_path / "mixed.keras", "w") as z:
        for n, data in files.items():
            z.writestr(n, data)
    with pytest.warns(UserWarning, match="Skipping variable loading for optimizer 'SGD', "
                                         "because it has 6 variables.*has 10"):
        loaded = load_model(tmp_path / "mixed.keras")
    assert loaded.optimizer.slots == {} and loaded.optimizer.iterations == 0


def test_an_untrained_compiled_model_saves_the_step_and_rate_only(tmp_path):
    model = Sequential([layers.Input((4,)), layers.Dense(2)])
    model.compile(optimizers.Adam(0.003), "mse")
    model.save(tmp_path / "m.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = load_model(tmp_path / "m.keras")
    assert loaded.optimizer.iterations == 0
    assert loaded.optimizer.learning_rate == pytest.approx(0.003)


@pytest.mark.skipif(not os.environ.get("CHAINRULE_KERAS3_PYTHON"),
                    reason="set CHAINRULE_KERAS3_PYTHON to a Python with Keras 3 (jax) to run")
def test_keras3_resumes_from_the_state_chainrule_writes(tmp_path):
    ref = reference()
    expected = {}
    for name in NAMES:
        model = trained(name, ref)
        model.save(tmp_path / f"{name}.keras")
        fit_once(model, ref["next/x"], ref["next/y"])
        expected[name] = model.get_weights()
    np.savez(tmp_path / "inputs.npz", **{k: ref[k] for k in ("next/x", "next/y")})
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    subprocess.run([os.environ["CHAINRULE_KERAS3_PYTHON"], str(MAKER), "--check",
                    str(tmp_path)], check=True, env=env, capture_output=True)
    with np.load(tmp_path / "keras3_outputs.npz") as out:
        for name, weights in expected.items():
            for i, w in enumerate(weights):
                np.testing.assert_allclose(out[f"{name}/w{i}"], w, rtol=1e-5, atol=1e-6)

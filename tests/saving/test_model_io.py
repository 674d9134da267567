"""save_model / load_model: architecture, weights and optimizer state; training resumes exactly."""
import json
import os

import h5py
import numpy as np
import pytest

from chainrule import optimizers
from chainrule.layers import Add, Dense, Input, Layer
from chainrule.models import Model, Sequential, load_model
from chainrule.saving.h5io import read_names
from tests.saving.builders import images, nested_model, one_hot, randomize, small_cnn

OPTIMIZERS = {
    "adam": lambda: "adam",
    "sgd_nesterov": lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    "rmsprop_centered": lambda: optimizers.RMSprop(momentum=0.5, centered=True),
    "adamw_amsgrad": lambda: optimizers.AdamW(amsgrad=True),
}


def _trained_cnn(rng, optimizer, x, y):
    model = small_cnn()
    model.compile(optimizer, "categorical_crossentropy", ["acc"])
    for _ in range(2):
        model.train_on_batch(x, y)
    return model


@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
def test_training_resumes_exactly_after_save_and_load(tmp_path, rng, opt):
    x, y = images(rng), one_hot(rng)
    model = _trained_cnn(rng, OPTIMIZERS[opt](), x, y)
    model.save(tmp_path / "model.h5")
    loaded = load_model(tmp_path / "model.h5")
    assert loaded.optimizer.iterations == model.optimizer.iterations == 2
    for m in (model, loaded):
        for _ in range(2):
            m.train_on_batch(x, y)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert loaded.optimizer.get_config() == model.optimizer.get_config()


def test_without_the_optimizer_state_training_would_diverge(tmp_path, rng):
    x, y = images(rng), one_hot(rng)
    model = _trained_cnn(rng, "adam", x, y)
    model.save(tmp_path / "model.h5")
    restarted = load_model(tmp_path / "model.h5", compile=False)
    restarted.compile("adam", "categorical_crossentropy", ["acc"])
    model.train_on_batch(x, y)
    restarted.train_on_batch(x, y)
    assert not np.array_equal(restarted.get_weights()[0], model.get_weights()[0])


def test_model_file_layout(tmp_path, rng):
    x, y = images(rng), one_hot(rng)
    model = _trained_cnn(rng, "adam", x, y)
    model.save(tmp_path / "model.h5")
    with h5py.File(tmp_path / "model.h5", "r") as f:
        config = json.loads(f.attrs["model_config"])
        training = json.loads(f.attrs["training_config"])
        opt_names = read_names(f["optimizer_weights"], "weight_names")
        assert read_names(f["model_weights"], "layer_names") == [la.name for la in model.layers]
        assert int(f["optimizer_weights/iteration:0"][()]) == 2
    assert config["class_name"] == "Sequential"
    assert [la["class_name"] for la in config["config"]["layers"]] == [
        "Conv2D", "BatchNormalization", "MaxPooling2D", "Flatten", "Dense"]
    assert training["optimizer_config"]["class_name"] == "Adam"
    assert training["metrics"] == ["acc"]
    assert training["loss"] == "categorical_crossentropy"    # the identifier given to compile
    assert opt_names[:3] == ["iteration:0", "m/conv2d/kernel:0", "v/conv2d/kernel:0"]
    assert len(opt_names) == 1 + 2 * len(model.trainable_weights)


def test_include_optimizer_false_saves_an_uncompiled_model(tmp_path, rng):
    x, y = images(rng), one_hot(rng)
    model = _trained_cnn(rng, "adam", x, y)
    model.save(tmp_path / "model.h5", include_optimizer=False)
    with h5py.File(tmp_path / "model.h5", "r") as f:
        assert "training_config" not in f.attrs and "optimizer_weights" not in f
    with pytest.warns(UserWarning, match="No training configuration found"):
        loaded = load_model(tmp_path / "model.h5")
    assert loaded.compiled is None
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_compile_false_skips_the_training_setup(tmp_path, rng):
    model = _trained_cnn(rng, "adam", images(rng), one_hot(rng))
    model.save(tmp_path / "model.h5")
    assert load_model(tmp_path / "model.h5", compile=False).compiled is None


def test_uncompiled_model_round_trips(tmp_path, rng):
    model = small_cnn()
    randomize(model, rng)
    model.save(tmp_path / "model.h5")
    with pytest.warns(UserWarning, match="not\\* compiled"):
        loaded = load_model(tmp_path / "model.h5")
    x = images(rng)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_nested_functional_in_sequential_round_trips(tmp_path, rng):
    model = nested_model()
    randomize(model, rng)
    model.save(tmp_path / "model.h5")
    loaded = load_model(tmp_path / "model.h5", compile=False)
    assert [la.name for la in loaded.layers] == ["base", "flatten", "dense"]
    x = images(rng)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_functional_model_with_a_merge_round_trips(tmp_path, rng):
    inputs = Input((5,))
    hidden = Dense(5, activation="relu")(inputs)
    outputs = Dense(2)(Add()([inputs, hidden]))
    model = Model(inputs, outputs)
    randomize(model, rng)
    model.save(tmp_path / "model.h5")
    loaded = load_model(tmp_path / "model.h5", compile=False)
    x = rng.standard_normal((3, 5)).astype("float32")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


class Scale(Layer):
    """A custom layer: multiplies by a learned scalar."""

    def build(self, input_shape):
        self.scale = self.add_weight("scale", (), "ones")

    def call(self, inputs, training=False):
        return inputs * self.scale


def test_custom_layers_inside_a_sequential_need_custom_objects(tmp_path, rng):
    model = Sequential([Dense(3, input_dim=4), Scale()])
    model.layers[1].scale.assign(np.float32(2.5))
    model.save(tmp_path / "model.h5")
    with pytest.raises(ValueError, match="Unknown layer: 'Scale'"):
        load_model(tmp_path / "model.h5", compile=False)
    loaded = load_model(tmp_path / "model.h5", custom_objects={"Scale": Scale}, compile=False)
    assert loaded.layers[1].scale.numpy() == np.float32(2.5)


def test_custom_loss_function_is_found_through_custom_objects(tmp_path, rng):
    def my_loss(y_true, y_pred):
        return ((y_pred - y_true) ** 2).mean(axis=-1)

    model = Sequential([Dense(2, input_dim=3)])
    model.compile("sgd", my_loss)
    model.save(tmp_path / "model.h5")
    loaded = load_model(tmp_path / "model.h5", custom_objects={"my_loss": my_loss})
    assert loaded.loss.name == "my_loss"


def test_subclassed_models_cannot_be_saved(tmp_path):
    class Mine(Model):
        def __init__(self):
            super().__init__()
            self.dense = Dense(2)

        def call(self, inputs, training=False):
            return self.dense(inputs)

    mine = Mine()
    mine(np.zeros((1, 3), dtype="float32"))
    with pytest.raises(NotImplementedError, match="Functional model or a Sequential model"):
        mine.save(tmp_path / "model.h5")


def test_weights_only_file_is_not_a_model(tmp_path):
    small_cnn().save_weights(tmp_path / "w.h5")
    with pytest.raises(ValueError, match="No model config found.*load_weights"):
        load_model(tmp_path / "w.h5")


def test_load_model_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="model.h5"):
        load_model(tmp_path / "model.h5")


def test_failed_model_save_keeps_the_previous_file(tmp_path, rng, monkeypatch):
    path = tmp_path / "model.h5"
    model = _trained_cnn(rng, "adam", images(rng), one_hot(rng))
    model.save(path)
    good = path.read_bytes()
    real = h5py.Group.create_dataset

    def create_dataset(self, name, *args, **kwargs):
        if name.startswith("v/"):                       # fail inside optimizer_weights
            raise OSError("No space left on device (simulated)")
        return real(self, name, *args, **kwargs)

    monkeypatch.setattr(h5py.Group, "create_dataset", create_dataset)
    with pytest.raises(OSError, match="simulated"):
        model.save(path)
    assert path.read_bytes() == good
    assert os.listdir(tmp_path) == ["model.h5"]

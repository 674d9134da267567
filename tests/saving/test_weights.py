"""save_weights / load_weights: one HDF5 file, Keras 2's legacy layout, Keras' loading rules."""
import os

import h5py
import numpy as np
import pytest

from chainrule.layers import Conv2D, Dense, Flatten, MaxPooling2D
from chainrule.models import Sequential
from chainrule.saving.h5io import read_names, write_names
from tests import keras_fixtures
from tests.saving.builders import images, nested_model, randomize, small_cnn


def _layout(path) -> dict:
    """{object path: attributes and, for datasets, shape and dtype}, for comparing files."""
    out = {}

    def visit(name, obj):
        entry = {k: _attr(obj.attrs[k]) for k in obj.attrs}
        if isinstance(obj, h5py.Dataset):
            entry.update(shape=obj.shape, dtype=str(obj.dtype))
        out[name] = entry

    with h5py.File(path, "r") as f:
        out["/"] = {k: _attr(f.attrs[k]) for k in f.attrs}
        f.visititems(visit)
    return out


def _attr(value):
    return [str(v) for v in value] if isinstance(value, np.ndarray) else str(value)


def _keras_file(name: str):
    """A file written by real tf.keras (see tests/fixtures/README.md), or skip."""
    needed = [keras_fixtures.FIXTURES / name, keras_fixtures.FIXTURES / "keras_reference.npz"]
    missing = [p.name for p in needed if not p.exists()]
    if missing:
        pytest.skip(f"tf.keras reference fixture(s) missing: {missing}; make them with "
                    f"tests/fixtures/make_keras_reference.py")
    return needed[0]


def test_save_weights_writes_exactly_one_file_at_the_given_path(tmp_path, rng):
    model = small_cnn()
    randomize(model, rng)
    path = tmp_path / "tmp_checkpoint.ckpt"
    model.save_weights(str(path))
    assert sorted(os.listdir(tmp_path)) == ["tmp_checkpoint.ckpt"]
    assert h5py.is_hdf5(path)
    fresh = small_cnn()
    fresh.load_weights(str(path))
    x = images(rng)
    np.testing.assert_array_equal(fresh.predict(x, verbose=0), model.predict(x, verbose=0))
    for a, b in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_layout_has_keras_attrs_groups_and_dataset_names(tmp_path):
    model = small_cnn()
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "r") as f:
        assert read_names(f, "layer_names") == [la.name for la in model.layers]
        assert f.attrs["backend"] == "tensorflow"
        assert f.attrs["keras_version"] == "2.12.0"
        assert read_names(f["conv2d"], "weight_names") == ["conv2d/kernel:0", "conv2d/bias:0"]
        assert f["conv2d/conv2d/kernel:0"].shape == (3, 3, 3, 4)
        assert read_names(f["batch_normalization"], "weight_names") == [
            f"batch_normalization/{n}:0"
            for n in ("gamma", "beta", "moving_mean", "moving_variance")]
        assert f["max_pooling2d"].attrs["weight_names"].shape == (0,)   # group kept, empty
        np.testing.assert_array_equal(f["dense/dense/bias:0"][()],
                                      model.layers[-1].bias.numpy())


def test_file_matches_the_one_tf_keras_wrote_for_the_same_model(tmp_path):
    keras_file = _keras_file("keras_weights_cnn.h5")
    model = keras_fixtures.build_model("cnn_same_adam")
    model.set_weights(keras_fixtures.weights("cnn_same_adam/w1"))
    model.save_weights(tmp_path / "ours.h5")
    assert _layout(tmp_path / "ours.h5") == _layout(keras_file)
    with h5py.File(tmp_path / "ours.h5", "r") as ours, h5py.File(keras_file, "r") as theirs:
        np.testing.assert_array_equal(ours["dense/dense/kernel:0"][()],
                                      theirs["dense/dense/kernel:0"][()])


def test_loads_weights_saved_by_tf_keras_and_predicts_the_same():
    keras_file = _keras_file("keras_weights_cnn.h5")
    model = keras_fixtures.build_model("cnn_same_adam")
    model.load_weights(keras_file)
    pred = model.predict(keras_fixtures.value("cnn_same_adam/x"), verbose=0)
    np.testing.assert_allclose(pred, keras_fixtures.value("h5/cnn_pred"), rtol=1e-5)


def test_load_weights_reads_the_model_weights_group_of_a_keras_model_file():
    keras_file = _keras_file("keras_model_mlp.h5")
    model = keras_fixtures.build_model("mlp_sgd_nesterov")
    model.load_weights(keras_file)
    pred = model.predict(keras_fixtures.value("mlp_sgd_nesterov/x"), verbose=0)
    np.testing.assert_allclose(pred, keras_fixtures.value("h5/mlp_pred"), rtol=1e-5)


def _write_2016_style_file(path, rng, chunked: bool) -> dict:
    """The VGG16-release layout: fixed-length byte names, flat `<layer>_W_1:0` datasets."""
    arrays = {"block1_conv1_W_1:0": rng.standard_normal((3, 3, 3, 2)).astype("float32"),
              "block1_conv1_b_1:0": rng.standard_normal(2).astype("float32"),
              "fc1_W_1:0": rng.standard_normal((32, 2)).astype("float32"),
              "fc1_b_1:0": rng.standard_normal(2).astype("float32")}
    names = [b"block1_conv1", b"block1_pool", b"fc1"]
    with h5py.File(path, "w") as f:
        if chunked:
            f.attrs["layer_names0"] = np.array(names[:2])
            f.attrs["layer_names1"] = np.array(names[2:])
        else:
            f.attrs["layer_names"] = np.array(names)
        for layer in ("block1_conv1", "block1_pool", "fc1"):
            group = f.create_group(layer)
            mine = [k for k in arrays if k.startswith(layer + "_")]
            group.attrs["weight_names"] = np.array([k.encode() for k in mine], dtype="S")
            for k in mine:
                group.create_dataset(k, data=arrays[k])
    return arrays


@pytest.mark.parametrize("chunked", [False, True])
def test_reads_2016_style_files_positionally(tmp_path, rng, chunked):
    arrays = _write_2016_style_file(tmp_path / "vgg.h5", rng, chunked)
    model = Sequential([Conv2D(2, 3, padding="same", input_shape=(8, 8, 3), name="c"),
                        MaxPooling2D(), Flatten(), Dense(2, name="d")])
    model.load_weights(tmp_path / "vgg.h5")
    for got, name in zip(model.get_weights(), arrays):
        np.testing.assert_array_equal(got, arrays[name])


def test_long_name_lists_are_split_into_numbered_attributes(tmp_path):
    names = [f"layer_{i:05d}/" + "x" * 40 + ":0" for i in range(2000)]   # ~100 KB > 64 KB
    with h5py.File(tmp_path / "n.h5", "w") as f:
        write_names(f, "weight_names", names)
        assert "weight_names" not in f.attrs and "weight_names1" in f.attrs
        assert read_names(f, "weight_names") == names


def test_nested_model_is_one_group_and_round_trips(tmp_path, rng):
    model = nested_model()
    randomize(model, rng)
    model.save_weights(tmp_path / "nested.h5")
    with h5py.File(tmp_path / "nested.h5", "r") as f:
        assert read_names(f, "layer_names") == ["base", "flatten", "dense"]
        assert read_names(f["base"], "weight_names") == [w.name for w in model.layers[0].weights]
        assert "base/inner_conv/kernel:0" in f
    fresh = nested_model(conv_name="other_conv")       # names differ: loading is positional
    fresh.load_weights(tmp_path / "nested.h5")
    x = images(rng)
    np.testing.assert_array_equal(fresh.predict(x, verbose=0), model.predict(x, verbose=0))


def test_frozen_sub_layers_are_listed_after_trainable_ones_as_keras_does(tmp_path, rng):
    model = nested_model()
    model.layers[0].get_layer("inner_conv").trainable = False
    randomize(model, rng)
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "r") as f:
        names = read_names(f["base"], "weight_names")
    assert names == ["batch_normalization/gamma:0", "batch_normalization/beta:0",
                     "inner_conv/kernel:0", "inner_conv/bias:0",
                     "batch_normalization/moving_mean:0", "batch_normalization/moving_variance:0"]
    fresh = nested_model()
    fresh.layers[0].get_layer("inner_conv").trainable = False
    fresh.load_weights(tmp_path / "w.h5")
    for a, b in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def _mlp(*units, input_dim=4, names=None):
    names = names or [None] * len(units)
    first = Dense(units[0], input_dim=input_dim, name=names[0])
    return Sequential([first] + [Dense(u, name=n) for u, n in zip(units[1:], names[1:])])


def test_layer_count_mismatch_names_both_counts_and_the_layers(tmp_path):
    _mlp(3, 3, 2).save_weights(tmp_path / "w.h5")
    with pytest.raises(ValueError, match=r"Model expected 2 layers, found 3 saved layers") as e:
        _mlp(3, 2).load_weights(tmp_path / "w.h5")
    assert "['dense_3', 'dense_4']" in str(e.value)                  # the model's layers
    assert "['dense', 'dense_1', 'dense_2']" in str(e.value)        # the file's layers


def test_shape_mismatch_names_layer_weight_and_shapes_and_changes_nothing(tmp_path, rng):
    _mlp(3, 2, input_dim=5, names=["a", "dense"]).save_weights(tmp_path / "w.h5")
    model = _mlp(3, 2, input_dim=4, names=["a", "dense"])
    before = model.get_weights()
    with pytest.raises(ValueError) as e:
        model.load_weights(tmp_path / "w.h5")
    message = str(e.value)
    assert "Layer 'a' weight shape (4, 3) is not compatible with provided weight shape " \
           "(5, 3)." in message
    assert "a/kernel:0" in message
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_by_name_loads_matching_layers_only(tmp_path, rng):
    saved = _mlp(3, 2, names=["a", "b"])
    randomize(saved, rng)
    saved.save_weights(tmp_path / "w.h5")
    model = _mlp(3, 2, names=["x", "b"])
    x_before = model.layers[0].get_weights()
    model.load_weights(tmp_path / "w.h5", by_name=True)
    np.testing.assert_array_equal(model.layers[1].kernel.numpy(), saved.layers[1].kernel.numpy())
    np.testing.assert_array_equal(model.layers[0].kernel.numpy(), x_before[0])


def test_by_name_shape_mismatch_raises_or_warns_and_skips(tmp_path, rng):
    _mlp(3, 2, names=["a", "b"]).save_weights(tmp_path / "w.h5")
    model = _mlp(3, 5, names=["a", "b"])
    with pytest.raises(ValueError, match=r"Shape mismatch in layer #1 \(named b\) for weight "
                                         r"b/kernel:0. Weight expects shape \(3, 5\)"):
        model.load_weights(tmp_path / "w.h5", by_name=True)
    before = model.layers[1].kernel.numpy().copy()
    with pytest.warns(UserWarning, match=r"Skipping loading weights for layer #1 \(named b\)"):
        model.load_weights(tmp_path / "w.h5", by_name=True, skip_mismatch=True)
    np.testing.assert_array_equal(model.layers[1].kernel.numpy(), before)


def test_skip_mismatch_needs_by_name_as_in_tf_keras(tmp_path):
    model = _mlp(2)
    model.save_weights(tmp_path / "w.h5")
    with pytest.raises(ValueError, match="skip_mismatch can only be set to True when by_name"):
        model.load_weights(tmp_path / "w.h5", skip_mismatch=True)


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.h5"):
        _mlp(2).load_weights(tmp_path / "nothing.h5")


def test_missing_file_with_an_index_file_is_recognised_as_a_tf_checkpoint(tmp_path):
    (tmp_path / "tmp_checkpoint.ckpt.index").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match="TensorFlow checkpoint"):
        _mlp(2).load_weights(tmp_path / "tmp_checkpoint.ckpt")


def test_non_hdf5_file_is_rejected(tmp_path):
    (tmp_path / "w.h5").write_text("not weights")
    with pytest.raises(ValueError, match="not an HDF5 file"):
        _mlp(2).load_weights(tmp_path / "w.h5")


def test_hdf5_file_without_weights_is_rejected(tmp_path):
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f.create_dataset("x", data=np.zeros(3))
    with pytest.raises(ValueError, match="holds no Keras weights"):
        _mlp(2).load_weights(tmp_path / "other.h5")


def test_saving_to_a_directory_fails_clearly_and_a_missing_directory_is_made(tmp_path):
    with pytest.raises(IsADirectoryError, match="non-directory filepath"):
        _mlp(2).save_weights(tmp_path)
    model, other = _mlp(2), _mlp(2)
    model.save_weights(tmp_path / "missing" / "deeper" / "w.ckpt")   # as Keras: folders made
    other.load_weights(tmp_path / "missing" / "deeper" / "w.ckpt")
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_unbuilt_model_cannot_save_or_load_weights(tmp_path):
    with pytest.raises(ValueError, match="has not been built yet"):
        Sequential([Dense(2)]).save_weights(tmp_path / "w.h5")


def _fail_on_third_dataset(monkeypatch):
    real, calls = h5py.Group.create_dataset, []

    def create_dataset(self, *args, **kwargs):
        calls.append(args)
        if len(calls) == 3:
            raise OSError("No space left on device (simulated)")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(h5py.Group, "create_dataset", create_dataset)


def test_failed_save_keeps_the_previous_file_and_leaves_no_temp_file(tmp_path, rng,
                                                                      monkeypatch):
    path = tmp_path / "tmp_checkpoint.ckpt"
    model = small_cnn()
    model.save_weights(path)
    good = path.read_bytes()
    randomize(model, rng)
    _fail_on_third_dataset(monkeypatch)
    with pytest.raises(OSError, match="simulated"):
        model.save_weights(path)
    assert path.read_bytes() == good
    assert os.listdir(tmp_path) == ["tmp_checkpoint.ckpt"]


def test_failed_first_save_leaves_nothing(tmp_path, monkeypatch):
    _fail_on_third_dataset(monkeypatch)
    with pytest.raises(OSError, match="simulated"):
        small_cnn().save_weights(tmp_path / "w.h5")
    assert os.listdir(tmp_path) == []


def test_file_is_fsynced_before_it_replaces_the_target(tmp_path, monkeypatch):
    events, real_fsync, real_replace = [], os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace",
                        lambda a, b: (events.append("replace"), real_replace(a, b))[1])
    _mlp(2).save_weights(tmp_path / "w.h5")
    assert events[:2] == ["fsync", "replace"]

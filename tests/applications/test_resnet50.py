"""ResNet50 against tf.keras 2.12: names, layer order, shapes, counts, summary, predictions
with the same seeded weights, Keras-layout weight files, errors, and a frozen base."""
import contextlib
import functools
import io
import json
from pathlib import Path

import h5py
import numpy as np
import pytest

from chainrule import layers
from chainrule.applications import ResNet50, resnet
from chainrule.models import Sequential
from chainrule.utils.file_utils import hash_file

from .test_vgg_architecture import describe

pytestmark = pytest.mark.usefixtures("each_kernel_path")   # NumPy and Numba kernels

REFERENCE = Path(__file__).parents[1] / "fixtures" / "keras_resnet_mobilenet_reference.npz"


@functools.cache
def load_record() -> dict:
    """keras_resnet_mobilenet_reference.npz, JSON decoded (see its generator script)."""
    with np.load(REFERENCE) as f:
        raw = {k: f[k] for k in f.files}
    return {k: json.loads(str(v)) if v.dtype.kind == "U" and not k.startswith("summary/")
            else v for k, v in raw.items()}


@pytest.fixture
def keras_record():
    return load_record()


def seeded_weights(named_shapes, seed=0):
    """The generator script's function: He-normal kernels (fan-in kh*kw for depthwise ones),
    gammas U(0.8, 1.2), moving variances U(0.5, 1.5), the other vectors N(0, 0.05)."""
    rng = np.random.default_rng(seed)
    out = []
    for name, shape in named_shapes:
        kind = name.split("/")[-1].split(":")[0]
        if kind == "gamma":
            value = rng.uniform(0.8, 1.2, shape)
        elif kind == "moving_variance":
            value = rng.uniform(0.5, 1.5, shape)
        elif kind == "depthwise_kernel":
            value = rng.normal(0.0, np.sqrt(2.0 / (shape[0] * shape[1])), shape)
        elif len(shape) > 1:
            value = rng.normal(0.0, np.sqrt(2.0 / np.prod(shape[:-1])), shape)
        else:
            value = rng.normal(0.0, 0.05, shape)
        out.append(value.astype("float32"))
    return out


def check_parity(record, case, model, preprocess):
    """Set the seeded weights, predict the record's images; return the relative error."""
    weights = seeded_weights([(w.name, w.shape) for w in model.weights])
    guard = np.array([[w.sum(dtype="float64"), w.flat[0]] for w in weights])
    np.testing.assert_allclose(guard, record[f"parity/{case}/check"], rtol=1e-6,
                               err_msg="NumPy drew other numbers than when the fixture was made")
    model.set_weights(weights)
    got = model.predict(preprocess(record[f"parity/{case}/image"]), verbose=0)
    want = record[f"parity/{case}/y"]
    assert got.shape == want.shape
    return np.abs(got - want).max() / np.abs(want).max()


def summary_of(model) -> str:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        model.summary()
    return buf.getvalue()


ARCH = {"resnet50_top_224": dict(include_top=True),
        "resnet50_notop_default": dict(include_top=False),
        "resnet50_avg_32": dict(include_top=False, input_shape=(32, 32, 3), pooling="avg"),
        "resnet50_max_45x67": dict(include_top=False, input_shape=(45, 67, 3), pooling="max"),
        "resnet50_top_64_c10": dict(include_top=True, input_shape=(64, 64, 3), classes=10)}


@pytest.mark.parametrize("case", sorted(ARCH))
def test_layers_order_shapes_and_counts_match_keras(keras_record, case):
    assert describe(ResNet50(weights=None, **ARCH[case])) == keras_record[f"arch/{case}"]


def test_parameter_counts():
    assert ResNet50(weights=None).count_params() == 25_636_712
    base = ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3))
    assert base.count_params() == 23_587_712
    assert sum(w.size for w in base.non_trainable_weights) == 53_120   # BN moving statistics


def test_summary_is_keras(keras_record):
    model = ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3))
    assert summary_of(model) == str(keras_record["summary/resnet50_notop_32"])


@pytest.mark.parametrize("case, kwargs", [
    ("resnet50_notop32", dict(include_top=False)),
    ("resnet50_top32_c10", dict(include_top=True, classes=10, classifier_activation=None))])
def test_predictions_match_keras_with_the_same_weights(keras_record, case, kwargs):
    model = ResNet50(weights=None, input_shape=(32, 32, 3), **kwargs)
    assert check_parity(keras_record, case, model, resnet.preprocess_input) < 1e-4


def test_preprocess_input_is_keras_caffe_mode(keras_record):
    got = resnet.preprocess_input(keras_record["preprocess/x"])
    np.testing.assert_allclose(got, keras_record["preprocess/resnet50"], rtol=1e-6, atol=1e-5)


def write_keras_layout(path, model, layer_names):
    """A legacy `.h5` weights file as Keras writes it, layers listed in `layer_names` order."""
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [n.encode() for n in layer_names]
        f.attrs["backend"], f.attrs["keras_version"] = b"tensorflow", b"2.12.0"
        for name in layer_names:
            weights = [] if name.startswith("input") else model.get_layer(name).weights
            group = f.create_group(name)
            group.attrs["weight_names"] = [w.name.encode() for w in weights]
            for w in weights:
                group.create_dataset(w.name, data=w.numpy())


def test_imagenet_weights_in_keras_layer_order_load_by_position(
        keras_record, chainrule_home, monkeypatch):
    """Keras' file lists layers in Keras' order (conv2_block1_0_conv after _2_relu); loading
    by position must put every array into the layer of the same name."""
    source = ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3))
    source.set_weights(seeded_weights([(w.name, w.shape) for w in source.weights], seed=7))
    cached = chainrule_home / "models" / resnet.WEIGHTS_FILE_NO_TOP
    cached.parent.mkdir(parents=True)
    names = [la["name"] for la in keras_record["arch/resnet50_notop_default"]["layers"]]
    write_keras_layout(cached, source, names)
    monkeypatch.setattr(resnet, "WEIGHTS_HASH_NO_TOP", hash_file(cached, "md5"))
    model = ResNet50(include_top=False, input_shape=(32, 32, 3))
    for layer in model.layers[1:]:
        for got, want in zip(layer.get_weights(), source.get_layer(layer.name).get_weights()):
            np.testing.assert_array_equal(got, want, err_msg=layer.name)


@pytest.mark.parametrize("include_top", [False, True])
def test_imagenet_offline_error_names_the_url_and_the_path(chainrule_home, include_top, capsys):
    fname, url, md5 = resnet._weight_file(include_top)
    with pytest.raises(ConnectionError) as info:
        ResNet50(include_top=include_top, input_shape=None if include_top else (64, 64, 3))
    assert url in str(info.value) and md5 in str(info.value)
    assert str(chainrule_home / "models" / fname) in str(info.value)
    assert "Downloading data from " + url in capsys.readouterr().out


def test_release_files_are_keras_ones():
    base = "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
    assert resnet.WEIGHTS_PATH == base + "resnet50_weights_tf_dim_ordering_tf_kernels.h5"
    assert resnet.WEIGHTS_PATH_NO_TOP == \
        base + "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
    assert resnet.WEIGHTS_HASH == "2cb95161c43110f7111970584f804107"
    assert resnet.WEIGHTS_HASH_NO_TOP == "4d473c1dd8becc155b73f8504c6f6626"


@pytest.mark.parametrize("case, kwargs", [
    ("resnet50_imagenet_classes", dict(weights="imagenet", include_top=True, classes=10)),
    ("resnet50_min_size", dict(weights=None, include_top=False, input_shape=(31, 64, 3)))])
def test_argument_errors_are_keras(keras_record, case, kwargs):
    with pytest.raises(ValueError) as info:
        ResNet50(**kwargs)
    assert str(info.value).startswith(keras_record[f"errors/{case}"]["message"])


def test_input_tensor_keeps_the_layers_before_it():
    images = layers.Input((40, 40, 3))
    scaled = layers.Rescaling(1 / 255)(images)
    model = ResNet50(weights=None, include_top=False, input_tensor=scaled, pooling="avg")
    assert model.inputs[0] is images
    assert [la.name for la in model.layers][:3] == [images.layer.name, scaled.layer.name,
                                                    "conv1_pad"]
    assert model.output_shape == (None, 2048)


def test_frozen_base_trains_only_the_head(rng):
    base = ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3), pooling="avg")
    base.trainable = False
    head = layers.Dense(2, activation="softmax")
    model = Sequential([base, head])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    before = base.get_weights()
    model.train_on_batch(rng.uniform(-100, 100, (4, 32, 32, 3)), np.array([0, 1, 0, 1]))
    assert set(model.optimizer.slots) == {id(w) for w in head.weights}
    assert all(w.grad is None for w in base.weights)
    for got, want in zip(base.get_weights(), before):    # BN statistics included
        np.testing.assert_array_equal(got, want)
    assert len(model.trainable_weights) == 2


def test_save_and_load_model_round_trip(rng, tmp_path):
    from chainrule.saving import load_model

    model = ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3))
    model.save(tmp_path / "resnet50.h5")
    with pytest.warns(UserWarning, match="No training configuration"):
        loaded = load_model(tmp_path / "resnet50.h5")
    assert [la.name for la in loaded.layers] == [la.name for la in model.layers]
    x = rng.uniform(-1, 1, (1, 32, 32, 3))
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))

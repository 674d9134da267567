"""Resizing, CenterCrop, Normalization (and RandomCrop's inference resize) against tf.keras 2.12
(tests/fixtures/make_keras_preprocessing_layers_reference.py), configs and gradients."""
import json
from pathlib import Path

import numpy as np
import pytest

import chainrule as keras
from chainrule import layers
from chainrule.autodiff import Tensor
from chainrule.autodiff.gradcheck import gradcheck

FIXTURE = Path(__file__).parents[1] / "fixtures" / "keras_preprocessing_layers_reference.npz"
METHODS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian",
           "mitchellcubic")


@pytest.fixture(scope="module")
def ref():
    with np.load(FIXTURE) as f:
        return {k: json.loads(str(f[k])) if f[k].dtype.kind == "U" and k != "summary"
                else f[k] for k in f.files}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("size", [(5, 11), (10, 4)])
def test_resizing_matches_keras_and_its_gradient(ref, method, size):
    key = f"resizing/{method}/{size[0]}x{size[1]}"
    x = Tensor(ref["x"], requires_grad=True)
    y = layers.Resizing(*size, interpolation=method)(x)
    np.testing.assert_allclose(y.data, ref[key + "/y"], rtol=1e-5, atol=2e-3)
    if method != "area":                         # TF has no gradient of its area resize
        y.backward(ref[key + "/upstream"])
        np.testing.assert_allclose(x.grad, ref[key + "/grad"], rtol=1e-4, atol=1e-3)


def test_resizing_crop_to_aspect_ratio_and_unbatched(ref):
    x = ref["x"]
    np.testing.assert_allclose(layers.Resizing(4, 4, crop_to_aspect_ratio=True)(x).data,
                               ref["resizing/crop/bilinear"], rtol=1e-6, atol=1e-4)
    np.testing.assert_array_equal(
        layers.Resizing(6, 3, "nearest", crop_to_aspect_ratio=True)(x).data,
        ref["resizing/crop/nearest"])
    np.testing.assert_allclose(layers.Resizing(4, 5)(x[0]).data, ref["resizing/unbatched"],
                               rtol=1e-6, atol=1e-4)


@pytest.mark.parametrize("key, layer", [
    ("center_crop/4x6", lambda: layers.CenterCrop(4, 6)),
    ("center_crop/10x12", lambda: layers.CenterCrop(10, 12)),
    ("center_crop/5x12", lambda: layers.CenterCrop(5, 12))])
def test_center_crop_matches_keras(ref, key, layer):
    np.testing.assert_allclose(layer()(ref["x"]).data, ref[key], rtol=1e-6, atol=1e-4)


def test_random_crop_resizes_in_inference_and_when_too_small(ref):
    np.testing.assert_allclose(layers.RandomCrop(5, 5)(ref["x"], training=False).data,
                               ref["random_crop/inference"], rtol=1e-6, atol=1e-4)
    np.testing.assert_allclose(layers.RandomCrop(8, 8)(ref["x"]).data,
                               ref["random_crop/too_big"], rtol=1e-6, atol=1e-4)


def test_normalization_adapt_matches_keras(ref):
    x = ref["x"]
    layer = layers.Normalization()
    layer.adapt(x)
    assert [w.name for w in layer.weights] == [
        f"{layer.name}/mean:0", f"{layer.name}/variance:0", f"{layer.name}/count:0"]
    for weight, name in zip(layer.get_weights(), ("mean", "variance", "count")):
        np.testing.assert_allclose(weight, ref[f"normalization/adapt/{name}"], rtol=1e-5)
    np.testing.assert_allclose(layer(x).data, ref["normalization/adapt/y"], atol=1e-5)
    inverse = layers.Normalization(invert=True)
    inverse.adapt(x)
    np.testing.assert_allclose(inverse(x).data, ref["normalization/invert/y"], rtol=1e-5)
    config, keras_config = json.loads(json.dumps(layer.get_config())), \
        ref["normalization/adapt/config"]
    assert [config[k] for k in ("axis", "mean", "variance")] == [
        keras_config[k] for k in ("axis", "mean", "variance")]
    assert "invert" not in config and inverse.get_config()["invert"] is True


def test_normalization_axes_and_dataset_adapt(ref):
    x = ref["x"]
    everything = layers.Normalization(axis=None)
    everything.adapt(x)
    np.testing.assert_allclose(everything(x).data, ref["normalization/axis_none/y"], atol=1e-5)
    rows = layers.Normalization(axis=(1, -1))
    rows.adapt(keras.data.Dataset.from_tensor_slices(x).batch(1))
    np.testing.assert_allclose(rows(x).data, ref["normalization/axis_1_-1_dataset/y"],
                               atol=1e-4)


def test_normalization_with_given_statistics(ref):
    x = ref["x"]
    given = layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 0.0, 9.0])
    np.testing.assert_allclose(given(x).data, ref["normalization/given/y"], rtol=1e-6)
    assert given.weights == []
    assert json.loads(json.dumps(given.get_config())) | {"name": "x"} == \
        ref["normalization/given/config"] | {"name": "x"}
    inverse = layers.Normalization(mean=2.0, variance=9.0, invert=True)
    np.testing.assert_allclose(inverse(x).data, ref["normalization/given/inverse"], rtol=1e-6)
    with pytest.raises(ValueError, match="Cannot `adapt`"):
        given.adapt(x)
    with pytest.raises(ValueError, match="both `mean` and `variance` must be set"):
        layers.Normalization(mean=1.0)


def test_normalization_refuses_labelled_batches():
    ds = keras.data.Dataset.from_tensor_slices((np.ones((4, 3)), np.ones(4))).batch(2)
    with pytest.raises(ValueError, match=r"ds.map\(lambda x, y: x\)"):
        layers.Normalization().adapt(ds)


@pytest.mark.parametrize("layer", [
    lambda: layers.Normalization(mean=[0.5, -1.0], variance=[2.0, 3.0]),
    lambda: layers.Normalization(mean=[0.5, -1.0], variance=[2.0, 3.0], invert=True),
    lambda: layers.CenterCrop(2, 3), lambda: layers.CenterCrop(6, 6),
    lambda: layers.Resizing(3, 7, "bicubic", crop_to_aspect_ratio=True)])
def test_deterministic_layers_are_differentiable(rng, layer):
    x = rng.standard_normal((2, 4, 5, 2))
    built = layer()
    built.dtype = "float64"
    assert gradcheck(lambda t: built(t), [x])


@pytest.mark.parametrize("name", ["Resizing", "CenterCrop", "RandomCrop", "RandomFlip",
                                  "RandomRotation", "RandomZoom", "RandomTranslation",
                                  "RandomContrast", "RandomBrightness", "Normalization",
                                  "Rescaling"])
def test_configs_are_keras(ref, name):
    keras_config = ref[f"config/{name}"]
    layer = getattr(layers, name).from_config(keras_config)
    assert json.loads(json.dumps(layer.get_config())) == keras_config


def test_summary_rows_are_keras(ref):
    text = ref["summary"]
    x_layers = [layers.Input((32, 40, 3))]
    configs = [ref[f"config/{n}"] for n in (
        "Resizing", "CenterCrop", "RandomCrop", "RandomFlip", "RandomRotation", "RandomZoom",
        "RandomTranslation", "RandomContrast", "RandomBrightness", "Normalization",
        "Rescaling")]
    names = ("Resizing", "CenterCrop", "RandomCrop", "RandomFlip", "RandomRotation",
             "RandomZoom", "RandomTranslation", "RandomContrast", "RandomBrightness",
             "Normalization", "Rescaling")
    model = keras.Sequential(x_layers + [getattr(layers, n).from_config(c)
                                         for n, c in zip(names, configs)]
                             + [layers.Flatten(name="l"), layers.Dense(2, name="m")],
                             name="augmenting")
    lines = []
    model.summary(print_fn=lines.append)
    assert "\n".join(lines).strip() == str(text).strip()


@pytest.mark.parametrize("suffix", [".h5", ".keras"])
def test_models_with_preprocessing_layers_save_and_load(tmp_path, rng, suffix):
    x = rng.uniform(0, 255, (4, 8, 10, 3)).astype(np.float32)
    adapted = layers.Normalization(axis=(1, 3))     # after Resizing(5, 5): one per row, channel
    adapted.adapt(rng.uniform(0, 255, (4, 5, 5, 3)))
    model = keras.Sequential([
        layers.Input((8, 10, 3)), layers.RandomFlip(seed=1), layers.RandomRotation(0.1, seed=2),
        layers.RandomZoom(0.1, 0.2, "constant"), layers.RandomTranslation(0.1, 0.1, "wrap"),
        layers.RandomContrast(0.2), layers.RandomBrightness(0.1), layers.RandomCrop(6, 8),
        layers.CenterCrop(6, 6), layers.Resizing(5, 5, "bicubic"), adapted,
        layers.Normalization(mean=1.0, variance=4.0, invert=True), layers.Rescaling(1 / 255),
        layers.Flatten(), layers.Dense(2)])
    model.save(tmp_path / f"m{suffix}")
    loaded = keras.models.load_model(tmp_path / f"m{suffix}", compile=False)
    assert [json.dumps(a.get_config()) for a in loaded.layers] == [
        json.dumps(a.get_config()) for a in model.layers]
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))

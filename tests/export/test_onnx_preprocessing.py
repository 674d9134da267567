"""ONNX export of the preprocessing and augmentation layers, as they run at inference: ONNX
Runtime's output equals `predict`'s (relative error <= 1e-5) and `onnx.checker` passes."""
import numpy as np
import pytest

import chainrule as keras
from chainrule import layers

pytest.importorskip("onnx", reason="ONNX export tests need the [onnx] extra (onnx)")
pytest.importorskip("onnxruntime", reason="ONNX export tests need the [onnx] extra (onnxruntime)")

from tests.export.test_onnx_export import assert_same_predictions, run_onnx

INTERPOLATIONS = ["bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian",
                  "mitchellcubic"]


def pixels(rng, n=3, height=12, width=12, channels=3):
    return rng.uniform(0, 255, (n, height, width, channels)).astype("float32")


def check(layer_list, x, tmp_path):
    model = keras.Sequential([keras.Input(x.shape[1:]), *layer_list])
    assert_same_predictions(model, x, tmp_path)
    return model


@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
@pytest.mark.parametrize("size", [(7, 5), (20, 17), (12, 1), (1, 12), (24, 24)])
def test_resizing(tmp_path, rng, interpolation, size):
    check([layers.Resizing(*size, interpolation=interpolation)], pixels(rng, 2, 12, 9), tmp_path)


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest", "area"])
@pytest.mark.parametrize("size", [(6, 10), (10, 6), (5, 5), (12, 9)])
def test_resizing_crop_to_aspect_ratio(tmp_path, rng, interpolation, size):
    layer = layers.Resizing(*size, interpolation=interpolation, crop_to_aspect_ratio=True)
    check([layer], pixels(rng, 2, 12, 9), tmp_path)


def test_resizing_to_the_same_size_and_a_dynamic_batch(tmp_path, rng):
    x = pixels(rng, 4, 12, 9)
    check([layers.Resizing(12, 9), layers.Resizing(6, 4)], x, tmp_path)
    (one,) = run_onnx(tmp_path / "model.onnx", x[:1])
    assert one.shape == (1, 6, 4, 3)


@pytest.mark.parametrize("size", [(8, 6), (12, 9), (11, 4), (1, 1), (16, 9), (16, 20)])
def test_center_crop(tmp_path, rng, size):
    """Larger targets are smart_resized, as CenterCrop.call does."""
    check([layers.CenterCrop(*size)], pixels(rng, 2, 12, 9), tmp_path)


@pytest.mark.parametrize("size", [(8, 6), (12, 9), (5, 8), (16, 20)])
def test_random_crop_is_smart_resize_at_inference(tmp_path, rng, size):
    model = check([layers.RandomCrop(*size, seed=1)], pixels(rng, 2, 12, 9), tmp_path)
    assert model.layers[-1].call(np.zeros((1, 12, 9, 3), "float32"),
                                 training=False).shape == (1, *size, 3)


@pytest.mark.parametrize("invert", [False, True])
def test_normalization_adapted_and_given(tmp_path, rng, invert):
    x = pixels(rng, 4)
    adapted = layers.Normalization(invert=invert)
    adapted.adapt(x)
    given = layers.Normalization(axis=None, mean=3.0, variance=0.0, invert=invert)  # epsilon
    per_row = layers.Normalization(axis=(1, 3), mean=rng.uniform(0, 2, (12, 1, 3)),
                                   variance=rng.uniform(0.5, 2, (12, 1, 3)), invert=invert)
    check([adapted, given, per_row], x, tmp_path)


def test_augmentation_layers_pass_through(tmp_path, rng):
    model = check([layers.RandomFlip(seed=1), layers.RandomTranslation(0.2, 0.3, seed=2),
                   layers.RandomRotation(0.2, seed=3), layers.RandomZoom(0.3, seed=4),
                   layers.RandomContrast(0.5, seed=5), layers.RandomBrightness(0.4, seed=6)],
                  pixels(rng), tmp_path)
    x = pixels(rng)
    (got,) = run_onnx(tmp_path / "model.onnx", x)
    np.testing.assert_array_equal(got, x)
    assert model.predict(x, verbose=0).shape == x.shape


def test_preprocessing_model_with_a_cnn(tmp_path, rng):
    x = pixels(rng, 3, 20, 16)
    norm = layers.Normalization()
    norm.adapt(x)
    model = keras.Sequential([
        keras.Input((20, 16, 3)), layers.Resizing(16, 16, crop_to_aspect_ratio=True),
        layers.RandomFlip(), layers.RandomRotation(0.1), layers.CenterCrop(12, 12), norm,
        layers.RandomCrop(10, 10), layers.Conv2D(4, 3, activation="relu"),
        layers.GlobalAveragePooling2D(), layers.Dense(2, activation="softmax")])
    assert_same_predictions(model, x, tmp_path)


@pytest.mark.parametrize("layer", [
    lambda: layers.Resizing(7, 5), lambda: layers.Resizing(7, 5, interpolation="area"),
    lambda: layers.CenterCrop(8, 6), lambda: layers.CenterCrop(16, 9),
    lambda: layers.RandomCrop(8, 8), lambda: layers.RandomFlip(), lambda: layers.RandomZoom(0.2),
    lambda: layers.Normalization(mean=100.0, variance=900.0)],
    ids=["resizing", "resizing_area", "center_crop", "center_crop_larger", "random_crop",
         "random_flip", "random_zoom", "normalization"])
def test_uint8_images_are_cast_to_float(tmp_path, rng, layer):
    """As `as_float` does in the layers' call: the graph's output is float32."""
    model = keras.Sequential([keras.Input((12, 9, 3), dtype="uint8"), layer()])
    x = pixels(rng, 2, 12, 9).astype("uint8")
    assert_same_predictions(model, x, tmp_path)
    assert run_onnx(tmp_path / "model.onnx", x)[0].dtype == np.float32


def test_unknown_image_size_is_named(tmp_path):
    model = keras.Sequential([keras.Input((None, None, 3)), layers.Resizing(4, 4, name="fit")])
    with pytest.raises(ValueError, match="layer 'fit' of type Resizing needs a known image "
                                         "height and width"):
        model.export(tmp_path / "model.onnx")

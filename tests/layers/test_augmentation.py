"""The random augmentation layers: Keras 2.12's numbers where the draw can be pinned (factor
ranges of zero width, tests/fixtures/make_keras_preprocessing_layers_reference.py), identity in
inference, seeded repeatable draws with get_state/set_state, and their gradients."""
import json
from pathlib import Path

import numpy as np
import pytest

import chainrule as keras
from chainrule import layers
from chainrule.autodiff import Tensor
from chainrule.autodiff.gradcheck import gradcheck

FIXTURE = Path(__file__).parents[1] / "fixtures" / "keras_preprocessing_layers_reference.npz"
FILL_MODES = ("reflect", "wrap", "constant", "nearest")
RANDOM = {
    "RandomFlip": lambda seed=None: layers.RandomFlip(seed=seed),
    "RandomCrop": lambda seed=None: layers.RandomCrop(4, 5, seed=seed),
    "RandomRotation": lambda seed=None: layers.RandomRotation(0.3, seed=seed),
    "RandomZoom": lambda seed=None: layers.RandomZoom(0.3, 0.2, seed=seed),
    "RandomTranslation": lambda seed=None: layers.RandomTranslation(0.2, 0.3, seed=seed),
    "RandomContrast": lambda seed=None: layers.RandomContrast(0.5, seed=seed),
    "RandomBrightness": lambda seed=None: layers.RandomBrightness(0.3, seed=seed),
}


@pytest.fixture(scope="module")
def ref():
    with np.load(FIXTURE) as f:
        return {k: f[k] for k in f.files}


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("mode", FILL_MODES)
def test_pinned_warps_match_keras(ref, each_kernel_path, mode, interpolation):
    args = dict(fill_mode=mode, interpolation=interpolation, fill_value=7.0)
    key, x = f"{mode}/{interpolation}", ref["x"]
    for name, layer in (("rotation", layers.RandomRotation((0.1, 0.1), **args)),
                        ("zoom", layers.RandomZoom((0.3, 0.3), (-0.2, -0.2), **args)),
                        ("translation", layers.RandomTranslation((0.2, 0.2), (-0.3, -0.3),
                                                                 **args))):
        np.testing.assert_allclose(layer(x).data, ref[f"{name}/{key}"], rtol=1e-5, atol=1e-3,
                                   err_msg=name)


def test_unbatched_and_same_ratio_zoom_match_keras(ref):
    x = ref["x"]
    np.testing.assert_allclose(layers.RandomRotation((-0.3, -0.3))(x[1]).data,
                               ref["rotation/unbatched"], rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(layers.RandomZoom((-0.25, -0.25))(x).data,
                               ref["zoom/same_ratio"], rtol=1e-5, atol=1e-3)


def test_pinned_colour_layers_match_keras(ref):
    x = ref["x"]
    np.testing.assert_allclose(layers.RandomContrast((0.0, 1e-7))(x).data, ref["contrast/one"],
                               atol=1e-3)
    np.testing.assert_allclose(layers.RandomBrightness((0.1, 0.1))(x).data,
                               ref["brightness/up"], rtol=1e-6, atol=1e-4)
    np.testing.assert_allclose(
        layers.RandomBrightness((-0.2, -0.2), value_range=(-1, 1))(ref["brightness/small"]).data,
        ref["brightness/down_range"], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["rotation", "zoom", "flip", "contrast", "brightness"])
def test_inference_is_identity_as_keras(ref, name):
    layer = {"rotation": layers.RandomRotation(0.2), "zoom": layers.RandomZoom(0.2),
             "flip": layers.RandomFlip(), "contrast": layers.RandomContrast(0.2),
             "brightness": layers.RandomBrightness(0.2)}[name]
    np.testing.assert_array_equal(layer(ref["x"], training=False).data, ref[f"{name}/inference"])


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_seeded_layers_repeat_and_state_resumes(rng, name):
    x = rng.uniform(0, 255, (4, 6, 7, 3)).astype(np.float32)
    first, second = RANDOM[name](seed=3), RANDOM[name](seed=3)
    np.testing.assert_array_equal(first(x).data, second(x).data)
    state = json.loads(json.dumps(first.get_state()))
    expected = first(x).data
    second.set_state(state)
    np.testing.assert_array_equal(second(x).data, expected)
    assert not np.array_equal(first(x).data, expected)        # it keeps drawing


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_unseeded_layers_follow_the_global_seed(rng, name):
    x = rng.uniform(0, 255, (4, 6, 7, 3)).astype(np.float32)
    keras.utils.set_random_seed(5)
    a = RANDOM[name]()(x).data
    keras.utils.set_random_seed(5)
    np.testing.assert_array_equal(RANDOM[name]()(x).data, a)


def test_set_state_checks_its_argument():
    layer = layers.RandomFlip(seed=1)
    layer.set_state({"rng": None})
    assert layer.get_state() == {"rng": None}
    with pytest.raises(ValueError, match="key 'rng'"):
        layer.set_state({})


def test_flip_gives_each_image_one_of_its_flips(rng):
    x = rng.standard_normal((16, 3, 4, 2)).astype(np.float32)
    out = layers.RandomFlip(seed=0)(x).data
    seen = set()
    for image, flipped in zip(x, out):
        options = [image, image[:, ::-1], image[::-1], image[::-1, ::-1]]
        matches = [k for k, o in enumerate(options) if np.array_equal(o, flipped)]
        assert matches
        seen.add(matches[0])
    assert seen == {0, 1, 2, 3}
    horizontal = layers.RandomFlip("horizontal", seed=0)(x).data
    assert all(np.array_equal(h, i) or np.array_equal(h, i[:, ::-1]) for h, i in zip(horizontal, x))


def test_random_crop_takes_one_box_of_the_input(rng):
    x = rng.standard_normal((2, 8, 9, 3)).astype(np.float32)
    out = layers.RandomCrop(5, 4, seed=2)(x).data
    boxes = [(t, left) for t in range(4) for left in range(6)
             if np.array_equal(x[:, t:t + 5, left:left + 4], out)]
    assert len(boxes) == 1


def test_rotation_draws_within_the_factor(rng):
    """A 90-degree range about a square image's centre: every output a quarter-turn apart."""
    x = rng.standard_normal((6, 5, 5, 1)).astype(np.float32)
    out = layers.RandomRotation((0.25, 0.25), fill_mode="constant")(x).data
    np.testing.assert_allclose(out, np.rot90(x, 1, axes=(1, 2)), atol=1e-5)


def test_brightness_delta_is_one_per_image(rng):
    x = rng.uniform(100, 150, (5, 3, 4, 3)).astype(np.float32)
    delta = layers.RandomBrightness(0.1, seed=1)(x).data - x
    assert np.allclose(delta, delta[:, :1, :1, :1], atol=1e-4)
    assert np.all(np.abs(delta) <= 25.5 + 1e-4) and np.ptp(delta[:, 0, 0, 0]) > 0


def test_contrast_factor_is_one_per_batch(rng):
    x = rng.uniform(60, 200, (3, 4, 4, 3)).astype(np.float32)
    out = layers.RandomContrast(0.5, seed=2)(x).data
    mean = x.mean(axis=(1, 2), keepdims=True)
    factors = (out - mean) / (x - mean)
    np.testing.assert_allclose(factors, factors.flat[0], rtol=1e-3)
    assert 0.5 <= factors.flat[0] <= 1.5


@pytest.mark.parametrize("layer", [
    lambda: layers.RandomFlip(seed=1), lambda: layers.RandomCrop(3, 2, seed=1),
    lambda: layers.RandomContrast(0.4, seed=1),
    lambda: layers.RandomBrightness(0.2, value_range=(-10, 10), seed=1)])
def test_differentiable_augmentations_pass_gradients(rng, layer):
    x = rng.standard_normal((2, 4, 5, 2))
    for seed in (0, 1):
        built = layer()
        built.dtype = "float64"
        state = built.get_state()

        def call(t, built=built, state=state):
            built.set_state(state)                 # the same draw on every evaluation
            return built(t)
        assert gradcheck(call, [x], seed=seed)


@pytest.mark.parametrize("layer", [lambda: layers.RandomRotation(0.1, seed=0),
                                   lambda: layers.RandomZoom(0.2, fill_mode="constant", seed=0),
                                   lambda: layers.RandomTranslation(0.2, 0.1, "wrap", seed=0)])
def test_warps_pass_gradients_in_training_and_are_identity_in_inference(rng, layer):
    x = rng.standard_normal((2, 4, 5, 1))
    built = layer()
    built.dtype = "float64"
    state = built.get_state()

    def call(t):
        built.set_state(state)                     # the same draw on every evaluation
        return built(t)
    assert gradcheck(call, [x])
    inputs = Tensor(x.astype(np.float32), requires_grad=True)
    assert layer()(inputs, training=False) is inputs


def test_fit_augments_and_predict_does_not(rng):
    x = rng.uniform(0, 1, (8, 6, 6, 1)).astype(np.float32)
    y = rng.integers(0, 2, 8)
    model = keras.Sequential([keras.Input((6, 6, 1)), layers.RandomFlip(seed=1),
                              layers.RandomRotation(0.1, seed=2), layers.RandomZoom(0.1, seed=3),
                              layers.Flatten(), layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    states = [layer.get_state() for layer in model.layers[:3]]
    assert all(s["rng"] is not None for s in states)
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))
    assert [layer.get_state() for layer in model.layers[:3]] == states


@pytest.mark.parametrize("make, message", [
    (lambda: layers.RandomFlip("diagonal"), "unknown mode argument diagonal"),
    (lambda: layers.RandomRotation((0.3, 0.1)), "`factor` argument cannot have a negative"),
    (lambda: layers.RandomZoom(1.5), "must have values between \\[-1, 1\\]"),
    (lambda: layers.RandomTranslation(0.1, 2.0), "`width_factor` must have values"),
    (lambda: layers.RandomContrast(-0.1), "cannot have negative values"),
    (lambda: layers.RandomBrightness(1.5), "in the range \\[-1.0, 1.0\\]"),
    (lambda: layers.RandomBrightness(0.1, value_range=3), "list of two numbers")])
def test_arguments_are_checked_with_keras_messages(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_experimental_aliases():
    assert layers.experimental.preprocessing.RandomFlip is layers.RandomFlip
    assert layers.experimental.preprocessing.Rescaling is layers.Rescaling


@pytest.mark.parametrize("layer", [lambda: layers.RandomFlip(seed=0),
                                   lambda: layers.RandomRotation(0.2, seed=0),
                                   lambda: layers.RandomCrop(3, 3, seed=0),
                                   lambda: layers.Resizing(3, 5), lambda: layers.CenterCrop(2, 2),
                                   lambda: layers.Normalization(mean=3.0, variance=4.0)])
def test_integer_images_come_out_float32_as_keras(rng, layer):
    x = rng.integers(0, 256, (2, 4, 6, 3)).astype(np.uint8)
    for training in (True, False):
        assert layer()(x, training=training).dtype == np.float32

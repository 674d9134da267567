"""ImageDataGenerator: Keras parity (tests/fixtures/keras_augment_reference.npz, tf.keras 2.12),
the two fixed Keras geometry bugs, seeded draws, validation errors and warnings."""
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from chainrule.preprocessing.image import ImageDataGenerator

FIXTURE = Path(__file__).parents[1] / "fixtures" / "keras_augment_reference.npz"
with np.load(FIXTURE) as _npz:
    REF = {key: _npz[key] for key in _npz.files}


def _json(key):
    return json.loads(str(REF[key]))


def _cases(prefix: str) -> list[str]:
    return sorted({key.split("/output")[0][len(prefix) + 1:] for key in REF
                   if key.startswith(prefix + "/") and key.endswith("/output")})


@pytest.mark.parametrize("case", _cases("apply"))
def test_apply_transform_matches_keras(case):
    image = REF[f"image/{REF[f'apply/{case}/image']}"]
    gen = ImageDataGenerator(**_json(f"apply/{case}/generator"))
    out = gen.apply_transform(image.copy(), _json(f"apply/{case}/params"))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, REF[f"apply/{case}/output"], rtol=0, atol=1e-4)


def test_parity_max_error_per_fill_mode():
    """The warp agrees with Keras/scipy to float32 rounding, on values in [0, 1)."""
    for mode in ("constant", "nearest", "reflect", "wrap"):
        errors = []
        for case in (c for c in _cases("apply") if c.startswith(mode + "/")):
            image = REF[f"image/{REF[f'apply/{case}/image']}"]
            gen = ImageDataGenerator(**_json(f"apply/{case}/generator"))
            out = gen.apply_transform(image, _json(f"apply/{case}/params"))
            errors.append(np.abs(out - REF[f"apply/{case}/output"]).max())
        assert max(errors) < 1e-6, mode


@pytest.mark.parametrize("case", ["rescale", "samplewise", "samplewise_center"])
def test_standardize_matches_keras(case):
    gen = ImageDataGenerator(**_json(f"standardize/{case}/generator"))
    out = gen.standardize(REF[f"image/{REF[f'standardize/{case}/image']}"].copy())
    np.testing.assert_allclose(out, REF[f"standardize/{case}/output"], rtol=1e-5, atol=1e-5)


def test_preprocessing_function_runs_before_rescale():
    gen = ImageDataGenerator(rescale=1 / 255.0, preprocessing_function=lambda a: a * 0 + 510)
    np.testing.assert_allclose(gen.standardize(np.ones((2, 2, 3), np.float32)), 2.0)
    gen = ImageDataGenerator(rescale=1 / 255.0, preprocessing_function=lambda a: a - 10)
    out = gen.standardize(REF["image/u8"].copy())
    np.testing.assert_allclose(out, REF["standardize/preprocess_then_rescale/output"], atol=1e-6)


@pytest.mark.parametrize("case", ["featurewise", "featurewise_rescale", "zca"])
def test_fit_matches_keras(case):
    kwargs = _json(f"fit/{case}/generator")
    if case == "zca":
        with pytest.warns(UserWarning, match="overrides setting of `featurewise_center`"):
            gen = ImageDataGenerator(**kwargs)
        with pytest.warns(UserWarning, match=r"1, 3 or 4 channels.*\(2 channels\)"):
            gen.fit(REF[f"fit/{case}/x"])
    else:
        gen = ImageDataGenerator(**kwargs)
        gen.fit(REF[f"fit/{case}/x"])
    for name, value in (("mean", gen.mean), ("std", gen.std), ("zca", gen.zca_whitening_matrix)):
        expected = REF[f"fit/{case}/{name}"]
        if expected.size == 0:
            assert value is None
        else:
            assert value.shape == expected.shape and value.dtype == np.float32
            scale = np.abs(expected).max()
            np.testing.assert_allclose(value, expected, rtol=2e-4, atol=2e-4 * scale)
    out = gen.standardize(REF[f"fit/{case}/image"].copy())
    np.testing.assert_allclose(out, REF[f"fit/{case}/output"], rtol=1e-3, atol=1e-3)


def test_fit_with_augmentation_is_seeded(rng):
    x = rng.uniform(0, 1, (6, 8, 8, 3)).astype(np.float32)
    means = []
    for seed in (0, 0, 1):
        gen = ImageDataGenerator(featurewise_center=True, rotation_range=90, fill_mode="constant")
        gen.fit(x, augment=True, rounds=2, seed=seed)
        means.append(gen.mean)
    np.testing.assert_array_equal(means[0], means[1])
    assert not np.allclose(means[0], means[2])
    assert not np.allclose(means[0], x.mean(axis=(0, 1, 2)))


def test_fit_rejects_non_batches():
    with pytest.raises(ValueError, match=r"rank 4. Got array with shape: \(8, 8, 3\)"):
        ImageDataGenerator(featurewise_center=True).fit(np.zeros((8, 8, 3)))


def test_fit_leaves_the_callers_array_alone():
    x = np.full((2, 3, 3, 1), 100.0, np.float32)
    ImageDataGenerator(featurewise_center=True, rescale=0.5).fit(x)
    assert (x == 100.0).all()


@pytest.mark.parametrize("flag", ["featurewise_center", "featurewise_std_normalization",
                                  "zca_whitening"])
def test_standardize_warns_before_fit(flag):
    if flag == "featurewise_center":
        gen = ImageDataGenerator(featurewise_center=True)
    else:
        with pytest.warns(UserWarning, match="overrides setting of"):
            gen = ImageDataGenerator(**{flag: True})
    x = np.ones((3, 3, 3), np.float32)
    with pytest.warns(UserWarning, match="but it hasn't been fit") as record:
        out = gen.standardize(x.copy())
    assert any(f"specifies `{flag}`, but" in str(w.message) for w in record)
    np.testing.assert_array_equal(out, x)


@pytest.mark.parametrize("kwargs, message", [
    ({"featurewise_std_normalization": True}, "overrides setting of `featurewise_center`"),
    ({"samplewise_std_normalization": True}, "overrides setting of `samplewise_center`"),
    ({"zca_whitening": True, "featurewise_center": True, "featurewise_std_normalization": True},
     "overrides setting of `featurewise_std_normalization`"),
])
def test_constructor_warns_when_options_imply_others(kwargs, message):
    with pytest.warns(UserWarning, match=message):
        ImageDataGenerator(**kwargs)


def test_draw_transform_stays_in_range_and_uses_the_right_axis():
    gen = ImageDataGenerator(rotation_range=30, width_shift_range=0.3, height_shift_range=0.1,
                             shear_range=5, zoom_range=[0.5, 0.9], channel_shift_range=7,
                             brightness_range=(0.4, 1.1), horizontal_flip=True)
    rng = np.random.default_rng(3)
    draws = [gen.draw_transform((20, 40, 3), rng) for _ in range(2000)]
    column = {key: np.array([d[key] for d in draws], dtype=float) for key in draws[0]}
    assert np.abs(column["theta"]).max() <= 30 and np.abs(column["shear"]).max() <= 5
    assert 11.5 < np.abs(column["tx"]).max() <= 0.3 * 40  # horizontal: width x width range
    assert 1.9 < np.abs(column["ty"]).max() <= 0.1 * 20
    assert REF["draw/fraction/tx_absmax"] <= 0.1 * 20  # Keras: tx scaled by the height
    assert (column["zx"] != column["zy"]).all()
    assert 0.5 <= column["zx"].min() and column["zy"].max() <= 0.9
    assert np.abs(column["channel_shift_intensity"]).max() <= 7
    assert 0.4 <= column["brightness"].min() and column["brightness"].max() <= 1.1
    assert 0.45 < column["flip_horizontal"].mean() < 0.55
    assert not column["flip_vertical"].any()


def test_int_and_list_shift_ranges_follow_keras_rules():
    rng = np.random.default_rng(0)
    ints = {ImageDataGenerator(width_shift_range=3).draw_transform((20, 40, 3), rng)["tx"]
            for _ in range(300)}
    assert ints == set(REF["draw/int_values"])  # whole pixels in (-3, 3), as in Keras
    listed = {ImageDataGenerator(height_shift_range=[0.1, 0.25]).draw_transform(
        (20, 40, 3), rng)["ty"] for _ in range(300)}
    assert listed == set(REF["draw/list_values"])  # Keras calls it tx; both scale by height


def test_draws_are_reproducible_and_leave_global_state_alone():
    gen = ImageDataGenerator(rotation_range=40, zoom_range=0.2, horizontal_flip=True)
    state = np.random.get_state()[1].copy()
    first = gen.get_random_transform((32, 32, 3), seed=5)
    assert first == gen.get_random_transform((32, 32, 3), seed=5)
    assert first != gen.get_random_transform((32, 32, 3), seed=6)
    np.testing.assert_array_equal(np.random.get_state()[1], state)
    a = gen.draw_transform((32, 32, 3), np.random.default_rng(9))
    assert a == gen.draw_transform((32, 32, 3), np.random.default_rng(9))


def test_flips_are_always_drawn():
    """Turning a flip on must not change the other parameters drawn from the same seed."""
    plain = ImageDataGenerator(rotation_range=10, channel_shift_range=5)
    flipping = ImageDataGenerator(rotation_range=10, channel_shift_range=5, vertical_flip=True)
    a = plain.get_random_transform((8, 8, 3), seed=1)
    b = flipping.get_random_transform((8, 8, 3), seed=1)
    assert a["theta"] == b["theta"]
    assert a["channel_shift_intensity"] == b["channel_shift_intensity"]


def test_random_transform_is_get_then_apply(rng):
    gen = ImageDataGenerator(rotation_range=20, width_shift_range=0.1, vertical_flip=True)
    x = rng.random((10, 10, 3)).astype(np.float32)
    expected = gen.apply_transform(x, gen.get_random_transform(x.shape, seed=4))
    np.testing.assert_array_equal(gen.random_transform(x, seed=4), expected)


@pytest.mark.parametrize("kwargs, moved_to", [({"width_shift_range": [3]}, {(4, 3), (4, 9)}),
                                              ({"height_shift_range": [2]}, {(2, 6), (6, 6)})])
def test_shift_ranges_move_along_their_own_axis_on_non_square_images(kwargs, moved_to):
    x = np.zeros((8, 12, 1), np.float32)
    x[4, 6] = 1.0
    gen = ImageDataGenerator(fill_mode="constant", **kwargs)
    seen = set()
    for seed in range(20):
        out = gen.random_transform(x, seed=seed)
        assert out.sum() == 1.0
        seen.add(tuple(int(i) for i in np.argwhere(out[..., 0] == 1.0)[0]))
    assert seen == moved_to


def test_zoom_about_the_true_centre_of_a_non_square_image():
    image = REF["nonsquare/zoom/image"]  # one bright pixel at (2, 9) of an 8x12 image
    out = ImageDataGenerator(fill_mode="constant").apply_transform(
        image, _json("nonsquare/zoom/params"))
    # zy = 2 halves distances to the centre row 3.5: row 2 -> 2.75, so row 3 samples 2.5.
    assert out[3, 9, 0] == pytest.approx(0.5) and out.sum() == pytest.approx(0.5)
    assert REF["nonsquare/zoom/output"][4, 9, 0] == pytest.approx(0.5)  # Keras: off-centre


def test_apply_transform_returns_a_fresh_array_of_the_generator_dtype():
    x = np.ones((4, 4, 3), np.float32)
    out = ImageDataGenerator().apply_transform(x, {})
    assert out is not x and not np.shares_memory(out, x)
    out = ImageDataGenerator().apply_transform(x, {"flip_horizontal": True})
    assert not np.shares_memory(out, x)
    uint8 = np.ones((4, 4, 3), np.uint8)
    assert ImageDataGenerator().apply_transform(uint8, {}).dtype == np.float32
    gen = ImageDataGenerator(dtype="float64", rotation_range=5)
    assert gen.random_transform(x, seed=0).dtype == np.float64


def test_standardize_keeps_float32():
    gen = ImageDataGenerator(rescale=1 / 255.0, samplewise_center=True)
    assert gen.standardize(np.full((3, 3, 3), 9.0, np.float32)).dtype == np.float32
    assert gen.standardize(np.full((3, 3, 3), 9, np.uint8)).dtype == np.float32


@pytest.mark.parametrize("kwargs, error, message", [
    ({"fill_mode": "mirror"}, ValueError, r"`fill_mode` must be one of .*fill_mode='mirror'"),
    ({"brightness_range": 0.5}, ValueError, r"tuple or list of two floats.*=0.5"),
    ({"brightness_range": (0.5, 1, 2)}, ValueError, r"brightness_range=\(0.5, 1, 2\)"),
    ({"validation_split": 1.5}, ValueError, r"strictly between 0 and 1.*validation_split=1.5"),
    ({"validation_split": -0.2}, ValueError, r"validation_split=-0.2"),
    ({"validation_split": 1}, ValueError, r"validation_split=1"),
    ({"data_format": "channels_first"}, ValueError, r"channels-last only.*'channels_first'"),
    ({"data_format": "NHWC"}, ValueError, r"`data_format` should be.*data_format='NHWC'"),
    ({"zoom_range": "big"}, ValueError, r"`zoom_range` should be a float.*zoom_range='big'"),
    ({"interpolation_order": 3}, ValueError, r"0 \(nearest\) or 1 \(bilinear\).*order=3"),
    ({"width_shift_range": [[1, 2]]}, ValueError, r"1-D list or array.*width_shift_range"),
    ({"preprocessing_function": "rescale"}, TypeError, r"must be a callable"),
])
def test_argument_validation(kwargs, error, message):
    with pytest.raises(error, match=message):
        ImageDataGenerator(**kwargs)


def test_defaults_and_validation_split():
    gen = ImageDataGenerator(validation_split=0.2)
    assert gen.validation_split == 0.2 and gen.data_format == "channels_last"
    assert gen.dtype == "float32" and gen.zoom_range == [1.0, 1.0]
    assert gen.get_random_transform((5, 5, 3), seed=0) == {
        "theta": 0.0, "tx": 0.0, "ty": 0.0, "shear": 0.0, "zx": 1.0, "zy": 1.0,
        "flip_horizontal": False, "flip_vertical": False, "channel_shift_intensity": None,
        "brightness": None}


def test_flow_builds_a_numpy_array_iterator(rng):
    x = rng.uniform(0, 255, (5, 6, 6, 3)).astype(np.float32)
    gen = ImageDataGenerator(rescale=1 / 255.0, rotation_range=10)
    batch_x, batch_y = next(gen.flow(x, np.arange(5), batch_size=2, shuffle=False, seed=1))
    assert batch_x.shape == (2, 6, 6, 3) and batch_x.dtype == np.float32
    assert batch_x.max() <= 1.0
    np.testing.assert_array_equal(batch_y, [0, 1])


def _write_images(root: Path) -> None:
    for label in ("cats", "dogs"):
        (root / label).mkdir(parents=True)
        for i in range(3):
            Image.new("RGB", (10, 8), (40 * i, 80, 120)).save(root / label / f"{i}.png")


def test_flow_from_directory_and_dataframe(tmp_path, capsys):
    _write_images(tmp_path)
    gen = ImageDataGenerator(rescale=1 / 255.0, horizontal_flip=True, validation_split=0.34)
    it = gen.flow_from_directory(str(tmp_path), target_size=(8, 10), batch_size=4, seed=0,
                                 subset="training")
    assert it.image_data_generator is gen and it.samples == 4
    batch_x, batch_y = next(it)
    assert batch_x.shape == (4, 8, 10, 3) and batch_y.shape == (4, 2)
    frame = {"filename": ["cats/0.png", "dogs/1.png"], "class": ["cats", "dogs"]}
    with pytest.warns(DeprecationWarning, match="`class_mode` \"other\""):
        it = gen.flow_from_dataframe(frame, str(tmp_path), target_size=(8, 10),
                                     class_mode="other", y_col="class", shuffle=False)
    assert it.class_mode == "raw"
    assert "Found 4 images belonging to 2 classes." in capsys.readouterr().out

"""The pure augmentation math: warps, fill modes, channel and brightness shifts.

Parity cases come from tests/fixtures/keras_augment_reference.npz, recorded from tf.keras 2.12
(`make_keras_augment_reference.py`), whose warp is scipy.ndimage.affine_transform.
"""
import json
from pathlib import Path

import numpy as np
import pytest

from chainrule.preprocessing import transforms

FIXTURE = Path(__file__).parents[1] / "fixtures" / "keras_augment_reference.npz"


def _reference() -> dict:
    with np.load(FIXTURE) as npz:
        return {key: npz[key] for key in npz.files}


REF = _reference()
GEOMETRY_KEYS = ("theta", "tx", "ty", "shear", "zx", "zy")
WARP_CASES = sorted(key[len("apply/"):-len("/output")] for key in REF
                    if key.startswith("apply/") and key.endswith("/output")
                    and key.split("/")[1] in transforms.FILL_MODES)


def _case(case: str):
    generator = json.loads(str(REF[f"apply/{case}/generator"]))
    params = json.loads(str(REF[f"apply/{case}/params"]))
    image = REF[f"image/{REF[f'apply/{case}/image']}"]
    return image, generator, params, REF[f"apply/{case}/output"]


@pytest.mark.parametrize("case", WARP_CASES)
def test_warp_matches_keras_on_square_images(case, each_kernel_path):
    image, generator, params, expected = _case(case)
    geometry = {k: v for k, v in params.items() if k in GEOMETRY_KEYS}
    out = transforms.apply_affine_transform(
        image, **geometry, fill_mode=generator["fill_mode"], cval=generator["cval"],
        order=generator.get("interpolation_order", 1))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-5)


def test_every_fill_mode_has_parity_cases():
    modes = {case.split("/")[0] for case in WARP_CASES}
    assert modes == set(transforms.FILL_MODES)
    assert len(WARP_CASES) == 4 * 10


@pytest.mark.parametrize("mode, expected", [
    ("constant", [3, 4, 5, -1, -1, -1]),
    ("nearest", [3, 4, 5, 5, 5, 5]),
    ("reflect", [3, 4, 5, 5, 4, 3]),
    ("wrap", [3, 4, 5, 1, 2, 3]),  # scipy's legacy wrap: period n - 1
])
def test_fill_modes_on_a_shifted_row(mode, expected):
    row = np.arange(6, dtype=np.float32).reshape(1, 6, 1)
    out = transforms.apply_affine_transform(row, tx=3, fill_mode=mode, cval=-1)
    np.testing.assert_array_equal(out[0, :, 0], expected)


@pytest.mark.parametrize("mode", transforms.FILL_MODES)
def test_half_pixel_shift_blends_neighbours(mode):
    row = np.arange(6, dtype=np.float32).reshape(1, 6, 1)
    out = transforms.apply_affine_transform(row, tx=0.5, fill_mode=mode, cval=-1)
    np.testing.assert_allclose(out[0, :5, 0], [0.5, 1.5, 2.5, 3.5, 4.5])


def test_identity_returns_the_input_unchanged(rng):
    x = rng.random((5, 7, 3)).astype(np.float32)
    assert transforms.affine_matrix() is None
    assert transforms.apply_affine_transform(x, zx=1, zy=1) is x


def test_rotation_by_180_about_the_true_centre_of_a_non_square_image(rng):
    x = rng.random((8, 12, 2)).astype(np.float32)
    out = transforms.apply_affine_transform(x, theta=180)  # sin(pi) != 0: avoid constant
    np.testing.assert_allclose(out, x[::-1, ::-1], atol=1e-6)


@pytest.mark.parametrize("mode", transforms.FILL_MODES)
def test_zoom_and_shear_commute_with_flips_on_non_square_images(rng, mode):
    """Only a warp about the true centre is symmetric under flips of both axes."""
    x = rng.random((8, 12, 3)).astype(np.float32)
    params = {"zx": 0.8, "zy": 1.6, "fill_mode": mode}
    out = transforms.apply_affine_transform(x, **params)
    flipped = transforms.apply_affine_transform(x[::-1, ::-1], **params)
    np.testing.assert_allclose(flipped, out[::-1, ::-1], atol=1e-5)


def test_positive_theta_turns_counter_clockwise():
    x = np.zeros((5, 5, 1), np.float32)
    x[2, 4] = 1.0  # right of the centre
    out = transforms.apply_affine_transform(x, theta=90, fill_mode="constant")
    assert np.unravel_index(np.argmax(out), out.shape) == (0, 2, 0)  # now above the centre


def test_tx_is_horizontal_and_ty_vertical():
    x = np.zeros((8, 12, 1), np.float32)
    x[4, 6] = 1.0
    right = transforms.apply_affine_transform(x, tx=-3, fill_mode="constant")
    down = transforms.apply_affine_transform(x, ty=-2, fill_mode="constant")
    assert right[4, 9, 0] == 1.0 and right.sum() == 1.0
    assert down[6, 6, 0] == 1.0 and down.sum() == 1.0


def test_order_zero_rounds_half_up():
    row = np.arange(6, dtype=np.float32).reshape(1, 6, 1)
    out = transforms.apply_affine_transform(row, tx=0.5, fill_mode="nearest", order=0)
    np.testing.assert_array_equal(out[0, :, 0], [1, 2, 3, 4, 5, 5])


@pytest.mark.parametrize("dtype, expected", [(np.float32, np.float32), (np.float64, np.float64),
                                             (np.uint8, np.float32)])
def test_warp_dtype(dtype, expected):
    x = np.ones((4, 4, 3), dtype)
    assert transforms.apply_affine_transform(x, theta=10).dtype == expected


def test_one_pixel_wide_images():
    x = np.arange(5, dtype=np.float32).reshape(5, 1, 1)
    for mode in transforms.FILL_MODES:
        out = transforms.apply_affine_transform(x, ty=1, fill_mode=mode)
        assert out.shape == x.shape and np.isfinite(out).all()


def test_warp_rejects_bad_arguments():
    m = np.eye(3)
    with pytest.raises(ValueError, match=r"`fill_mode` must be one of .*fill_mode='mirror'"):
        transforms.warp(np.zeros((3, 3, 1)), m, fill_mode="mirror")
    with pytest.raises(ValueError, match=r"0 \(nearest\) or 1 \(bilinear\).*interpolation_order=3"):
        transforms.warp(np.zeros((3, 3, 1)), m, order=3)
    with pytest.raises(ValueError, match=r"\(height, width, channels\).*\(3, 3\)"):
        transforms.warp(np.zeros((3, 3)), m)


def test_channel_shift_matches_keras():
    image, _, params, expected = _case("channel_shift")
    out = transforms.channel_shift(image, params["channel_shift_intensity"])
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expected, atol=1e-6)
    assert out.max() == image.max()  # clipped to the range before the shift


def test_channel_shift_keeps_float32_with_numpy_scalars():
    x = np.ones((2, 2, 3), np.float32)
    assert transforms.channel_shift(x, np.float64(0.5)).dtype == np.float32


@pytest.mark.parametrize("case", ["brightness_u8_up", "brightness_u8_down", "brightness_gray",
                                  "brightness_unit_floats", "brightness_rgba",
                                  "brightness_signed"])
def test_brightness_matches_keras_through_pillow(case):
    image, _, params, expected = _case(case)
    out = transforms.brightness_shift(image, params["brightness"])
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-5)


def test_brightness_rejects_two_channels():
    with pytest.raises(ValueError, match=r"1\|3\|4.*\(2, 2, 2\)"):
        transforms.brightness_shift(np.zeros((2, 2, 2)), 1.2)


def test_range_checks():
    assert transforms.check_zoom_range(0.2) == pytest.approx([0.8, 1.2])
    assert transforms.check_zoom_range((0.5, 2)) == [0.5, 2]
    assert transforms.check_shift_range("width_shift_range", 3) == 3
    np.testing.assert_array_equal(transforms.check_shift_range("w", [1, 2]), [1, 2])
    with pytest.raises(ValueError, match=r"`zoom_range` should be .*zoom_range=\[1, 2, 3\]"):
        transforms.check_zoom_range([1, 2, 3])
    with pytest.raises(ValueError, match=r"width_shift_range='wide'"):
        transforms.check_shift_range("width_shift_range", "wide")
    with pytest.raises(ValueError, match=r"brightness_range=0.5"):
        transforms.check_brightness_range(0.5)

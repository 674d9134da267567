"""chainrule.image against TensorFlow 2.12's tf.image (tests/fixtures/tf_image_reference.npz,
made by tests/fixtures/make_tf_image_reference.py), plus its own rules and errors."""
from pathlib import Path

import numpy as np
import pytest

import chainrule
from chainrule import image

FIXTURE = Path(__file__).parent / "fixtures" / "tf_image_reference.npz"
with np.load(FIXTURE) as _f:
    REF = {k: _f[k] for k in _f.files}
INPUTS = {k.split("/")[1]: v for k, v in REF.items() if k.startswith("input/")}


def keys(*prefixes):
    return sorted(k for k in REF if k.split("/")[0] in prefixes)


def assert_matches_tf(ours, key):
    """Same dtype and shape; values within 1e-5 of the value range (255 for uint8 inputs)."""
    expected = REF[key]
    assert ours.dtype == expected.dtype and ours.shape == expected.shape, key
    scale = 255.0 if key.split("/")[1] == "u8" or expected.dtype.kind in "iu" else 1.0
    np.testing.assert_allclose(ours.astype(np.float64) / scale,
                               expected.astype(np.float64) / scale, atol=1e-5, rtol=0)


def size_of(text):
    return tuple(int(v) for v in text.split("x"))


@pytest.mark.parametrize("key", keys("resize"))
def test_resize_matches_tensorflow(key):
    _, name, method, hw, mode = key.split("/")
    ours = image.resize(INPUTS[name], size_of(hw), method=method, antialias=mode == "aa")
    assert_matches_tf(ours, key)


@pytest.mark.parametrize("key", [k for k in keys("resize") if k.endswith("/plain")
                                 and k.split("/")[2] in ("bilinear", "nearest")])
def test_plain_bilinear_and_nearest_give_tensorflows_bits(key):
    """TF's own kernels, operation for operation (what smart_resize relies on)."""
    _, name, method, hw, _ = key.split("/")
    np.testing.assert_array_equal(image.resize(INPUTS[name], size_of(hw), method), REF[key])


@pytest.mark.parametrize("key", keys("resize_keep"))
def test_resize_preserve_aspect_ratio_matches_tensorflow(key):
    _, name, method, hw = key.split("/")
    assert_matches_tf(image.resize(INPUTS[name], size_of(hw), method,
                                   preserve_aspect_ratio=True), key)


@pytest.mark.parametrize("key", keys("resize_with_pad"))
def test_resize_with_pad_matches_tensorflow(key):
    _, name, method, hw = key.split("/")
    assert_matches_tf(image.resize_with_pad(INPUTS[name], *size_of(hw), method=method), key)


def _apply(op, name, arg):
    x = INPUTS[name]
    if op in ("flip_left_right", "flip_up_down"):
        return getattr(image, op)(x)
    if op == "rot90":
        return image.rot90(x, int(arg))
    if op == "convert_image_dtype":
        dtype, _, saturate = arg.partition("/")
        return image.convert_image_dtype(x, dtype, saturate=bool(saturate))
    return getattr(image, op)(x, float(arg))


@pytest.mark.parametrize("key", keys("flip_left_right", "flip_up_down", "rot90", "central_crop",
                                     "adjust_brightness", "adjust_contrast",
                                     "convert_image_dtype"))
def test_image_ops_match_tensorflow(key):
    op, name, *arg = key.split("/")
    assert_matches_tf(_apply(op, name, "/".join(arg)), key)


# --- rules of our own ---------------------------------------------------------------------
def test_resize_dtype_rules(rng):
    x = rng.integers(0, 256, (6, 5, 3)).astype(np.uint8)
    assert image.resize(x, (3, 3)).dtype == np.float32
    assert image.resize(x.astype(np.float64), (3, 3), "area").dtype == np.float32
    assert image.resize(x, (9, 9), "nearest").dtype == np.uint8


def test_resize_of_a_batch_equals_resizing_each_image(rng):
    batch = rng.random((3, 8, 6, 2))
    for method in ("bilinear", "nearest", "bicubic", "area"):
        together = image.resize(batch, (5, 9), method, antialias=True)
        apart = np.stack([image.resize(b, (5, 9), method, antialias=True) for b in batch])
        np.testing.assert_array_equal(together, apart)


def test_resize_to_the_same_size_is_the_identity_for_bilinear(rng):
    x = rng.random((5, 7, 3)).astype(np.float32)
    np.testing.assert_allclose(image.resize(x, (5, 7)), x, atol=1e-7)


def test_resize_accepts_tensors_and_lists_for_size(rng):
    x = chainrule.Tensor(rng.random((4, 4, 1)))
    assert image.resize(x, [2, 3]).shape == (2, 3, 1)
    assert image.resize(x, np.array([3, 2])).shape == (3, 2, 1)


def test_resize_errors_name_what_was_wrong(rng):
    x = rng.random((4, 4, 3))
    with pytest.raises(ValueError, match=r"3 or 4 dimensions.*\(4, 4\)"):
        image.resize(x[..., 0], (2, 2))
    with pytest.raises(ValueError, match=r"2 positive ints.*size=\(2, 0\)"):
        image.resize(x, (2, 0))
    with pytest.raises(ValueError, match=r"2 positive ints"):
        image.resize(x, (2, 2, 2))
    with pytest.raises(ValueError, match=r"not implemented: 'cubic'.*'bicubic'"):
        image.resize(x, (2, 2), method="cubic")


def test_random_flip_is_seeded_and_per_image(rng):
    batch = rng.random((64, 3, 4, 1))
    flipped = image.random_flip_left_right(batch, seed=5)
    np.testing.assert_array_equal(flipped, image.random_flip_left_right(batch, seed=5))
    changed = [not np.array_equal(a, b) for a, b in zip(flipped, batch)]
    assert 10 < sum(changed) < 54
    for a, b, c in zip(flipped, batch, changed):
        np.testing.assert_array_equal(a, b[:, ::-1] if c else b)
    up_down = image.random_flip_up_down(batch[0], seed=np.random.default_rng(0))
    assert up_down.shape == (3, 4, 1)


def test_random_crop_is_a_window_of_the_input(rng):
    x = np.arange(7 * 9 * 3).reshape(7, 9, 3)
    crop = image.random_crop(x, (4, 5, 3), seed=1)
    np.testing.assert_array_equal(crop, image.random_crop(x, (4, 5, 3), seed=1))
    top, left = np.argwhere(x[..., 0] == crop[0, 0, 0])[0]
    np.testing.assert_array_equal(crop, x[top:top + 4, left:left + 5])
    with pytest.raises(ValueError, match="value.shape >= size"):
        image.random_crop(x, (8, 5, 3))


def test_central_crop_and_pad_errors(rng):
    with pytest.raises(ValueError, match=r"within \(0, 1\]"):
        image.central_crop(rng.random((4, 4, 1)), 0.0)
    with pytest.raises(ValueError, match="does not fit"):
        image.pad_to_bounding_box(rng.random((4, 4, 1)), 1, 0, 4, 4)


def test_resize_method_names():
    assert image.ResizeMethod.BILINEAR == "bilinear"
    assert image.ResizeMethod.NEAREST_NEIGHBOR == "nearest"

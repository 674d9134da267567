"""ops.image_transform: TF's projective warp (its numbers are in the preprocessing layers'
Keras fixture, tests/layers/test_augmentation.py); here the geometry and the fill modes by hand."""
import doctest

import numpy as np
import pytest

from chainrule.ops import image_transform
from chainrule.ops.image_transform import (rotation_matrix, transform, translation_matrix,
                                           zoom_matrix)

ROW = np.arange(5, dtype=np.float32).reshape(1, 1, 5, 1)


def test_docstring_examples():
    assert doctest.testmod(image_transform).failed == 0


@pytest.mark.parametrize("mode, expected", [
    ("reflect", [1, 0, 0, 1, 2]), ("nearest", [0, 0, 0, 1, 2]), ("constant", [9, 9, 0, 1, 2]),
    ("wrap", [3, 4, 0, 1, 2])])
def test_fill_modes_shift_right_by_two(mode, expected):
    out = transform(ROW, translation_matrix([[2, 0]]), mode, 9.0, "nearest")
    assert out[0, 0, :, 0].tolist() == expected


def test_tf_wrap_counts_periods_in_n_minus_one():
    """TF's (and so Keras') wrap lands on the clamped edge past one width: [4 2 3 4 0]."""
    out = transform(ROW, translation_matrix([[4, 0]]), "wrap")
    assert out[0, 0, :, 0].tolist() == [4, 2, 3, 4, 0]


def test_constant_bilinear_blends_into_the_fill_value():
    out = transform(ROW, translation_matrix([[0.5, 0]]), "constant", 10.0)
    assert out[0, 0, :, 0].tolist() == [5.0, 0.5, 1.5, 2.5, 3.5]


def test_quarter_turn_and_identity_zoom(rng):
    x = rng.standard_normal((2, 5, 5, 3)).astype(np.float32)
    turned = transform(x, rotation_matrix(np.full(2, np.pi / 2), 5, 5), "constant")
    np.testing.assert_allclose(turned, np.rot90(x, 1, axes=(1, 2)), atol=1e-5)
    np.testing.assert_array_equal(transform(x, zoom_matrix([[1, 1]] * 2, 5, 5)), x)


def test_each_image_takes_its_own_matrix(rng):
    x = rng.standard_normal((2, 4, 6, 1)).astype(np.float32)
    both = transform(x, translation_matrix([[1, 0], [0, -1]]), "nearest")
    np.testing.assert_array_equal(both[0], transform(x[:1], translation_matrix([[1, 0]]),
                                                     "nearest")[0])
    np.testing.assert_array_equal(both[1], transform(x[1:], translation_matrix([[0, -1]]),
                                                     "nearest")[0])


def test_unknown_modes_are_refused_with_keras_messages():
    with pytest.raises(NotImplementedError, match="Unknown `fill_mode` mirror"):
        image_transform.check_fill_mode("mirror", "bilinear")
    with pytest.raises(NotImplementedError, match="Unknown `interpolation` bicubic"):
        image_transform.check_fill_mode("reflect", "bicubic")


def _matrices(rng, n, height, width):
    """Rotations, zooms, shifts past the edges, and a projective part."""
    return np.concatenate([
        rotation_matrix(rng.uniform(-3, 3, n), height, width),
        zoom_matrix(rng.uniform(0.3, 2.0, (n, 2)), height, width),
        translation_matrix(rng.uniform(-3 * width, 3 * width, (n, 2))),
        rotation_matrix(rng.uniform(-1, 1, n), height, width)
        + np.array([0, 0, 0, 0, 0, 0, 0.01, -0.02], np.float32)])


@pytest.mark.parametrize("interpolation", image_transform.INTERPOLATIONS)
@pytest.mark.parametrize("mode", image_transform.FILL_MODES)
def test_every_path_gives_the_references_bits(rng, each_kernel_path, mode, interpolation):
    x = rng.uniform(-5, 260, (16, 6, 9, 3)).astype(np.float32)
    matrices = _matrices(rng, 4, 6, 9)
    expected = image_transform.reference_transform(x, matrices, mode, -2.5, interpolation)
    np.testing.assert_array_equal(transform(x, matrices, mode, -2.5, interpolation), expected)


def test_the_compiled_loop_serves_on_the_numba_path(each_kernel_path):
    from chainrule.runtime import kernels

    loaded = kernels.compiled(np, image_transform.LOOPS) is not None
    assert loaded == (each_kernel_path == "numba")

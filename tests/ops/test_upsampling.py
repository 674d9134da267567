"""upsampling2d: gradient checks, nearest is a repeat, bilinear keeps constants and rows."""
import numpy as np
import pytest

from chainrule import ops
from chainrule.autodiff.gradcheck import check_grad
from chainrule.ops.upsampling import interpolation_matrix


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
@pytest.mark.parametrize("size", [2, (2, 3), (3, 1)])
def test_upsampling2d_gradients_match_finite_differences(rng, interpolation, size):
    x = rng.standard_normal((2, 3, 4, 2))
    check_grad(lambda x: ops.upsampling2d(x, size, interpolation), (x,))


def test_nearest_repeats_each_pixel_into_a_block(rng):
    x = rng.standard_normal((1, 2, 3, 1))
    y = ops.upsampling2d(x, (2, 3)).data
    np.testing.assert_array_equal(y, x.repeat(2, axis=1).repeat(3, axis=2))


def test_bilinear_rows_sum_to_one_and_constants_stay_constant():
    m = interpolation_matrix(4, 3, np, np.float64)
    np.testing.assert_allclose(m.sum(axis=1), 1.0)
    y = ops.upsampling2d(np.full((1, 3, 3, 2), 5.0), 2, "bilinear").data
    np.testing.assert_allclose(y, 5.0)


def test_bilinear_half_pixel_weights():
    # output 1 of a 2x upsampling sits at input 0.25: 0.75 * x0 + 0.25 * x1
    y = ops.upsampling2d(np.array([0.0, 4.0]).reshape(1, 2, 1, 1), (2, 1), "bilinear")
    np.testing.assert_allclose(y.data.ravel(), [0.0, 1.0, 3.0, 4.0])


def test_upsampling2d_rejects_unknown_interpolation_and_sizes():
    with pytest.raises(ValueError, match="'nearest' or 'bilinear'"):
        ops.upsampling2d(np.zeros((1, 2, 2, 1)), 2, "bicubic")
    with pytest.raises(ValueError, match="size"):
        ops.upsampling2d(np.zeros((1, 2, 2, 1)), 0)

"""crop: values, the padded-back gradient, and a float64 gradient check."""
import numpy as np

from chainrule import ops
from chainrule.autodiff import Tensor
from chainrule.autodiff.gradcheck import check_grad


def test_crop_keeps_the_inner_box(rng):
    x = rng.standard_normal((2, 6, 5, 3))
    np.testing.assert_array_equal(ops.crop(x, [(0, 0), (1, 2), (0, 3)]).data, x[:, 1:4, 0:2])


def test_crop_gradient_is_zero_outside_the_box(rng):
    x = Tensor(rng.standard_normal((4, 5)), requires_grad=True)
    ops.crop(x, [(1, 1), (2, 0)]).backward(np.ones((2, 3)))
    expected = np.zeros((4, 5))
    expected[1:3, 2:] = 1
    np.testing.assert_array_equal(x.grad, expected)


def test_crop_gradient_matches_finite_differences(rng):
    check_grad(lambda x: ops.crop(x, [(0, 0), (1, 0), (2, 1)]), (rng.standard_normal((2, 4, 5)),))

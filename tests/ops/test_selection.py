"""where: values and gradients (float64, random upstream gradient)."""
import numpy as np

from chainrule.autodiff.gradcheck import check_grad
from chainrule.ops.selection import where


def test_where_picks_and_routes_gradients(rng):
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4,))
    cond = rng.random((3, 4)) > 0.5
    np.testing.assert_array_equal(where(cond, a, b).numpy(), np.where(cond, a, b))
    check_grad(lambda a, b: where(cond, a, b), (a, b))


def test_where_condition_broadcasts_over_the_values(rng):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    cond = np.array([True, False, True])
    check_grad(lambda a, b: where(cond, a, b), (a, b))

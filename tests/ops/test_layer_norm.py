"""normalize (layer normalisation's core): statistics and float64 gradient checks."""
import numpy as np
import pytest

from chainrule import ops
from chainrule.autodiff.gradcheck import check_grad


@pytest.mark.parametrize("axes", [-1, (1, 2), 1])
def test_normalize_gives_zero_mean_unit_variance(rng, axes):
    x = rng.standard_normal((3, 4, 5)) * 3 + 1
    y = ops.normalize(x, axes, epsilon=0.0).data
    np.testing.assert_allclose(y.mean(axis=axes), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=axes), 1, rtol=1e-12)


@pytest.mark.parametrize("axes", [-1, (1, 2), (0, 2)])
def test_normalize_gradient_matches_finite_differences(rng, axes):
    check_grad(lambda x: ops.normalize(x, axes, epsilon=1e-3), (rng.standard_normal((3, 4, 5)),))


def test_normalize_keeps_float32(rng):
    x = rng.standard_normal((2, 6)).astype(np.float32)
    assert ops.normalize(x, -1).dtype == np.float32

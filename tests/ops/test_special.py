"""erf: values from math.erf, and a float64 gradient check."""
import math

import numpy as np

from chainrule import ops
from chainrule.autodiff.gradcheck import check_grad


def test_erf_matches_math_erf(rng):
    x = rng.standard_normal((3, 4)) * 2
    np.testing.assert_allclose(ops.erf(x).data, np.vectorize(math.erf)(x), rtol=1e-15)


def test_erf_keeps_float32():
    assert ops.erf(np.ones(3, dtype=np.float32)).dtype == np.float32


def test_erf_gradient_matches_finite_differences(rng):
    check_grad(ops.erf, (rng.standard_normal((4, 5)),))


def test_float32_erf_is_within_float32_resolution(rng):
    x = np.concatenate([rng.standard_normal(2000) * 3, np.linspace(-6, 6, 1001)])
    exact = np.vectorize(math.erf)(x)
    fit = ops.erf(x.astype(np.float32)).data.astype(np.float64)
    np.testing.assert_allclose(fit, exact, rtol=0, atol=3e-7)

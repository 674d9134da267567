"""batch_norm: formula, statistics, gradients for x, gamma and beta, dtype."""
import numpy as np
import pytest

from chainrule import ops
from chainrule.autodiff import Tensor, check_grad


def test_every_normalization_op_is_covered():
    names = {n for n in ops.__all__ if getattr(ops, n).__module__ == "chainrule.ops.normalization"}
    assert names == {"batch_norm"}


@pytest.mark.parametrize("shape", [(6, 3), (2, 3, 4, 5)])
def test_batch_norm_matches_formula_and_returns_biased_statistics(rng, shape):
    x = 3.0 * rng.standard_normal(shape) + 1.0
    gamma, beta = rng.standard_normal(shape[-1]), rng.standard_normal(shape[-1])
    y, mean, var = ops.batch_norm(Tensor(x), Tensor(gamma), Tensor(beta), epsilon=1e-3)
    flat = x.reshape(-1, shape[-1])
    mu = flat.sum(axis=0) / len(flat)
    sigma2 = ((flat - mu) ** 2).sum(axis=0) / len(flat)               # biased: divide by n
    np.testing.assert_allclose(mean, mu)
    np.testing.assert_allclose(var, sigma2)
    np.testing.assert_allclose(y.data, gamma * (x - mu) / np.sqrt(sigma2 + 1e-3) + beta)


@pytest.mark.parametrize("shape", [(6, 3), (2, 3, 4, 5), (4, 2, 3)])
def test_batch_norm_gradients_for_x_gamma_beta(rng, shape):
    x = 2.0 * rng.standard_normal(shape) + 0.5
    gamma, beta = rng.standard_normal(shape[-1]), rng.standard_normal(shape[-1])
    check_grad(lambda x, g, b: ops.batch_norm(x, g, b)[0], (x, gamma, beta))


def test_batch_norm_keeps_float32(rng):
    x = Tensor(rng.standard_normal((5, 3)).astype(np.float32), requires_grad=True)
    gamma = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    beta = Tensor(np.zeros(3, dtype=np.float32), requires_grad=True)
    y, _, _ = ops.batch_norm(x, gamma, beta)
    assert y.dtype == np.float32
    y.backward(np.ones((5, 3), dtype=np.float32))
    assert x.grad.dtype == gamma.grad.dtype == beta.grad.dtype == np.float32

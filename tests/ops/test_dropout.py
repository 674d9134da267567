"""dropout: mask statistics, scaling, identity at inference, seeds, gradient, noise_shape."""
import numpy as np
import pytest

from chainrule import ops
from chainrule.autodiff import Tensor


def test_every_dropout_op_is_covered():
    names = {n for n in ops.__all__ if getattr(ops, n).__module__ == "chainrule.ops.dropout"}
    assert names == {"dropout"}


@pytest.mark.parametrize("rate", [0.2, 0.5, 0.8])
def test_dropout_keeps_about_one_minus_rate_and_scales_by_its_inverse(rate):
    x = Tensor(np.ones((200, 500), dtype=np.float32))
    y = ops.dropout(x, rate, np.random.default_rng(123)).data
    kept = y != 0
    assert kept.mean() == pytest.approx(1 - rate, abs=0.01)           # 100k draws: sd ~ 0.0016
    np.testing.assert_allclose(y[kept], 1.0 / (1.0 - rate), rtol=1e-6)
    assert y.dtype == np.float32


def test_dropout_is_the_identity_when_not_training_or_rate_zero(rng):
    x = Tensor(rng.standard_normal((3, 4)))
    assert ops.dropout(x, 0.5, rng, training=False) is x
    assert ops.dropout(x, 0.0, rng) is x


def test_dropout_same_seed_same_mask():
    x = Tensor(np.ones((10, 10)))
    a = ops.dropout(x, 0.5, np.random.default_rng(7)).data
    b = ops.dropout(x, 0.5, np.random.default_rng(7)).data
    np.testing.assert_array_equal(a, b)


def test_dropout_gradient_is_the_mask(rng):
    x = Tensor(np.ones((6, 7)), requires_grad=True)
    y = ops.dropout(x, 0.4, np.random.default_rng(1))
    gy = rng.standard_normal((6, 7))
    y.backward(gy)
    np.testing.assert_allclose(x.grad, gy * y.data)                   # x = 1, so y is the mask


def test_dropout_noise_shape_broadcasts_the_mask(rng):
    x = Tensor(rng.uniform(1.0, 2.0, (50, 4)))
    y = ops.dropout(x, 0.5, np.random.default_rng(3), noise_shape=(50, 1)).data
    dropped_rows = (y == 0).all(axis=1)
    kept_rows = (y != 0).all(axis=1)
    assert (dropped_rows | kept_rows).all()                           # whole rows together
    assert 0 < dropped_rows.sum() < 50
    np.testing.assert_allclose(y[kept_rows], 2.0 * x.data[kept_rows])


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5])
def test_dropout_rejects_rates_outside_0_1(rng, rate):
    with pytest.raises(ValueError, match=r"rate must be in \[0, 1\)\. Received: rate="):
        ops.dropout(Tensor(np.ones(3)), rate, rng)

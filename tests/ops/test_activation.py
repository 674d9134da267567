"""Activations: gradients (away from kinks), NumPy formulas, dtypes, stability at +-1000."""
import numpy as np
import pytest

from chainrule import ops
from chainrule.autodiff import Tensor, check_grad


def away_from_zero(rng, shape):
    return rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


def np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


CASES = {  # name: (op, NumPy formula written from the definition)
    "relu": (ops.relu, lambda x: np.where(x > 0, x, 0.0)),
    "sigmoid": (ops.sigmoid, lambda x: 1.0 / (1.0 + np.exp(-x))),
    "tanh": (ops.tanh, lambda x: (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))),
    "softmax": (ops.softmax, np_softmax),
    "softmax_axis0": (lambda x: ops.softmax(x, axis=0), lambda x: np_softmax(x, axis=0)),
    "log_softmax": (ops.log_softmax, lambda x: np.log(np_softmax(x))),
    "log_softmax_axis0": (lambda x: ops.log_softmax(x, axis=0),
                          lambda x: np.log(np_softmax(x, axis=0))),
    "leaky_relu": (ops.leaky_relu, lambda x: np.where(x > 0, x, 0.3 * x)),
    "leaky_relu_alpha": (lambda x: ops.leaky_relu(x, 0.1), lambda x: np.where(x > 0, x, 0.1 * x)),
    "softplus": (ops.softplus, lambda x: np.log(1.0 + np.exp(x))),
    "elu": (ops.elu, lambda x: np.where(x > 0, x, np.exp(x) - 1.0)),
    "elu_alpha": (lambda x: ops.elu(x, 0.5), lambda x: np.where(x > 0, x, 0.5 * (np.exp(x) - 1))),
}


def test_every_activation_op_is_covered():
    names = {n for n in ops.__all__ if getattr(ops, n).__module__ == "chainrule.ops.activation"}
    covered = {n.removesuffix("_axis0").removesuffix("_alpha") for n in CASES}
    assert names == covered


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients(rng, name):
    op, _ = CASES[name]
    check_grad(op, (away_from_zero(rng, (3, 5)),))


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_match_formula(rng, name):
    op, ref = CASES[name]
    x = 2.0 * rng.standard_normal((3, 5))
    np.testing.assert_allclose(op(Tensor(x)).data, ref(x), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_float32_in_float32_out(rng, name):
    op, _ = CASES[name]
    x = Tensor(rng.standard_normal((3, 5)).astype(np.float32), requires_grad=True)
    y = op(x)
    assert y.dtype == np.float32
    y.backward(np.ones(y.shape, dtype=np.float32))
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huge_inputs_stay_finite(dtype):
    x = Tensor(np.array([[-1000.0, 0.0, 1000.0]], dtype=dtype), requires_grad=True)
    np.testing.assert_allclose(ops.sigmoid(x).data, [[0.0, 0.5, 1.0]])
    np.testing.assert_allclose(ops.softplus(x).data, [[0.0, np.log(2.0), 1000.0]])
    np.testing.assert_allclose(ops.softmax(x).data, [[0.0, 0.0, 1.0]])
    np.testing.assert_allclose(ops.log_softmax(x).data, [[-2000.0, -1000.0, 0.0]])
    np.testing.assert_allclose(ops.tanh(x).data, [[-1.0, 0.0, 1.0]])
    np.testing.assert_allclose(ops.elu(x).data, [[-1.0, 0.0, 1000.0]])
    for op in (ops.sigmoid, ops.softplus, ops.softmax, ops.log_softmax, ops.elu):
        x.zero_grad()
        op(x).backward(np.ones((1, 3), dtype=dtype))
        assert np.isfinite(x.grad).all()


def test_softmax_rows_sum_to_one(rng):
    y = ops.softmax(Tensor(rng.standard_normal((4, 6)))).data
    np.testing.assert_allclose(y.sum(axis=-1), 1.0)


def test_relu_gradient_is_the_mask():
    x = Tensor(np.array([-2.0, -0.5, 0.5, 3.0]), requires_grad=True)
    ops.relu(x).backward(np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 3.0, 4.0])

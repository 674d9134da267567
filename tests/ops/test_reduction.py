"""sum, mean, max: gradients over every axis choice, NumPy values, dtypes, ties."""
import numpy as np
import pytest

from chainrule import ops
from chainrule.autodiff import Tensor, check_grad

OPS = {"sum": (ops.sum, np.sum), "mean": (ops.mean, np.mean), "max": (ops.max, np.max)}
AXES = [None, 0, 1, -1, (0, 2), (2, 0), (0, 1, 2)]


def untied(rng, shape):
    """Distinct values 0.25 apart, shuffled: max has a unique winner on every axis."""
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.25 - 2.0


def test_every_reduction_is_covered():
    names = {n for n in ops.__all__ if getattr(ops, n).__module__ == "chainrule.ops.reduction"}
    assert names == set(OPS)


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_gradients(rng, name, axis, keepdims):
    op, _ = OPS[name]
    check_grad(lambda a: op(a, axis=axis, keepdims=keepdims), (untied(rng, (2, 3, 4)),))


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_values_match_numpy(rng, name, axis, keepdims):
    op, ref = OPS[name]
    a = rng.standard_normal((2, 3, 4))
    axis_np = tuple(axis) if isinstance(axis, tuple) else axis
    np.testing.assert_allclose(op(Tensor(a), axis=axis, keepdims=keepdims).data,
                               ref(a, axis=axis_np, keepdims=keepdims), rtol=1e-12)


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("axis", [None, 1])
def test_float32_in_float32_out_for_values_and_gradients(rng, name, axis):
    op, _ = OPS[name]
    x = Tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    y = op(x, axis=axis)
    assert y.dtype == np.float32
    y.backward(np.ones(y.shape, dtype=np.float32))
    assert x.grad.dtype == np.float32


def test_mean_gradient_is_one_over_n():
    x = Tensor(np.zeros((2, 5)), requires_grad=True)
    ops.mean(x, axis=1).backward(np.array([1.0, 2.0]))
    np.testing.assert_allclose(x.grad, [[0.2] * 5, [0.4] * 5])


def test_max_splits_the_gradient_between_ties():
    x = Tensor(np.array([[1.0, 3.0, 3.0], [4.0, 0.0, 2.0]]), requires_grad=True)
    ops.max(x, axis=1).backward(np.array([1.0, 10.0]))
    np.testing.assert_allclose(x.grad, [[0.0, 0.5, 0.5], [10.0, 0.0, 0.0]])

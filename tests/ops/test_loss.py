"""Fused cross-entropies: direct formulas, stability for huge logits, gradients w.r.t. logits."""
import numpy as np
import pytest

from chainrule import ops
from chainrule.autodiff import Tensor, check_grad


def np_log_softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return np.log(e / e.sum(axis=axis, keepdims=True))


def soft_labels(rng, shape, axis=-1):
    p = rng.uniform(0.1, 1.0, shape)
    return p / p.sum(axis=axis, keepdims=True)


def test_every_loss_op_is_covered():
    names = {n for n in ops.__all__ if getattr(ops, n).__module__ == "chainrule.ops.loss"}
    assert names == {"softmax_cross_entropy", "sparse_softmax_cross_entropy",
                     "sigmoid_cross_entropy"}


# --- softmax cross-entropy -------------------------------------------------------------------

@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_cross_entropy_matches_formula(rng, axis):
    z, y = rng.standard_normal((3, 4, 5)), soft_labels(rng, (3, 4, 5), axis)
    expected = -(y * np_log_softmax(z, axis)).sum(axis=axis)
    out = ops.softmax_cross_entropy(Tensor(z), Tensor(y), axis=axis)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)


@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_cross_entropy_gradient(rng, axis):
    y = soft_labels(rng, (4, 5), axis)
    check_grad(lambda z: ops.softmax_cross_entropy(z, y, axis=axis), (rng.standard_normal((4, 5)),))


def test_softmax_cross_entropy_gradient_with_labels_not_summing_to_one(rng):
    y = rng.uniform(0.0, 1.0, (4, 5))
    check_grad(lambda z: ops.softmax_cross_entropy(z, y), (rng.standard_normal((4, 5)),))


def test_softmax_cross_entropy_huge_logits():
    z = Tensor(np.array([[1000.0, -1000.0, 0.0], [1000.0, -1000.0, 0.0]]), requires_grad=True)
    y = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    loss = ops.softmax_cross_entropy(z, y)
    np.testing.assert_allclose(loss.data, [0.0, 2000.0])      # logsumexp = 1000
    loss.backward(np.ones(2))
    np.testing.assert_allclose(z.grad, [[0.0, 0.0, 0.0], [1.0, -1.0, 0.0]])   # softmax - y


def test_labels_get_no_gradient(rng):
    z = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    y = Tensor(soft_labels(rng, (2, 3)), requires_grad=True)
    ops.softmax_cross_entropy(z, y).backward(np.ones(2))
    assert y.grad is None
    assert z.grad is not None


# --- sparse softmax cross-entropy --------------------------------------------------------------

@pytest.mark.parametrize("label_shape", [(4,), (4, 1)])
def test_sparse_matches_formula(rng, label_shape):
    z, labels = rng.standard_normal((4, 5)), np.array([0, 4, 2, 2]).reshape(label_shape)
    expected = -np_log_softmax(z)[np.arange(4), labels.ravel()]
    out = ops.sparse_softmax_cross_entropy(Tensor(z), labels)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)


def test_sparse_accepts_float_labels_as_keras_does(rng):
    z = rng.standard_normal((3, 4))
    by_int = ops.sparse_softmax_cross_entropy(Tensor(z), np.array([1, 3, 0])).data
    by_float = ops.sparse_softmax_cross_entropy(Tensor(z), np.array([1.0, 3.0, 0.0])).data
    np.testing.assert_array_equal(by_int, by_float)


def test_sparse_gradient(rng):
    labels = np.array([0, 4, 2, 2])
    check_grad(lambda z: ops.sparse_softmax_cross_entropy(z, labels),
               (rng.standard_normal((4, 5)),))


def test_sparse_gradient_on_3d_logits(rng):
    labels = rng.integers(0, 3, (2, 4))
    check_grad(lambda z: ops.sparse_softmax_cross_entropy(z, labels),
               (rng.standard_normal((2, 4, 3)),))


def test_sparse_huge_logits():
    z = np.array([[1000.0, -1000.0, 0.0]])
    np.testing.assert_allclose(ops.sparse_softmax_cross_entropy(Tensor(z), [1]).data, [2000.0])
    np.testing.assert_allclose(ops.sparse_softmax_cross_entropy(Tensor(z), [0]).data, [0.0])


@pytest.mark.parametrize("bad", [[0, 3], [-1, 0]])
def test_sparse_out_of_range_labels_raise(bad):
    with pytest.raises(ValueError, match=r"sparse labels must be in \[0, 3\)"):
        ops.sparse_softmax_cross_entropy(Tensor(np.zeros((2, 3))), np.array(bad))


# --- sigmoid cross-entropy ---------------------------------------------------------------------

def test_sigmoid_cross_entropy_matches_formula(rng):
    z, y = rng.standard_normal((4, 3)), rng.uniform(0.0, 1.0, (4, 3))
    p = 1.0 / (1.0 + np.exp(-z))
    expected = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    np.testing.assert_allclose(ops.sigmoid_cross_entropy(Tensor(z), y).data, expected, rtol=1e-10)


def test_sigmoid_cross_entropy_gradient(rng):
    y = rng.integers(0, 2, (4, 3)).astype(float)
    check_grad(lambda z: ops.sigmoid_cross_entropy(z, y), (rng.standard_normal((4, 3)),))


def test_sigmoid_cross_entropy_huge_logits():
    z = Tensor(np.array([1000.0, 1000.0, -1000.0, -1000.0]), requires_grad=True)
    y = np.array([1.0, 0.0, 1.0, 0.0])
    loss = ops.sigmoid_cross_entropy(z, y)
    np.testing.assert_allclose(loss.data, [0.0, 1000.0, 1000.0, 0.0])
    loss.backward(np.ones(4))
    np.testing.assert_allclose(z.grad, [0.0, 1.0, -1.0, 0.0])            # sigmoid(z) - y


# --- dtypes -----------------------------------------------------------------------------------

def test_losses_keep_float32(rng):
    z = Tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    onehot = np.eye(4, dtype=np.float32)[[0, 1, 3]]
    for loss in (ops.softmax_cross_entropy(z, onehot),
                 ops.sparse_softmax_cross_entropy(z, np.array([0, 1, 3])),
                 ops.sigmoid_cross_entropy(z, onehot)):
        assert loss.dtype == np.float32
        z.zero_grad()
        loss.backward(np.ones(loss.shape, dtype=np.float32))
        assert z.grad.dtype == np.float32

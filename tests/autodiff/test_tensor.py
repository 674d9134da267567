"""Tensor: dtypes, operators, indexing, methods, backward seeding and gradient bookkeeping."""
import numpy as np
import pytest

from chainrule.autodiff import Tensor, as_tensor


def leaf(values, dtype=np.float64):
    return Tensor(np.asarray(values, dtype=dtype), requires_grad=True)


# --- construction and dtypes ----------------------------------------------------------------

@pytest.mark.parametrize("data", [[1, 2, 3], [1.5, 2.5], 2.5, 3, np.arange(4), np.array([True])])
def test_python_and_non_float_data_becomes_float32(data):
    assert Tensor(data).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_float_arrays_keep_their_dtype(dtype):
    assert Tensor(np.zeros(3, dtype=dtype)).dtype == dtype


def test_numpy_float_scalars_keep_their_dtype():
    t = Tensor(np.float64(1.5))
    assert t.dtype == np.float64
    assert isinstance(t.data, np.ndarray)


def test_full_reduction_of_float64_stays_float64():
    x = Tensor(np.arange(3.0), requires_grad=True)
    for y in (x.sum(), x.mean(), x.max(), Tensor(np.array(2.0)) * 3.0):
        assert y.dtype == np.float64
        assert isinstance(y.data, np.ndarray)


def test_explicit_dtype_wins():
    assert Tensor([1, 2], dtype=np.float64).dtype == np.float64


def test_array_facts_and_conversions():
    t = Tensor(np.arange(6.0).reshape(2, 3))
    assert t.shape == (2, 3)
    assert t.ndim == 2
    assert t.size == 6
    assert len(t) == 2
    assert isinstance(t.numpy(), np.ndarray)
    np.testing.assert_array_equal(t.numpy(), np.arange(6.0).reshape(2, 3))
    assert Tensor(np.array(4.5)).item() == 4.5
    assert isinstance(Tensor([7.0]).item(), float)


def test_as_tensor_returns_tensors_unchanged_and_wraps_constants():
    t = Tensor([1.0])
    assert as_tensor(t) is t
    c = as_tensor([1.0, 2.0])
    assert isinstance(c, Tensor)
    assert not c.requires_grad


def test_repr_shows_values_grad_flag_and_name():
    text = repr(Tensor([1.0, 2.0], requires_grad=True, name="w"))
    assert "requires_grad=True" in text
    assert "name='w'" in text


# --- operators ---------------------------------------------------------------------------------

BINARY = {
    "add": (lambda a, b: a + b, np.add),
    "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply),
    "div": (lambda a, b: a / b, np.divide),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_operators_match_numpy(rng, name):
    op, ref = BINARY[name]
    a, b = rng.uniform(0.5, 2, (3, 4)), rng.uniform(0.5, 2, (3, 4))
    np.testing.assert_allclose(op(Tensor(a), Tensor(b)).data, ref(a, b))


@pytest.mark.parametrize("name", sorted(BINARY))
def test_reflected_operators_with_scalar_and_ndarray_on_the_left(rng, name):
    op, ref = BINARY[name]
    a = rng.uniform(0.5, 2, (3, 4))
    for left in (2.0, rng.uniform(0.5, 2, (3, 4))):
        out = op(left, leaf(a))
        assert isinstance(out, Tensor)
        np.testing.assert_allclose(out.data, ref(left, a))


def test_reflected_operators_carry_gradients(rng):
    a = leaf(rng.uniform(0.5, 2, 3))
    (2.0 / a).sum().backward()
    np.testing.assert_allclose(a.grad, -2.0 / a.data**2)                 # d(2/a)/da = -2/a^2
    b = leaf(rng.uniform(0.5, 2, 3))
    (np.full(3, 5.0) - b).sum().backward()
    np.testing.assert_allclose(b.grad, -np.ones(3))


def test_power_matmul_and_negation(rng):
    a, m, n = rng.standard_normal((2, 3)), rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    np.testing.assert_allclose((Tensor(a) ** 3).data, a**3)
    np.testing.assert_allclose((Tensor(m) @ Tensor(n)).data, m @ n)
    np.testing.assert_allclose((m @ Tensor(n)).data, m @ n)              # __rmatmul__
    np.testing.assert_allclose((-Tensor(a)).data, -a)


def test_scalar_operand_keeps_float32():
    t = Tensor([1.0, 2.0])
    for out in (t + 1.5, 2.5 * t, t / 3.0, 1.0 - t, t**2, -t):
        assert out.dtype == np.float32


# --- indexing ----------------------------------------------------------------------------------

@pytest.mark.parametrize("index", [1, (slice(None), slice(1, 3)), (Ellipsis, 0), np.s_[::-1, 2]])
def test_basic_indexing_matches_numpy_and_scatters_gradient(rng, index):
    a = rng.standard_normal((3, 4))
    t = leaf(a)
    out = t[index]
    np.testing.assert_array_equal(out.data, a[index])
    gy = rng.standard_normal(out.shape)
    out.backward(gy)
    expected = np.zeros_like(a)
    expected[index] = gy
    np.testing.assert_array_equal(t.grad, expected)


def test_fancy_index_with_repeats_accumulates_gradient():
    t = leaf([10.0, 20.0, 30.0])
    out = t[[0, 0, 2, 0]]
    np.testing.assert_array_equal(out.data, [10.0, 10.0, 30.0, 10.0])
    out.backward(np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(t.grad, [1.0 + 2.0 + 4.0, 0.0, 3.0])


def test_boolean_mask_index(rng):
    a = rng.standard_normal((4, 3))
    t = leaf(a)
    mask = a > 0
    t[mask].sum().backward()
    np.testing.assert_array_equal(t.grad, mask.astype(float))


# --- methods -----------------------------------------------------------------------------------

def test_reduction_and_shape_methods_match_numpy(rng):
    a = rng.standard_normal((2, 3, 4))
    t = Tensor(a)
    np.testing.assert_allclose(t.sum().data, a.sum())
    np.testing.assert_allclose(t.sum(axis=1, keepdims=True).data, a.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(t.mean(axis=(0, 2)).data, a.mean(axis=(0, 2)))
    np.testing.assert_allclose(t.max(axis=-1).data, a.max(axis=-1))
    np.testing.assert_array_equal(t.reshape(6, 4).data, a.reshape(6, 4))
    np.testing.assert_array_equal(t.reshape((4, -1)).data, a.reshape(4, -1))
    np.testing.assert_array_equal(t.T.data, a.T)
    np.testing.assert_array_equal(t.transpose().data, a.transpose())
    np.testing.assert_array_equal(t.transpose(1, 0, 2).data, a.transpose(1, 0, 2))
    np.testing.assert_array_equal(t.transpose((2, 0, 1)).data, a.transpose(2, 0, 1))


# --- backward ----------------------------------------------------------------------------------

def test_backward_on_scalar_seeds_one():
    x = leaf(3.0)
    y = x * x                                          # dy/dx = 2x = 6
    y.backward()
    assert x.grad == pytest.approx(6.0)


def test_backward_on_a_one_element_tensor_seeds_one():
    x = leaf([2.0])
    (x * 4.0).backward()
    np.testing.assert_array_equal(x.grad, [4.0])


def test_backward_on_non_scalar_without_grad_raises():
    y = leaf([1.0, 2.0]) * 2.0
    with pytest.raises(RuntimeError, match=r"needs a scalar.*shape \(2,\).*grad="):
        y.backward()


def test_backward_with_wrong_grad_shape_raises():
    y = leaf([1.0, 2.0]) * 2.0
    with pytest.raises(ValueError, match=r"expects shape \(2,\), got \(3,\)"):
        y.backward(np.ones(3))


def test_backward_with_explicit_grad(rng):
    a = rng.standard_normal(4)
    x = leaf(a)
    gy = rng.standard_normal(4)
    (x * x).backward(gy)
    np.testing.assert_allclose(x.grad, gy * 2 * a)


def test_gradients_accumulate_across_backward_calls():
    x = leaf(2.0)
    (x * 3.0).backward()
    (x * x).backward()                                 # 3 + 2x
    assert x.grad == pytest.approx(3.0 + 4.0)


def test_retained_graph_can_be_backpropagated_twice():
    x = leaf(2.0)
    y = x * 3.0
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad == pytest.approx(6.0)


def test_zero_grad_forgets_the_gradient():
    x = leaf(2.0)
    (x * 3.0).backward()
    x.zero_grad()
    assert x.grad is None
    (x * 5.0).backward()
    assert x.grad == pytest.approx(5.0)


def test_backward_on_a_leaf_sets_its_own_grad():
    x = leaf([1.0, 2.0])
    x.backward(np.array([3.0, 4.0]))
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])


def test_grad_of_float32_graph_is_float32():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.dtype == np.float32


def test_detach_shares_values_but_cuts_the_graph():
    x = leaf([1.0, 2.0])
    y = x * 2.0
    d = y.detach()
    assert d.creator is None
    assert not d.requires_grad
    np.testing.assert_array_equal(d.data, y.data)
    (d * x).sum().backward()                           # d is a constant here
    np.testing.assert_array_equal(x.grad, d.data)


def test_constants_get_no_gradient():
    x, c = leaf([1.0, 2.0]), Tensor([3.0, 4.0])
    (x * c).sum().backward()
    assert c.grad is None
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])

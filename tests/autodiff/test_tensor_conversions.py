"""Tensor as a value: np.asarray, float(), int(), indexing a list, formatting."""
import numpy as np
import pytest

from chainrule.autodiff import Tensor


def test_numpy_and_python_take_a_tensor():
    t = Tensor(np.array([[1.5, 2.5]], np.float32))
    assert np.asarray(t).dtype == np.float32 and np.asarray(t, dtype=np.float64).dtype == "f8"
    assert np.argmax(t) == 1 and float(t[0, 1]) == 2.5 and int(t[0, 0]) == 1
    assert f"{t[0, 1]:.2f}" == "2.50"
    names = ["a", "b", "c"]
    assert names[Tensor(np.array(2), dtype=np.int64)] == "c"


def test_conversions_of_bad_values_say_why():
    with pytest.raises(TypeError, match="one-element tensor"):
        float(Tensor(np.ones(3)))
    with pytest.raises(TypeError, match="Only integer tensors"):
        ["a"][Tensor(np.array(0.0))]


def test_a_dataset_element_becomes_a_plain_array_inside_a_tensor():
    from chainrule.data.element import TensorValue

    value = TensorValue.wrap(np.ones((2, 2), np.float32))
    t = Tensor(value)
    assert type(t.data) is np.ndarray and np.shares_memory(t.data, value)
    plain = np.ones(3, np.float32)
    assert Tensor(plain).data is plain


def test_numpy_reductions_of_a_tensor_give_tensors():
    t = Tensor(np.array([1.0, 5.0, 2.0]))
    assert float(np.max(t)) == 5.0 and float(np.sum(t)) == 8.0
    assert f"{100 * np.mean(t):.1f}" == "266.7"
    with pytest.raises(TypeError, match="no `dtype` or `out`"):
        np.sum(t, dtype=np.float32)

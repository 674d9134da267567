"""Add and Concatenate: values, gradients to every input, shapes, errors."""
import numpy as np
import pytest

from chainrule import layers
from chainrule.autodiff import Tensor


def f32(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def test_add_sums_its_inputs(rng):
    xs = [f32(rng, 2, 3) for _ in range(3)]
    np.testing.assert_allclose(layers.Add()(xs).data, xs[0] + xs[1] + xs[2], rtol=1e-6)


def test_add_gradient_reaches_every_input(rng):
    xs = [Tensor(f32(rng, 2, 3), requires_grad=True) for _ in range(2)]
    gy = f32(rng, 2, 3)
    layers.Add()(xs).backward(gy)
    for x in xs:
        np.testing.assert_array_equal(x.grad, gy)


def test_add_needs_two_inputs_of_one_shape():
    with pytest.raises(ValueError, match="at least 2 inputs"):
        layers.Add()([np.zeros((2, 3))])
    with pytest.raises(ValueError, match=r"Inputs have incompatible shapes. Received shapes "
                                         r"\(3,\) and \(4,\)"):
        layers.Add()([np.zeros((2, 3)), np.zeros((2, 4))])


@pytest.mark.parametrize("axis", [-1, 1, 2])
def test_concatenate(rng, axis):
    a, b = f32(rng, 2, 3, 4), f32(rng, 2, 3, 4)
    layer = layers.Concatenate(axis=axis)
    y = layer([a, b])
    np.testing.assert_allclose(y.data, np.concatenate([a, b], axis=axis), rtol=1e-6)
    assert y.shape == layer.compute_output_shape([a.shape, b.shape])


def test_concatenate_output_shape_with_unknown_sizes():
    layer = layers.Concatenate()
    assert layer.compute_output_shape([(None, 3), (None, 5)]) == (None, 8)
    assert layer.compute_output_shape([(None, 3), (None, None)]) == (None, None)


def test_concatenate_gradient_splits(rng):
    a = Tensor(f32(rng, 2, 2), requires_grad=True)
    b = Tensor(f32(rng, 2, 3), requires_grad=True)
    gy = f32(rng, 2, 5)
    layers.Concatenate()([a, b]).backward(gy)
    np.testing.assert_array_equal(a.grad, gy[:, :2])
    np.testing.assert_array_equal(b.grad, gy[:, 2:])


def test_concatenate_needs_a_list():
    with pytest.raises(ValueError, match="at least 2 inputs"):
        layers.Concatenate()(np.zeros((2, 3)))

"""Merge layers and their functional helpers: values, gradients to every input, shapes, errors."""
import numpy as np
import pytest

from chainrule import layers
from chainrule.autodiff import Tensor, check_grad


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


ELEMENTWISE = {"Multiply": (layers.multiply, lambda a, b, c: a * b * c),
               "Average": (layers.average, lambda a, b, c: (a + b + c) / 3),
               "Maximum": (layers.maximum, lambda a, b, c: np.maximum(np.maximum(a, b), c)),
               "Minimum": (layers.minimum, lambda a, b, c: np.minimum(np.minimum(a, b), c)),
               "Add": (layers.add, lambda a, b, c: a + b + c)}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_merges_and_their_helpers(rng, name):
    xs = [f32(rng, 2, 3) for _ in range(3)]
    helper, expected = ELEMENTWISE[name]
    np.testing.assert_allclose(getattr(layers, name)()(xs).data, expected(*xs), rtol=1e-6)
    np.testing.assert_allclose(helper(xs).data, expected(*xs), rtol=1e-6)


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_merge_gradients_float64(rng, name):
    xs = [rng.standard_normal((2, 3)) for _ in range(3)]
    layer = getattr(layers, name)(dtype="float64")
    check_grad(lambda a, b, c: layer([a, b, c]), xs)


def test_merges_broadcast_axes_of_size_one(rng):
    a, b = f32(rng, 2, 3, 4), f32(rng, 2, 1, 4)
    layer = layers.Multiply()
    np.testing.assert_allclose(layer([a, b]).data, a * b, rtol=1e-6)
    assert layer.compute_output_shape([(None, 3, 4), (None, 1, 4)]) == (None, 3, 4)


def test_subtract_takes_exactly_two(rng):
    a, b = f32(rng, 2, 3), f32(rng, 2, 3)
    np.testing.assert_allclose(layers.subtract([a, b]).data, a - b)
    with pytest.raises(ValueError, match="A `Subtract` layer should be called on exactly 2 inputs"):
        layers.Subtract()([a, b, a])


def test_merge_needs_a_list():
    with pytest.raises(ValueError, match="A merge layer should be called on a list of inputs"):
        layers.Multiply()(np.zeros((1, 5, 2), np.float32))


@pytest.mark.parametrize("axes, shapes, out", [(1, [(2, 4), (2, 4)], (2, 1)),
                                               ((2, 1), [(2, 3, 4), (2, 4, 5)], (2, 3, 5)),
                                               (1, [(2, 3, 4), (2, 3, 5)], (2, 4, 5)),
                                               (-1, [(2, 3, 4), (2, 5, 4)], (2, 3, 5))])
def test_dot_matches_einsum(rng, axes, shapes, out):
    a, b = (f32(rng, *s) for s in shapes)
    layer = layers.Dot(axes)
    y = layer([a, b])
    pair = (axes, axes) if isinstance(axes, int) else axes
    pair = tuple(p % len(s) for p, s in zip(pair, shapes))
    expected = np.stack([np.tensordot(a[i], b[i], axes=(pair[0] - 1, pair[1] - 1))
                         for i in range(2)]).reshape(out)
    np.testing.assert_allclose(y.data, expected, rtol=1e-5)
    assert y.shape == out == layer.compute_output_shape(shapes)


def test_dot_normalize_gives_cosine_similarity_and_gradients(rng):
    a, b = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    y = layers.dot([a, b], axes=1, normalize=True).data
    cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    np.testing.assert_allclose(y.ravel(), cos, rtol=1e-5)
    layer = layers.Dot(axes=1, normalize=True, dtype="float64")
    check_grad(lambda a, b: layer([a, b]), (a, b))


def test_dot_errors():
    with pytest.raises(ValueError, match="A `Dot` layer should be called on a list of 2 inputs"):
        layers.Dot(1)([np.zeros((1, 5, 2), np.float32)])
    with pytest.raises(ValueError, match=r"Incompatible input shapes: axis values 2 \(at axis 2\) "
                                         r"!= 3 \(at axis 2\)"):
        layers.Dot(2)([np.zeros((1, 5, 2), np.float32), np.zeros((1, 5, 3), np.float32)])


def test_dot_axes_errors():
    with pytest.raises(ValueError, match=r"it should contain two elements. Received: "
                                         r"axes=\(1, 2, 3\)"):
        layers.Dot(axes=(1, 2, 3))
    with pytest.raises(TypeError, match="Invalid type for argument `axes`"):
        layers.Dot(axes="1")


def test_concatenate_needs_matching_shapes_off_the_axis():
    with pytest.raises(ValueError, match="requires inputs with matching shapes except for the "
                                         "concatenation axis"):
        layers.Concatenate()([np.zeros((1, 2), np.float32), np.zeros((2, 3, 3), np.float32)])
    with pytest.raises(ValueError, match="matching shapes"):
        layers.Concatenate(axis=1)([np.zeros((1, 2, 3), np.float32),
                                    np.zeros((1, 2, 4), np.float32)])

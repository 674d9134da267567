"""Flatten, Reshape, padding, cropping, upsampling, Permute, RepeatVector: order, shape
inference, argument forms, errors."""
import numpy as np
import pytest

from chainrule import layers
from chainrule.autodiff import Tensor


def test_flatten_is_row_major_channels_last(rng):
    x = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
    y = layers.Flatten()(x)
    np.testing.assert_array_equal(y.data, x.reshape(2, 60))
    assert y.data[0, 1] == x[0, 0, 0, 1]                      # channels vary fastest


def test_flatten_output_shape():
    layer = layers.Flatten()
    assert layer.compute_output_shape((None, 7, 7, 64)) == (None, 3136)
    assert layer.compute_output_shape((None, None, 3)) == (None, None)
    assert layer(np.zeros((4, 3), dtype=np.float32)).shape == (4, 3)


def test_flatten_passes_gradients_back_in_shape(rng):
    x = Tensor(rng.standard_normal((2, 3, 2)).astype(np.float32), requires_grad=True)
    gy = rng.standard_normal((2, 6)).astype(np.float32)
    layers.Flatten()(x).backward(gy)
    np.testing.assert_array_equal(x.grad, gy.reshape(2, 3, 2))


def test_flatten_rejects_channels_first():
    with pytest.raises(ValueError, match="data_format='channels_first'"):
        layers.Flatten(data_format="channels_first")


@pytest.mark.parametrize("target, expected", [((6, 2), (6, 2)), ((-1, 4), (3, 4)),
                                              ((2, -1, 3), (2, 2, 3)), ((12,), (12,))])
def test_reshape(rng, target, expected):
    x = rng.standard_normal((5, 3, 4)).astype(np.float32)
    layer = layers.Reshape(target)
    y = layer(x)
    assert y.shape == (5, *expected)
    np.testing.assert_array_equal(y.data, x.reshape(5, *expected))
    assert layer.compute_output_shape((None, 3, 4)) == (None, *expected)


def test_reshape_allows_one_unknown_dimension_only():
    with pytest.raises(ValueError, match="at most one unknown dimension"):
        layers.Reshape((-1, -1))


def test_reshape_size_mismatch():
    with pytest.raises(ValueError, match="total size of new array must be unchanged"):
        layers.Reshape((-1, 5)).compute_output_shape((None, 3, 4))


@pytest.mark.parametrize("padding, width", [
    (1, ((1, 1), (1, 1))), ((2, 1), ((2, 2), (1, 1))), (((1, 2), (0, 3)), ((1, 2), (0, 3)))])
def test_zero_padding_forms(rng, padding, width):
    x = rng.standard_normal((2, 3, 4, 2)).astype(np.float32)
    layer = layers.ZeroPadding2D(padding)
    y = layer(x)
    np.testing.assert_array_equal(y.data, np.pad(x, ((0, 0), *width, (0, 0))))
    assert y.shape == layer.compute_output_shape(x.shape)


def test_zero_padding_unknown_sizes_stay_unknown():
    assert layers.ZeroPadding2D(1).compute_output_shape((None, None, 5, 3)) == (None, None, 7, 3)


def test_zero_padding1d_forms(rng):
    x = rng.standard_normal((2, 4, 3)).astype(np.float32)
    y = layers.ZeroPadding1D((1, 2))(x).data
    np.testing.assert_array_equal(y, np.pad(x, ((0, 0), (1, 2), (0, 0))))
    assert layers.ZeroPadding1D(3).padding == (3, 3)
    with pytest.raises(ValueError, match=r"must be a tuple of 2 integers. Received: \(1, 2, 3\)"):
        layers.ZeroPadding1D((1, 2, 3))


@pytest.mark.parametrize("cropping, expected", [(1, ((1, 1), (1, 1))),
                                                ((1, 2), ((1, 1), (2, 2))),
                                                (((0, 1), (2, 0)), ((0, 1), (2, 0)))])
def test_cropping2d_forms(rng, cropping, expected):
    x = Tensor(rng.standard_normal((2, 6, 7, 3)).astype(np.float32), requires_grad=True)
    layer = layers.Cropping2D(cropping)
    assert layer.cropping == expected
    (t, b), (left, r) = expected
    y = layer(x)
    np.testing.assert_array_equal(y.data, x.data[:, t:6 - b, left:7 - r])
    y.backward(np.ones(y.shape, np.float32))
    assert x.grad.sum() == y.size                      # ones go back to the kept pixels only


def test_cropping2d_errors():
    with pytest.raises(ValueError, match="`cropping` should have two elements. Received: a."):
        layers.Cropping2D("a")
    with pytest.raises(ValueError, match="Argument `cropping` must be greater than the input"):
        layers.Cropping2D(((3, 2), (0, 0)))(np.zeros((1, 4, 4, 2), np.float32))


def test_upsampling2d_nearest_and_errors(rng):
    x = rng.standard_normal((1, 2, 3, 2)).astype(np.float32)
    y = layers.UpSampling2D((2, 3))(x)
    np.testing.assert_array_equal(y.data, x.repeat(2, axis=1).repeat(3, axis=2))
    with pytest.raises(ValueError, match="interpolation 'nearest' and 'bilinear'"):
        layers.UpSampling2D(interpolation="bicubic")


def test_permute_and_its_errors(rng):
    x = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
    layer = layers.Permute((3, 1, 2))
    np.testing.assert_array_equal(layer(x).data, x.transpose(0, 3, 1, 2))
    assert layer.compute_output_shape((None, 3, 4, 5)) == (None, 5, 3, 4)
    with pytest.raises(ValueError, match=r"must be consecutive and start from 1. Received "
                                         r"dims=\(1, 3\)"):
        layers.Permute((1, 3))


def test_repeat_vector_and_gradient(rng):
    x = Tensor(rng.standard_normal((2, 4)).astype(np.float32), requires_grad=True)
    y = layers.RepeatVector(3)(x)
    np.testing.assert_array_equal(y.data, np.repeat(x.data[:, None], 3, axis=1))
    gy = rng.standard_normal((2, 3, 4)).astype(np.float32)
    y.backward(gy)
    np.testing.assert_allclose(x.grad, gy.sum(axis=1), rtol=1e-6)
    with pytest.raises(ValueError, match="expected ndim=2, found ndim=3"):
        layers.RepeatVector(3)(np.zeros((1, 5, 2), np.float32))
    with pytest.raises(TypeError, match="Expected an integer value for `n`"):
        layers.RepeatVector(2.0)


@pytest.mark.parametrize("make", [lambda: layers.Cropping2D(1, data_format="channels_first"),
                                  lambda: layers.UpSampling2D(data_format="channels_first"),
                                  lambda: layers.ZeroPadding2D(data_format="channels_first")])
def test_channels_first_is_refused_not_misread(make):
    with pytest.raises(ValueError, match="supports data_format='channels_last' only"):
        make()

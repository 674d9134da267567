"""Pooling layers: Keras' argument rules, output lengths, values against NumPy, errors."""
import numpy as np
import pytest

from chainrule import layers


def blocks(x, p):
    """(n, h, w, c) -> (n, h/p, w/p, c, p*p): the non-overlapping p x p windows."""
    n, h, w, c = x.shape
    return x.reshape(n, h // p, p, w // p, p, c).transpose(0, 1, 3, 5, 2, 4).reshape(
        n, h // p, w // p, c, p * p)


def test_maxpooling2d_2_2_means_pool_2_stride_2():
    layer = layers.MaxPooling2D(2, 2)
    assert layer.pool_size == (2, 2)
    assert layer.strides == (2, 2)


def test_strides_default_to_pool_size():
    assert layers.MaxPooling2D(pool_size=3).strides == (3, 3)
    assert layers.AveragePooling2D((2, 3)).strides == (2, 3)


@pytest.mark.parametrize("cls, reduce", [(layers.MaxPooling2D, np.max),
                                         (layers.AveragePooling2D, np.mean)])
def test_valid_pooling_values(rng, cls, reduce):
    x = rng.standard_normal((2, 6, 4, 3)).astype(np.float32)
    y = cls(2)(x)
    assert y.shape == (2, 3, 2, 3)
    np.testing.assert_allclose(y.data, reduce(blocks(x, 2), axis=-1), rtol=1e-6)


@pytest.mark.parametrize("cls", [layers.MaxPooling2D, layers.AveragePooling2D])
@pytest.mark.parametrize("n, pool, stride", [(5, 2, 2), (7, 3, 2), (6, 2, 1), (4, 3, 3)])
def test_same_padding_gives_ceil_n_over_stride(cls, n, pool, stride):
    layer = cls(pool, stride, padding="same")
    expected = (1, -(-n // stride), -(-n // stride), 2)
    assert layer(np.zeros((1, n, n, 2), dtype=np.float32)).shape == expected
    assert layer.compute_output_shape((None, n, n, 2)) == (None, *expected[1:])


@pytest.mark.parametrize("n, pool, stride, expected", [(7, 2, 2, 3), (6, 3, 1, 4), (5, 5, 1, 1)])
def test_valid_padding_length(n, pool, stride, expected):
    layer = layers.MaxPooling2D(pool, stride)
    assert layer.compute_output_shape((None, n, n, 1)) == (None, expected, expected, 1)


def test_same_average_pooling_ignores_the_padding():
    x = np.arange(9.0, dtype=np.float32).reshape(1, 3, 3, 1)
    y = layers.AveragePooling2D(2, padding="same")(x).data[0, :, :, 0]
    expected = [[(0 + 1 + 3 + 4) / 4, (2 + 5) / 2], [(6 + 7) / 2, 8.0]]
    np.testing.assert_allclose(y, expected)


def test_same_max_pooling_of_negative_values_ignores_the_padding():
    x = -np.arange(1.0, 10.0, dtype=np.float32).reshape(1, 3, 3, 1)
    y = layers.MaxPooling2D(2, padding="same")(x).data[0, :, :, 0]
    np.testing.assert_allclose(y, [[-1.0, -3.0], [-7.0, -9.0]])


@pytest.mark.parametrize("cls, reduce", [(layers.GlobalAveragePooling2D, np.mean),
                                         (layers.GlobalMaxPooling2D, np.max)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_pooling(rng, cls, reduce, keepdims):
    x = rng.standard_normal((2, 4, 5, 3)).astype(np.float32)
    layer = cls(keepdims=keepdims)
    y = layer(x)
    np.testing.assert_allclose(y.data, reduce(x, axis=(1, 2), keepdims=keepdims), rtol=1e-6)
    assert y.shape == layer.compute_output_shape(x.shape)


@pytest.mark.parametrize("cls", [layers.MaxPooling2D, layers.AveragePooling2D,
                                 layers.GlobalAveragePooling2D, layers.GlobalMaxPooling2D])
def test_pooling_has_no_weights_and_wants_4d_input(cls):
    layer = cls()
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=3"):
        layer(np.zeros((4, 4, 2), dtype=np.float32))
    layer(np.zeros((1, 4, 4, 2), dtype=np.float32))
    assert layer.count_params() == 0


@pytest.mark.parametrize("kwargs, argument", [
    ({"pool_size": 0}, "pool_size=0"), ({"strides": (2, 0)}, r"strides=\(2, 0\)"),
    ({"padding": "full"}, "padding='full'"),
    ({"data_format": "channels_first"}, "data_format='channels_first'")])
def test_invalid_arguments_name_the_argument(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        layers.MaxPooling2D(**kwargs)

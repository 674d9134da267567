"""Conv2DTranspose and SeparableConv2D: parameters, shapes, errors, float64 gradients.

Keras' numbers are in test_keras_layers_parity.py.
"""
import numpy as np
import pytest

from chainrule import layers
from chainrule.autodiff import check_grad


def test_conv2d_transpose_kernel_is_kh_kw_filters_in():
    layer = layers.Conv2DTranspose(5, (3, 2))
    layer(np.zeros((1, 4, 4, 3), np.float32))
    assert [w.shape for w in layer.get_weights()] == [(3, 2, 5, 3), (5,)]
    assert layer.count_params() == 3 * 2 * 5 * 3 + 5


@pytest.mark.parametrize("kwargs, size", [
    (dict(kernel_size=3), 6), (dict(kernel_size=3, strides=2), 9),
    (dict(kernel_size=3, strides=2, padding="same"), 8),
    (dict(kernel_size=3, strides=2, padding="same", output_padding=1), 8),
    (dict(kernel_size=2, strides=3), 12), (dict(kernel_size=3, dilation_rate=2), 8)])
def test_conv2d_transpose_output_size(kwargs, size):
    layer = layers.Conv2DTranspose(2, **kwargs)
    y = layer(np.zeros((1, 4, 4, 1), np.float32))
    assert y.shape == (1, size, size, 2) == layer.compute_output_shape((1, 4, 4, 1))


def test_conv2d_transpose_undoes_a_strided_conv2d_shape():
    x = np.zeros((1, 8, 8, 3), np.float32)
    down = layers.Conv2D(4, 3, strides=2, padding="same")(x)
    up = layers.Conv2DTranspose(3, 3, strides=2, padding="same")(down)
    assert up.shape == x.shape


def test_conv2d_transpose_output_padding_must_be_below_strides():
    with pytest.raises(ValueError, match=r"Strides must be greater than output padding. "
                                         r"Received strides=\(2, 2\), output_padding=\(2, 2\)"):
        layers.Conv2DTranspose(2, 3, strides=2, output_padding=2)


@pytest.mark.parametrize("cls", [layers.Conv2DTranspose, layers.SeparableConv2D])
def test_input_gradient_float64(rng, cls):
    layer = cls(2, 3, strides=2, padding="same", dtype="float64")
    x = rng.standard_normal((2, 5, 4, 3))
    layer(x)
    check_grad(lambda t: layer(t), (x,))


def test_separable_conv2d_weights_and_count():
    layer = layers.SeparableConv2D(8, 3, depth_multiplier=2)
    layer(np.zeros((1, 6, 6, 3), np.float32))
    assert [w.name for w in layer.weights] == ["separable_conv2d/depthwise_kernel:0",
                                               "separable_conv2d/pointwise_kernel:0",
                                               "separable_conv2d/bias:0"]
    assert [w.shape for w in layer.get_weights()] == [(3, 3, 3, 2), (1, 1, 6, 8), (8,)]
    assert layer.count_params() == 3 * 3 * 3 * 2 + 6 * 8 + 8


def test_separable_conv2d_is_depthwise_then_pointwise(rng):
    x = rng.standard_normal((2, 6, 6, 3)).astype(np.float32)
    sep = layers.SeparableConv2D(4, 3, padding="same", use_bias=False)
    sep(x)
    depth = layers.DepthwiseConv2D(3, padding="same", use_bias=False)
    point = layers.Conv2D(4, 1, use_bias=False)
    point(depth(x))
    depth.set_weights([sep.get_weights()[0]])
    point.set_weights([sep.get_weights()[1]])
    np.testing.assert_allclose(sep(x).data, point(depth(x)).data, rtol=1e-5, atol=1e-6)


def test_separable_conv2d_rejects_bad_depth_multiplier():
    with pytest.raises(ValueError, match="Invalid value for argument `depth_multiplier`"):
        layers.SeparableConv2D(2, 3, depth_multiplier=0)

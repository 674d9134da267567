"""Conv2D: Keras' parameter count, weight names and layout, output shapes, errors, gradients."""
import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from chainrule import layers
from chainrule.autodiff import check_grad


def built_conv(*args, input_shape=(1, 6, 6, 3), **kwargs):
    layer = layers.Conv2D(*args, **kwargs)
    layer(np.zeros(input_shape, dtype=np.float32))
    return layer


def test_count_params_is_kh_kw_in_plus_one_times_filters():
    layer = built_conv(64, (3, 3), input_shape=(1, 32, 32, 3))
    assert layer.count_params() == 64 * (3 * 3 * 3 + 1) == 1792


def test_count_params_without_bias():
    layer = built_conv(8, (5, 3), use_bias=False, input_shape=(1, 9, 9, 2))
    assert layer.count_params() == 5 * 3 * 2 * 8


def test_weight_names_and_hwio_layout():
    layer = built_conv(4, (3, 2))
    assert [w.name for w in layer.weights] == ["conv2d/kernel:0", "conv2d/bias:0"]
    assert [w.shape for w in layer.get_weights()] == [(3, 2, 3, 4), (4,)]


@pytest.mark.parametrize("padding, expected", [("same", (2, 6, 6, 8)), ("valid", (2, 4, 4, 8)),
                                               ("SAME", (2, 6, 6, 8))])
def test_same_keeps_size_and_valid_shrinks(rng, padding, expected):
    layer = layers.Conv2D(8, 3, padding=padding)
    assert layer(rng.standard_normal((2, 6, 6, 3)).astype(np.float32)).shape == expected


@pytest.mark.parametrize("kwargs, in_hw, out_hw", [
    ({"strides": 2}, (7, 7), (3, 3)),                       # floor((7 - 3) / 2) + 1
    ({"strides": 2, "padding": "same"}, (7, 7), (4, 4)),    # ceil(7 / 2)
    ({"strides": (1, 2)}, (6, 7), (4, 3)),
    ({"dilation_rate": 2}, (7, 7), (3, 3)),                 # effective kernel 5
    ({"dilation_rate": 2, "padding": "same"}, (7, 5), (7, 5)),
])
def test_output_length_formula(kwargs, in_hw, out_hw):
    layer = layers.Conv2D(2, 3, **kwargs)
    assert layer.compute_output_shape((None, *in_hw, 3)) == (None, *out_hw, 2)
    assert layer(np.zeros((1, *in_hw, 3), dtype=np.float32)).shape == (1, *out_hw, 2)


def test_set_weights_takes_keras_hwio_kernels(rng):
    layer = built_conv(4, 3, activation="relu")
    x = rng.standard_normal((2, 6, 6, 3)).astype(np.float32)
    kernel = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)
    bias = rng.standard_normal(4).astype(np.float32)
    layer.set_weights([kernel, bias])
    patches = sliding_window_view(x, (3, 3), axis=(1, 2))          # (n, 4, 4, c, kh, kw)
    expected = np.einsum("nijcab,abco->nijo", patches, kernel) + bias
    np.testing.assert_allclose(layer(x).data, np.maximum(expected, 0), rtol=1e-5, atol=1e-5)


def test_gradients_float64_for_input_kernel_and_bias(rng):
    layer = layers.Conv2D(3, 3, strides=2, padding="same", activation="tanh", dtype="float64")
    x = rng.standard_normal((2, 5, 5, 2))
    layer(x)

    def run(x, kernel, bias):
        layer.kernel, layer.bias = kernel, bias        # let check_grad perturb the weights
        return layer(x, training=True)

    check_grad(run, (x, *layer.get_weights()))


def test_wrong_channel_count_after_build():
    layer = built_conv(4, 3)
    with pytest.raises(ValueError, match=r'layer "conv2d".*expected axis -1 of input shape to '
                                         r'have value 3.*\(1, 6, 6, 2\)'):
        layer(np.zeros((1, 6, 6, 2), dtype=np.float32))


def test_wrong_rank():
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=3"):
        layers.Conv2D(4, 3)(np.zeros((6, 6, 3), dtype=np.float32))


def test_input_too_small_for_the_kernel():
    with pytest.raises(ValueError, match=r"too small for kernel_size=\(5, 5\)"):
        layers.Conv2D(2, 5)(np.zeros((1, 4, 4, 1), dtype=np.float32))


@pytest.mark.parametrize("kwargs, argument", [
    ({"padding": "full"}, "padding='full'"),
    ({"filters": 0}, "filters=0"),
    ({"filters": 2.5}, "filters=2.5"),
    ({"kernel_size": 0}, "kernel_size=0"),
    ({"kernel_size": (3, 3, 3)}, r"kernel_size=\(3, 3, 3\)"),
    ({"strides": (1, 0)}, r"strides=\(1, 0\)"),
    ({"dilation_rate": -1}, "dilation_rate=-1"),
    ({"data_format": "channels_first"}, "data_format='channels_first'"),
    ({"groups": 2}, "groups=2"),
    ({"activation": "nope"}, "Unknown activation function: 'nope'"),
])
def test_invalid_arguments_name_the_argument(kwargs, argument):
    args = {"filters": 4, "kernel_size": 3, **kwargs}
    with pytest.raises(ValueError, match=argument):
        layers.Conv2D(**args)


def test_config_keys_follow_keras():
    config = layers.Conv2D(8, 3, strides=2, padding="same", activation="relu").get_config()
    assert config["kernel_size"] == (3, 3)
    assert config["strides"] == (2, 2)
    assert config["padding"] == "same"
    assert config["activation"] == "relu"
    assert config["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert config["bias_initializer"]["class_name"] == "Zeros"

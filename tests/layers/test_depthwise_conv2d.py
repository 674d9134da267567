"""DepthwiseConv2D: tf.keras outputs and configs, weight names and counts, output lengths,
errors, gradients, and a model that trains."""
import json
from pathlib import Path

import numpy as np
import pytest

from chainrule import layers
from chainrule.autodiff import check_grad
from chainrule.models import Sequential

REFERENCE = Path(__file__).parents[1] / "fixtures" / "keras_resnet_mobilenet_reference.npz"


@pytest.fixture(scope="module")
def keras_ref():
    with np.load(REFERENCE) as f:
        return {k: f[k] for k in f.files if k.startswith("depthwise/")}


@pytest.mark.parametrize("case", ["same_s2_m2", "valid_d2_relu", "k53_same_s3_m3_nobias"])
def test_outputs_and_config_match_keras(keras_ref, case):
    """Keras' layer built from its own config, with Keras' weights, gives Keras' outputs."""
    want_config = json.loads(str(keras_ref[f"depthwise/{case}/config"]))
    layer = layers.DepthwiseConv2D.from_config(want_config)
    x = keras_ref[f"depthwise/{case}/x"]
    layer(x)
    weights = [keras_ref[f"depthwise/{case}/w/{i}"] for i in range(len(layer.weights))]
    layer.set_weights(weights)
    np.testing.assert_allclose(layer(x).numpy(), keras_ref[f"depthwise/{case}/y"], rtol=1e-5,
                               atol=1e-5)
    got_config = json.loads(json.dumps(layer.get_config()))
    assert got_config == want_config


def test_weight_names_shapes_and_count():
    layer = layers.DepthwiseConv2D((3, 2), depth_multiplier=4)
    layer(np.zeros((1, 5, 5, 3), dtype=np.float32))
    assert [w.name for w in layer.weights] == ["depthwise_conv2d/depthwise_kernel:0",
                                               "depthwise_conv2d/bias:0"]
    assert [w.shape for w in layer.get_weights()] == [(3, 2, 3, 4), (12,)]
    assert layer.count_params() == 3 * 2 * 3 * 4 + 12
    no_bias = layers.DepthwiseConv2D(3, use_bias=False)
    no_bias(np.zeros((1, 5, 5, 8), dtype=np.float32))
    assert no_bias.count_params() == 3 * 3 * 8 and no_bias.bias is None


def test_default_initializers_are_keras():
    layer = layers.DepthwiseConv2D(3, depth_multiplier=2)
    layer(np.zeros((1, 5, 5, 16), dtype=np.float32))
    config = layer.get_config()
    assert config["depthwise_initializer"]["class_name"] == "GlorotUniform"
    assert config["bias_initializer"]["class_name"] == "Zeros"
    limit = np.sqrt(6.0 / (9 * 16 + 9 * 2))       # fans: kh*kw*in and kh*kw*depth_multiplier
    kernel = layer.depthwise_kernel.numpy()
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.8 * limit


@pytest.mark.parametrize("kwargs, in_hw, out_hw", [
    ({"strides": 2}, (7, 7), (3, 3)),                       # floor((7 - 3) / 2) + 1
    ({"strides": 2, "padding": "same"}, (7, 8), (4, 4)),    # ceil(n / 2)
    ({"strides": (1, 2)}, (6, 7), (4, 3)),
    ({"dilation_rate": 2}, (7, 7), (3, 3)),                 # effective kernel 5
    ({"dilation_rate": 2, "padding": "same"}, (7, 5), (7, 5)),
])
def test_output_length_formula(kwargs, in_hw, out_hw):
    layer = layers.DepthwiseConv2D(3, depth_multiplier=2, **kwargs)
    assert layer.compute_output_shape((None, *in_hw, 3)) == (None, *out_hw, 6)
    assert layer(np.zeros((1, *in_hw, 3), dtype=np.float32)).shape == (1, *out_hw, 6)


def test_gradients_float64_for_input_kernel_and_bias(rng):
    layer = layers.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2,
                                   activation="tanh", dtype="float64")
    x = rng.standard_normal((2, 5, 5, 2))
    layer(x)

    def run(x, kernel, bias):
        layer.depthwise_kernel, layer.bias = kernel, bias    # let check_grad perturb them
        return layer(x, training=True)

    check_grad(run, (x, *layer.get_weights()))


@pytest.mark.parametrize("kwargs, argument", [
    ({"padding": "full"}, "padding='full'"),
    ({"kernel_size": 0}, "kernel_size=0"),
    ({"strides": (1, 0)}, r"strides=\(1, 0\)"),
    ({"depth_multiplier": 0}, "depth_multiplier=0"),
    ({"depth_multiplier": 1.5}, "depth_multiplier=1.5"),
    ({"data_format": "channels_first"}, "data_format='channels_first'"),
    ({"groups": 2}, "groups=2"),
])
def test_invalid_arguments_name_the_argument(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        layers.DepthwiseConv2D(**{"kernel_size": 3, **kwargs})


def test_shape_errors():
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=3"):
        layers.DepthwiseConv2D(3)(np.zeros((6, 6, 3), dtype=np.float32))
    with pytest.raises(ValueError, match=r"too small for kernel_size=\(5, 5\)"):
        layers.DepthwiseConv2D(5)(np.zeros((1, 4, 4, 1), dtype=np.float32))
    with pytest.raises(ValueError, match="channel dimension of the inputs"):
        layers.DepthwiseConv2D(3)(layers.Input((None, None, None)))


def test_a_depthwise_separable_model_trains(rng):
    model = Sequential([layers.DepthwiseConv2D(3, padding="same", input_shape=(6, 6, 2)),
                        layers.Conv2D(4, 1, activation="relu"), layers.Flatten(),
                        layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = rng.standard_normal((16, 6, 6, 2)).astype(np.float32)
    y = (x[..., 0].mean(axis=(1, 2)) > 0).astype(int)
    first = model.train_on_batch(x, y)
    for _ in range(30):
        last = model.train_on_batch(x, y)
    assert last < first
    assert model.count_params() == (9 * 2 + 2) + (2 * 4 + 4) + (144 * 2 + 2)

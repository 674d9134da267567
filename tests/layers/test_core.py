"""Core layers: Input/InputLayer, Dense, Activation, ReLU, Softmax, Dropout, Rescaling."""
import json

import numpy as np
import pytest

from chainrule import layers
from chainrule.autodiff import Tensor, check_grad


def f32(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


# --- Input / InputLayer --------------------------------------------------------------------

def test_input_returns_a_symbolic_tensor_with_a_none_batch_axis():
    x = layers.Input((28, 28, 1))
    assert x.shape == (None, 28, 28, 1)
    assert isinstance(x.layer, layers.InputLayer)
    assert x.dtype == "float32"


def test_input_batch_size_and_batch_shape():
    assert layers.Input((3,), batch_size=8).shape == (8, 3)
    assert layers.Input(batch_shape=(4, 5)).shape == (4, 5)


def test_input_layer_passes_values_through(rng):
    x = f32(rng, 2, 5)
    np.testing.assert_array_equal(layers.InputLayer(input_shape=(5,))(x).data, x)


def test_input_layer_needs_a_shape():
    with pytest.raises(ValueError, match="input_shape"):
        layers.InputLayer()


# --- Dense ---------------------------------------------------------------------------------

@pytest.mark.parametrize("units, input_dim, use_bias, expected", [
    (4, 5, True, (5 + 1) * 4), (10, 784, True, 7850), (3, 7, False, 21)])
def test_dense_count_params_follows_keras(units, input_dim, use_bias, expected):
    layer = layers.Dense(units, use_bias=use_bias)
    layer(np.zeros((1, input_dim), dtype=np.float32))
    assert layer.count_params() == expected
    assert len(layer.trainable_weights) == (2 if use_bias else 1)


def test_dense_weight_names_and_keras_layout():
    layer = layers.Dense(4)
    layer(np.zeros((2, 3), dtype=np.float32))
    assert [w.name for w in layer.weights] == ["dense/kernel:0", "dense/bias:0"]
    assert [w.shape for w in layer.get_weights()] == [(3, 4), (4,)]


def test_dense_computes_activation_of_x_kernel_plus_bias(rng):
    layer = layers.Dense(4, activation="relu")
    x = f32(rng, 6, 3)
    layer(x)
    kernel, bias = f32(rng, 3, 4), f32(rng, 4)
    layer.set_weights([kernel, bias])
    expected = np.maximum(x @ kernel + bias, 0.0)
    np.testing.assert_allclose(layer(x).data, expected, rtol=1e-5, atol=1e-6)


def test_dense_applies_to_the_last_axis_of_3d_input(rng):
    layer = layers.Dense(2)
    x = f32(rng, 2, 5, 3)
    y = layer(x)
    assert y.shape == (2, 5, 2)
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(y.data, x @ kernel + bias, rtol=1e-5, atol=1e-6)


def test_dense_zero_bias_and_glorot_kernel_by_default():
    layer = layers.Dense(50)
    layer(np.zeros((1, 30), dtype=np.float32))
    kernel, bias = layer.get_weights()
    limit = np.sqrt(6.0 / (30 + 50))
    assert np.abs(kernel).max() <= limit
    np.testing.assert_array_equal(bias, 0.0)


def test_dense_gradients_float64_for_input_kernel_and_bias(rng):
    layer = layers.Dense(3, activation="tanh", dtype="float64")
    x = rng.standard_normal((4, 5))
    layer(x)

    def run(x, kernel, bias):
        layer.kernel, layer.bias = kernel, bias        # let check_grad perturb the weights
        return layer(x, training=True)

    check_grad(run, (x, *layer.get_weights()))


@pytest.mark.parametrize("units", [0, -3, 2.5, True, "4", None])
def test_dense_rejects_bad_units(units):
    with pytest.raises(ValueError, match=rf"units={units!r}"):
        layers.Dense(units=units)


def test_dense_wrong_input_width_after_build(rng):
    layer = layers.Dense(2)
    layer(f32(rng, 1, 3))
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 3"):
        layer(f32(rng, 1, 4))


def test_dense_needs_a_known_last_dimension():
    with pytest.raises(ValueError, match="last dimension of the inputs to a Dense layer"):
        layers.Dense(2)(layers.Input((None,)))


# --- Activation, ReLU, Softmax, Rescaling ------------------------------------------------

@pytest.mark.parametrize("name, formula", [
    ("relu", lambda x: np.maximum(x, 0)), ("tanh", np.tanh),
    ("sigmoid", lambda x: 1 / (1 + np.exp(-x))), ("linear", lambda x: x)])
def test_activation_layer_applies_the_named_function(rng, name, formula):
    x = f32(rng, 3, 4)
    np.testing.assert_allclose(layers.Activation(name)(x).data, formula(x), rtol=1e-6)


def test_activation_layer_rejects_unknown_names():
    with pytest.raises(ValueError, match="Unknown activation function: 'relu6'"):
        layers.Activation("relu6")


@pytest.mark.parametrize("kwargs, formula", [
    ({}, lambda x: np.maximum(x, 0)),
    ({"max_value": 1.0}, lambda x: np.clip(x, 0, 1.0)),
    ({"negative_slope": 0.1}, lambda x: np.where(x > 0, x, 0.1 * x)),
    ({"negative_slope": 0.1, "max_value": 1.0}, lambda x: np.minimum(np.where(x > 0, x, 0.1 * x),
                                                                      1.0))])
def test_relu_layer(rng, kwargs, formula):
    x = 2 * f32(rng, 4, 5)
    np.testing.assert_allclose(layers.ReLU(**kwargs)(x).data, formula(x), rtol=1e-6)


def test_relu_layer_rejects_a_threshold():
    with pytest.raises(ValueError, match="threshold=0.5"):
        layers.ReLU(threshold=0.5)


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_layer(rng, axis):
    x = f32(rng, 3, 4)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    np.testing.assert_allclose(layers.Softmax(axis=axis)(x).data,
                               e / e.sum(axis=axis, keepdims=True), rtol=1e-6)


def test_rescaling(rng):
    x = rng.uniform(0, 255, (2, 3)).astype(np.float32)
    np.testing.assert_allclose(layers.Rescaling(1 / 127.5, offset=-1)(x).data, x / 127.5 - 1,
                               rtol=1e-6)


# --- Dropout -------------------------------------------------------------------------------

def test_dropout_is_the_identity_at_inference(rng):
    x = f32(rng, 4, 5)
    np.testing.assert_array_equal(layers.Dropout(0.5)(x).data, x)
    np.testing.assert_array_equal(layers.Dropout(0.5)(x, training=False).data, x)


def test_dropout_training_keeps_one_minus_rate_scaled():
    x = np.ones((100, 1000), dtype=np.float32)
    y = layers.Dropout(0.25, seed=5)(x, training=True).data
    kept = y != 0
    assert kept.mean() == pytest.approx(0.75, abs=0.01)
    np.testing.assert_allclose(y[kept], 1 / 0.75, rtol=1e-6)


def test_dropout_seed_makes_masks_repeatable():
    x = np.ones((20, 20), dtype=np.float32)
    a = layers.Dropout(0.5, seed=9)(x, training=True).data
    b = layers.Dropout(0.5, seed=9)(x, training=True).data
    np.testing.assert_array_equal(a, b)


def test_dropout_noise_shape_with_none_uses_the_input_size():
    x = np.ones((64, 8), dtype=np.float32)
    y = layers.Dropout(0.5, noise_shape=(None, 1), seed=2)(x, training=True).data
    assert all(len(set(row)) == 1 for row in y)                  # one draw per sample
    assert 0 < (y[:, 0] == 0).sum() < 64


def test_dropout_rate_one_drops_everything_without_dividing_by_zero():
    y = layers.Dropout(1.0, seed=0)(np.ones((3, 4), dtype=np.float32), training=True).data
    np.testing.assert_array_equal(y, 0.0)


@pytest.mark.parametrize("rate", [2, -0.5, "0.5"])
def test_dropout_rejects_bad_rates(rate):
    with pytest.raises(ValueError, match=rf"argument `rate`.*Received: rate={rate!r}"):
        layers.Dropout(rate=rate)


def test_dropout_state_round_trip_repeats_the_masks():
    x = np.ones((6, 8), dtype=np.float32)
    layer = layers.Dropout(0.5, seed=3)
    assert layer.get_state() == {"rng": None}              # no Generator before training
    layer(x, training=True)
    state = json.loads(json.dumps(layer.get_state()))       # JSON-ready, as run directories keep it
    expected = [layer(x, training=True).data for _ in range(2)]
    other = layers.Dropout(0.5)                             # unseeded: only the state decides
    other.set_state(state)
    for want in expected:
        np.testing.assert_array_equal(other(x, training=True).data, want)
    other.set_state({"rng": None})
    assert other.get_state() == {"rng": None}
    with pytest.raises(ValueError, match="expects the dict get_state"):
        other.set_state({"seed": 1})


def test_dropout_gradient_is_zero_where_dropped():
    x = Tensor(np.ones((10, 10), dtype=np.float32), requires_grad=True)
    y = layers.Dropout(0.5, seed=4)(x, training=True)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, y.data)

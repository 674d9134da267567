"""Activations by Keras name: formulas, lookup, serialization, remembered logits."""
import math

import numpy as np
import pytest

from chainrule import activations
from chainrule.autodiff import Tensor, check_grad

SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805

FORMULAS = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0),
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "softmax": lambda x: np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True),
    "tanh": np.tanh,
    "elu": lambda x: np.where(x > 0, x, np.exp(x) - 1),
    "selu": lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * (np.exp(x) - 1)),
    "softplus": lambda x: np.log1p(np.exp(x)),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    "log_softmax": lambda x: x - np.log(np.exp(x).sum(axis=-1, keepdims=True)),
    "swish": lambda x: x / (1 + np.exp(-x)),
    "silu": lambda x: x / (1 + np.exp(-x)),
    "gelu": lambda x: x * 0.5 * (1 + np.vectorize(math.erf)(x / np.sqrt(2))),
    "softsign": lambda x: x / (1 + np.abs(x)),
    "hard_sigmoid": lambda x: np.clip(0.2 * x + 0.5, 0, 1),
    "exponential": np.exp,
}


def away_from_zero(rng, shape):
    return rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_formula(rng, name):
    x = away_from_zero(rng, (3, 4))
    np.testing.assert_allclose(activations.get(name)(Tensor(x)).data, FORMULAS[name](x),
                               rtol=1e-10)


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_gradient(rng, name):
    fn = activations.get(name)
    check_grad(fn, (away_from_zero(rng, (3, 4)),))


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_float32_preserved(rng, name):
    x = Tensor(rng.standard_normal((2, 3)).astype(np.float32))
    assert activations.get(name)(x).dtype == np.float32


@pytest.mark.parametrize("name", sorted(set(FORMULAS) - {"silu"}))
def test_serialize_gives_the_keras_name_back(name):
    assert activations.serialize(activations.get(name)) == name


def test_silu_is_swish():
    assert activations.get("silu") is activations.swish


def test_none_is_linear_and_callables_pass_through():
    assert activations.get(None) is activations.linear
    assert activations.serialize(activations.get(None)) == "linear"

    def custom(x):
        return x

    assert activations.get(custom) is custom


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"Unknown activation function: 'foo'.*'relu'"):
        activations.get("foo")


def test_non_callable_identifier():
    with pytest.raises(TypeError, match="Could not interpret activation function identifier: 3"):
        activations.get(3)


@pytest.mark.parametrize("name", ["softmax", "sigmoid"])
def test_softmax_and_sigmoid_remember_their_logits(rng, name):
    x = Tensor(rng.standard_normal((2, 3)))
    y = activations.get(name)(x)
    assert y._keras_logits is x
    assert y._keras_activation == name


def test_softmax_axis(rng):
    x = rng.standard_normal((3, 4))
    y = activations.softmax(Tensor(x), axis=0).data
    np.testing.assert_allclose(y.sum(axis=0), 1.0)


def test_gelu_approximate_is_the_tanh_form(rng):
    x = rng.standard_normal((3, 4))
    expected = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
    np.testing.assert_allclose(activations.gelu(Tensor(x), approximate=True).data, expected,
                               rtol=1e-12)
    check_grad(lambda t: activations.gelu(t, approximate=True), (x,))


def test_hard_sigmoid_saturates_with_zero_gradient():
    x = Tensor(np.array([-4.0, 4.0, 0.0]), requires_grad=True)
    y = activations.get("hard_sigmoid")(x)
    y.backward(np.ones(3))
    np.testing.assert_array_equal(y.data, [0.0, 1.0, 0.5])
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.2])

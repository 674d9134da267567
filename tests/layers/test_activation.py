"""LeakyReLU, ELU, PReLU layers: formulas, Keras' errors, float64 gradients."""
import numpy as np
import pytest

from chainrule import layers
from chainrule.autodiff import check_grad


def away_from_zero(rng, shape):
    return rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


def test_leaky_relu_default_slope_is_keras_0_3(rng):
    x = away_from_zero(rng, (3, 4)).astype(np.float32)
    layer = layers.LeakyReLU()
    np.testing.assert_allclose(layer(x).data, np.where(x > 0, x, 0.3 * x), rtol=1e-6)
    assert layer.get_config()["alpha"] == pytest.approx(0.30000001192092896, rel=1e-12)


@pytest.mark.parametrize("cls, message", [
    (layers.LeakyReLU, "The alpha value of a Leaky ReLU layer cannot be None"),
    (layers.ELU, "Alpha of an ELU layer cannot be None")])
def test_alpha_none_is_refused(cls, message):
    with pytest.raises(ValueError, match=message):
        cls(alpha=None)


def test_elu(rng):
    x = away_from_zero(rng, (3, 4)).astype(np.float32)
    np.testing.assert_allclose(layers.ELU(0.5)(x).data, np.where(x > 0, x, 0.5 * np.expm1(x)),
                               rtol=1e-6)


def test_prelu_starts_as_relu_and_learns_one_slope_per_unshared_value(rng):
    layer = layers.PReLU(shared_axes=[1, 2])
    x = away_from_zero(rng, (2, 4, 5, 3)).astype(np.float32)
    np.testing.assert_allclose(layer(x).data, np.maximum(x, 0))
    assert layer.weights[0].name == "p_re_lu/alpha:0"
    assert layer.get_weights()[0].shape == (1, 1, 3)


def test_prelu_gradients_float64(rng):
    layer = layers.PReLU(dtype="float64")
    x = away_from_zero(rng, (2, 3, 4))
    layer(x)
    layer.set_weights([rng.standard_normal((3, 4))])
    check_grad(lambda t: layer(t), (x,))


def test_prelu_shared_axis_out_of_range():
    with pytest.raises(ValueError, match="shared axis 3 is out of range"):
        layers.PReLU(shared_axes=3)(np.zeros((1, 2, 2), np.float32))

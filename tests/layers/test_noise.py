"""Noise layers: identity at inference, the right statistics while training, seeded."""
import numpy as np
import pytest

from chainrule import layers
from chainrule.autodiff import Tensor

NOISY = [lambda: layers.GaussianNoise(0.5, seed=3), lambda: layers.GaussianDropout(0.3, seed=3),
         lambda: layers.AlphaDropout(0.3, seed=3), lambda: layers.SpatialDropout2D(0.3, seed=3)]


@pytest.mark.parametrize("make", NOISY)
def test_identity_at_inference_and_noisy_in_training(rng, make):
    x = rng.standard_normal((4, 6, 6, 8)).astype(np.float32)
    layer = make()
    np.testing.assert_array_equal(layer(x).data, x)
    assert not np.allclose(layer(x, training=True).data, x)


@pytest.mark.parametrize("make", NOISY)
def test_same_seed_same_noise(rng, make):
    x = rng.standard_normal((4, 6, 6, 8)).astype(np.float32)
    np.testing.assert_array_equal(make()(x, training=True).data, make()(x, training=True).data)


def test_gaussian_noise_statistics():
    x = np.zeros((200, 100), np.float32)
    y = layers.GaussianNoise(0.5, seed=1)(x, training=True).data
    assert abs(y.mean()) < 0.01 and abs(y.std() - 0.5) < 0.01


def test_gaussian_dropout_keeps_the_mean_with_variance_rate_over_keep():
    x = np.ones((200, 100), np.float32)
    y = layers.GaussianDropout(0.2, seed=1)(x, training=True).data
    assert abs(y.mean() - 1) < 0.01 and abs(y.var() - 0.2 / 0.8) < 0.01


def test_alpha_dropout_keeps_zero_mean_unit_variance():
    x = np.random.default_rng(0).standard_normal((400, 250)).astype(np.float32)
    y = layers.AlphaDropout(0.2, seed=1)(x, training=True).data
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02


def test_spatial_dropout_drops_whole_channels():
    x = np.ones((3, 5, 5, 16), np.float32)
    y = layers.SpatialDropout2D(0.5, seed=2)(x, training=True).data
    per_map = y.reshape(3, 25, 16)
    assert np.all(per_map.min(axis=1) == per_map.max(axis=1))      # one value per map
    assert set(np.unique(y)) <= {0.0, 2.0} and (y == 0).any() and (y == 2).any()


def test_spatial_dropout_wants_images():
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=3"):
        layers.SpatialDropout2D(0.2)(np.zeros((1, 5, 2), np.float32))


def test_gaussian_noise_gradient_is_the_identity(rng):
    x = Tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    gy = rng.standard_normal((3, 4)).astype(np.float32)
    layers.GaussianNoise(1.0, seed=0)(x, training=True).backward(gy)
    np.testing.assert_array_equal(x.grad, gy)

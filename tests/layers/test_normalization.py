"""BatchNormalization and LayerNormalization: weights, training vs inference, moving averages
frozen layers, gradients."""
from pathlib import Path

import numpy as np
import pytest

from chainrule import layers
from chainrule.autodiff import check_grad

FIXTURE = Path(__file__).parents[1] / "fixtures" / "keras_reference.npz"


def built_bn(shape, **kwargs):
    layer = layers.BatchNormalization(**kwargs)
    layer.maybe_build(shape)
    return layer


def test_four_weights_per_channel_two_of_them_non_trainable():
    layer = built_bn((None, 8, 8, 16))
    assert layer.count_params() == 4 * 16
    assert [w.name for w in layer.weights] == [
        "batch_normalization/gamma:0", "batch_normalization/beta:0",
        "batch_normalization/moving_mean:0", "batch_normalization/moving_variance:0"]
    assert [w.name.split("/")[1] for w in layer.non_trainable_weights] == [
        "moving_mean:0", "moving_variance:0"]
    assert sum(w.size for w in layer.non_trainable_weights) == 2 * 16


@pytest.mark.parametrize("center, scale, count", [(False, True, 3), (True, False, 3),
                                                  (False, False, 2)])
def test_center_and_scale_drop_beta_and_gamma(center, scale, count):
    assert built_bn((None, 5), center=center, scale=scale).count_params() == count * 5


def test_initial_values():
    gamma, beta, mean, var = built_bn((None, 3)).get_weights()
    np.testing.assert_array_equal(np.stack([gamma, beta, mean, var]),
                                  [[1, 1, 1], [0, 0, 0], [0, 0, 0], [1, 1, 1]])


def test_training_uses_batch_statistics(rng):
    x = (3.0 * rng.standard_normal((32, 4)) + 5.0).astype(np.float32)
    y = layers.BatchNormalization(epsilon=1e-3)(x, training=True).data
    expected = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-3)
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)


def test_inference_uses_moving_statistics(rng):
    layer = built_bn((None, 3))
    gamma, beta = np.array([1.0, 2.0, 0.5]), np.array([0.0, -1.0, 3.0])
    mean, var = np.array([0.5, -1.0, 2.0]), np.array([4.0, 0.25, 1.0])
    layer.set_weights([gamma, beta, mean, var])
    x = rng.standard_normal((6, 3)).astype(np.float32)
    expected = gamma * (x - mean) / np.sqrt(var + 1e-3) + beta
    np.testing.assert_allclose(layer(x).data, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(layer.get_weights()[2], mean.astype(np.float32))   # unchanged


def test_2d_training_step_matches_keras():
    """tf.keras 2.12: one training call on (5, 3); the moving variance uses the biased var."""
    ref = np.load(FIXTURE)
    x = ref["bn_forward/x"]
    layer = built_bn(x.shape)
    layer.set_weights([ref[f"bn_forward/w0/{i}"] for i in range(4)])
    y = layer(x, training=True).data
    np.testing.assert_allclose(y, ref["bn_forward/y_train"], rtol=1e-5, atol=1e-5)
    for got, i in zip(layer.get_weights(), range(4)):
        np.testing.assert_allclose(got, ref[f"bn_forward/w1/{i}"], rtol=1e-6)
    np.testing.assert_allclose(layer(x).data, ref["bn_forward/y_infer"], rtol=1e-5, atol=1e-5)


def test_2d_moving_average_uses_the_biased_variance(rng):
    x = rng.standard_normal((5, 3)).astype(np.float32)
    layer = layers.BatchNormalization(momentum=0.9)
    layer(x, training=True)
    _, _, mean, var = layer.get_weights()
    np.testing.assert_allclose(mean, 0.9 * 0 + 0.1 * x.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(var, 0.9 * 1 + 0.1 * x.var(axis=0, ddof=0), rtol=1e-5)


def test_4d_moving_average_uses_the_unbiased_variance(rng):
    """tf.keras' fused kernel (4-D input) updates with n / (n - 1) times the batch variance."""
    x = rng.standard_normal((2, 3, 3, 4)).astype(np.float32)
    layer = layers.BatchNormalization(momentum=0.9)
    layer(x, training=True)
    _, _, mean, var = layer.get_weights()
    np.testing.assert_allclose(mean, 0.1 * x.mean(axis=(0, 1, 2)), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(var, 0.9 + 0.1 * x.var(axis=(0, 1, 2), ddof=1), rtol=1e-5)


def test_moving_averages_converge_over_many_steps(rng):
    x = (2.0 * rng.standard_normal((64, 2)) + 3.0).astype(np.float32)
    layer = layers.BatchNormalization(momentum=0.5)
    for _ in range(40):
        layer(x, training=True)
    _, _, mean, var = layer.get_weights()
    np.testing.assert_allclose(mean, x.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(var, x.var(axis=0), rtol=1e-5)


def test_frozen_layer_runs_in_inference_mode(rng):
    x = (rng.standard_normal((8, 3)) + 4.0).astype(np.float32)
    layer = built_bn(x.shape)
    layer.trainable = False
    y = layer(x, training=True).data
    np.testing.assert_allclose(y, x / np.sqrt(1 + 1e-3), rtol=1e-6)        # moving mean 0, var 1
    np.testing.assert_array_equal(layer.get_weights()[2], 0.0)
    assert layer.trainable_weights == []


def test_trainable_again_keeps_moving_statistics_non_trainable():
    layer = built_bn((None, 3))
    layer.trainable = False
    layer.trainable = True
    assert len(layer.trainable_weights) == 2
    assert len(layer.non_trainable_weights) == 2


@pytest.mark.parametrize("shape", [(6, 3), (2, 3, 3, 2)])
def test_training_gradients_for_input_gamma_beta_float64(rng, shape):
    layer = built_bn(shape, dtype="float64")
    x = 2.0 * rng.standard_normal(shape) + 1.0
    gamma, beta = rng.uniform(0.5, 2.0, shape[-1]), rng.standard_normal(shape[-1])

    def run(x, gamma, beta):
        layer.gamma, layer.beta = gamma, beta          # let check_grad perturb the weights
        return layer(x, training=True)

    check_grad(run, (x, gamma, beta))


def test_inference_gradient_float64(rng):
    layer = built_bn((None, 3), dtype="float64")
    layer.set_weights([np.ones(3), np.zeros(3), np.array([0.5, 0.0, -1.0]), np.full(3, 2.0)])
    check_grad(lambda x: layer(x), (rng.standard_normal((4, 3)),))


def test_only_the_last_axis_is_supported():
    with pytest.raises(ValueError, match="supports the last axis only"):
        layers.BatchNormalization(axis=1)(np.zeros((2, 3, 4), dtype=np.float32))


def test_wrong_channel_count_after_build():
    layer = layers.BatchNormalization()
    layer(np.zeros((2, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        layer(np.zeros((2, 4), dtype=np.float32))


@pytest.mark.parametrize("axis", [-1, [1, 2], 1])
def test_layer_normalization_normalises_each_sample(rng, axis):
    x = (rng.standard_normal((3, 4, 5)) * 3 + 2).astype(np.float32)
    y = layers.LayerNormalization(axis=axis, epsilon=1e-6)(x).data
    axes = tuple(np.atleast_1d(axis) % 3)
    np.testing.assert_allclose(y.mean(axis=axes), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=axes), 1, atol=1e-3)


def test_layer_normalization_weights_and_config():
    layer = layers.LayerNormalization(axis=[1, 2], center=False)
    layer(np.zeros((2, 3, 4), np.float32))
    assert [w.name for w in layer.weights] == ["layer_normalization/gamma:0"]
    assert layer.get_weights()[0].shape == (3, 4)
    assert layer.get_config()["axis"] == [1, 2]


def test_layer_normalization_gradients_float64(rng):
    layer = layers.LayerNormalization(axis=[1, 2], dtype="float64")
    x = rng.standard_normal((2, 3, 4))
    layer(x)
    layer.set_weights([rng.standard_normal((3, 4)), rng.standard_normal((3, 4))])
    check_grad(lambda t: layer(t), (x,))


def test_layer_normalization_axis_errors():
    with pytest.raises(ValueError, match=r"Expected 0 <= axis < inputs.rank \(with inputs.rank=3\)"
                                         r". Received: axis=\(5,\)"):
        layers.LayerNormalization(axis=5)(np.zeros((1, 5, 2), np.float32))
    with pytest.raises(ValueError, match="Duplicate axis"):
        layers.LayerNormalization(axis=[1, -2])(np.zeros((1, 5, 2), np.float32))

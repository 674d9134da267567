"""Conv1D and the 1-D pooling layers: shapes, causal padding, errors, float64 gradients."""
import numpy as np
import pytest

from chainrule import layers
from chainrule.autodiff import Tensor, check_grad


def test_conv1d_kernel_and_count():
    layer = layers.Conv1D(4, 3)
    layer(np.zeros((1, 7, 2), np.float32))
    assert [w.shape for w in layer.get_weights()] == [(3, 2, 4), (4,)]
    assert layer.count_params() == 3 * 2 * 4 + 4


@pytest.mark.parametrize("kwargs, steps", [(dict(), 5), (dict(strides=2), 3),
                                           (dict(padding="same", strides=2), 4),
                                           (dict(padding="causal"), 7),
                                           (dict(padding="causal", dilation_rate=2), 7)])
def test_conv1d_output_steps(kwargs, steps):
    layer = layers.Conv1D(2, 3, **kwargs)
    y = layer(np.zeros((1, 7, 3), np.float32))
    assert y.shape == (1, steps, 2) == layer.compute_output_shape((1, 7, 3))


def test_causal_conv1d_does_not_look_ahead(rng):
    layer = layers.Conv1D(2, 3, padding="causal", dilation_rate=2)
    x = Tensor(rng.standard_normal((1, 9, 2)).astype(np.float32), requires_grad=True)
    y = layer(x)
    seed = np.zeros(y.shape, np.float32)
    seed[0, 4] = 1.0                                    # output step 4 ...
    y.backward(seed)
    assert np.all(x.grad[0, 5:] == 0)                   # ... depends on no later step
    assert np.any(x.grad[0, :5] != 0)


def test_conv1d_rejects_unknown_padding_with_keras_message():
    with pytest.raises(ValueError, match=r'one of "valid", "same" \(or "causal"'):
        layers.Conv1D(2, 3, padding="full")


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
def test_conv1d_input_gradient_float64(rng, padding):
    layer = layers.Conv1D(3, 3, strides=2, padding=padding, dtype="float64")
    x = rng.standard_normal((2, 7, 2))
    layer(x)
    check_grad(lambda t: layer(t), (x,))


@pytest.mark.parametrize("cls, reduce", [(layers.MaxPooling1D, np.max),
                                         (layers.AveragePooling1D, np.mean)])
def test_pooling1d_valid_windows(rng, cls, reduce):
    x = rng.standard_normal((2, 7, 3)).astype(np.float32)
    y = cls(3, strides=2)(x).data
    expected = np.stack([reduce(x[:, i:i + 3], axis=1) for i in (0, 2, 4)], axis=1)
    np.testing.assert_allclose(y, expected, rtol=1e-6)


def test_pooling1d_strides_default_to_pool_size():
    layer = layers.MaxPooling1D(3)
    assert layer.strides == (3,)
    assert layer(np.zeros((1, 7, 2), np.float32)).shape == (1, 2, 2)


def test_pooling1d_wants_rank_3():
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=4"):
        layers.MaxPooling1D()(np.zeros((1, 4, 4, 2), np.float32))


@pytest.mark.parametrize("cls, reduce", [(layers.GlobalAveragePooling1D, np.mean),
                                         (layers.GlobalMaxPooling1D, np.max)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_pooling1d(rng, cls, reduce, keepdims):
    x = rng.standard_normal((2, 5, 3)).astype(np.float32)
    layer = cls(keepdims=keepdims)
    y = layer(x)
    np.testing.assert_allclose(y.data, reduce(x, axis=1, keepdims=keepdims), rtol=1e-6)
    assert y.shape == layer.compute_output_shape(x.shape)

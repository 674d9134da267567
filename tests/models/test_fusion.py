"""ReLU moved after max-pooling: exactly the numbers of the plain layer-by-layer stack."""
import numpy as np
import pytest

from chainrule.autodiff.tensor import Tensor
from chainrule.layers import AveragePooling2D, Conv2D, Dense, Flatten, MaxPooling2D
from chainrule.models import Sequential, fusion

pytestmark = pytest.mark.usefixtures("each_kernel_path")   # NumPy and Numba kernels


def small_cnn():
    return Sequential([
        Conv2D(4, 3, activation="relu", input_shape=(11, 11, 2)), MaxPooling2D(2),
        Conv2D(3, 3, activation="relu", padding="same"), MaxPooling2D(3, 2, padding="same"),
        Conv2D(3, 1, activation="tanh"), Flatten(), Dense(2, activation="softmax"),
    ])


def outputs_and_grads(model, x, gy, call):
    y = call(model.layers, Tensor(x))
    y.backward(gy)
    grads = [w.grad.copy() for w in model.trainable_weights]
    for w in model.trainable_weights:
        w.grad = None
    return [y.numpy()] + grads


def plain_stack(layers, x):
    for layer in layers:
        x = layer(x)
    return x


def planned_steps(layers, x):
    for step in fusion.plan(layers):
        x = step(x)
    return x


def test_relu_after_max_pool_gives_identical_outputs_and_gradients(rng):
    model = small_cnn()
    x = rng.standard_normal((3, 11, 11, 2)).astype(np.float32)
    x[0, :4, :4] = -1.0                          # whole windows of negative pre-activations
    gy = rng.standard_normal((3, 2)).astype(np.float32)
    fused = outputs_and_grads(model, x, gy, planned_steps)
    plain = outputs_and_grads(model, x, gy, plain_stack)
    for got, expected in zip(fused, plain):
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(model.predict_on_batch(x), fused[0])


def test_only_conv_relu_followed_by_max_pooling_is_rewritten():
    conv_relu, conv_tanh = Conv2D(2, 3, activation="relu"), Conv2D(2, 3, activation="tanh")
    assert fusion.relu_commutes(conv_relu, MaxPooling2D())
    assert not fusion.relu_commutes(conv_relu, AveragePooling2D())
    assert not fusion.relu_commutes(conv_tanh, MaxPooling2D())
    assert not fusion.relu_commutes(Dense(2, activation="relu"), MaxPooling2D())


def test_the_conv_layer_keeps_its_activation_and_config():
    model = small_cnn()
    model(np.zeros((1, 11, 11, 2), np.float32))
    assert model.layers[0].get_config()["activation"] == "relu"
    assert fusion.without_activation(model.layers[0]).kernel is model.layers[0].kernel


def test_the_model_chooses_its_steps_when_built_and_runs_them():
    model = small_cnn()                              # built at once: input_shape is known
    kinds = [type(step).__name__ for step in model._steps]
    assert kinds == ["ReluAfterPool", "ReluAfterPool", "Conv2D", "Flatten", "Dense"]
    assert model._steps[0].conv is model.layers[0] and model._steps[0].pool is model.layers[1]
    for _ in range(4):
        model.pop()                                  # leaves conv(relu), pool, conv(relu)
    model.add(AveragePooling2D())                    # after a conv(relu): nothing to move
    model.build((None, 11, 11, 2))
    assert [type(step).__name__ for step in model._steps] == [
        "ReluAfterPool", "Conv2D", "AveragePooling2D"]

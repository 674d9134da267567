"""Layer-side regularization: activity penalties, `losses`, constraints after each step,
penalties in the logged loss, and configs through .h5 / .keras files (Keras' own included)."""
import json
from pathlib import Path

import numpy as np
import pytest

from chainrule import constraints, layers, models, optimizers, regularizers
from chainrule.autodiff import Tensor

FIXTURES = Path(__file__).parents[1] / "fixtures"


def test_activity_penalty_is_divided_by_the_batch_size(rng):
    """Keras 2: activity_regularizer(output) / batch size, recomputed on every call."""
    layer = layers.Dense(3, activity_regularizer=regularizers.L1(0.5))
    x = rng.standard_normal((4, 2)).astype(np.float32)
    y = layer(x)
    (penalty,) = layer.losses
    np.testing.assert_allclose(penalty.item(), 0.5 * np.abs(y.data).sum() / 4, rtol=1e-6)
    layer(x[:1])
    assert len(layer.losses) == 1 and layer.losses[0].item() != penalty.item()


def test_activity_penalty_on_any_layer_and_its_gradient(rng):
    layer = layers.Activation("tanh", activity_regularizer="l2")
    x = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    y = layer(x)
    layer.losses[0].backward()
    np.testing.assert_allclose(x.grad, np.float32(0.01) * 2 * y.data * (1 - y.data ** 2) / 2,
                               rtol=1e-5)
    assert "activity_regularizer" not in layer.get_config()          # as Keras' base Layer


def test_weight_penalties_follow_the_current_weights():
    dense = layers.Dense(2, kernel_regularizer=regularizers.L2(1.0),
                         bias_regularizer=regularizers.L1(2.0), bias_initializer="ones")
    dense(np.zeros((1, 3), np.float32))
    kernel_penalty, bias_penalty = dense.losses
    assert kernel_penalty.item() == pytest.approx(float((dense.kernel.data ** 2).sum()))
    assert bias_penalty.item() == pytest.approx(4.0)
    dense.kernel.assign(np.zeros((3, 2)))
    assert dense.losses[0].item() == 0.0


def test_constraints_are_applied_after_each_optimizer_step():
    dense = layers.Dense(2, kernel_constraint=constraints.NonNeg(),
                         bias_constraint=constraints.MaxNorm(0.1), bias_initializer="ones")
    dense(np.ones((1, 2), np.float32))
    dense.kernel.assign(np.array([[0.5, -0.5], [1.0, 2.0]]))
    assert dense.bias.constraint is dense.bias_constraint
    opt = optimizers.SGD(learning_rate=0.25)
    opt.apply_gradients([(np.ones((2, 2), np.float32), dense.kernel),
                         (np.zeros(2, np.float32), dense.bias)])
    np.testing.assert_allclose(dense.kernel.data, [[0.25, 0.0], [0.75, 1.75]])
    np.testing.assert_allclose(np.sqrt((dense.bias.data ** 2).sum()), 0.1, rtol=1e-5)


def test_fit_logs_the_loss_with_the_penalties(rng):
    x = rng.standard_normal((8, 3)).astype(np.float32)
    y = rng.standard_normal((8, 1)).astype(np.float32)
    model = models.Sequential([layers.Input((3,)), layers.Dense(
        1, kernel_regularizer=regularizers.L2(0.5), activity_regularizer=regularizers.L1(0.1))])
    model.compile(optimizers.SGD(0.0), "mse")
    kernel = model.layers[0].kernel.data
    pred = x @ kernel + model.layers[0].bias.data
    want = np.mean((pred - y) ** 2) + 0.5 * (kernel ** 2).sum() + 0.1 * np.abs(pred).sum() / 8
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert history.history["loss"][0] == pytest.approx(want, rel=1e-5)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(want, rel=1e-5)


def small_model():
    inputs = layers.Input((4,))
    hidden = layers.Dense(3, kernel_regularizer="l1_l2", bias_constraint="non_neg",
                          activity_regularizer=regularizers.L2(0.1),
                          kernel_constraint=constraints.MinMaxNorm(0.1, 0.9, rate=0.5))(inputs)
    normed = layers.LayerNormalization(gamma_regularizer=regularizers.L2(0.3),
                                       beta_constraint=constraints.UnitNorm())(hidden)
    out = layers.Dense(2, kernel_regularizer=regularizers.OrthogonalRegularizer(0.1))(normed)
    model = models.Model(inputs, out)
    model.compile(optimizers.Adam(0.01), "mse")
    return model


@pytest.mark.parametrize("suffix", [".h5", ".keras"])
def test_configs_and_penalties_survive_save_and_load(tmp_path, rng, suffix):
    model = small_model()
    x = rng.standard_normal((5, 4)).astype(np.float32)
    model.train_on_batch(x, rng.standard_normal((5, 2)).astype(np.float32))
    path = tmp_path / f"model{suffix}"
    model.save(path)
    loaded = models.load_model(path)
    for ours, theirs in zip(model.layers, loaded.layers):
        assert json.dumps(ours.get_config()) == json.dumps(theirs.get_config())
    model(x), loaded(x)
    assert len(model.losses) == 4                      # activity, then 3 weight penalties
    assert [v.item() for v in loaded.losses] == [v.item() for v in model.losses]
    assert isinstance(loaded.layers[1].kernel.constraint, constraints.MinMaxNorm)


def test_loads_keras_h5_with_regularizers_and_constraints():
    """keras_regularized_mlp.h5 was written by tf.keras 2.12 after 3 training steps."""
    with np.load(FIXTURES / "keras_regularizers_reference.npz") as ref:
        x, want = ref["fit/mlp_sgd/x"], ref["fit/mlp_sgd/model_losses"]
        configs = json.loads(str(ref["fit/mlp_sgd/configs"]))
    model = models.load_model(FIXTURES / "keras_regularized_mlp.h5", compile=False)
    for layer, config in zip(model.layers, configs):
        assert json.loads(json.dumps(layer.get_config())) == config
    model(x)
    np.testing.assert_allclose([v.item() for v in model.losses], want, rtol=1e-5)


def test_activity_penalty_of_a_conv_relu_before_max_pooling(rng):
    """Sequential runs Conv2D(relu) + MaxPooling2D fused (ReLU after the pool), except when
    the conv has an activity regularizer, whose penalty is of the ReLU's full output."""
    conv = layers.Conv2D(2, 3, activation="relu", activity_regularizer=regularizers.L1(0.1))
    model = models.Sequential([layers.Input((6, 6, 1)), conv, layers.MaxPooling2D()])
    x = rng.standard_normal((3, 6, 6, 1)).astype(np.float32)
    model(x)
    z = layers.Conv2D.from_config({**conv.get_config(), "activity_regularizer": None})
    z(x), z.set_weights(conv.get_weights())
    (penalty,) = model.losses
    np.testing.assert_allclose(penalty.item(), 0.1 * np.abs(z(x).data).sum() / 3, rtol=1e-5)


def test_callable_losses_are_kept_and_follow_the_weights_in_keras_order():
    """As tf.keras 2.12: model.add_loss(lambda: ...) counts at every step; per layer, the
    latest call's losses come first, then weight penalties and callables in the order added."""
    inputs = layers.Input((3,))
    dense = layers.Dense(2, kernel_regularizer=regularizers.L2(0.1), activity_regularizer="l1")
    model = models.Model(inputs, layers.Dense(1)(dense(inputs)))
    model.add_loss(lambda: dense.kernel.mean())
    dense.add_loss(lambda: dense.kernel.mean() * 2)
    x = np.ones((2, 3), np.float32)
    for _ in range(2):
        y = dense(x)
        model(x)
    kernel = dense.kernel.data
    want = [kernel.mean(), np.float32(0.01) * np.abs(y.data).sum() / 2,
            np.float32(0.1) * (kernel ** 2).sum(), 2 * kernel.mean()]
    np.testing.assert_allclose([v.item() for v in model.losses], want, rtol=1e-6)
    model.compile(optimizers.SGD(0.1), "mse")
    pred = model(x).data
    expected = np.mean(pred ** 2) + sum(v.item() for v in model.losses)
    assert model.train_on_batch(x, np.zeros((2, 1), np.float32)) == pytest.approx(expected,
                                                                                   rel=1e-6)


class Block(layers.Layer):
    """A custom layer holding a regularized Dense in an attribute."""

    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(2, kernel_regularizer="l2", activity_regularizer="l1")

    def call(self, inputs):
        return self.dense(inputs)


def test_penalties_of_layers_inside_a_custom_layer(rng):
    block = Block()
    x = rng.standard_normal((4, 3)).astype(np.float32)
    y = block(x)
    activity, kernel = block.losses
    np.testing.assert_allclose(activity.item(), np.float32(0.01) * np.abs(y.data).sum() / 4,
                               rtol=1e-6)
    np.testing.assert_allclose(kernel.item(), np.float32(0.01) * (
        block.dense.kernel.data ** 2).sum(), rtol=1e-6)
    model = models.Sequential([layers.Input((3,)), block])
    model(x)
    assert [v.item() for v in model.losses] == [v.item() for v in block.losses]


def test_keras_h5_optimizer_class_names_load():
    """tf.keras 2.12 writes its new optimizers as 'Custom>SGD' in .h5 training configs."""
    import h5py

    with h5py.File(FIXTURES / "keras_regularized_mlp.h5") as f:
        spec = json.loads(f.attrs["training_config"])["optimizer_config"]
    assert spec["class_name"] == "Custom>SGD"
    optimizer = optimizers.deserialize(spec)
    assert type(optimizer) is optimizers.SGD
    assert float(optimizer.learning_rate) == pytest.approx(0.2)

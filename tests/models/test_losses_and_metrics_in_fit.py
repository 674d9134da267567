"""What losses and metrics see and add during fit, against tf.keras 2.12's recordings."""
import os

import numpy as np
import pytest

from chainrule import callbacks, layers, losses, metrics, ops, optimizers
from chainrule.models import Model, Sequential, load_model
from tests.models.model_features import value


def test_custom_loss_and_metric_see_labels_expanded_to_two_axes():
    seen = {}

    def my_loss(y_true, y_pred):
        seen["loss_y_true"] = list(np.shape(y_true))
        return ops.mean(ops.square(y_pred - y_true), axis=-1)

    def my_metric(y_true, y_pred):
        seen["metric_y_true"] = list(np.shape(y_true))
        return np.mean(y_pred, axis=-1)

    model = Sequential([layers.Dense(1, input_shape=(2,))])
    model.compile("sgd", loss=my_loss, metrics=[my_metric])
    history = model.fit(np.ones((4, 2), "float32"), np.ones(4, "float32"), verbose=0)
    seen["logs"] = sorted(history.history)
    assert seen == value("labels/seen")


class ActivityReg(layers.Layer):
    def call(self, inputs):
        self.add_loss(0.5 * ops.sum(ops.square(inputs)))
        self.add_metric(ops.mean(inputs), name="act_mean")
        return inputs


def test_add_loss_and_add_metric_reach_the_logs_as_in_keras():
    inputs = layers.Input((2,))
    dense = layers.Dense(2, kernel_initializer="ones", name="d")
    model = Model(inputs, ActivityReg(name="reg")(dense(inputs)))
    model.compile(optimizers.SGD(0.0), loss="mse")
    x, y = np.ones((4, 2), "float32"), np.zeros((4, 2), "float32")
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    expected = value("add_loss/evaluate")
    assert list(logs) == list(expected)
    np.testing.assert_allclose(list(logs.values()), list(expected.values()), rtol=1e-6)
    assert len(model.losses) == value("add_loss/n_losses")


def test_add_loss_is_minimized_by_fit():
    inputs = layers.Input((2,))
    model = Model(inputs, ActivityReg()(layers.Dense(2)(inputs)))
    model.compile(optimizers.SGD(0.01), loss="mse")
    x = np.ones((8, 2), "float32")
    history = model.fit(x, np.zeros((8, 2), "float32"), epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


class TruePositives(metrics.Metric):
    """keras.io's BinaryTruePositives: state from add_weight, reset by the base class."""

    def __init__(self, name="binary_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_weight(name="tp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        hits = np.logical_and(np.asarray(y_true) > 0.5, np.asarray(y_pred) > 0.5)
        self.true_positives.assign_add(hits.sum())

    def result(self):
        return self.true_positives


def test_metric_subclass_counts_per_epoch_and_resets():
    metric = TruePositives()
    metric.update_state(np.array([[1], [1], [0]]), np.array([[0.9], [0.2], [0.8]]))
    assert float(metric.result().numpy()) == 1.0
    metric.reset_states()
    assert float(metric.result().numpy()) == 0.0
    model = Sequential([layers.Dense(1, activation="sigmoid", input_shape=(3,),
                                     kernel_initializer="zeros", bias_initializer="ones")])
    model.compile(optimizers.SGD(0.0), "binary_crossentropy", metrics=[TruePositives()])
    x, y = np.ones((6, 3), "float32"), np.array([1, 1, 0, 1, 0, 0], "float32")
    history = model.fit(x, y, epochs=2, batch_size=2, verbose=0)
    assert history.history["binary_true_positives"] == [3.0, 3.0]   # reset between epochs
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        TruePositives(threshold=2)


def test_loss_subclass_and_reduction_names():
    class Huberish(losses.Loss):
        def call(self, y_true, y_pred):
            return ops.mean(ops.abs(y_pred - y_true), axis=-1)

    y_true, y_pred = np.zeros((4, 2), "float32"), np.full((4, 2), 2.0, "float32")
    assert Huberish()(y_true, y_pred).item() == pytest.approx(2.0)
    total = Huberish(reduction=losses.Reduction.SUM)(y_true, y_pred)
    assert total.item() == pytest.approx(8.0)
    assert losses.Reduction.all() == ("auto", "none", "sum", "sum_over_batch_size")
    with pytest.raises(ValueError, match="Invalid Reduction Key: 'mean'"):
        Huberish(reduction="mean")


def test_generator_methods_warn_and_work():
    model = Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile(optimizers.SGD(0.1), "mse")
    x = np.ones((8, 3), "float32")

    def batches():
        while True:
            yield x[:4], np.ones((4, 1), "float32")

    with pytest.warns(UserWarning, match="`Model.fit_generator` is deprecated"):
        history = model.fit_generator(batches(), steps_per_epoch=2, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    with pytest.warns(UserWarning, match="evaluate_generator"):
        assert model.evaluate_generator(batches(), steps=2) < history.history["loss"][0]
    with pytest.warns(UserWarning, match="predict_generator"):
        assert model.predict_generator(((x,) for _ in range(2)), steps=2).shape == (16, 1)


def test_sequential_from_input_and_from_a_built_model():
    model = Sequential([layers.Input((5,)), layers.Dense(2)])
    assert model.built and model.output_shape == (None, 2)
    inner = Sequential([layers.Dense(3)])
    inner.build((None, 4))
    outer = Sequential([inner, layers.Dense(1)])
    assert outer.built and outer.output_shape == (None, 1)


def test_model_checkpoint_writes_keras_files_per_epoch(tmp_path, rng):
    model = Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile("adam", "mse")
    x = rng.standard_normal((8, 3)).astype("float32")
    path = os.path.join(tmp_path, "save_at_{epoch}.keras")
    model.fit(x, x[:, :1], epochs=2, verbose=0, callbacks=[callbacks.ModelCheckpoint(path)])
    assert sorted(os.listdir(tmp_path)) == ["save_at_1.keras", "save_at_2.keras"]
    np.testing.assert_allclose(load_model(tmp_path / "save_at_2.keras").predict(x, verbose=0),
                               model.predict(x, verbose=0), atol=1e-6)


def test_losses_of_layers_inside_custom_layers_reach_model_losses():
    class Outer(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = ActivityReg()

        def call(self, inputs):
            return self.inner(inputs)

    inputs = layers.Input((2,))
    model = Model(inputs, Outer()(inputs))
    model(np.ones((3, 2), "float32"))
    assert [loss.item() for loss in model.losses] == [3.0]          # 0.5 * sum(ones(3, 2))

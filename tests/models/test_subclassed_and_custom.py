"""Subclassed models, custom layers and custom train_step/test_step, as keras.io writes them."""
import numpy as np
import pytest

from chainrule import layers, losses, metrics, ops, optimizers
from chainrule.models import Model, Sequential, load_model
from chainrule.saving import custom_object_scope
from tests.models.model_features import value


class TwoDense(Model):
    """Weights exist only after the first call."""

    def __init__(self):
        super().__init__()
        self.hidden = layers.Dense(8, activation="relu")
        self.drop = layers.Dropout(0.5)
        self.out = layers.Dense(1)

    def call(self, inputs):                      # no `training` argument, as in the guides
        return self.out(self.drop(self.hidden(inputs)))


def regression(rng, n=64):
    x = rng.standard_normal((n, 3)).astype("float32")
    return x, (x @ np.array([1.0, -2.0, 0.5], "float32"))[:, None]


def test_subclassed_model_created_weights_on_first_call_are_trained(rng):
    x, y = regression(rng)
    model = TwoDense()
    model.compile(optimizers.SGD(0.05), "mse")
    history = model.fit(x, y, epochs=10, batch_size=16, verbose=0)
    assert len(model.trainable_variables) == 4
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    before = [w.copy() for w in model.get_weights()]
    model.fit(x, y, epochs=1, verbose=0)
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_training_flag_reaches_inner_layers_of_a_call_without_one(rng):
    model = TwoDense()
    x = np.ones((4, 3), "float32")
    assert np.array_equal(model(x, training=False).numpy(), model(x).numpy())
    a, b = model(x, training=True).numpy(), model(x, training=False).numpy()
    assert not np.array_equal(a, b)              # dropout ran only in training


@pytest.mark.parametrize("method, args", [("fit", ()), ("evaluate", ()), ("predict", ())])
def test_unknown_keyword_arguments_raise_type_error_as_keras(method, args):
    model = Sequential([layers.Dense(1, input_shape=(2,))])
    model.compile("sgd", "mse")
    data = (np.ones((2, 2)),) if method == "predict" else (np.ones((2, 2)), np.ones(2))
    kind, message = value("kwargs/errors")[method]
    with pytest.raises(TypeError) as err:
        getattr(model, method)(*data, epochz=5, verbose=0)
    assert kind == "TypeError" and str(err.value) == message


def test_unknown_keyword_arguments_in_compile_and_layers():
    model = Sequential([layers.Dense(1, input_shape=(2,))])
    with pytest.raises(TypeError) as err:
        model.compile("sgd", "mse", epochz=5)
    assert str(err.value) == value("kwargs/errors")["compile"][1]
    with pytest.raises(TypeError, match="keyword argument not understood: 'epochz'"):
        layers.Dense(1, epochz=5)


class CustomDense(layers.Layer):
    """The functional guide's layer: add_weight without names, call without training."""

    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                 initializer="random_normal", trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="random_normal")

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b

    def get_config(self):
        return {"units": self.units}


def test_custom_layer_output_shape_comes_from_running_it(capsys):
    inputs = layers.Input((4,))
    outputs = CustomDense(10)(inputs)
    assert outputs.shape == (None, 10)
    model = Model(inputs, outputs)
    model.summary()
    assert "(None, 10)" in capsys.readouterr().out
    names = [w.name.split("/")[1] for w in model.layers[1].weights]
    assert names[0] == value("add_weight/names")[0].split("/")[1]      # 'Variable:0'
    assert names == ["Variable:0", "Variable_1:0"]                       # unique, for HDF5


def test_custom_layer_shape_inference_keeps_unknown_axes_unknown():
    class Pairs(layers.Layer):
        def call(self, inputs):
            return ops.reshape(inputs, (inputs.shape[0], -1, 2))

    assert Pairs()(layers.Input((None, 4))).shape == (None, None, 2)


def test_functional_config_round_trips_with_custom_objects(rng):
    inputs = layers.Input((4,))
    model = Model(inputs, CustomDense(10)(inputs))
    config = model.get_config()
    new = Model.from_config(config, custom_objects={"CustomDense": CustomDense})
    assert [type(la).__name__ for la in new.layers] == ["InputLayer", "CustomDense"]
    new.set_weights(model.get_weights())
    x = rng.standard_normal((2, 4)).astype("float32")
    np.testing.assert_allclose(new.predict(x, verbose=0), model.predict(x, verbose=0))


def test_custom_layer_saves_to_keras_format_with_custom_objects(tmp_path, rng):
    inputs = layers.Input((4,))
    model = Model(inputs, CustomDense(3)(inputs))
    model.save(tmp_path / "c.keras")
    with pytest.raises(ValueError, match="Unknown layer: 'CustomDense'"):
        load_model(tmp_path / "c.keras")
    with custom_object_scope({"CustomDense": CustomDense}):
        loaded = load_model(tmp_path / "c.keras")
    x = rng.standard_normal((2, 4)).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_layer_input_output_and_feature_extractor(rng):
    inputs = layers.Input((6,), name="x")
    h = layers.Dense(5, activation="relu", name="h1")(inputs)
    out = layers.Dense(2, name="out")(layers.Dense(4, name="h2")(h))
    base = Model(inputs, out)
    assert base.input is inputs and base.output is out
    assert base.inputs == [inputs] and base.outputs == [out]
    assert base.get_layer("h1").output is h and base.get_layer("h1").input is inputs
    features = Model(base.input, base.get_layer("h1").output)
    assert features.output_shape == (None, 5)
    x = rng.standard_normal((3, 6)).astype("float32")
    expected = np.maximum(x @ base.get_layer("h1").get_weights()[0], 0)
    np.testing.assert_allclose(features.predict(x, verbose=0), expected, atol=1e-6)
    every = Model(base.input, [layer.output for layer in base.layers])
    assert [o.shape for o in every(x)] == [(3, 6), (3, 5), (3, 4), (3, 2)]
    with pytest.raises(AttributeError, match="is not connected"):
        _ = layers.Dense(2).output


class CustomFit(Model):
    """keras.io "Customizing what happens in fit", with backward() in place of the tape."""

    def train_step(self, data):
        x, y = data
        y_pred = self(x, training=True)
        loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
        variables = self.trainable_variables
        for v in variables:
            v.grad = None
        loss.backward()
        self.optimizer.apply_gradients(zip([v.grad for v in variables], variables))
        self.compiled_metrics.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        self.compiled_loss(y, y_pred, regularization_losses=self.losses)
        self.compiled_metrics.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def test_custom_train_step_and_test_step_are_used_by_fit(rng):
    x, y = regression(rng)
    inputs = layers.Input((3,))
    model = CustomFit(inputs, layers.Dense(1)(inputs))
    model.compile(optimizers.SGD(0.05), "mse", metrics=["mae"])
    history = model.fit(x, y, epochs=4, batch_size=16, verbose=0, validation_data=(x, y))
    assert list(history.history) == ["loss", "mae", "val_loss", "val_mae"]
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


def test_model_with_own_metrics_and_compiled_without_loss(rng):
    loss_tracker, mae_metric = metrics.Mean(name="loss"), metrics.MeanAbsoluteError(name="mae")

    class OwnMetrics(TwoDense):
        def train_step(self, data):
            x, y = data
            y_pred = self(x, training=True)
            loss = ops.mean(losses.mean_squared_error(y, y_pred))
            for v in self.trainable_variables:          # built by the call above
                v.grad = None
            loss.backward()
            self.optimizer.apply_gradients((v.grad, v) for v in self.trainable_variables)
            loss_tracker.update_state(loss)
            mae_metric.update_state(y, y_pred)
            return {"loss": loss_tracker.result(), "mae": mae_metric.result()}

        @property
        def metrics(self):
            return [loss_tracker, mae_metric]

    x, y = regression(rng)
    model = OwnMetrics()
    model.compile(optimizer=optimizers.SGD(0.05))
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    assert list(history.history) == ["loss", "mae"]
    assert history.history["mae"][-1] < history.history["mae"][0]


def test_fit_without_compiled_loss_says_what_to_do(rng):
    model = TwoDense()
    model.compile(optimizer="sgd")
    with pytest.raises(ValueError, match="No loss to compute. Provide a `loss` argument"):
        model.fit(*regression(rng), verbose=0)


class Block(layers.Layer):
    """A custom layer made of layers held in attributes (and in a list)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.steps = [layers.Dense(4, activation="tanh"), layers.Dense(4, activation="tanh")]
        self.head = layers.Dense(1)

    def call(self, inputs):
        x = inputs
        for step in self.steps:
            x = step(x)
        return self.head(x)


def test_layers_inside_a_custom_layer_are_tracked_and_trained(rng):
    x, y = regression(rng)
    inputs = layers.Input((3,))
    block = Block()
    model = Model(inputs, block(inputs))
    assert model.count_params() == (3 * 4 + 4) + (4 * 4 + 4) + (4 + 1)
    model.compile(optimizers.SGD(0.05), "mse")
    before = [w.copy() for w in model.get_weights()]
    model.fit(x, y, epochs=2, verbose=0)
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    block.trainable = False
    assert model.trainable_weights == [] and len(model.non_trainable_weights) == 6


def test_sequential_layers_have_outputs_for_feature_extractors(rng):
    model = Sequential([layers.Dense(4, activation="relu", input_shape=(3,), name="first"),
                        layers.Dense(2, name="second")])
    assert model.input.shape == (None, 3) and model.outputs[0].shape == (None, 2)
    extractor = Model(inputs=model.inputs, outputs=[la.output for la in model.layers])
    x = rng.standard_normal((5, 3)).astype("float32")
    hidden, out = extractor.predict(x, verbose=0)
    np.testing.assert_allclose(out, model.predict(x, verbose=0), atol=1e-6)
    assert hidden.shape == (5, 4)
    model.pop()
    model.add(layers.Dense(6, name="third"))
    model.build((None, 3))
    assert model.get_layer("first").output.shape == (None, 4)   # the old graph was detached
    assert model.output.shape == (None, 6)
    with pytest.raises(AttributeError, match="has no defined inputs yet"):
        _ = Sequential([layers.Dense(2)]).input


def test_train_step_gets_a_dataset_element_of_inputs_only_as_it_is(rng):
    from chainrule import data as cr_data

    seen = []

    class Unsupervised(TwoDense):
        def train_step(self, data):
            seen.append(type(data).__name__)
            x = data[0] if isinstance(data, tuple) else data
            loss = ops.mean(ops.square(self(x, training=True)))
            for v in self.trainable_variables:
                v.grad = None
            loss.backward()
            self.optimizer.apply_gradients((v.grad, v) for v in self.trainable_variables)
            return {"loss": loss.item()}

    x = rng.standard_normal((8, 3)).astype("float32")
    model = Unsupervised()
    model.compile(optimizer=optimizers.SGD(0.1))
    model.fit(cr_data.Dataset.from_tensor_slices(x).batch(4), epochs=1, verbose=0)
    model.fit(x, epochs=1, batch_size=4, verbose=0)
    assert seen == ["ndarray", "ndarray", "tuple", "tuple"]       # arrays: Keras' (x,)


def test_a_call_default_for_training_applies_when_nobody_passes_one():
    class Noisy(layers.Layer):
        def call(self, inputs, training=True):     # Keras' random image layers default so
            return inputs + 1.0 if training else inputs

    x = np.zeros((1, 2), "float32")
    assert Noisy()(x).numpy().tolist() == [[1.0, 1.0]]
    assert Noisy()(x, training=False).numpy().tolist() == [[0.0, 0.0]]
    model = Sequential([layers.Input((2,)), Noisy()])
    assert model.predict(x, verbose=0).tolist() == [[0.0, 0.0]]


def test_models_called_without_training_let_inner_layers_keep_their_default():
    class Noisy(layers.Layer):
        def call(self, inputs, training=True):
            return inputs + 1.0 if training else inputs

    x = np.zeros((1, 2), "float32")
    augment = Sequential([Noisy()])                    # used in a Dataset.map, as keras.io
    assert augment(x).numpy().tolist() == [[1.0, 1.0]]
    inputs = layers.Input((2,))
    assert Model(inputs, Noisy()(inputs))(x).numpy().tolist() == [[1.0, 1.0]]

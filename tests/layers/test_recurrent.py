"""SimpleRNN, LSTM, GRU against tf.keras 2.12 (tests/fixtures/keras_recurrent_reference.npz).

Each case sets Keras' seeded weights, runs the layer and backpropagates sum_k sum(y_k * gy_k),
as the fixture script did with tf.GradientTape.
"""
import json
from pathlib import Path

import h5py
import numpy as np
import pytest

import chainrule as keras
from chainrule import initializers, layers
from chainrule.autodiff.tensor import Tensor

NPZ = Path(__file__).parents[1] / "fixtures" / "keras_recurrent_reference.npz"
with np.load(NPZ) as _f:
    REF = {k: _f[k] for k in _f.files}
CASES = sorted({k.split("/")[0] for k in REF} - {"model"})


def _json(case, key):
    return json.loads(str(REF[f"{case}/{key}"]))


def _indexed(case, prefix):
    out = []
    while f"{case}/{prefix}{len(out)}" in REF:
        out.append(REF[f"{case}/{prefix}{len(out)}"])
    return out


def _layer(case):
    spec = _json(case, "spec")
    layer = getattr(layers, spec["class"])(**spec["args"])
    layer.maybe_build(tuple(spec["shape"]))
    layer.set_weights(_indexed(case, "w"))
    return layer


@pytest.mark.parametrize("case", CASES)
def test_outputs_and_gradients_match_keras(case):
    layer = _layer(case)
    x = Tensor(REF[f"{case}/x"], requires_grad=True)
    ys = layer(x)
    ys = ys if isinstance(ys, list) else [ys]
    expected = _indexed(case, "y")
    assert len(ys) == len(expected)
    loss = None
    for y, want, gy in zip(ys, expected, _indexed(case, "gy")):
        np.testing.assert_allclose(y.data, want, rtol=1e-4, atol=1e-5)
        term = (y * Tensor(gy)).sum()
        loss = term if loss is None else loss + term
    loss.backward()
    np.testing.assert_allclose(x.grad, REF[f"{case}/gx"], rtol=1e-4, atol=1e-5)
    for w, gw in zip(layer.weights, _indexed(case, "gw")):
        np.testing.assert_allclose(w.grad, gw, rtol=1e-4, atol=1e-5, err_msg=w.name)


@pytest.mark.parametrize("case", CASES)
def test_weight_names_and_config_keys_match_keras(case):
    layer = _layer(case)
    names = [w.name.split("/", 1)[1] for w in layer.weights]    # Keras: no layer prefix
    assert names == _json(case, "weight_names")               # outside a model's scope
    keras_config = _json(case, "config")
    ours = layer.get_config()
    for key in ("units", "activation", "use_bias", "return_sequences", "return_state",
                "go_backwards", "recurrent_activation", "unit_forget_bias", "reset_after"):
        if key in keras_config:
            assert ours[key] == keras_config[key], key


def test_weight_names_in_a_model_are_keras_h5_paths(tmp_path):
    def make():
        return keras.Sequential([keras.Input((6, 3)), layers.SimpleRNN(4, return_sequences=True),
                                 layers.GRU(4, return_sequences=True), layers.LSTM(4)])

    model = make()
    assert [w.name for w in model.weights] == _json("model", "weight_names")
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "r") as f:
        assert "lstm/lstm_cell/recurrent_kernel:0" in f["lstm"]
    keras.backend.clear_session()
    clone = make()
    clone.load_weights(tmp_path / "w.h5")
    x = np.random.default_rng(0).standard_normal((2, 6, 3)).astype("float32")
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("case", CASES)
def test_layer_builds_from_keras_config(case):
    config = {k: v for k, v in _json(case, "config").items()    # issue 12's regularizers and
              if not k.endswith(("_regularizer", "_constraint"))}   # constraints: elsewhere
    layer = getattr(layers, _json(case, "spec")["class"]).from_config(config)
    ours = layer.get_config()
    assert {k: ours[k] for k in config} == config


@pytest.mark.parametrize("cls", [layers.SimpleRNN, layers.LSTM, layers.GRU])
def test_config_round_trip_and_weight_count(cls):
    layer = cls(5, return_sequences=True, go_backwards=True, name="rnn")
    layer.maybe_build((None, 7, 3))
    gates = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[cls.__name__]
    bias = 2 * gates * 5 if cls is layers.GRU else gates * 5
    assert layer.count_params() == 3 * gates * 5 + 5 * gates * 5 + bias
    clone = cls.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_lstm_default_weights_are_keras_defaults():
    layer = layers.LSTM(3)
    layer.maybe_build((None, 4, 2))
    bias = layer.bias.data
    np.testing.assert_array_equal(bias, [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    u = layer.recurrent_kernel.data.reshape(3, 4, 3)
    for k in range(4):                        # each gate block comes from one orthogonal draw
        assert u[:, k].shape == (3, 3)
    rows = layer.recurrent_kernel.data
    np.testing.assert_allclose(rows @ rows.T, np.eye(3), atol=1e-5)


def test_orthogonal_initializer_is_orthogonal_either_way():
    init = initializers.get("orthogonal")
    tall = init((6, 3), dtype="float64")
    wide = init((3, 6), dtype="float64")
    np.testing.assert_allclose(tall.T @ tall, np.eye(3), atol=1e-12)
    np.testing.assert_allclose(wide @ wide.T, np.eye(3), atol=1e-12)
    assert initializers.get(initializers.serialize(init)).gain == 1.0


@pytest.mark.parametrize("cls, shape", [(layers.LSTM, (None, 6)), (layers.GRU, (None, 6)),
                                        (layers.SimpleRNN, (None, 6))])
def test_functional_model_with_variable_length_sequences(cls, shape):
    ids = keras.Input(shape=(None,))
    x = layers.Embedding(20, 6)(ids)
    out = cls(4)(x)
    model = keras.Model(ids, out)
    assert model.output_shape == (None, 4)
    assert model.predict(np.arange(10).reshape(2, 5), verbose=0).shape == (2, 4)


def test_lstm_learns_to_remember_the_first_step(rng):
    x = rng.standard_normal((128, 6, 1)).astype("float32")
    y = (x[:, 0, 0] > 0).astype("float32")
    model = keras.Sequential([layers.LSTM(8, input_shape=(6, 1)), layers.Dense(1, "sigmoid")])
    model.compile(keras.optimizers.Adam(0.02), "binary_crossentropy")
    history = model.fit(x, y, epochs=30, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


@pytest.mark.parametrize("cls", [layers.SimpleRNN, layers.LSTM, layers.GRU])
def test_initial_state_continues_a_sequence_from_return_state(rng, cls):
    layer = cls(3, return_state=True)
    x = rng.standard_normal((2, 5, 2)).astype("float32")
    whole, *_ = layer(x)
    _, *states = layer(x[:, :2])
    rest, *_ = layer(x[:, 2:], initial_state=states)
    np.testing.assert_allclose(rest.data, whole.data, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=f"expects {len(states)} initial state"):
        layer(x, initial_state=states + states)


@pytest.mark.parametrize("kwargs, message", [
    ({"units": 0}, "positive integer"),
    ({"units": 2, "activation": "selu"}, "Received: activation='selu'"),
    ({"units": 2, "stateful": True}, "stateful=True"),
    ({"units": 2, "dropout": 0.2}, "dropout=0.2"),
])
def test_bad_arguments_say_what_was_received(kwargs, message):
    with pytest.raises(ValueError, match=message):
        layers.LSTM(**kwargs)


def test_return_state_or_initial_state_in_a_functional_model_is_a_clear_error():
    with pytest.raises(ValueError, match="return_state=True and initial_state"):
        layers.GRU(2, return_state=True)(keras.Input((3, 2)))
    with pytest.raises(ValueError, match="return_state=True and initial_state"):
        layers.GRU(2)(keras.Input((3, 2)), initial_state=np.zeros((1, 2), "float32"))


def test_input_must_be_a_sequence():
    with pytest.raises(ValueError, match="expected ndim=3"):
        layers.SimpleRNN(2)(np.zeros((2, 3), "float32"))


@pytest.mark.parametrize("suffix", [".h5", ".keras"])
def test_model_with_recurrent_layers_saves_and_loads(tmp_path, suffix):
    ids = keras.Input((None,), dtype="int32")
    x = layers.GRU(3, return_sequences=True)(layers.Embedding(20, 4)(ids))
    model = keras.Model(ids, layers.LSTM(2, go_backwards=True)(x))
    model.compile("rmsprop", "mse")
    model.save(tmp_path / f"m{suffix}")
    restored = keras.models.load_model(tmp_path / f"m{suffix}")
    batch = np.arange(12).reshape(2, 6)
    np.testing.assert_array_equal(restored.predict(batch, verbose=0),
                                  model.predict(batch, verbose=0))

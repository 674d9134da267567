"""Multi-input, multi-output functional models against tf.keras 2.12's numbers and names."""
import numpy as np
import pytest

import chainrule as cr
from chainrule import layers, optimizers
from chainrule.models import Model
from tests.models.model_features import value

COMPILES = {
    "list": dict(loss=["binary_crossentropy", "categorical_crossentropy"],
                 loss_weights=[1.0, 0.2], metrics=["accuracy"]),
    "dict": dict(loss={"priority": "binary_crossentropy",
                       "department": "categorical_crossentropy"},
                 loss_weights={"priority": 2.0, "department": 0.5},
                 metrics={"priority": ["accuracy"], "department": ["accuracy", "mse"]}),
    "one_loss": dict(loss="mse", metrics=["mae"]),
}


def two_in_two_out():
    a, b = layers.Input((3,), name="a"), layers.Input((2,), name="b")
    h = layers.Dense(4, activation="tanh", name="hidden")(layers.Concatenate()([a, b]))
    p = layers.Dense(1, activation="sigmoid", name="priority")(h)
    d = layers.Dense(3, activation="softmax", name="department")(h)
    model = Model([a, b], [p, d])
    model.set_weights([value(f"multi/w0/{i}") for i in range(6)])
    return model


def data():
    return tuple(value(f"multi/{k}") for k in ("xa", "xb", "yp", "yd"))


@pytest.mark.parametrize("case", sorted(COMPILES))
def test_evaluate_by_name_matches_keras_logs(case):
    xa, xb, yp, yd = data()
    model = two_in_two_out()
    model.compile(optimizer=optimizers.SGD(0.1), **COMPILES[case])
    logs = model.evaluate({"a": xa, "b": xb}, {"priority": yp, "department": yd}, verbose=0,
                          return_dict=True)
    expected = value(f"multi/{case}/evaluate")
    assert list(logs) == list(expected)
    np.testing.assert_allclose(list(logs.values()), list(expected.values()), rtol=1e-5)
    assert model.metrics_names == value(f"multi/{case}/metrics_names")


@pytest.mark.parametrize("case", sorted(COMPILES))
def test_fit_with_lists_matches_keras_history_and_predictions(case):
    xa, xb, yp, yd = data()
    model = two_in_two_out()
    model.compile(optimizer=optimizers.SGD(0.1), **COMPILES[case])
    history = model.fit([xa, xb], [yp, yd], batch_size=8, epochs=2, shuffle=False, verbose=0)
    expected = value(f"multi/{case}/history")
    assert list(history.history) == list(expected)
    for key, values in expected.items():
        np.testing.assert_allclose(history.history[key], values, rtol=1e-5, atol=1e-7)
    pred = model.predict([xa, xb], verbose=0)
    assert isinstance(pred, list) and len(pred) == 2
    np.testing.assert_allclose(pred[0], value(f"multi/{case}/pred0"), atol=1e-6)
    np.testing.assert_allclose(pred[1], value(f"multi/{case}/pred1"), atol=1e-6)


def test_bad_multi_output_specs_get_keras_kind_messages():
    xa, xb, yp, yd = data()
    model = two_in_two_out()
    with pytest.raises(ValueError, match=r"unexpected loss keys \['prio'\].*named"):
        model.compile("sgd", loss={"prio": "mse"})
    with pytest.raises(ValueError, match="one entry per model output.*2 outputs"):
        model.compile("sgd", loss=["mse", "mse", "mse"])
    model.compile("sgd", loss="mse")
    with pytest.raises(ValueError, match="Missing data for input 'b'"):
        model.predict({"a": xa}, verbose=0)
    with pytest.raises(ValueError, match="x sizes: 8, 8, y sizes: 7, 8"):
        model.fit([xa, xb], [yp[:7], yd], verbose=0)


def test_an_output_without_loss_is_not_trained_and_gets_no_loss_log():
    xa, xb, yp, _ = data()
    model = two_in_two_out()
    model.compile(optimizers.SGD(0.1), loss={"priority": "binary_crossentropy"})
    before = model.get_layer("department").get_weights()
    logs = model.train_on_batch([xa, xb], {"priority": yp}, return_dict=True)
    assert list(logs) == ["loss", "priority_loss"]
    for w, w0 in zip(model.get_layer("department").get_weights(), before):
        np.testing.assert_array_equal(w, w0)


def test_dict_dataset_batches_feed_named_inputs():
    xa, xb, yp, yd = data()
    model = two_in_two_out()
    model.compile(optimizers.SGD(0.1), loss=["binary_crossentropy", "categorical_crossentropy"])
    ds = cr.data.Dataset.from_tensor_slices(({"a": xa, "b": xb}, {"priority": yp,
                                                                  "department": yd})).batch(4)
    history = model.fit(ds, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_single_output_targets_by_output_layer_name():
    xa, _, yp, _ = data()
    model = cr.models.Sequential([layers.Input((3,)), layers.Dense(1, name="priority")])
    model.compile(optimizers.SGD(0.1), loss={"priority": "mse"})
    by_name = model.evaluate(xa, {"priority": yp}, verbose=0)
    assert by_name == pytest.approx(model.evaluate(xa, yp, verbose=0))
    with pytest.raises(ValueError, match="unexpected targets keys \\['prio'\\]"):
        model.evaluate(xa, {"prio": yp}, verbose=0)

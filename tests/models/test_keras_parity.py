"""Same numbers as tf.keras 2.12: predictions, losses and weights after training steps.

The reference arrays were produced by tests/fixtures/make_keras_reference.py with real
TensorFlow; see tests/fixtures/README.md. Tolerances: float32 GEMMs add up in another order
than TensorFlow's, and Adam amplifies tiny gradient differences on near-zero entries, so
weights are compared with atol 1e-5.
"""
import numpy as np
import pytest

from chainrule import losses, metrics, optimizers
from chainrule.layers import BatchNormalization, Variable
from tests.keras_fixtures import build_model, compile_model, reference, value, weights

pytestmark = pytest.mark.usefixtures("each_kernel_path")   # NumPy and Numba kernels

CASES = ["cnn_same_adam", "cnn_strided_rmsprop", "mlp_sgd_nesterov", "mlp_adamw_mse",
         "cnn_maxpool_same_sgd", "bn_adam", "extreme_logits"]


def _rel_err(a, b):
    return np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-3))


@pytest.mark.parametrize("case", CASES)
def test_predictions_match_keras_before_training(case):
    model = build_model(case)
    assert _rel_err(model.predict_on_batch(value(f"{case}/x")), value(f"{case}/pred0")) < 1e-5


@pytest.mark.parametrize("case", CASES)
def test_three_train_steps_match_keras(case):
    model = build_model(case)
    compile_model(model, case)
    x, y = value(f"{case}/x"), value(f"{case}/y")
    got = [model.train_on_batch(x, y, return_dict=True) for _ in range(3)]
    np.testing.assert_allclose([g["loss"] for g in got], value(f"{case}/losses"), rtol=1e-5)
    for g, ref in zip(got, value(f"{case}/logs")):
        assert set(g) == set(ref)
        np.testing.assert_allclose([g[k] for k in ref], [ref[k] for k in ref], rtol=1e-5)
    for w, ref in zip(model.get_weights(), weights(f"{case}/w1")):
        np.testing.assert_allclose(w, ref, rtol=1e-4, atol=1e-5)
    assert _rel_err(model.predict_on_batch(x), value(f"{case}/pred1")) < 1e-4


def test_weight_names_and_order_match_keras():
    model = build_model("bn_adam")
    names = [w.name for w in model.weights]
    assert names == value("bn_adam/weight_names")


def test_extreme_logits_loss_is_computed_from_logits_not_clipped():
    model = build_model("extreme_logits")
    compile_model(model, "extreme_logits")
    loss = model.test_on_batch(value("extreme_logits/x"), value("extreme_logits/y"),
                               return_dict=True)["loss"]
    assert loss == pytest.approx(float(value("extreme_logits/test_loss")), rel=1e-5)
    assert loss > 16.2                                   # beyond -log(1e-7): no clipping


@pytest.mark.parametrize("name", ["adam", "adam_lr01", "rmsprop", "rmsprop_momentum", "adamw",
                                  "adamw_strong", "sgd", "sgd_momentum", "sgd_nesterov"])
def test_optimizer_update_rules_match_keras(name):
    spec = value(f"optim/{name}/optimizer")
    opt = getattr(optimizers, spec["class"])(**spec["config"])
    var = Variable(value(f"optim/{name}/w0").copy(), name="v")
    for g, expected in zip(value(f"optim/{name}/grads"), value(f"optim/{name}/w_steps")):
        opt.apply_gradients([(g, var)])
        np.testing.assert_allclose(var.numpy(), expected, rtol=1e-5, atol=3e-6)


LOSS_CASES = [
    ("cce", losses.categorical_crossentropy, {}),
    ("cce_smooth01", losses.categorical_crossentropy, {"label_smoothing": 0.1}),
    ("cce_logits", losses.categorical_crossentropy, {"from_logits": True}),
    ("scce", losses.sparse_categorical_crossentropy, {}),
    ("scce_logits", losses.sparse_categorical_crossentropy, {"from_logits": True}),
    ("bce", losses.binary_crossentropy, {}),
    ("bce_smooth01", losses.binary_crossentropy, {"label_smoothing": 0.1}),
    ("bce_logits", losses.binary_crossentropy, {"from_logits": True}),
    ("bce_logits_smooth01", losses.binary_crossentropy,
     {"from_logits": True, "label_smoothing": 0.1}),
    ("mse", losses.mean_squared_error, {}),
    ("mae", losses.mean_absolute_error, {}),
]


def _loss_inputs(name):
    base = name.split("_")[0]
    base = "reg" if base in ("mse", "mae") else base
    src = f"{base}_logits" if "logits" in name else base
    return value(f"loss/{base}/y_true"), value(f"loss/{src}/y_pred")


@pytest.mark.parametrize("name, fn, kwargs", LOSS_CASES)
def test_loss_functions_match_keras(name, fn, kwargs):
    y_true, y_pred = _loss_inputs(name)
    got = fn(y_true, y_pred, **kwargs).numpy()
    np.testing.assert_allclose(got, value(f"loss/{name}/value"), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["cce", "scce", "bce", "mse", "mae"])
def test_loss_objects_reduce_like_keras(name):
    y_true, y_pred = _loss_inputs(name)
    loss = losses.get({"cce": "categorical_crossentropy", "scce": "sparse_categorical_crossentropy",
                       "bce": "binary_crossentropy", "mse": "mse", "mae": "mae"}[name])
    assert loss(y_true, y_pred).item() == pytest.approx(float(value(f"loss/{name}/mean")),
                                                        rel=1e-5)


@pytest.mark.parametrize("metric, source", [("categorical_accuracy", "cce"),
                                            ("sparse_categorical_accuracy", "scce"),
                                            ("binary_accuracy", "bce")])
def test_accuracy_functions_match_keras(metric, source):
    y_true, y_pred = value(f"loss/{source}/y_true"), value(f"loss/{source}/y_pred")
    got = getattr(metrics, metric)(y_true, y_pred)
    np.testing.assert_array_equal(got, value(f"metric/{metric}/value"))


def test_batch_normalization_forward_and_moving_statistics_match_keras():
    bn = BatchNormalization()
    x = value("bn_forward/x")
    bn.build(x.shape)
    bn.built = True
    bn.set_weights(weights("bn_forward/w0"))
    np.testing.assert_allclose(bn(x, training=True).numpy(), value("bn_forward/y_train"),
                               rtol=1e-5, atol=1e-6)
    for w, ref in zip(bn.get_weights(), weights("bn_forward/w1")):
        np.testing.assert_allclose(w, ref, rtol=1e-6)
    np.testing.assert_allclose(bn(x, training=False).numpy(), value("bn_forward/y_infer"),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", ["fit", "fit_split"])
def test_fit_history_matches_keras(case):
    model = build_model(case)
    compile_model(model, case)
    kwargs = value(f"{case}/fit_kwargs")
    extra = {"validation_data": (value("fit/xv"), value("fit/yv"))} if case == "fit" else {}
    history = model.fit(value(f"{case}/x"), value(f"{case}/y"), **kwargs, **extra)
    ref = value(f"{case}/history")
    assert list(history.history) == list(ref)
    for key in ref:
        np.testing.assert_allclose(history.history[key], ref[key], rtol=1e-5, err_msg=key)
    assert history.params == value(f"{case}/params")
    for w, r in zip(model.get_weights(), weights(f"{case}/w1")):
        np.testing.assert_allclose(w, r, rtol=1e-4, atol=1e-5)

"""Penalties in the loss and constraints after each step, against tf.keras 2.12.

Three Sequential models (tests/fixtures/make_keras_regularizers_reference.py) with every
regularizer and constraint argument of Dense, Conv1D, Conv2D, Conv2DTranspose,
SeparableConv2D, DepthwiseConv2D, Embedding, BatchNormalization, LayerNormalization and PReLU
take three `train_on_batch` steps from Keras' weights: the returned losses include the
penalties, the weights after the steps are constrained, and `model.losses` lists Keras'
values in Keras' order.
"""
import json
from pathlib import Path

import numpy as np
import pytest

from chainrule import layers, optimizers
from chainrule.models import Sequential

FIXTURE = Path(__file__).parents[1] / "fixtures" / "keras_regularizers_reference.npz"
with np.load(FIXTURE) as _f:
    REF = {k: _f[k] for k in _f.files}
CASES = sorted({k.split("/")[1] for k in REF if k.startswith("fit/")})


def js(key):
    return json.loads(str(REF[key]))


def build(case):
    """Our model from the constructor arguments Keras got, with Keras' initial weights."""
    spec, inp = js(f"fit/{case}/spec"), js(f"fit/{case}/input")
    model = Sequential([layers.Input(tuple(inp["shape"]), dtype=inp["dtype"]),
                        *[getattr(layers, s["class"])(**s["args"]) for s in spec]])
    opt = js(f"fit/{case}/optimizer")
    model.compile(getattr(optimizers, opt["class"])(**opt["config"]), str(REF[f"fit/{case}/loss"]))
    model.set_weights([REF[f"fit/{case}/w{k}"] for k in range(len(model.weights))])
    return model


@pytest.mark.parametrize("case", CASES)
def test_train_on_batch_losses_and_constrained_weights_match_keras(case):
    model = build(case)
    x, y = REF[f"fit/{case}/x"], REF[f"fit/{case}/y"]
    losses = [model.train_on_batch(x, y) for _ in range(3)]
    np.testing.assert_allclose(losses, REF[f"fit/{case}/losses"], rtol=2e-5)
    for k, w in enumerate(model.get_weights()):
        np.testing.assert_allclose(w, REF[f"fit/{case}/after{k}"], rtol=1e-4, atol=2e-6,
                                   err_msg=model.weights[k].name)


@pytest.mark.parametrize("case", CASES)
def test_model_losses_and_evaluate_match_keras(case):
    model = build(case)
    x, y = REF[f"fit/{case}/x"], REF[f"fit/{case}/y"]
    for _ in range(3):
        model.train_on_batch(x, y)
    model(x)
    np.testing.assert_allclose([float(v) for v in model.losses],
                               REF[f"fit/{case}/model_losses"], rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), REF[f"fit/{case}/evaluate"],
                               rtol=1e-4)


@pytest.mark.parametrize("case", CASES)
def test_layer_configs_match_keras(case):
    """Every key of Keras' config, regularizers and constraints in their serialized form."""
    model = build(case)
    for layer, theirs in zip(model.layers, js(f"fit/{case}/configs")):
        ours = json.loads(json.dumps(layer.get_config()))
        ours.pop("name"), theirs.pop("name")
        if layer.__class__.__name__ == "BatchNormalization":
            theirs.pop("axis"), ours.pop("axis")   # Keras writes the built axis ([3]): not ours
        assert ours == theirs

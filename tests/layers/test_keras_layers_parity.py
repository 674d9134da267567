"""Issue 12's layers against tf.keras 2.12 (tests/fixtures/keras_layers_reference.npz).

Each case rebuilds the layer from the constructor arguments Keras got, loads the same
weights, and compares forward output, input and weight gradients (loss = sum(y * gy)),
weight names, get_config and the summary table.
"""
import json
from pathlib import Path

import numpy as np
import pytest

from chainrule import layers
from chainrule.autodiff import Tensor
from chainrule.models import Model, Sequential

FIXTURE = Path(__file__).parents[1] / "fixtures" / "keras_layers_reference.npz"
with np.load(FIXTURE) as _f:
    REF = {k: _f[k] for k in _f.files}
CASES = sorted({k.split("/")[0] for k in REF} - {"meta"})


def js(key):
    return json.loads(str(REF[key]))


def build(case):
    spec = js(f"{case}/spec")
    layer = getattr(layers, spec["class"])(**spec["args"])
    inputs = [REF[f"{case}/x{i}"] for i in range(len(spec["shapes"]))]
    return layer, inputs, spec


def run(case):
    """Our layer on the fixture's inputs and weights: (layer, y, input tensors)."""
    layer, inputs, spec = build(case)
    xs = [Tensor(x, requires_grad=not spec["int_input"]) for x in inputs]
    layer(xs if len(xs) > 1 else xs[0])                 # builds
    weights = [REF[f"{case}/w{i}"] for i in range(len(layer.weights))]
    layer.set_weights(weights)
    y = layer(xs if len(xs) > 1 else xs[0], training=False)
    y.backward(REF[f"{case}/gy"])
    return layer, y, xs


@pytest.mark.parametrize("case", CASES)
def test_forward_and_gradients_match_keras(case):
    layer, y, xs = run(case)
    np.testing.assert_allclose(y.data, REF[f"{case}/y"], rtol=2e-5, atol=2e-6)
    for i, x in enumerate(xs):
        if f"{case}/gx{i}" in REF:
            np.testing.assert_allclose(x.grad, REF[f"{case}/gx{i}"], rtol=2e-5, atol=2e-6)
    for i, w in enumerate(layer.weights):
        np.testing.assert_allclose(w.grad, REF[f"{case}/gw{i}"], rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("case", CASES)
def test_weight_names_and_order_match_keras(case):
    layer, _, _ = run(case)
    assert [w.name for w in layer.weights] == js(f"{case}/weight_names")


def same(ours, theirs) -> bool:
    if isinstance(theirs, float) and isinstance(ours, int | float):
        return np.isclose(ours, theirs, rtol=1e-6)
    if isinstance(theirs, dict) and isinstance(ours, dict):
        return ours.keys() == theirs.keys() and all(same(ours[k], theirs[k]) for k in theirs)
    return ours == theirs


@pytest.mark.parametrize("case", CASES)
def test_config_matches_keras(case):
    layer, _, _ = run(case)
    ours = json.loads(json.dumps(layer.get_config()))
    theirs = js(f"{case}/config")
    assert set(ours) == set(theirs)
    wrong = {k: (ours[k], v) for k, v in theirs.items() if not same(ours[k], v)}
    assert not wrong
    clone = type(layer).from_config(ours)
    assert json.loads(json.dumps(clone.get_config())) == ours


@pytest.mark.parametrize("case", CASES)
def test_summary_matches_keras(case, capsys):
    layer, _, spec = build(case)
    dtype = "int32" if spec["int_input"] else "float32"
    symbolic = [layers.Input(s[1:], dtype=dtype) for s in spec["shapes"]]
    if len(symbolic) > 1:
        model = Model(symbolic, layer(symbolic))
    else:
        model = Sequential([symbolic[0].layer, layer])
    model.summary()
    assert capsys.readouterr().out == str(REF[f"{case}/summary"])

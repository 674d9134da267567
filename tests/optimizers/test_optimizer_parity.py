"""Five steps of every optimizer on the same two variables, against tf.keras 2.12 (and Keras 3
for Lion), to float32 rounding: tests/fixtures/make_keras*_optimizer_reference.py."""
import json
from pathlib import Path

import numpy as np
import pytest

from chainrule import optimizers
from chainrule.layers import Variable

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _load(name):
    with np.load(FIXTURES / name) as f:
        return {k: f[k] for k in f.files}


KERAS2 = _load("keras_optimizer_reference.npz")
KERAS3 = _load("keras3_optimizer_reference.npz")
VARS = {k: KERAS2[f"vars/{k}"] for k in ("w0", "b0", "gw", "gb")}


def _cases(ref):
    return sorted(k[: -len("/spec")] for k in ref if k.endswith("/spec")
                  and not k.startswith("schedule/"))


def build(spec):
    config = dict(spec["config"])
    rate = config.get("learning_rate")
    if isinstance(rate, dict):
        config["learning_rate"] = getattr(optimizers.schedules, rate["schedule"])(
            **rate["config"])
    namespace = optimizers.legacy if spec["module"] == "legacy" else optimizers
    return getattr(namespace, spec["class"])(**config)


def run_steps(opt, steps=range(5)):
    w, b = Variable(VARS["w0"].copy(), name="w"), Variable(VARS["b0"].copy(), name="b")
    trace = []
    for step in steps:
        opt.apply_gradients([(VARS["gw"][step], w), (VARS["gb"][step], b)])
        trace.append((w.numpy().copy(), b.numpy().copy(), float(opt.learning_rate)))
    return w, b, trace


@pytest.mark.parametrize("ref, case", [(KERAS2, c) for c in _cases(KERAS2)]
                         + [(KERAS3, c) for c in _cases(KERAS3)],
                         ids=lambda x: x if isinstance(x, str) else "")
def test_five_steps_match_keras(ref, case):
    spec = json.loads(str(ref[f"{case}/spec"]))
    opt = build(spec)
    w, b, trace = run_steps(opt)
    for step, (w_now, b_now, lr) in enumerate(trace):
        np.testing.assert_allclose(w_now, ref[f"{case}/w"][step], rtol=2e-5, atol=2e-6,
                                   err_msg=f"{case}: w after step {step + 1}")
        np.testing.assert_allclose(b_now, ref[f"{case}/b"][step], rtol=2e-5, atol=2e-6,
                                   err_msg=f"{case}: b after step {step + 1}")
        if f"{case}/lr" in ref and not np.isnan(ref[f"{case}/lr"][step]):
            assert lr == pytest.approx(float(ref[f"{case}/lr"][step]), rel=1e-6)
    if f"{case}/final_w" in ref:
        opt.finalize_variable_values([w, b])
        np.testing.assert_allclose(w.numpy(), ref[f"{case}/final_w"], rtol=2e-5, atol=2e-6)
        np.testing.assert_allclose(b.numpy(), ref[f"{case}/final_b"], rtol=2e-5, atol=2e-6)


def test_the_fixture_covers_every_family_and_legacy_class():
    classes = {(s["module"], s["class"]) for ref in (KERAS2, KERAS3) for c in _cases(ref)
               for s in [json.loads(str(ref[f"{c}/spec"]))]}
    for name in ("Nadam", "Adamax", "Adadelta", "Ftrl", "Lion", "Adagrad", "SGD", "Adam"):
        assert ("optimizers", name) in classes
    assert {name for module, name in classes if module == "legacy"} == set(
        optimizers.legacy.CLASSES)

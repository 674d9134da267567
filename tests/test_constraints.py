"""chainrule.constraints against tf.keras 2.12 (tests/fixtures/keras_regularizers_reference.npz):
outputs and serialized forms; names, errors, dtypes and custom constraints."""
import json
from pathlib import Path

import numpy as np
import pytest

from chainrule import constraints, layers
from chainrule.autodiff import Tensor
from chainrule.layers.registry import custom_object_scope

FIXTURE = Path(__file__).parent / "fixtures" / "keras_regularizers_reference.npz"
with np.load(FIXTURE) as _f:
    REF = {k: _f[k] for k in _f.files}
CASES = sorted({int(k.split("/")[1]) for k in REF if k.startswith("con/")})


def js(key):
    return json.loads(str(REF[key]))


@pytest.mark.parametrize("case", CASES)
def test_output_matches_keras(case):
    constraint = constraints.get(js(f"con/{case}/spec"))
    w = REF[str(REF[f"con/{case}/w"])]
    out = constraint(w)
    assert out.dtype == np.float32 and out.shape == w.shape
    np.testing.assert_allclose(out, REF[f"con/{case}/out"], rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(constraint(Tensor(w)), out)      # a weight works the same


@pytest.mark.parametrize("case", CASES)
def test_serialized_form_matches_keras_and_round_trips(case):
    constraint = constraints.get(js(f"con/{case}/spec"))
    serialized = constraints.serialize(constraint)
    assert serialized == js(f"con/{case}/serialized")
    assert constraints.serialize(constraints.deserialize(serialized)) == serialized


def test_names_and_aliases():
    for name, cls in [("max_norm", constraints.MaxNorm), ("min_max_norm", constraints.MinMaxNorm),
                      ("non_neg", constraints.NonNeg), ("unit_norm", constraints.UnitNorm),
                      ("MaxNorm", constraints.MaxNorm),
                      ("radial_constraint", constraints.RadialConstraint)]:
        assert type(constraints.get(name)) is cls
    assert constraints.max_norm is constraints.MaxNorm and constraints.get(None) is None
    assert constraints.serialize(constraints.min_max_norm(0.1)) == {
        "class_name": "MinMaxNorm",
        "config": {"min_value": 0.1, "max_value": 1.0, "rate": 1.0, "axis": 0}}


def test_norms_along_axes(rng):
    w = rng.standard_normal((3, 3, 2, 4)).astype(np.float32)
    unit = constraints.UnitNorm(axis=[0, 1, 2])(w)
    np.testing.assert_allclose(np.sqrt((unit ** 2).sum(axis=(0, 1, 2))), 1.0, rtol=1e-5)
    capped = constraints.MaxNorm(0.5, axis=[0, 1, 2])(w)
    assert np.all(np.sqrt((capped ** 2).sum(axis=(0, 1, 2))) <= 0.5 + 1e-6)
    np.testing.assert_array_equal(constraints.MaxNorm(100.0)(w) / w > 0.999, True)
    assert constraints.NonNeg()(w).min() == 0.0
    assert constraints.Constraint()(w) is w


def test_errors_are_keras():
    with pytest.raises(ValueError, match="Could not interpret constraint function identifier: 3"):
        constraints.get(3)
    with pytest.raises(ValueError, match="Unknown constraint: 'foo'"):
        constraints.get("foo")
    with pytest.raises(ValueError, match=r"must have rank 4. Received weight tensor with shape: "
                                         r"\(3, 3\)"):
        constraints.RadialConstraint()(np.ones((3, 3), np.float32))
    with pytest.raises(ValueError, match="expects a square kernel"):
        constraints.RadialConstraint()(np.ones((3, 4, 1, 1), np.float32))


def clip_to_one(w):
    """A custom constraint: a plain function of the weight's array."""
    return np.clip(w, -1.0, 1.0)


class Shrink(constraints.Constraint):
    def __init__(self, by=0.5):
        self.by = by

    def __call__(self, w):
        return w * self.by

    def get_config(self):
        return {"by": self.by}


def test_custom_constraints_in_a_layer_config():
    dense = layers.Dense(2, kernel_constraint=clip_to_one, bias_constraint=Shrink(0.25))
    config = dense.get_config()
    assert config["kernel_constraint"] == "clip_to_one"
    assert config["bias_constraint"] == {"class_name": "Shrink", "config": {"by": 0.25}}
    with custom_object_scope({"clip_to_one": clip_to_one, "Shrink": Shrink}):
        clone = layers.Dense.from_config(config)
    assert clone.kernel_constraint is clip_to_one and clone.bias_constraint.by == 0.25

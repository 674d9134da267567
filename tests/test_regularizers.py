"""chainrule.regularizers against tf.keras 2.12 (tests/fixtures/keras_regularizers_reference.npz):
penalty values, gradients and serialized forms; float64 gradient checks; Keras' errors."""
import json
from pathlib import Path

import numpy as np
import pytest

from chainrule import layers, regularizers
from chainrule.autodiff import Tensor, check_grad
from chainrule.layers.registry import custom_object_scope

FIXTURE = Path(__file__).parent / "fixtures" / "keras_regularizers_reference.npz"
with np.load(FIXTURE) as _f:
    REF = {k: _f[k] for k in _f.files}
CASES = sorted({int(k.split("/")[1]) for k in REF if k.startswith("reg/")})


def js(key):
    return json.loads(str(REF[key]))


@pytest.mark.parametrize("case", CASES)
def test_penalty_and_its_gradient_match_keras(case):
    regularizer = regularizers.get(js(f"reg/{case}/spec"))
    w = Tensor(REF["w2"], requires_grad=True)
    penalty = regularizer(w)
    assert penalty.dtype == np.float32
    np.testing.assert_allclose(penalty.item(), REF[f"reg/{case}/value"], rtol=1e-6, atol=1e-7)
    if penalty.requires_grad:
        penalty.backward()
        np.testing.assert_allclose(w.grad, REF[f"reg/{case}/grad"], rtol=1e-5, atol=1e-7)
    else:
        assert not REF[f"reg/{case}/grad"].any()


@pytest.mark.parametrize("case", CASES)
def test_serialized_form_matches_keras_and_round_trips(case):
    regularizer = regularizers.get(js(f"reg/{case}/spec"))
    serialized = regularizers.serialize(regularizer)
    assert serialized == js(f"reg/{case}/serialized")
    assert regularizers.serialize(regularizers.deserialize(serialized)) == serialized


@pytest.mark.parametrize("case", CASES)
def test_penalty_gradient_float64(case, rng):
    regularizer = regularizers.get(js(f"reg/{case}/spec"))
    w = rng.standard_normal((5, 3)) + 0.1             # away from the kink of |x| at 0
    value = regularizer(Tensor(w))
    assert value.dtype == np.float64
    if isinstance(regularizer, regularizers.L1L2) and not (regularizer.l1 or regularizer.l2):
        assert value.item() == 0.0
    else:
        assert check_grad(regularizer, [w])


def test_names_stand_for_keras_defaults():
    assert regularizers.get("l2").get_config() == {"l2": np.float32(0.01).item()}
    assert regularizers.get("L1L2").get_config() == {"l1": 0.0, "l2": 0.0}
    assert regularizers.get("l1_l2").get_config() == {"l1": np.float32(0.01).item(),
                                                     "l2": np.float32(0.01).item()}
    assert regularizers.l1_l2(l2=0.5).get_config()["l2"] == 0.5
    assert isinstance(regularizers.get("orthogonal_regularizer"),
                      regularizers.OrthogonalRegularizer)
    assert regularizers.L1(l=0.3).get_config() == {"l1": np.float32(0.3).item()}
    assert regularizers.L2(None).l2 == np.float32(0.01)
    assert regularizers.get(None) is None


def test_errors_are_keras():
    with pytest.raises(ValueError, match="Value a is not a valid regularization penalty number, "
                                         "expected an int or float value"):
        regularizers.L1("a")
    with pytest.raises(ValueError, match="an infinite number or NaN are not valid values"):
        regularizers.L2(float("nan"))
    with pytest.raises(TypeError, match=r"Argument\(s\) not recognized: \{'l2': 3\}"):
        regularizers.L1(l2=3)
    with pytest.raises(ValueError, match='Expected one of {"rows", "columns"}. Received: mode=x'):
        regularizers.OrthogonalRegularizer(mode="x")
    with pytest.raises(ValueError, match="must have rank 2"):
        regularizers.OrthogonalRegularizer()(np.ones((2, 2, 2), np.float32))
    with pytest.raises(ValueError, match="Could not interpret regularizer identifier: 3"):
        regularizers.get(3)
    with pytest.raises(ValueError, match="Unknown regularizer: 'l3'"):
        regularizers.get("l3")


def sum_of_cubes(x):
    """A custom penalty: a plain function, serialized by name as Keras does."""
    return (x * x * x).sum()


class Scaled(regularizers.Regularizer):
    """A custom Regularizer with get_config, loaded back through custom objects."""

    def __init__(self, factor=1.0):
        self.factor = factor

    def __call__(self, x):
        return (x * x).sum() * self.factor

    def get_config(self):
        return {"factor": self.factor}


def test_custom_function_and_subclass_in_a_layer_config():
    dense = layers.Dense(2, kernel_regularizer=sum_of_cubes, bias_regularizer=Scaled(3.0))
    dense(np.ones((1, 3), np.float32))
    config = dense.get_config()
    assert config["kernel_regularizer"] == "sum_of_cubes"
    assert config["bias_regularizer"] == {"class_name": "Scaled", "config": {"factor": 3.0}}
    with pytest.raises(ValueError, match="Unknown regularizer: 'sum_of_cubes'"):
        layers.Dense.from_config(config)
    with custom_object_scope({"Scaled": Scaled, "sum_of_cubes": sum_of_cubes}):
        clone = layers.Dense.from_config(config)
    assert clone.kernel_regularizer is sum_of_cubes
    assert isinstance(clone.bias_regularizer, Scaled) and clone.bias_regularizer.factor == 3.0
    clone(np.ones((1, 3), np.float32))
    clone.set_weights(dense.get_weights())
    assert [v.item() for v in clone.losses] == [v.item() for v in dense.losses]


def test_base_class_needs_get_config_to_be_saved():
    with pytest.raises(NotImplementedError, match="does not implement get_config"):
        regularizers.Regularizer().get_config()
    assert regularizers.Regularizer()(np.ones(3)) == 0.0

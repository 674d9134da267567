"""Lambda: calls, output shapes, and configs that name functions; marshalled code is refused
unless safe_mode=False."""
import json

import numpy as np
import pytest

from chainrule import layers, ops


def double_plus(x, offset=0.0):
    """A named module-level function, so a config can name it."""
    return x * 2.0 + offset


def test_lambda_calls_its_function_with_arguments(rng):
    x = rng.standard_normal((2, 3)).astype(np.float32)
    layer = layers.Lambda(double_plus, arguments={"offset": 1.0})
    np.testing.assert_allclose(layer(x).data, x * 2 + 1, rtol=1e-6)


def test_lambda_output_shape_is_found_by_running_it():
    layer = layers.Lambda(lambda t: ops.reshape(t, (t.shape[0], -1)))
    assert layer.compute_output_shape((None, 3, 4)) == (None, 12)
    assert layers.Lambda(double_plus, output_shape=(7,)).compute_output_shape((None, 3)) == \
        (None, 7)


def test_named_function_config_round_trips():
    layer = layers.Lambda(double_plus)
    cfg = json.loads(json.dumps(layer.get_config()))
    assert cfg["function"] == "double_plus" and cfg["function_type"] == "function"
    assert cfg["module"] == __name__
    assert layers.Lambda.from_config(cfg).function is double_plus
    assert layers.Lambda.from_config({**cfg, "module": "nowhere"},
                                     custom_objects={"double_plus": double_plus}).function \
        is double_plus


def test_unknown_named_function_asks_for_custom_objects():
    cfg = {**layers.Lambda(double_plus).get_config(), "function": "missing_fn"}
    with pytest.raises(ValueError, match="could not find function 'missing_fn'"):
        layers.Lambda.from_config(cfg)


def test_marshalled_lambda_is_refused_in_safe_mode(rng):
    layer = layers.Lambda(lambda t: t * 3.0)
    cfg = json.loads(json.dumps(layer.get_config()))
    assert cfg["function_type"] == "lambda"
    with pytest.raises(ValueError, match="safe_mode=False"):
        layers.Lambda.from_config(cfg)
    x = rng.standard_normal((2, 2)).astype(np.float32)
    clone = layers.Lambda.from_config(cfg, safe_mode=False)
    np.testing.assert_allclose(clone(x).data, x * 3, rtol=1e-6)


def test_lambda_needs_a_callable():
    with pytest.raises(TypeError, match="Lambda expects a callable `function`"):
        layers.Lambda(5)

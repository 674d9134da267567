"""Initializers: Keras' fans and limits, truncated variance, constants, lookup, seeding."""
import json
import math

import numpy as np
import pytest

import chainrule
from chainrule import initializers, layers
from chainrule.models import Sequential


def truncated_variance(k: float = 2.0) -> float:
    """Variance of a standard normal truncated to [-k, k]: 1 - 2k phi(k) / (Phi(k) - Phi(-k))."""
    phi = math.exp(-k * k / 2) / math.sqrt(2 * math.pi)
    mass = math.erf(k / math.sqrt(2))
    return 1 - 2 * k * phi / mass


# --- fans and scaling ----------------------------------------------------------------------

@pytest.mark.parametrize("shape, fans", [((5,), (5, 5)), ((30, 20), (30, 20)),
                                         ((3, 3, 16, 32), (144, 288)), ((5, 2, 3, 4), (30, 40))])
def test_compute_fans_counts_the_receptive_field(shape, fans):
    assert initializers.compute_fans(shape) == fans


@pytest.mark.parametrize("shape, fan_in, fan_out", [((3, 3, 64, 128), 576, 1152),
                                                    ((400, 300), 400, 300)])
def test_glorot_uniform_limit(shape, fan_in, fan_out):
    w = initializers.GlorotUniform(seed=1)(shape)
    limit = math.sqrt(6 / (fan_in + fan_out))
    assert w.dtype == np.float32
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.999 * limit
    assert w.var() == pytest.approx(limit**2 / 3, rel=0.02)          # Uniform(-l, l): l^2 / 3
    assert abs(w.mean()) < 0.01 * limit


def test_he_normal_is_truncated_with_variance_two_over_fan_in():
    shape = (3, 3, 32, 64)
    fan_in = 3 * 3 * 32
    w = initializers.HeNormal(seed=2)(shape).astype(np.float64)
    stddev = math.sqrt(2 / fan_in) / math.sqrt(truncated_variance())  # widened before cutting
    assert np.abs(w).max() <= 2 * stddev
    assert np.abs(w).max() > 0.99 * 2 * stddev
    assert w.var() == pytest.approx(2 / fan_in, rel=0.03)


def test_the_truncation_constant_is_the_truncated_standard_deviation():
    assert math.sqrt(truncated_variance()) == pytest.approx(0.87962566103423978, rel=1e-12)


@pytest.mark.parametrize("cls, scale", [(initializers.HeUniform, 2.0),
                                        (initializers.LecunUniform, 1.0)])
def test_scaled_uniform_limits_use_fan_in(cls, scale):
    w = cls(seed=3)((200, 100))
    limit = math.sqrt(3 * scale / 200)
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.999 * limit


def test_variance_scaling_modes():
    shape = (100, 400)
    for mode, n in [("fan_in", 100), ("fan_out", 400), ("fan_avg", 250)]:
        init = initializers.VarianceScaling(2.0, mode, "uniform", seed=0)
        assert np.abs(init(shape)).max() <= math.sqrt(3 * 2.0 / n)
    w = initializers.VarianceScaling(1.0, "fan_in", "untruncated_normal", seed=0)((100, 1000))
    assert w.var() == pytest.approx(1 / 100, rel=0.03)
    assert np.abs(w).max() > 3 * math.sqrt(1 / 100)                    # not truncated


@pytest.mark.parametrize("kwargs, message", [
    ({"mode": "fan_sum"}, "Invalid `mode` argument"),
    ({"distribution": "cauchy"}, "Invalid `distribution`")])
def test_variance_scaling_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        initializers.VarianceScaling(**kwargs)


def test_random_normal_uniform_truncated():
    n = initializers.RandomNormal(mean=1.0, stddev=0.5, seed=0)((100_000,))
    assert n.mean() == pytest.approx(1.0, abs=0.01)
    assert n.std() == pytest.approx(0.5, rel=0.02)
    u = initializers.RandomUniform(-2.0, 3.0, seed=0)((10_000,))
    assert u.min() >= -2.0 and u.max() < 3.0
    t = initializers.TruncatedNormal(mean=0.0, stddev=0.1, seed=0)((10_000,))
    assert np.abs(t).max() <= 0.2


# --- constants and dtypes ------------------------------------------------------------------

def test_zeros_ones_constant():
    np.testing.assert_array_equal(initializers.Zeros()((2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(initializers.Ones()((4,)), np.ones(4))
    np.testing.assert_array_equal(initializers.Constant(2.5)((2, 2)), np.full((2, 2), 2.5))
    assert initializers.Zeros()((2,)).dtype == np.float32


@pytest.mark.parametrize("init", [initializers.Ones(), initializers.GlorotUniform(seed=0),
                                  initializers.HeNormal(seed=0), initializers.RandomNormal(seed=0)])
def test_dtype_argument(init):
    assert init((3, 3), dtype="float64").dtype == np.float64


# --- lookup and serialization --------------------------------------------------------------

@pytest.mark.parametrize("identifier, cls", [
    ("glorot_uniform", initializers.GlorotUniform), ("GlorotUniform", initializers.GlorotUniform),
    ("he_normal", initializers.HeNormal), ("zeros", initializers.Zeros),
    ("Ones", initializers.Ones), ("truncated_normal", initializers.TruncatedNormal),
    ({"class_name": "Constant", "config": {"value": 3.0}}, initializers.Constant)])
def test_get_by_name_class_name_or_config(identifier, cls):
    assert type(initializers.get(identifier)) is cls


def test_get_passes_instances_and_callables_through():
    init = initializers.Constant(1.0)
    assert initializers.get(init) is init

    def custom(shape, dtype=None):
        return np.zeros(shape, dtype)

    assert initializers.get(custom) is custom


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"Unknown initializer: 'glorot'.*'glorot_uniform'"):
        initializers.get("glorot")


def test_uninterpretable_identifier():
    with pytest.raises(TypeError, match="Could not interpret initializer identifier: 3"):
        initializers.get(3)


def test_unknown_class_in_config():
    with pytest.raises(ValueError, match="Unknown initializer class: 'Nope'"):
        initializers.get({"class_name": "Nope", "config": {}})


@pytest.mark.parametrize("init", [initializers.Constant(0.5), initializers.GlorotUniform(seed=4),
                                  initializers.RandomNormal(0.1, 0.2, seed=5),
                                  initializers.VarianceScaling(2.0, "fan_out", "uniform", seed=6)])
def test_serialize_round_trips_through_json(init):
    config = json.loads(json.dumps(initializers.serialize(init)))
    assert config["class_name"] == type(init).__name__
    clone = initializers.deserialize(config)
    np.testing.assert_array_equal(clone((4, 5)), type(init).from_config(init.get_config())((4, 5)))


def test_same_seed_same_values_and_repeated_calls_differ():
    a, b = initializers.GlorotUniform(seed=7), initializers.GlorotUniform(seed=7)
    first = a((5, 5))
    np.testing.assert_array_equal(first, b((5, 5)))
    assert not np.array_equal(first, a((5, 5)))


# --- set_random_seed -----------------------------------------------------------------------

def build_model():
    chainrule.clear_session()
    return Sequential([layers.Conv2D(4, 3, input_shape=(8, 8, 2)), layers.BatchNormalization(),
                       layers.Flatten(), layers.Dense(5, kernel_initializer="he_normal")])


def test_set_random_seed_makes_builds_repeatable():
    chainrule.set_random_seed(42)
    first = build_model().get_weights()
    chainrule.set_random_seed(42)
    second = build_model().get_weights()
    assert len(first) == len(second) == 8
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    chainrule.set_random_seed(43)
    third = build_model().get_weights()
    assert not np.array_equal(first[0], third[0])


@pytest.mark.parametrize("seed", [-1, 1.5, "1"])
def test_set_random_seed_rejects_bad_seeds(seed):
    with pytest.raises(ValueError, match="seed="):
        chainrule.set_random_seed(seed)

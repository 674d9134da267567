"""Elementwise arithmetic: gradients (float64, random upstream), NumPy values, dtypes."""
import numpy as np
import pytest

from chainrule import ops
from chainrule.autodiff import Tensor, check_grad


def normal(rng, shape):
    return rng.standard_normal(shape)


def positive(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


def away_from_zero(rng, shape):
    """|x| in [0.2, 1.5]: finite differences never straddle the kink at 0."""
    return rng.uniform(0.2, 1.5, shape) * rng.choice([-1.0, 1.0], shape)


def away_from_half(rng, shape):
    """Values near 0.2 or 0.8 in size, never within 0.1 of the clip bounds +-0.5."""
    size = rng.choice([0.2, 0.8], shape) + rng.uniform(-0.15, 0.15, shape)
    return size * rng.choice([-1.0, 1.0], shape)


UNARY = {  # name: (op, sampler, NumPy reference)
    "neg": (ops.neg, normal, np.negative),
    "exp": (ops.exp, normal, np.exp),
    "log": (ops.log, positive, np.log),
    "sqrt": (ops.sqrt, positive, np.sqrt),
    "abs": (ops.abs, away_from_zero, np.abs),
    "square": (ops.square, normal, np.square),
    "power": (lambda a: ops.power(a, 3), normal, lambda a: a**3),
    "power_fractional": (lambda a: ops.power(a, 1.5), positive, lambda a: a**1.5),
    "power_negative": (lambda a: ops.power(a, -2), positive, lambda a: 1.0 / (a * a)),
    "clip": (lambda a: ops.clip(a, -0.5, 0.5), away_from_half, lambda a: np.clip(a, -0.5, 0.5)),
}

BINARY = {  # name: (op, NumPy reference); `b` is sampled away from 0
    "add": (ops.add, np.add),
    "sub": (ops.sub, np.subtract),
    "mul": (ops.mul, np.multiply),
    "div": (ops.div, np.divide),
}

SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 3, 4), (3, 1)), ((1, 4), (3, 1)), ((3,), ())]


def test_every_arithmetic_op_is_covered():
    names = {n for n in ops.__all__ if getattr(ops, n).__module__ == "chainrule.ops.arithmetic"}
    covered = {n.split("_")[0] for n in UNARY} | set(BINARY) | {"maximum"}
    assert names == covered


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_gradients(rng, name):
    op, sample, _ = UNARY[name]
    check_grad(op, (sample(rng, (3, 4)),))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_values_and_float32(rng, name):
    op, sample, ref = UNARY[name]
    a = sample(rng, (3, 4))
    np.testing.assert_allclose(op(Tensor(a)).data, ref(a), rtol=1e-12)
    assert op(Tensor(a.astype(np.float32))).dtype == np.float32


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shape_a, shape_b", SHAPES)
def test_binary_gradients_with_broadcasting(rng, name, shape_a, shape_b):
    op, _ = BINARY[name]
    check_grad(op, (normal(rng, shape_a), away_from_zero(rng, shape_b)))


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shape_a, shape_b", SHAPES)
def test_binary_values_and_float32(rng, name, shape_a, shape_b):
    op, ref = BINARY[name]
    a, b = normal(rng, shape_a), away_from_zero(rng, shape_b)
    np.testing.assert_allclose(op(Tensor(a), Tensor(b)).data, ref(a, b), rtol=1e-12)
    out = op(Tensor(a.astype(np.float32)), Tensor(b.astype(np.float32)))
    assert out.dtype == np.float32
    assert out.shape == np.broadcast_shapes(shape_a, shape_b)


def untied_pair(rng, shape_b):
    """a of shape (3, 4) equal to b +- [0.2, 1.5] everywhere: never a tie after broadcasting."""
    b = normal(rng, shape_b)
    a = np.broadcast_to(b, (3, 4)) + away_from_zero(rng, (3, 4))
    return a, b


@pytest.mark.parametrize("shape_b", [(3, 4), (4,), (3, 1), ()])
def test_maximum_gradients_and_values(rng, shape_b):
    a, b = untied_pair(rng, shape_b)
    np.testing.assert_allclose(ops.maximum(Tensor(a), Tensor(b)).data, np.maximum(a, b))
    check_grad(ops.maximum, (a, b))


def test_maximum_tie_sends_the_gradient_to_the_first_argument():
    a = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = Tensor(np.array([1.0, 5.0, 0.0]), requires_grad=True)
    ops.maximum(a, b).backward(np.ones(3))
    np.testing.assert_array_equal(a.grad, [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(b.grad, [0.0, 1.0, 0.0])


def test_maximum_keeps_float32(rng):
    a, b = rng.standard_normal(3).astype(np.float32), rng.standard_normal(3).astype(np.float32)
    assert ops.maximum(Tensor(a), Tensor(b)).dtype == np.float32


def test_abs_and_clip_gradients_at_their_kinks():
    x = Tensor(np.array([-1.0, 0.0, 0.5, 1.0, 2.0]), requires_grad=True)
    ops.abs(x).backward(np.ones(5))
    np.testing.assert_array_equal(x.grad, [-1.0, 0.0, 1.0, 1.0, 1.0])    # sign(x), 0 at 0
    x.zero_grad()
    ops.clip(x, 0.0, 1.0).backward(np.ones(5))
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 1.0, 1.0, 0.0])    # inside [lo, hi]


def test_power_rejects_a_tensor_exponent():
    with pytest.raises(TypeError, match="constant Python number"):
        ops.power(Tensor([2.0]), Tensor([3.0]))


def test_scalar_operands_take_the_tensor_dtype():
    x = Tensor(np.ones(2, dtype=np.float32))
    assert ops.add(x, 1.5).dtype == np.float32
    assert ops.div(2.0, x).dtype == np.float32

"""gradcheck: it passes a correct backward and catches wrong ones, even ones a sum-seed misses."""
import numpy as np
import pytest

from chainrule import ops
from chainrule.autodiff import Function, GradientCheckError, Tensor, check_grad, gradcheck


class Cube(Function):
    """y = x^3, dy/dx = 3x^2."""

    def forward(self, x):
        self.x = x
        return x**3

    def backward(self, gy):
        return (gy * 3 * self.x**2,)


class CubeWrongBackward(Cube):
    def backward(self, gy):
        return (gy * 2 * self.x**2,)                   # should be 3x^2


class SoftmaxZeroBackward(Function):
    """Correct softmax forward, zero gradient: right only when the upstream gradient is uniform."""

    def forward(self, x):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    def backward(self, gy):
        return (np.zeros_like(gy),)


def test_check_grad_is_gradcheck():
    assert check_grad is gradcheck


def test_passes_for_a_correct_backward(rng):
    assert gradcheck(lambda x: Cube()(x), (rng.standard_normal((3, 4)),))


def test_raises_for_a_wrong_backward(rng):
    with pytest.raises(GradientCheckError, match=r"gradient of input 0 at index"):
        gradcheck(lambda x: CubeWrongBackward()(x), (rng.standard_normal((3, 4)),))


def test_gradient_check_error_is_an_assertion_error():
    assert issubclass(GradientCheckError, AssertionError)


def test_random_upstream_gradient_catches_what_a_sum_seed_misses(rng):
    x = rng.standard_normal((2, 5))
    t = Tensor(x, requires_grad=True)
    ops.softmax(t).sum().backward()                    # softmax rows sum to 1: gradient 0
    np.testing.assert_allclose(t.grad, 0.0, atol=1e-12)  # so a ones seed cannot tell
    with pytest.raises(GradientCheckError):
        gradcheck(lambda t: SoftmaxZeroBackward()(t), (x,))


def test_checks_every_input_of_a_multi_input_op(rng):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 2))
    assert gradcheck(ops.matmul, (a, b))


def test_an_input_without_gradient_needs_zero_numeric_gradient(rng):
    a, unused = rng.standard_normal(3), rng.standard_normal(3)
    assert gradcheck(lambda a, u: a * 2.0, (a, unused))


def test_large_inputs_are_sampled(rng):
    x = rng.standard_normal((50, 60))                  # 3000 entries, 400 checked
    assert gradcheck(lambda t: Cube()(t), (x,), max_checks=50)

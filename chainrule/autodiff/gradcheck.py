"""Numerical gradient check: does an op's `backward` agree with central differences?

The output is projected onto a *random* upstream gradient `gy` (chainer's `y_grad`), so the
check sees every entry of the Jacobian: with a `.sum()` seed a wrong softmax backward would
pass, because softmax(x).sum() is constant. Run in float64; float32 differences are noise.
"""
from __future__ import annotations

import numpy as np

from chainrule.autodiff.tensor import Tensor


class GradientCheckError(AssertionError):
    """Raised when analytic and numerical gradients disagree."""


def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-6, rtol: float = 1e-4,
              seed: int = 0, max_checks: int = 400) -> bool:
    """Compare `backward` of `fn(*inputs)` with central differences, in float64.

    Args:
        fn: callable taking Tensors and returning one Tensor.
        inputs: arrays (made float64 here); each gets a gradient.
        eps: finite-difference step.
        atol, rtol: tolerances for `|analytic - numeric| <= atol + rtol * |numeric|`.
        seed: seeds the random upstream gradient and the sampled coordinates.
        max_checks: coordinates checked per input; larger inputs are sampled at random.

    Returns:
        True when every checked coordinate agrees; otherwise raises GradientCheckError.
    """
    rng = np.random.default_rng(seed)
    arrays = [np.array(x, dtype=np.float64) for x in inputs]
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*tensors)
    gy = rng.standard_normal(out.shape)
    out.backward(gy)

    def projected(*values) -> float:
        return float(np.sum(fn(*(Tensor(v) for v in values)).data * gy))

    for k, (a, t) in enumerate(zip(arrays, tensors)):
        analytic = np.zeros_like(a) if t.grad is None else t.grad
        for idx in _coordinates(a.shape, max_checks, rng):
            numeric = _central_difference(projected, arrays, k, idx, eps)
            if not abs(analytic[idx] - numeric) <= atol + rtol * abs(numeric):
                raise GradientCheckError(
                    f"gradient of input {k} at index {idx}: backward gave {analytic[idx]:.8g}, "
                    f"central differences gave {numeric:.8g} (eps={eps})."
                )
    return True


check_grad = gradcheck


def _coordinates(shape, max_checks: int, rng):
    """All indices of `shape`, or `max_checks` of them drawn at random."""
    size = int(np.prod(shape))
    flat = range(size) if size <= max_checks else rng.choice(size, max_checks, replace=False)
    return [np.unravel_index(int(i), shape) for i in flat]


def _central_difference(f, arrays, k: int, idx, eps: float) -> float:
    """(f(x + eps e_idx) - f(x - eps e_idx)) / (2 eps) for input k."""
    original = arrays[k][idx]
    arrays[k][idx] = original + eps
    up = f(*arrays)
    arrays[k][idx] = original - eps
    down = f(*arrays)
    arrays[k][idx] = original
    return (up - down) / (2 * eps)

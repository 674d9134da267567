"""Special functions: the error function, for the exact GELU.

NumPy has no erf. float64 arrays get Python's exact `math.erf`, value by value (slow, but
float64 is for checking). float32 arrays get Numerical Recipes' Chebyshev fit of erfc, whose
error (< 1.2e-7 of erfc) is at float32's own resolution, in a handful of array passes.
"""
from __future__ import annotations

import math

import numpy as np

from chainrule.autodiff.function import Function
from chainrule.backend import get_array_module

_ERF_EXACT = np.frompyfunc(math.erf, 1, 1)
_ERFC_FIT = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807,
             -1.13520398, 1.48851587, -0.82215223, 0.17087277)


def _erf_fit(x, xp):
    """erf(x) = sign(x) (1 - erfc|x|), erfc(z) ~ t exp(-z^2 + P(t)), t = 1 / (1 + z/2)."""
    z = xp.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = xp.full_like(x, _ERFC_FIT[-1])
    for c in reversed(_ERFC_FIT[:-1]):                     # Horner: c0 + t (c1 + t (c2 ...))
        poly *= t
        poly += c
    poly -= z * z
    return xp.copysign(1.0 - t * xp.exp(poly), x)


def _erf(x):
    xp = get_array_module(x)
    if x.dtype != np.float64:
        return _erf_fit(x, xp).astype(x.dtype)
    if xp is np:
        return np.asarray(_ERF_EXACT(x), dtype=x.dtype)
    from cupyx.scipy.special import erf                 # CuPy ships one
    return erf(x)


class Erf(Function):
    """y = erf(x) = 2 / sqrt(pi) * integral_0^x exp(-t^2) dt."""

    def forward(self, x):
        xp = get_array_module(x)
        self.local_grad = (2.0 / math.sqrt(math.pi)) * xp.exp(-x * x)   # dy/dx
        return _erf(x)

    def backward(self, gy):
        return (gy * self.local_grad,)


def erf(x):
    """The Gauss error function, elementwise. See `Erf`.

    >>> round(float(erf(1.0).data), 6)
    0.842701
    """
    return Erf()(x)

"""Matrix product."""
from __future__ import annotations

from chainrule.autodiff.function import Function, unbroadcast


class MatMul(Function):
    """z = a @ b, batched over leading axes as NumPy does."""

    def forward(self, a, b):
        if a.ndim < 2 or b.ndim < 2 or a.shape[-1] != b.shape[-2]:
            raise ValueError(
                f"matmul: cannot multiply shapes {a.shape} and {b.shape}; expected "
                f"a.shape[-1] == b.shape[-2] (both at least 2-D)."
            )
        self.a, self.b = a, b  # for a product, the local gradient is the other operand
        return a @ b

    def backward(self, gy):
        ga = gy @ self.b.swapaxes(-1, -2)
        gb = self.a.swapaxes(-1, -2) @ gy
        return unbroadcast(ga, self.a.shape), unbroadcast(gb, self.b.shape)


def matmul(a, b):
    """a @ b. See `MatMul`."""
    return MatMul()(a, b)

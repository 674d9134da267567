"""Elementwise arithmetic. Each op caches its local gradient (or the operands it needs)."""
from __future__ import annotations

from chainrule.autodiff.function import Function, unbroadcast
from chainrule.backend import get_array_module


def wanted(fn: Function, i: int) -> bool:
    """Whether input i of a recorded op needs its gradient (a constant operand does not: its
    product and broadcast-sum would be thrown away); True outside a graph."""
    return not fn.inputs or fn.inputs[i].requires_grad


class AddOp(Function):
    """z = a + b (broadcasting)."""

    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return a + b

    def backward(self, gy):
        return unbroadcast(gy, self.shapes[0]), unbroadcast(gy, self.shapes[1])  # dz/da = dz/db = 1


class Sub(Function):
    """z = a - b (broadcasting)."""

    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return a - b

    def backward(self, gy):
        return unbroadcast(gy, self.shapes[0]), \
            unbroadcast(-gy, self.shapes[1]) if wanted(self, 1) else None


class Mul(Function):
    """z = a * b (broadcasting)."""

    def forward(self, a, b):
        self.a, self.b = a, b  # for a product, the local gradient is the other operand
        return a * b

    def backward(self, gy):
        return (unbroadcast(gy * self.b, self.a.shape) if wanted(self, 0) else None,
                unbroadcast(gy * self.a, self.b.shape) if wanted(self, 1) else None)


class Div(Function):
    """z = a / b (broadcasting)."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, gy):
        ga = gy / self.b if wanted(self, 0) else None                 # dz/da = 1/b
        gb = -gy * self.a / (self.b * self.b) if wanted(self, 1) else None  # dz/db = -a/b^2
        return (None if ga is None else unbroadcast(ga, self.a.shape),
                None if gb is None else unbroadcast(gb, self.b.shape))


class Neg(Function):
    """z = -a."""

    def forward(self, a):
        return -a

    def backward(self, gy):
        return (-gy,)


class Power(Function):
    """z = a ** p for a constant exponent p."""

    def __init__(self, p: float):
        self.p = p

    def forward(self, a):
        self.local_grad = self.p * a ** (self.p - 1)   # dz/da = p a^(p-1)
        return a ** self.p

    def backward(self, gy):
        return (gy * self.local_grad,)


class Exp(Function):
    """z = exp(a)."""

    def forward(self, a):
        self.y = get_array_module(a).exp(a)            # dz/da = exp(a) = z
        return self.y

    def backward(self, gy):
        return (gy * self.y,)


class Log(Function):
    """z = log(a)."""

    def forward(self, a):
        self.a = a
        return get_array_module(a).log(a)

    def backward(self, gy):
        return (gy / self.a,)                          # dz/da = 1/a


class Sqrt(Function):
    """z = sqrt(a)."""

    def forward(self, a):
        self.y = get_array_module(a).sqrt(a)
        return self.y

    def backward(self, gy):
        return (gy / (2 * self.y),)                    # dz/da = 1 / (2 sqrt(a))


class Abs(Function):
    """z = |a| (gradient sign(a), 0 at 0)."""

    def forward(self, a):
        xp = get_array_module(a)
        self.sign = xp.sign(a)
        return xp.abs(a)

    def backward(self, gy):
        return (gy * self.sign,)


class Maximum(Function):
    """z = max(a, b) elementwise; a tie sends the gradient to `a`."""

    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        self.a_wins = a >= b
        return get_array_module(a).maximum(a, b)

    def backward(self, gy):
        ga, gb = gy * self.a_wins, gy * ~self.a_wins
        return unbroadcast(ga, self.shapes[0]), unbroadcast(gb, self.shapes[1])


class Clip(Function):
    """z = clip(a, lo, hi); the gradient passes only where a is inside [lo, hi]."""

    def __init__(self, lo: float, hi: float):
        self.lo, self.hi = lo, hi

    def forward(self, a):
        self.inside = (a >= self.lo) & (a <= self.hi)
        return get_array_module(a).clip(a, self.lo, self.hi)

    def backward(self, gy):
        return (gy * self.inside,)


def add(a, b):
    """a + b. See `AddOp`."""
    return AddOp()(a, b)


def sub(a, b):
    """a - b. See `Sub`."""
    return Sub()(a, b)


def mul(a, b):
    """a * b. See `Mul`."""
    return Mul()(a, b)


def div(a, b):
    """a / b. See `Div`."""
    return Div()(a, b)


def neg(a):
    """-a. See `Neg`."""
    return Neg()(a)


def power(a, p: float):
    """a ** p for a Python number p. See `Power`."""
    if not isinstance(p, int | float):
        raise TypeError(f"power() supports a constant Python number exponent. Received: {p!r}")
    return Power(p)(a)


def exp(a):
    """exp(a). See `Exp`."""
    return Exp()(a)


def log(a):
    """Natural logarithm. See `Log`."""
    return Log()(a)


def sqrt(a):
    """Square root. See `Sqrt`."""
    return Sqrt()(a)


def abs(a):  # noqa: A001 - mirrors numpy's name
    """|a|. See `Abs`."""
    return Abs()(a)


def square(a):
    """a ** 2."""
    return Power(2)(a)


def maximum(a, b):
    """Elementwise max. See `Maximum`."""
    return Maximum()(a, b)


def clip(a, lo: float, hi: float):
    """Limit values to [lo, hi]. See `Clip`."""
    return Clip(lo, hi)(a)

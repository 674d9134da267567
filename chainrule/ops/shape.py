"""Ops that move values around without changing them: reshape, transpose, index, join."""
from __future__ import annotations

from chainrule.autodiff.function import Function
from chainrule.backend import get_array_module


class ReshapeOp(Function):
    """z = a.reshape(shape). The gradient is reshaped back."""

    def __init__(self, shape: tuple[int, ...]):
        self.shape = shape

    def forward(self, a):
        self.in_shape = a.shape
        return a.reshape(self.shape)

    def backward(self, gy):
        return (gy.reshape(self.in_shape),)


class Transpose(Function):
    """z = a.transpose(axes). The gradient is transposed by the inverse permutation."""

    def __init__(self, axes: tuple[int, ...] | None = None):
        self.axes = axes

    def forward(self, a):
        self.perm = self.axes if self.axes is not None else tuple(reversed(range(a.ndim)))
        return a.transpose(self.perm)

    def backward(self, gy):
        inverse = [0] * len(self.perm)
        for i, p in enumerate(self.perm):
            inverse[p] = i
        return (gy.transpose(inverse),)


class GetItem(Function):
    """z = a[index]. The gradient is scattered back into zeros (repeated indices add up)."""

    def __init__(self, index, unique: bool = False):
        self.index = index.data if hasattr(index, "creator") else index
        self.unique = unique

    def forward(self, a):
        self.in_shape, self.dtype = a.shape, a.dtype
        return a[self.index]

    def backward(self, gy):
        xp = get_array_module(gy)
        g = xp.zeros(self.in_shape, dtype=gy.dtype)
        if self.unique:                # each element read at most once: nothing to add up
            g[self.index] = gy
        else:
            xp.add.at(g, self.index, gy)  # add.at is right for repeated fancy indices
        return (g,)


class Concat(Function):
    """z = concatenate(inputs, axis). Each input gets its slice of the gradient back."""

    def __init__(self, axis: int):
        self.axis = axis

    def forward(self, *arrays):
        self.sizes = [a.shape[self.axis] for a in arrays]
        return get_array_module(*arrays).concatenate(arrays, axis=self.axis)

    def backward(self, gy):
        xp = get_array_module(gy)
        cuts = xp.cumsum(xp.asarray(self.sizes))[:-1].tolist()
        return tuple(xp.split(gy, cuts, axis=self.axis))


class Stack(Function):
    """z = stack(inputs, axis). Each input gets its index along `axis` of the gradient."""

    def __init__(self, axis: int):
        self.axis = axis

    def forward(self, *arrays):
        return get_array_module(*arrays).stack(arrays, axis=self.axis)

    def backward(self, gy):
        n = gy.shape[self.axis]
        return tuple(gy.take(i, axis=self.axis) for i in range(n))


class Pad(Function):
    """z = a padded with zeros; `pad_width` as in numpy.pad. The gradient is the inner crop."""

    def __init__(self, pad_width):
        self.pad_width = tuple(tuple(p) for p in pad_width)

    def forward(self, a):
        self.crop = tuple(slice(lo, lo + n) for (lo, _), n in zip(self.pad_width, a.shape))
        return get_array_module(a).pad(a, self.pad_width)

    def backward(self, gy):
        return (gy[self.crop],)


def reshape(a, shape: tuple[int, ...]):
    """Same values, new shape (one -1 allowed). See `ReshapeOp`."""
    return ReshapeOp(tuple(shape))(a)


def transpose(a, axes: tuple[int, ...] | None = None):
    """Permute axes (reverse them when None). See `Transpose`."""
    return Transpose(axes)(a)


def getitem(a, index, unique: bool = False):
    """a[index], for any NumPy index. See `GetItem`. `unique=True` promises that the index
    reads no element twice (a permutation, a flip), so backward assigns instead of adding."""
    return GetItem(index, unique)(a)


def concat(tensors, axis: int = -1):
    """Join tensors along an existing axis. See `Concat`."""
    return Concat(axis)(*tensors)


def stack(tensors, axis: int = 0):
    """Join tensors along a new axis. See `Stack`."""
    return Stack(axis)(*tensors)


def pad(a, pad_width):
    """Zero padding, `pad_width` as in numpy.pad. See `Pad`."""
    return Pad(pad_width)(a)


def flatten(a):
    """(batch, ...) -> (batch, prod(...)) in row-major order, as Keras' Flatten."""
    return ReshapeOp((a.shape[0], -1))(a)


class Cast(Function):
    """z = a.astype(dtype); the gradient is cast back to a's dtype."""

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, a):
        self.in_dtype = a.dtype
        return a.astype(self.dtype)

    def backward(self, gy):
        return (gy.astype(self.in_dtype),)


def cast(a, dtype):
    """Change the float type, differentiably. See `Cast`."""
    return Cast(dtype)(a)

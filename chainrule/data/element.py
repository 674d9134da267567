"""What a pipeline hands the user: NumPy arrays that also answer a TF eager tensor's `.numpy()`.

Tutorials written for tf.data treat each element as an eager tensor:
`plt.imshow(images[i].numpy().astype("uint8"))`, `class_names[labels[i]]`, `int(label)`,
`np.asarray(batch)`. `TensorValue` is a plain `np.ndarray` subclass with a `.numpy()` method, so
all of that runs and every NumPy function still takes it as an array. Indexing it down to a single
value gives a 0-d TensorValue rather than a NumPy scalar, so `labels[i].numpy()` works too.

>>> v = TensorValue.wrap(np.arange(6, dtype=np.int32).reshape(2, 3))
>>> v[1].numpy().tolist(), int(v[1, 2]), v[0, 1].numpy()
([3, 4, 5], 5, np.int32(1))
"""
from __future__ import annotations

import numpy as np

from chainrule.data.structure import map_structure


class TensorValue(np.ndarray):
    """An ndarray with TF's eager-tensor conveniences (`numpy()`), nothing else."""

    @staticmethod
    def wrap(value):
        """`value` as a TensorValue if it is an array or NumPy scalar; anything else as is."""
        if isinstance(value, TensorValue):
            return value
        if isinstance(value, np.ndarray | np.generic):
            return np.asarray(value).view(TensorValue)
        return value

    def numpy(self) -> np.ndarray | np.generic:
        """The values as a plain NumPy array (a NumPy scalar for a 0-d value), as TF gives."""
        plain = self.view(np.ndarray)
        return plain[()] if plain.ndim == 0 else plain

    def __getitem__(self, index):
        out = super().__getitem__(index)
        return TensorValue.wrap(out) if isinstance(out, np.generic) else out

    def __hash__(self) -> int:
        """A single value hashes like the NumPy scalar it stands for (so `set(labels)` works)."""
        if self.ndim:
            raise TypeError(f"unhashable type: 'TensorValue' of shape {self.shape}")
        return hash(self.item())

    def __repr__(self) -> str:
        return f"TensorValue({np.array2string(self.view(np.ndarray))}, shape={self.shape}, " \
               f"dtype={self.dtype})"


def wrap_element(element):
    """Every array leaf of a (nested) dataset element as a TensorValue.

    A scalar leaf stays the NumPy scalar `as_numpy_iterator` gives (`np.int64(3)`): it already
    works as an index, in `int()` and in formatting. Items indexed out of a batch are wrapped.
    """
    return map_structure(
        lambda v: TensorValue.wrap(v) if isinstance(v, np.ndarray) else v, element)


def unwrap_element(element):
    """Every TensorValue leaf back to a plain ndarray (what `as_numpy_iterator` yields)."""
    return map_structure(lambda v: v.numpy() if isinstance(v, TensorValue) else v, element)


class ElementIterator:
    """An iterator over a pipeline's elements, each passed through `convert`.

    It has TF's `.next()`, and `close()` stops the pipeline's threads at once (see
    `base.upstream`).
    """

    def __init__(self, elements, convert):
        self._elements, self._convert = iter(elements), convert

    def __iter__(self) -> ElementIterator:
        return self

    def __next__(self):
        return self._convert(next(self._elements))

    def next(self):
        """The next element (the Python 2 spelling TF keeps)."""
        return self.__next__()

    def close(self) -> None:
        close = getattr(self._elements, "close", None)
        if close is not None:
            close()

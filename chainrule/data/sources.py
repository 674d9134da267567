"""Where elements come from: arrays sliced along the first axis, one element, a generator,
a range of integers, or several datasets side by side (zip)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from chainrule.data.base import INFINITE, UNKNOWN, Node
from chainrule.data.structure import conform, describe, flatten, map_structure, pack_as
from chainrule.data.structure import row, to_leaf


class TensorSlices(Node):
    """Element i is every leaf's row i (`from_tensor_slices`): one element per sample."""

    def __init__(self, tensors):
        self.tensors = map_structure(_as_array, tensors)
        leaves = flatten(self.tensors)
        if not leaves:
            raise ValueError(f"from_tensor_slices needs at least one array. Received: "
                             f"{tensors!r}.")
        for leaf in leaves:
            if leaf.ndim == 0:
                raise ValueError(f"from_tensor_slices needs arrays with at least one axis to "
                                 f"slice, but received a scalar {leaf!r}. Use "
                                 f"Dataset.from_tensors for a single element.")
        lengths = {len(leaf) for leaf in leaves}
        if len(lengths) > 1:
            raise ValueError(
                f"from_tensor_slices needs every component to have the same first dimension. "
                f"Received first dimensions {[len(leaf) for leaf in leaves]} for the "
                f"structure {describe(self.tensors)}. Pass arrays with one row per sample.")
        self.length = lengths.pop()

    def __iter__(self):
        for i in range(self.length):
            yield row(self.tensors, i)

    def cardinality(self) -> int:
        return self.length


def _as_array(value) -> np.ndarray:
    return np.asarray(to_leaf(value))


class Tensors(Node):
    """The whole structure is the one element (`from_tensors`)."""

    def __init__(self, tensors):
        self.element = map_structure(to_leaf, tensors)

    def __iter__(self):
        yield self.element

    def cardinality(self) -> int:
        return 1


class Generator(Node):
    """Calls `generator(*args)` afresh on every pass, so the dataset can be iterated again.

    Without a signature the elements are taken as they come (Python numbers converted as
    TF converts them); with one, leaves are cast to its dtypes and their shapes checked.
    """

    def __init__(self, generator: Callable, args: tuple, signature):
        if not callable(generator):
            raise TypeError(f"`generator` must be a Python callable that returns an iterable. "
                            f"Received: generator={generator!r}. Pass the generator function "
                            f"itself (or a lambda returning a generator), not its result.")
        self.generator, self.args, self.signature = generator, args, signature

    def __iter__(self):
        for element in self.generator(*self.args):
            if self.signature is None:
                yield map_structure(to_leaf, element)
            else:
                yield conform(element, self.signature)

    def cardinality(self) -> int:
        return UNKNOWN


class Range(Node):
    """Integers start, start + step, ... before stop, as `output_type` scalars (int64)."""

    def __init__(self, start: int, stop: int, step: int, dtype):
        if step == 0:
            raise ValueError("Dataset.range: `step` must not be 0. Received: step=0.")
        self.values = range(int(start), int(stop), int(step))
        self.dtype = np.dtype(dtype)

    def __iter__(self):
        for value in self.values:
            yield self.dtype.type(value)

    def cardinality(self) -> int:
        return len(self.values)


class Zip(Node):
    """Elements of several datasets side by side, in their structure; stops at the shortest."""

    def __init__(self, nodes):
        self.nodes = nodes

    def __iter__(self):
        iterators = [iter(node) for node in flatten(self.nodes)]
        try:
            while True:
                try:
                    parts = [next(iterator) for iterator in iterators]
                except StopIteration:
                    return
                yield pack_as(self.nodes, parts)
        finally:
            for iterator in iterators:
                getattr(iterator, "close", lambda: None)()

    def cardinality(self) -> int:
        sizes = [node.cardinality() for node in flatten(self.nodes)]
        if UNKNOWN in sizes:
            return UNKNOWN
        finite = [n for n in sizes if n != INFINITE]
        return min(finite) if finite else INFINITE

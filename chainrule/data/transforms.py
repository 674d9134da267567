"""Pipeline steps that reshape a stream of elements: map, filter, batch, shuffle, repeat, ...

Each class is one `Dataset` method. `__iter__` is a generator that reads its parent through
`upstream()`, so stopping early closes everything above it; `cardinality()` follows
TensorFlow's rules, so `len()` and `fit`'s step count agree with tf.data.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from chainrule.backend import to_numpy
from chainrule.data.base import INFINITE, UNKNOWN, Node, upstream
from chainrule.data.structure import flatten, normalize, row, stack


def call_on_element(fn: Callable, element):
    """Call `fn` as tf.data does: a plain tuple's items as separate arguments, else one."""
    return fn(*element) if type(element) is tuple else fn(element)


class Map(Node):
    """`fn` applied to each element; results are converted to NumPy leaves."""

    def __init__(self, parent: Node, fn: Callable):
        self.parent, self.fn = parent, fn

    def __iter__(self):
        with upstream(self.parent) as elements:
            for element in elements:
                yield normalize(call_on_element(self.fn, element))

    def cardinality(self) -> int:
        return self.parent.cardinality()


class Filter(Node):
    """Only the elements for which `predicate` returns True."""

    def __init__(self, parent: Node, predicate: Callable):
        self.parent, self.predicate = parent, predicate

    def __iter__(self):
        with upstream(self.parent) as elements:
            for element in elements:
                if _as_bool(call_on_element(self.predicate, element)):
                    yield element


def _as_bool(value) -> bool:
    value = to_numpy(value)
    if value.shape != () or value.dtype != np.bool_:
        raise TypeError(f"Invalid `predicate`: it must return a scalar bool, but returned a "
                        f"value of dtype {value.dtype} and shape {value.shape}. Compare "
                        f"explicitly, e.g. `lambda x, y: y == 1`.")
    return bool(value)


class Batch(Node):
    """Consecutive elements stacked along a new first axis; tuples and dicts are kept.

    The last, smaller batch is kept unless `drop_remainder`, as in TF (and Keras' fit).
    """

    def __init__(self, parent: Node, batch_size: int, drop_remainder: bool):
        self.parent, self.batch_size, self.drop_remainder = parent, batch_size, drop_remainder

    def __iter__(self):
        pending = []
        with upstream(self.parent) as elements:
            for element in elements:
                pending.append(element)
                if len(pending) == self.batch_size:
                    yield stack(pending)
                    pending = []
        if pending and not self.drop_remainder:
            yield stack(pending)

    def cardinality(self) -> int:
        n = self.parent.cardinality()
        if n < 0:
            return n
        full, rest = divmod(n, self.batch_size)
        return full + (1 if rest and not self.drop_remainder else 0)


class Unbatch(Node):
    """The inverse of batch: each row of each element becomes an element."""

    def __init__(self, parent: Node):
        self.parent = parent

    def __iter__(self):
        with upstream(self.parent) as elements:
            for element in elements:
                for i in range(_rows(element)):
                    yield row(element, i)


def _rows(element) -> int:
    sizes = {np.shape(leaf)[0] if np.ndim(leaf) else None for leaf in flatten(element)}
    if None in sizes or len(sizes) != 1:
        shapes = [np.shape(leaf) for leaf in flatten(element)]
        raise ValueError(f"unbatch needs every component to have the same first dimension "
                         f"(and at least one axis). Received shapes {shapes}.")
    return sizes.pop()


class Shuffle(Node):
    """TensorFlow's buffered shuffle: fill a buffer, emit a random slot, refill that slot.

    Only `buffer_size` elements are held, so a dataset much larger than memory can be
    shuffled; with a buffer at least the dataset's size it is a uniform permutation. Pass
    `seed` (int) for the same order every run. Pass `reshuffle_each_iteration` to get a
    different order on each pass (epoch), still determined by `seed`.
    """

    def __init__(self, parent: Node, buffer_size: int, seed: int, reshuffle: bool):
        self.parent, self.buffer_size = parent, buffer_size
        self.seed, self.reshuffle, self.passes = seed, reshuffle, 0

    def __iter__(self):
        rng = np.random.default_rng([self.seed, self.passes if self.reshuffle else 0])
        self.passes += 1
        buffer = []
        with upstream(self.parent) as elements:
            for element in elements:
                if len(buffer) < self.buffer_size:
                    buffer.append(element)
                    continue
                i = int(rng.integers(len(buffer)))
                yield buffer[i]
                buffer[i] = element
        while buffer:
            i = int(rng.integers(len(buffer)))
            buffer[i], buffer[-1] = buffer[-1], buffer[i]
            yield buffer.pop()

    def cardinality(self) -> int:
        return self.parent.cardinality()


class Repeat(Node):
    """The parent's elements `count` times over (forever when count is -1)."""

    def __init__(self, parent: Node, count: int):
        self.parent, self.count = parent, count

    def __iter__(self):
        done = 0
        while self.count < 0 or done < self.count:
            produced = False
            with upstream(self.parent) as elements:
                for element in elements:
                    produced = True
                    yield element
            if not produced:
                return                  # an empty dataset repeated forever is still empty
            done += 1

    def cardinality(self) -> int:
        n = self.parent.cardinality()
        if self.count < 0:
            return 0 if n == 0 else INFINITE
        if self.count == 0:
            return 0
        return n if n < 0 else self.count * n


class Take(Node):
    """The first `count` elements (all of them when count is -1)."""

    def __init__(self, parent: Node, count: int):
        self.parent, self.count = parent, count

    def __iter__(self):
        if self.count == 0:
            return
        with upstream(self.parent) as elements:
            for i, element in enumerate(elements, start=1):
                yield element
                if i == self.count:
                    return

    def cardinality(self) -> int:
        n = self.parent.cardinality()
        if n == UNKNOWN or self.count < 0:
            return n
        return self.count if n == INFINITE else min(n, self.count)


class Skip(Node):
    """All but the first `count` elements (none when count is -1)."""

    def __init__(self, parent: Node, count: int):
        self.parent, self.count = parent, count

    def __iter__(self):
        if self.count < 0:
            return
        with upstream(self.parent) as elements:
            for i, element in enumerate(elements):
                if i >= self.count:
                    yield element

    def cardinality(self) -> int:
        n = self.parent.cardinality()
        if n < 0:
            return n
        return 0 if self.count < 0 else max(0, n - self.count)


class Cache(Node):
    """Keeps the elements of the first *complete* pass in memory and replays them after.

    A pass that stops early (take, break) is not kept, as in TF, since a partial cache
    would silently shorten every later epoch.
    """

    def __init__(self, parent: Node):
        self.parent, self.elements = parent, None

    def __iter__(self):
        if self.elements is not None:
            yield from self.elements
            return
        seen = []
        with upstream(self.parent) as elements:
            for element in elements:
                seen.append(element)
                yield element
        self.elements = seen

    def cardinality(self) -> int:
        return self.parent.cardinality()


class Concatenate(Node):
    """The elements of one dataset, then those of another."""

    def __init__(self, first: Node, second: Node):
        self.first, self.second = first, second

    def __iter__(self):
        for node in (self.first, self.second):
            with upstream(node) as elements:
                yield from elements

    def cardinality(self) -> int:
        sizes = (self.first.cardinality(), self.second.cardinality())
        if INFINITE in sizes:
            return INFINITE
        return UNKNOWN if UNKNOWN in sizes else sum(sizes)


class Enumerate(Node):
    """(index, element) pairs, the index an int64 scalar counting from `start`."""

    def __init__(self, parent: Node, start: int):
        self.parent, self.start = parent, start

    def __iter__(self):
        with upstream(self.parent) as elements:
            for i, element in enumerate(elements, start=self.start):
                yield np.int64(i), element

    def cardinality(self) -> int:
        return self.parent.cardinality()

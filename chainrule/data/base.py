"""What every pipeline step shares: the cardinality constants and the `Node` protocol.

A `Dataset` is a thin handle on a chain of nodes. Each node knows its parent, makes a *new*
pass over its elements each time it is iterated (so `fit` can call `iter(dataset)` once per
epoch) and reports its size without iterating, using TensorFlow's sentinels for sizes that
are infinite or can't be known (a generator, a filter).
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

INFINITE = -1   # tf.data.INFINITE_CARDINALITY: repeat() with no count
UNKNOWN = -2    # tf.data.UNKNOWN_CARDINALITY: from_generator, filter, unbatch
AUTOTUNE = -1   # tf.data.AUTOTUNE: let the library pick the parallelism / buffer size


class Node:
    """One step of a pipeline. Subclasses implement `__iter__` and `cardinality`."""

    def __iter__(self) -> Iterator:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__.")

    def cardinality(self) -> int:
        """Number of elements, or INFINITE / UNKNOWN."""
        return UNKNOWN


@contextlib.contextmanager
def upstream(node):
    """Iterate `node`, and close that iterator on the way out, even after an early exit.

    Closing runs the `finally` blocks up the chain at once, so a prefetch thread or a map
    thread pool further up stops now rather than whenever garbage collection gets to it.
    """
    iterator = iter(node)
    try:
        yield iterator
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


def check_count(name: str, value, minimum: int) -> int:
    """Validate an int argument such as `take(count)` or `batch(batch_size)`."""
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(f"`{name}` must be an int. Received: {name}={value!r} "
                        f"(of type {type(value).__name__}).")
    if int(value) < minimum:
        raise ValueError(f"`{name}` must be >= {minimum}. Received: {name}={value!r}.")
    return int(value)

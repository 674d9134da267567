"""The two steps that use threads: `map(num_parallel_calls=...)` and `prefetch`.

Threads help because the heavy work in a pipeline (NumPy arithmetic, image decoding and
resizing) releases the GIL. The parallel map runs on a `workers.WorkerPool`, the engine the
image iterators use too; prefetch is one producer thread. Both start their threads only when
iteration begins and stop and join them on the way out, so a finished, broken-off or
garbage-collected iterator leaves no thread behind.
"""
from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable

from chainrule.data.base import AUTOTUNE, Node, upstream
from chainrule.data.structure import normalize
from chainrule.data.transforms import call_on_element
from chainrule.data.workers import WorkerPool, ordered_map

AUTOTUNE_PREFETCH = 2   # batches held ahead when prefetch(AUTOTUNE): overlap without hoarding


def autotune_workers() -> int:
    """Threads for `num_parallel_calls=AUTOTUNE`: one per core, at most 8."""
    return max(1, min(8, os.cpu_count() or 1))


class ParallelMap(Node):
    """`fn` applied by a pool of worker threads; results come out in input order.

    Up to `workers` elements are in flight at once. Order is kept even when
    `deterministic=False` is asked for, which TF allows but does not require.
    """

    def __init__(self, parent: Node, fn: Callable, workers: int):
        self.parent, self.fn = parent, fn
        self.workers = autotune_workers() if workers == AUTOTUNE else workers

    def __iter__(self):
        with WorkerPool(self.workers, "chainrule-data-map") as pool, \
                upstream(self.parent) as elements:
            yield from ordered_map(pool, self._apply, elements, self.workers)

    def _apply(self, element):
        return normalize(call_on_element(self.fn, element))

    def cardinality(self) -> int:
        return self.parent.cardinality()


class _Failed:
    """Carries an exception from the producer thread to the consumer, to be raised there."""

    def __init__(self, error: BaseException):
        self.error = error


_END = object()


class Prefetch(Node):
    """A background thread reads up to `buffer_size` elements ahead of the consumer.

    While the model trains on one batch, the next is being prepared. Errors raised by the
    pipeline reach the consumer at the point where that element would have arrived.
    """

    def __init__(self, parent: Node, buffer_size: int):
        self.parent = parent
        self.buffer_size = AUTOTUNE_PREFETCH if buffer_size == AUTOTUNE else buffer_size

    def __iter__(self):
        if self.buffer_size == 0:
            with upstream(self.parent) as elements:
                yield from elements
            return
        ready, stop = queue.Queue(self.buffer_size), threading.Event()
        worker = threading.Thread(target=_produce, args=(self.parent, ready, stop),
                                  name="chainrule-data-prefetch", daemon=True)
        worker.start()
        try:
            while (item := ready.get()) is not _END:
                if isinstance(item, _Failed):
                    raise item.error
                yield item
        finally:
            stop.set()
            worker.join()

    def cardinality(self) -> int:
        return self.parent.cardinality()


def _produce(parent: Node, ready: queue.Queue, stop: threading.Event) -> None:
    """Producer loop: iterate `parent` into `ready` until done or told to `stop`."""
    try:
        with upstream(parent) as elements:
            for element in elements:
                if not _put(ready, element, stop):
                    return
    except Exception as error:           # handed to the consumer, which raises it
        _put(ready, _Failed(error), stop)
        return
    _put(ready, _END, stop)


def _put(ready: queue.Queue, item, stop: threading.Event) -> bool:
    """Put `item` unless the consumer has gone; polls so a full queue can't block forever."""
    while not stop.is_set():
        try:
            ready.put(item, timeout=0.05)
            return True
        except queue.Full:
            continue
    return False

"""The thread engine of the input pipelines: `Dataset.map(num_parallel_calls=...)` and the
image iterators (`ImageDataGenerator.flow*`) both run their work on a `WorkerPool`.

Threads help because the heavy work of an input pipeline (decoding, resizing, warping, NumPy
arithmetic) releases the GIL. A pool starts its threads on the first `submit`, not before, and
stops them on `close()` or when it is garbage-collected, so no thread outlives the object that
asked for it: a `Dataset` pass owns one pool for the pass, an image iterator one for its life.
"""
from __future__ import annotations

import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor


class WorkerPool:
    """`workers` named threads, started on first use and stopped with their owner.

    Args:
        workers: Number of threads (positive).
        name: Prefix of the threads' names ('chainrule-data-map' gives 'chainrule-data-map_0',
            ...), so tests and debuggers can tell whose threads they are.
    """

    def __init__(self, workers: int, name: str):
        self.workers, self.name = workers, name
        self._executor: ThreadPoolExecutor | None = None
        self._finalizer = None

    def submit(self, fn: Callable, *args) -> Future:
        """Run `fn(*args)` on one of the threads (started now if they are not running)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix=self.name)
            # Stop the threads when the pool is collected; the callback must not hold `self`.
            self._finalizer = weakref.finalize(self, self._executor.shutdown, wait=False,
                                               cancel_futures=True)
        return self._executor.submit(fn, *args)

    def close(self, wait: bool = True, cancel_futures: bool = True) -> None:
        """Stop the threads once their work is done: joined if `wait`, and the work not yet
        started dropped if `cancel_futures`. A closed pool starts new threads on its next
        `submit`."""
        if self._executor is not None:
            self._finalizer.detach()
            self._executor.shutdown(wait=wait, cancel_futures=cancel_futures)
            self._executor = None

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def ordered_map(pool: WorkerPool, fn: Callable, items: Iterable, window: int) -> Iterator:
    """`fn(item)` for every item, computed on `pool` and yielded in input order, with at most
    `window` items in flight (read from `items` only as results are taken)."""
    in_flight: deque[Future] = deque()
    for item in items:
        in_flight.append(pool.submit(fn, item))
        if len(in_flight) >= window:
            yield in_flight.popleft().result()
    while in_flight:
        yield in_flight.popleft().result()

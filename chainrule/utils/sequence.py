"""`Sequence` (Keras 2) and `PyDataset` (Keras 3): a dataset as `len()` batches and `ds[i]`.

Subclass one, implement `__len__` and `__getitem__(i)` (returning `(x, y)` or `(x, y,
sample_weight)`), optionally `on_epoch_end`, and pass it to `fit` / `evaluate` / `predict`.
With `workers > 1` (PyDataset's argument, or the attribute on a Sequence), `fit` loads the
next batches in that many threads while the model trains on the current one; the order of
the batches never changes. Threads, not processes: NumPy and Pillow release the GIL in the
work that matters, and nothing has to be pickled.
"""
from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor


class Sequence:
    """Base class for datasets that know their batches by index. See the module docstring."""

    workers = 1
    max_queue_size = 10

    def __getitem__(self, index: int):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__.")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__.")

    def on_epoch_end(self) -> None:
        """Called after each epoch (shuffle your file list here, for example)."""

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


class PyDataset(Sequence):
    """Keras 3's Sequence: the same protocol, with the loading options as arguments.

    Args:
        workers: threads that load batches ahead during `fit` (1: load in the training loop).
        use_multiprocessing: accepted for Keras compatibility; loading always uses threads.
        max_queue_size: how many batches may be loaded ahead.
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False,
                 max_queue_size: int = 10):
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"`workers` must be a positive int. Received: workers={workers!r}")
        if not isinstance(max_queue_size, int) or max_queue_size < 1:
            raise ValueError(f"`max_queue_size` must be a positive int. Received: "
                             f"max_queue_size={max_queue_size!r}")
        self.workers, self.use_multiprocessing = workers, bool(use_multiprocessing)
        self.max_queue_size = max_queue_size

    @property
    def num_batches(self) -> int:
        """`len(self)`, Keras 3's name for it."""
        return len(self)


def iterate_batches(sequence, steps: int, workers: int | None = None):
    """`sequence[i % len(sequence)]` for i < steps, loaded ahead by `workers` threads (default:
    `sequence.workers`; `fit(workers=...)` of Keras 2 passes its own).

    Only a `Sequence`/`PyDataset` is read from several threads; anything else that looks like
    one (flow_from_directory's iterators, which have their own decoding threads) is read in order
    from this thread.
    """
    n = len(sequence)
    if not isinstance(sequence, Sequence):
        workers = 1
    workers = int((sequence.workers if workers is None else workers) or 1)
    if workers <= 1:
        for i in range(steps):
            yield sequence[i % n]
        return
    ahead = max(workers, int(getattr(sequence, "max_queue_size", 10) or 1))
    with ThreadPoolExecutor(workers, thread_name_prefix="chainrule-sequence") as pool:
        pending = deque(pool.submit(sequence.__getitem__, i % n) for i in range(min(ahead,
                                                                                       steps)))
        next_index = len(pending)
        try:
            while pending:
                batch = pending.popleft().result()
                if next_index < steps:
                    pending.append(pool.submit(sequence.__getitem__, next_index % n))
                    next_index += 1
                yield batch
        finally:
            for future in pending:
                future.cancel()

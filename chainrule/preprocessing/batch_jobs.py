"""A planned batch (`Job`) and how worker threads fill it: chunks of samples, written in place.

The iterator plans a batch in the calling thread (indices, parameters, an empty batch array)
and hands it to its workers in chunks. Each chunk task loads, augments and standardizes its
samples straight into the batch array. A task per chunk rather than per image means a handful of
futures per batch, so the waiting thread is woken (and takes the GIL) a few times per batch
instead of once per image, and no thread copies the samples into a batch afterwards.
"""
from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np

CHUNKS_PER_WORKER = 4  # few tasks, yet the last ones of a batch are short enough to balance


@dataclass
class Skipped:
    """A sample that could not be read: which file, and what the error said.

    The error is kept as text: an exception object would keep its traceback's frames, and
    with them the iterator and its threads, alive.
    """
    path: str
    error: str


@dataclass
class Job:
    """One planned batch: sample indices, their augmentation parameters, the array the samples
    are written into, and the work (one future per chunk; None when run in the caller)."""
    indices: np.ndarray
    params: list
    save_rng: np.random.Generator
    batch_x: np.ndarray
    futures: list[Future] | None = None

    def cancel(self) -> None:
        for future in self.futures or ():
            future.cancel()


def chunks(n: int, workers: int) -> list[tuple[int, int]]:
    """(lo, hi) ranges covering 0..n-1, about CHUNKS_PER_WORKER per worker."""
    size = max(1, -(-n // (CHUNKS_PER_WORKER * max(1, workers))))
    return [(lo, min(n, lo + size)) for lo in range(0, n, size)]


def fill(job: Job, load_sample, generator, lo: int, hi: int) -> list[tuple[int, Skipped]]:
    """Write samples lo..hi-1, loaded by `load_sample(j, params)` and standardized, into
    `job.batch_x`; returns the unreadable ones as (position, Skipped).

    When the generator's `standardize` is elementwise (just `rescale`, say) and works in the
    batch's dtype, it runs once on the chunk's block: the same numbers as image by image.
    """
    block = (getattr(generator, "standardizes_elementwise", lambda: False)()
             and job.batch_x.dtype == getattr(generator, "dtype", None))
    skipped = []
    for i in range(lo, hi):
        x = load_sample(int(job.indices[i]), job.params[i])
        if isinstance(x, Skipped):
            skipped.append((i, x))
        elif block or generator is None:
            job.batch_x[i] = x
        else:
            job.batch_x[i] = generator.standardize(x)
    if block:  # skipped slots hold zeros, harmless to standardize; they are dropped later
        job.batch_x[lo:hi] = generator.standardize(job.batch_x[lo:hi])
    return skipped


def without_skipped(job: Job, skipped: list[tuple[int, Skipped]]):
    """The batch's indices and samples with the unreadable ones left out."""
    if not skipped:
        return job.indices, job.batch_x
    kept = np.ones(len(job.indices), dtype=bool)
    kept[[i for i, _ in skipped]] = False
    return job.indices[kept], job.batch_x[kept]

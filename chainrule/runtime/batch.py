"""How an op works through a batch: a few images at a time, on the op threads, into pooled
buffers, with compiled loops when they are loaded. Ops keep the maths; this keeps the schedule.

Working a few images at a time keeps temporaries (an im2col patch buffer, say) in cache and
reuses them instead of sweeping batch-sized arrays several times. Each thread gets its own
scratch buffer, made once per pass. Partial results (a weight gradient per chunk) are added
in chunk order, so results do not depend on the thread count.
"""
from __future__ import annotations

import itertools

from chainrule.runtime import buffers, kernels
from chainrule.runtime.threads import map_chunks

SCRATCH_BYTES = 8 * 2**20  # working bytes per chunk: big enough for GEMM, small enough for L3


def batch_chunks(n: int, image_bytes: int, budget: int | None = None) -> list[tuple[int, int]]:
    """(lo, hi) ranges over a batch of n, each holding at most `budget` bytes (>= 1 image).

    The count is even and the sizes equal (within one), so two threads get the same work
    whatever the budget.
    """
    per_chunk = max(1, (SCRATCH_BYTES if budget is None else budget) // max(image_bytes, 1))
    count = -(-n // per_chunk)
    if count < n:
        count += count % 2
    bounds = [n * i // count for i in range(count + 1)] if n else [0]
    return list(itertools.pairwise(bounds))


class Batch:
    """One pass of an op over `n` images that each need `image_bytes` of working memory.

    Args:
        xp: the array module of the op's arrays (NumPy or CuPy).
        n: batch size.
        image_bytes: working bytes per image; sets the chunk size.
        loops: module name of the op's compiled loops, if it has any.

    Attributes:
        chunks: the (lo, hi) ranges, in order.
        fast: the compiled loops module, or None when the NumPy reference runs.
    """

    def __init__(self, xp, n: int, image_bytes: int, loops: str | None = None):
        self.xp, self.chunks = xp, batch_chunks(n, image_bytes)
        self.largest = max((hi - lo for lo, hi in self.chunks), default=0)
        self.fast = kernels.compiled(xp, loops) if loops else None

    def empty(self, shape, dtype):
        """An output or gradient array, reused across training steps (`buffers.empty`)."""
        return buffers.empty(shape, dtype, self.xp)

    def run(self, fn, scratch: tuple[int, ...] | None = None, dtype=None) -> list:
        """[fn(lo, hi, buffer) for each chunk], in chunk order, spread over the op threads.

        With `scratch`, each thread's `buffer` is an uninitialised (largest chunk, *scratch)
        array of `dtype`, reused for all its chunks; else it is None.
        """
        if scratch is None:
            return map_chunks(fn, self.chunks)
        shape = (self.largest, *scratch)
        return map_chunks(fn, self.chunks, lambda: self.xp.empty(shape, dtype))

    @staticmethod
    def add(total, parts: list):
        """total + parts[0] + parts[1] + ..., in chunk order, in place: the same sum for any
        thread count."""
        for part in parts:
            total += part
        return total

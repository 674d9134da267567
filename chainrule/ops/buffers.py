"""Reuse big activation and gradient buffers across training steps instead of reallocating.

glibc hands every large NumPy array a fresh mmap and returns it to the kernel on free, so
each training step page-faults its whole working set back in: on the project machine that
cost PyTorch up to 2x and chainrule 10-25% of a step (../shared/PERF_NOTES.md, "Page
faults"). Ops ask this pool for their big outputs and gradients instead; from the second
step on, the same shapes come back and no page is faulted again.

A pooled array is free again when nothing but the pool refers to it: no Tensor, no graph
cache, no view (a view keeps its base alive) and no user variable. That is read from the
reference count, so a buffer still in use is never handed out twice, whoever holds it.
Only arrays of at least `MIN_BYTES` are pooled (smaller ones are cheap to allocate), and the
pool keeps at most `config.buffer_pool_bytes()`; past that, free buffers are let go first.
"""
from __future__ import annotations

import sys
import threading

import numpy as np

from chainrule import config

MIN_BYTES = 1 << 20
_buffers: dict[tuple, list[np.ndarray]] = {}
_lock = threading.Lock()


def empty(shape, dtype, xp=np) -> np.ndarray:
    """An uninitialised array like `xp.empty(shape, dtype)`, reused from an earlier step."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    budget = config.buffer_pool_bytes()
    if xp is not np or nbytes < MIN_BYTES or nbytes > budget:
        return xp.empty(shape, dtype)
    key = (tuple(shape), dtype.str)
    with _lock:
        bucket = _buffers.get(key, [])
        for i in range(len(bucket)):
            if _is_free(bucket, i):
                return bucket[i]
        _make_room(nbytes, budget)
        array = np.empty(shape, dtype)
        _buffers.setdefault(key, []).append(array)
        return array


def pooled_bytes() -> int:
    """Bytes the pool holds now, free or in use."""
    with _lock:
        return sum(a.nbytes for bucket in _buffers.values() for a in bucket)


def clear() -> None:
    """Let go of every pooled buffer (arrays still in use live on with their users)."""
    with _lock:
        _buffers.clear()


def _make_room(nbytes: int, budget: int) -> None:
    """Drop free buffers until `nbytes` more fit in the budget (buffers in use stay)."""
    held = sum(a.nbytes for bucket in _buffers.values() for a in bucket)
    for key in list(_buffers):
        if held + nbytes <= budget:
            return
        bucket = _buffers[key]
        for i in reversed(range(len(bucket))):
            if held + nbytes > budget and _is_free(bucket, i):
                held -= bucket.pop(i).nbytes
        if not bucket:
            del _buffers[key]


def _references(bucket: list, i: int) -> int:
    return sys.getrefcount(bucket[i])


def _is_free(bucket: list, i: int) -> bool:
    """Is the pool's list the only holder of bucket[i]? (Python's own count, no guessing.)"""
    return _references(bucket, i) == _ONLY_THE_POOL


_ONLY_THE_POOL = _references([np.empty(1)], 0)   # the same call on an array no one else holds

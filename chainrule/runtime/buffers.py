"""Reuse big activation and gradient buffers across training steps instead of reallocating.

glibc hands every large NumPy array a fresh mmap and returns it to the kernel on free, so
each training step would page-fault its whole working set back in (benchmarks/README.md,
"Buffer pool"). Ops ask this pool for their big outputs and gradients instead; from the
second step on, the same shapes come back and no page is faulted again.

A pooled array is free again when nothing but the pool refers to it: no Tensor, no graph
cache, no view (a view keeps its base alive) and no user variable. That is read from the
reference count, so a buffer still in use is never handed out twice, whoever holds it.
Only arrays of at least `MIN_BYTES` are pooled (smaller ones are cheap to allocate), and the
pool keeps at most `config.buffer_pool_bytes()` (512 MiB by default): past that, buffers
unused for a few steps (another batch shape, say) are let go, and if that is not enough the
new array is simply not pooled.
"""
from __future__ import annotations

import sys
import threading

import numpy as np

from chainrule import config

MIN_BYTES = 1 << 20
STALE = 64                   # requests since its last use after which a free buffer may go
_buffers: dict[tuple, list[list]] = {}   # (shape, dtype) -> [[array, last use], ...]
_clock = 0                   # counts requests
_lock = threading.Lock()


def empty(shape, dtype, xp=np) -> np.ndarray:
    """An uninitialised array like `xp.empty(shape, dtype)`, reused from an earlier step."""
    global _clock
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    budget = config.buffer_pool_bytes()
    if xp is not np or nbytes < MIN_BYTES or nbytes > budget:
        return xp.empty(shape, dtype)
    key = (tuple(shape), dtype.str)
    with _lock:
        _clock += 1
        for entry in _buffers.get(key, ()):
            if _is_free(entry):
                entry[1] = _clock
                return entry[0]
        if not _make_room(nbytes, budget):
            return np.empty(shape, dtype)         # the pool is full of buffers in use
        array = np.empty(shape, dtype)
        _buffers.setdefault(key, []).append([array, _clock])
        return array


def pooled_bytes() -> int:
    """Bytes the pool holds now, free or in use."""
    with _lock:
        return _held()


def clear() -> None:
    """Let go of every pooled buffer (arrays still in use live on with their users)."""
    with _lock:
        _buffers.clear()


def _held() -> int:
    return sum(entry[0].nbytes for bucket in _buffers.values() for entry in bucket)


def _make_room(nbytes: int, budget: int) -> bool:
    """Drop free buffers unused for `STALE` requests until `nbytes` more fit; did they?

    Buffers used in the last few steps stay even when the budget is short: dropping them
    would only make the next step allocate (and page-fault) them again.
    """
    held = _held()
    for key in list(_buffers):
        keep = []
        for entry in _buffers[key]:
            if held + nbytes > budget and entry[1] < _clock - STALE and _is_free(entry):
                held -= entry[0].nbytes                 # dropped: not kept
            else:
                keep.append(entry)
        _buffers[key] = keep
        if not keep:
            del _buffers[key]
    return held + nbytes <= budget


def _references(entry: list) -> int:
    return sys.getrefcount(entry[0])


def _is_free(entry: list) -> bool:
    """Is the pool's entry the only holder of its array? (Python's own count, no guessing.)"""
    return _references(entry) == _ONLY_THE_POOL


_ONLY_THE_POOL = _references([np.empty(1), 0])   # the same call on an array no one else holds

"""Per-thread scratch buffers for the image pipeline's per-image temporaries.

An image's temporaries (the warp's pixel table and positions, a decoded PNG) are 100-500 KB.
glibc hands freed blocks that large back to the kernel, so arrays made fresh for every image
would be page-faulted in again by the next one (benchmarks/README.md, "Per-thread scratch").
Kept per thread (`threading.local`, so worker threads never share one) and reused, they cost
nothing after the first image. Buffers over `KEEP_BYTES` (a huge image's) are made fresh each
time, so no thread holds on to one.
"""
from __future__ import annotations

import math
import threading

import numpy as np

KEEP_BYTES = 16 * 2**20


class Scratch(threading.local):
    """Named buffers, grown on demand and reused: `get` returns a view of the right shape.

    They start zeroed, so e.g. the padding channels of the warp's pixel table always hold
    finite numbers. A view is valid until the same thread asks for the same name again.
    """

    def __init__(self):
        self.buffers: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
        size = math.prod(shape)
        if size * np.dtype(dtype).itemsize > KEEP_BYTES:
            return np.zeros(shape, dtype)
        buffer = self.buffers.get(name)
        if buffer is None or buffer.size < size or buffer.dtype != dtype:
            buffer = self.buffers[name] = np.zeros(size, dtype)
        return buffer[:size].reshape(shape)


buffers = Scratch()

"""Run BLAS single-threaded while the op threads run, so two cores do not host four threads.

`kernels.map_chunks` already puts every core to work, one chunk of the batch per thread. If
each of those chunks' matrix products also starts OpenBLAS' own threads, the machine holds
twice as many busy threads as cores and they steal time from each other: on 2 cores the
lecture's conv2 backward took 550 ms that way against 400 ms with one BLAS thread per chunk.

OpenBLAS has one process-wide thread count, so `single_threaded()` sets it to 1 for the
duration of the parallel region and restores it afterwards. The library is found among those
NumPy loaded (Linux' /proc/self/maps); elsewhere, or with another BLAS, this does nothing.
"""
from __future__ import annotations

import contextlib
import ctypes
import re
import threading

_SYMBOLS = ("scipy_openblas_{}_num_threads64_", "scipy_openblas_{}_num_threads",
            "openblas_{}_num_threads64_", "openblas_{}_num_threads")
_lock = threading.Lock()
_calls: tuple | None = None     # (get, set) once looked up; () when there is no OpenBLAS
_depth = 0                      # nested regions restore only at the outermost


def single_threaded():
    """Context manager: OpenBLAS uses one thread inside, its previous count after."""
    return _Region()


class _Region(contextlib.AbstractContextManager):
    def __enter__(self):
        global _depth
        calls = _openblas()
        with _lock:
            _depth += 1
            if calls and _depth == 1:
                self.saved = calls[0]()
                calls[1](1)
        return self

    def __exit__(self, *exc):
        global _depth
        calls = _openblas()
        with _lock:
            _depth -= 1
            if calls and _depth == 0:
                calls[1](self.saved)
        return False


def _openblas() -> tuple:
    """(get_num_threads, set_num_threads) of the OpenBLAS NumPy loaded, or ()."""
    global _calls
    if _calls is None:
        _calls = _lookup()
    return _calls


def _lookup() -> tuple:
    import numpy  # noqa: F401  (the BLAS is loaded with NumPy's core)

    try:
        with open("/proc/self/maps") as maps:
            paths = sorted(set(re.findall(r"(/\S*openblas\S*\.so\S*)", maps.read())))
    except OSError:
        return ()
    for path in paths:
        lib = ctypes.CDLL(path)
        for pattern in _SYMBOLS:
            if hasattr(lib, pattern.format("set")) and hasattr(lib, pattern.format("get")):
                get, set_ = getattr(lib, pattern.format("get")), getattr(lib, pattern.format("set"))
                get.restype, set_.argtypes = ctypes.c_int, [ctypes.c_int]
                return get, set_
    return ()

"""Run BLAS single-threaded while the op threads run, so the cores do not host twice their threads.

`threads.map_chunks` already puts every core to work, one chunk of the batch per thread. If
each chunk's matrix product also started BLAS' own threads, the machine would hold twice as
many busy threads as cores, stealing time from each other (benchmarks/README.md, "BLAS
threads inside op threads").

A BLAS thread count is process-wide, so the switch is too, and only the main thread throws
it: OpenBLAS ignores a count set from any other thread once the main thread has set one
(seen with 0.3.31, NumPy's wheel), so a region closed on another thread could not restore it. The main thread's outermost `single_threaded()` region sets every BLAS
library that `threadpoolctl` finds (OpenBLAS, MKL, BLIS, Accelerate; any OS) to one thread
and restores the counts it found on leaving; nested regions do nothing. Regions on other
threads (ops run by user threads) leave BLAS alone: their op threads may share the cores
with BLAS threads, slower but the same numbers, and BLAS is never left at one thread.
Where threadpoolctl finds no BLAS, this does nothing.
"""
from __future__ import annotations

import contextlib
import threading

_open = 0                         # the main thread's regions open now
_limiter = None                   # threadpoolctl's record of the counts to restore
_controller = None                # threadpoolctl's handle on the loaded BLAS libraries


@contextlib.contextmanager
def single_threaded():
    """Context manager: on the main thread, BLAS uses one thread inside and its own count
    after; on any other thread, nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _enter()
    try:
        yield
    finally:
        _exit()


def _enter() -> None:
    global _open, _limiter
    if _open == 0:
        _limiter = _blas().limit(limits=1)
    _open += 1


def _exit() -> None:
    global _open, _limiter
    _open -= 1
    if _open == 0:
        limiter, _limiter = _limiter, None
        limiter.restore_original_limits()


def _blas():
    """threadpoolctl's controller of the BLAS libraries loaded (NumPy's, at least)."""
    global _controller
    if _controller is None:
        import numpy  # noqa: F401  (its BLAS is loaded with NumPy's core)
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController().select(user_api="blas")
    return _controller

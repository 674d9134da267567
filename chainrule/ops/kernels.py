"""Run an op's batch chunks on a few worker threads, each with its own scratch buffer.

Conv and pooling spend much of their time in memory-bound NumPy glue (im2col, col2im,
window maxima), which runs on one core. NumPy releases the GIL while it copies, runs a
ufunc or calls BLAS, so handing the chunks of a batch to `config.op_threads()` threads
uses every core. Each chunk's result depends only on the chunk, never on the thread that
ran it, so results are bit-identical for any thread count; `set_op_threads(1)` runs the
plain loop in the calling thread.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from chainrule import config
from chainrule.ops import blas

_executor: ThreadPoolExecutor | None = None   # started on first use, grown on demand
_executor_threads = 0
_lock = threading.Lock()
_local = threading.local()                    # marks the executor's own threads


def map_chunks(fn, chunks, make_buffer=lambda: None) -> list:
    """[fn(lo, hi, buffer) for (lo, hi) in chunks], spread over the op threads.

    Thread k runs chunks k, k + threads, ... and calls `make_buffer()` once for its own
    scratch buffer. Results come back in chunk order.
    """
    lanes = min(config.op_threads(), len(chunks))
    if lanes <= 1 or getattr(_local, "worker", False):   # no nesting: avoids deadlock
        buffer = make_buffer()
        return [fn(lo, hi, buffer) for lo, hi in chunks]

    def lane(k):
        _local.worker, buffer = True, make_buffer()
        return [fn(lo, hi, buffer) for lo, hi in chunks[k::lanes]]

    with blas.single_threaded():                        # one BLAS thread per lane
        parts = list(_pool(lanes).map(lane, range(lanes)))
    return [parts[i % lanes][i // lanes] for i in range(len(chunks))]


def compiled(xp):
    """The compiled glue loops (`numba_kernels`) when they apply to arrays of `xp`, else None.

    Importing Numba and loading (or, the first time, compiling) the loops takes 1-8 s. When
    the kernels were not asked for by name, that happens on a background thread and ops use
    the NumPy reference meanwhile: the two paths give the same bits, so a result never
    depends on which one ran, and the first training step does not wait for a compiler.
    `config.set_kernels('numba')` or CHAINRULE_KERNELS=numba load them before returning.
    """
    if config.kernels() != "numba" or xp.__name__ != "numpy":
        return None
    if not _ready.is_set():
        if not config.kernels_requested():
            _load_in_background()
            return None
        _load()
    return _module


def preload() -> None:
    """Start loading the compiled loops in the background now, if they will be wanted.

    Conv layers call this when they are built, so the load overlaps building, compiling and
    data loading instead of the first training step.
    """
    if config.kernels() == "numba" and not _ready.is_set():
        _load_in_background()


_ready = threading.Event()
_module = None
_load_lock = threading.Lock()      # held while loading: a named request waits for it


def _load() -> None:
    """Import the compiled loops and load the float32 variants the lecture's models use."""
    global _module
    with _load_lock:
        if _module is None:
            from chainrule.ops import numba_kernels

            numba_kernels.warm_up()
            _module = numba_kernels
    _ready.set()


_loader: threading.Thread | None = None


def _load_in_background() -> None:
    global _loader
    if _loader is None:
        with _lock:                # only to start one thread; never held while loading
            if _loader is None:
                _loader = threading.Thread(target=_load_or_warn, name="chainrule-numba-load",
                                           daemon=True)
                _loader.start()


def _load_or_warn() -> None:
    """The background load: if Numba fails to load, say so once and keep the NumPy path."""
    try:
        _load()
    except Exception as error:  # noqa: BLE001 - any failure leaves the NumPy path in place
        import logging

        logging.getLogger("chainrule").warning(
            "Numba kernels could not be loaded (%s); conv and pooling use the NumPy path.",
            error)


def _pool(threads: int) -> ThreadPoolExecutor:
    """The shared executor, with at least `threads` threads."""
    global _executor, _executor_threads
    with _lock:
        if _executor_threads < threads:
            if _executor is not None:
                _executor.shutdown(wait=False)   # idle threads exit; running tasks finish
            _executor = ThreadPoolExecutor(threads, thread_name_prefix="chainrule-op")
            _executor_threads = threads
        return _executor

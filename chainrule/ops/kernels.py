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


CONV_LOOPS = "chainrule.ops.numba_kernels"


def compiled(xp, name: str = CONV_LOOPS):
    """The compiled loops of module `name` when they apply to arrays of `xp`, else None.

    Importing Numba and loading (or, the first time, compiling) the loops takes 1-8 s. When
    the kernels were not asked for by name, that happens on a background thread and callers
    use their NumPy reference meanwhile: each compiled module gives the same bits as its
    reference, so a result never depends on which one ran, and nothing waits for a compiler.
    `config.set_kernels('numba')` or CHAINRULE_KERNELS=numba load them before returning.
    Each module `name` has a `warm_up()` that loads its usual variants.
    """
    if config.kernels() != "numba" or xp.__name__ != "numpy":
        return None
    if name not in _loaded:
        if not config.kernels_requested():
            _load_in_background(name)
            return None
        _load(name)
    return _loaded[name]


def preload(name: str = CONV_LOOPS) -> None:
    """Start loading module `name`'s loops in the background now, if they will be wanted.

    Conv layers call this when they are built, so the load overlaps building, compiling and
    data loading instead of the first training step.
    """
    if config.kernels() == "numba" and name not in _loaded:
        _load_in_background(name)


_loaded: dict = {}                 # module name -> module, once warmed up
_loaders: dict[str, threading.Thread] = {}
_load_lock = threading.Lock()      # held while loading: a named request waits for it


def _load(name: str) -> None:
    """Import module `name` and load the variants its `warm_up` calls."""
    with _load_lock:
        if name not in _loaded:
            import importlib

            module = importlib.import_module(name)
            module.warm_up()
            _loaded[name] = module


def _load_in_background(name: str) -> None:
    if name not in _loaders:
        with _lock:                # only to start one thread; never held while loading
            if name not in _loaders:
                _loaders[name] = threading.Thread(target=_load_or_warn, args=(name,),
                                                  name="chainrule-numba-load", daemon=True)
                _loaders[name].start()


def _load_or_warn(name: str) -> None:
    """The background load: if Numba fails to load, say so once and keep the NumPy path."""
    try:
        _load(name)
    except Exception as error:  # noqa: BLE001 - any failure leaves the NumPy path in place
        import logging

        logging.getLogger("chainrule").warning(
            "Numba kernels could not be loaded (%s); the NumPy path stays in use.", error)


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

"""The op thread pool: an op's batch chunks run on a few worker threads, each with its own buffer.

Conv and pooling spend much of their time in memory-bound NumPy glue (im2col, col2im, window
maxima), which runs on one core. NumPy releases the GIL while it copies, runs a ufunc or calls
BLAS, so handing the chunks of a batch to `config.op_threads()` threads uses every core. Each
chunk's result depends only on the chunk, never on the thread that ran it, so results are
bit-identical for any thread count; `set_op_threads(1)` runs the plain loop in the calling
thread. Any number of user threads may run ops at once: they share one pool.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor, wait

from chainrule import config
from chainrule.runtime import blas

_executor: ThreadPoolExecutor | None = None   # started on first use, grown on demand
_executor_threads = 0
_lock = threading.Lock()                      # guards the executor: replaced and used under it
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
        futures = _submit(lane, lanes)
        wait(futures)                                   # all lanes done, even if one failed
        parts = [future.result() for future in futures]
    return [parts[i % lanes][i // lanes] for i in range(len(chunks))]


def _submit(lane, lanes: int) -> list:
    """Start lane(0), ..., lane(lanes - 1) on the shared executor, grown to `lanes` threads.

    Submitting under the lock means no other caller can shut this executor down in between.
    """
    global _executor, _executor_threads
    with _lock:
        if _executor_threads < lanes:
            if _executor is not None:
                _executor.shutdown(wait=False)   # idle threads exit; running tasks finish
            _executor = ThreadPoolExecutor(lanes, thread_name_prefix="chainrule-op")
            _executor_threads = lanes
        return [_executor.submit(lane, k) for k in range(lanes)]

"""The Numba loader: compiled loops are loaded at one visible point, their first use.

A fast path is a module of compiled loops (`ops/numba_kernels.py`, the image warp, the PNG
decoder) beside the NumPy code it is tested against; it gives the same bits. Ops ask
`compiled(xp, name)` for it and fall back to their NumPy reference when it answers None.

The first call for a module loads it in the calling thread, under a lock (other callers wait):
importing Numba and loading the cached loops takes about a second; the first time after an
install, compiling them takes several. `load(name)` does the same ahead of time, e.g. before a
training loop, so the first step does not wait. Loading is never left to a background thread:
Numba's compiler wraps its work in `warnings.catch_warnings`, which saves and restores the
process-wide warning filters and would undo changes other threads make meanwhile. For that
reason code that first meets a fast path on worker threads should `load` it first.

When the kernels were defaulted to 'numba' (not asked for by `config.set_kernels` or
CHAINRULE_KERNELS) and Numba fails to load, a warning is logged once and the NumPy reference
stays in use; when they were asked for, the error is raised.
"""
from __future__ import annotations

import importlib
import logging
import threading

from chainrule import config

_loaded: dict = {}            # module name -> module once warmed up, None if it failed to load
_lock = threading.Lock()      # held while loading: a second caller waits for the first


def compiled(xp, name: str):
    """The compiled loops of module `name` when they apply to arrays of `xp`, else None.

    Loads them on first use (see the module docstring). Each such module has a `warm_up()`
    that loads its usual variants.
    """
    if config.kernels() != "numba" or xp.__name__ != "numpy":
        return None
    if name in _loaded:
        return _loaded[name]
    return load(name)


def load(name: str):
    """Import module `name` and load (the first time: compile) its loops now, in this thread.

    Returns the module, or None when Numba failed to load and the kernels were only defaulted.
    """
    with _lock:
        if name not in _loaded:
            _loaded[name] = _import(name)
        return _loaded[name]


def _import(name: str):
    try:
        module = importlib.import_module(name)
        module.warm_up()
        return module
    except Exception as error:  # any failure to load leaves the NumPy path in place
        if config.kernels_requested():
            raise
        logging.getLogger("chainrule").warning(
            "Numba kernels could not be loaded (%s); the NumPy path stays in use.", error)
        return None

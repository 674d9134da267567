"""The compiled warp (`numba_warp`) behind the signature of `transforms.reference_warp`."""
from __future__ import annotations

import numpy as np

from chainrule.runtime import kernels

LOOPS = "chainrule.preprocessing.fast.numba_warp"


def warp(image: np.ndarray, matrix: np.ndarray, fill_mode: str, cval: float, order: int,
         flip: tuple[bool, bool]) -> np.ndarray | None:
    """`transforms.reference_warp(image, matrix, ...)`, bit for bit, or None when the loop is
    not loaded (no Numba, `config.set_kernels('numpy')`, or still loading: see `runtime.kernels`).

    `matrix` is a float64 (3, 3) or (2, 3) matrix and the arguments are checked by the caller.
    """
    loops = kernels.compiled(np, LOOPS)
    if loops is None:
        return None
    dtype = image.dtype if image.dtype in (np.float32, np.float64) else np.dtype(np.float32)
    x = np.ascontiguousarray(image, dtype=dtype)
    out = np.empty(x.shape, dtype)
    loops.warp(x, matrix, out, order, getattr(loops, fill_mode.upper()), cval, *flip)
    return out

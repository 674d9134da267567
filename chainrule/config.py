"""The library's only global state: float type, epsilon, data format, seeds, threads, kernels.

Everything random in chainrule draws from a `numpy.random.Generator` handed out by
`make_rng()`, never from NumPy's global RNG, so `set_random_seed(n)` makes initialisation,
shuffling and dropout repeatable without touching anybody else's random numbers.
"""
from __future__ import annotations

import os
import random

import numpy as np

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_OP_THREADS = min(2, os.cpu_count() or 1)
_KERNELS: str | None = None     # 'numba' or 'numpy'; decided on first use
_KERNELS_REQUESTED = False      # named by set_kernels or CHAINRULE_KERNELS, not defaulted
_BUFFER_POOL_BYTES = 512 << 20
_seed_sequence = np.random.SeedSequence()


def floatx() -> str:
    """Default float type of new weights and tensors ('float32', as in Keras)."""
    return _FLOATX


def set_floatx(value: str) -> None:
    """Set the default float type: 'float16', 'float32' or 'float64'."""
    global _FLOATX
    if value not in ("float16", "float32", "float64"):
        raise ValueError(
            f"Unknown floatx type: {value!r}. Expected one of 'float16', 'float32', 'float64'."
        )
    _FLOATX = value


def epsilon() -> float:
    """The fuzz factor Keras adds to avoid division by zero (1e-7)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    """Set the fuzz factor used by losses and optimizers."""
    global _EPSILON
    _EPSILON = float(value)


def image_data_format() -> str:
    """Always 'channels_last': images are (height, width, channels)."""
    return _IMAGE_DATA_FORMAT


def op_threads() -> int:
    """Worker threads that conv and pooling ops split a batch over (default min(2, CPUs))."""
    return _OP_THREADS


def set_op_threads(value: int) -> None:
    """Set the worker threads of conv and pooling ops; 1 runs everything in the calling thread.

    NumPy releases the GIL in copies, ufuncs and matmul, so the memory-bound glue around each
    GEMM (im2col, col2im, pooling) uses every core. Results do not depend on this setting.
    """
    global _OP_THREADS
    if not isinstance(value, int) or value < 1:
        raise ValueError(f"set_op_threads expects a positive int. Received: value={value!r}")
    _OP_THREADS = value


def kernels() -> str:
    """'numba' when compiled loops run conv, max-pool, the augmentation warp and the image
    iterators' PNG decoding, else 'numpy' (and Pillow decodes).

    The default is 'numba' when Numba is installed (`pip install chainrule[fast]`) and the
    environment variable CHAINRULE_KERNELS is not 'numpy'. Both give the same bits; the
    NumPy code is the readable reference and the compiled loops are faster glue.
    """
    global _KERNELS, _KERNELS_REQUESTED
    if _KERNELS is None:
        import importlib.util

        wanted = os.environ.get("CHAINRULE_KERNELS", "numba")
        have = importlib.util.find_spec("numba") is not None
        _KERNELS = "numba" if wanted == "numba" and have else "numpy"
        _KERNELS_REQUESTED = "CHAINRULE_KERNELS" in os.environ
    return _KERNELS


def kernels_requested() -> bool:
    """Were the kernels named (set_kernels, CHAINRULE_KERNELS) rather than defaulted?"""
    kernels()
    return _KERNELS_REQUESTED


def set_kernels(value: str) -> None:
    """Pick the loops of conv, max-pool, the warp and PNG decoding: 'numba' or 'numpy'.

    Compiled loops load at their first use (`chainrule.runtime.kernels`); named here, a
    failure to load them raises instead of falling back to NumPy.
    """
    global _KERNELS, _KERNELS_REQUESTED
    if value not in ("numba", "numpy"):
        raise ValueError(f"set_kernels expects 'numba' or 'numpy'. Received: value={value!r}")
    if value == "numba":
        import importlib.util

        if importlib.util.find_spec("numba") is None:
            raise ValueError("set_kernels('numba') needs Numba: pip install 'chainrule[fast]'.")
    _KERNELS, _KERNELS_REQUESTED = value, True


def buffer_pool_bytes() -> int:
    """Most bytes of activation/gradient buffers kept for reuse across steps (default 512 MiB)."""
    return _BUFFER_POOL_BYTES


def set_buffer_pool_bytes(value: int) -> None:
    """Cap the reusable buffers (`chainrule.runtime.buffers`); 0 turns reuse off."""
    global _BUFFER_POOL_BYTES
    if not isinstance(value, int) or value < 0:
        raise ValueError(
            f"set_buffer_pool_bytes expects a non-negative int. Received: value={value!r}")
    _BUFFER_POOL_BYTES = value


def set_random_seed(seed: int) -> None:
    """Make initialisation, shuffling and dropout repeatable (and seed Python's `random`).

    Each later call to `make_rng()` returns a new Generator spawned from this seed, in order,
    so the same program with the same seed draws the same numbers.
    """
    global _seed_sequence
    if not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"set_random_seed expects a non-negative int. Received: seed={seed!r}")
    _seed_sequence = np.random.SeedSequence(int(seed))
    random.seed(int(seed))


def make_rng(seed: int | None = None) -> np.random.Generator:
    """A fresh Generator: from `seed` when given, else the next child of the global seed."""
    if seed is not None:
        return np.random.default_rng(seed)
    return np.random.default_rng(_seed_sequence.spawn(1)[0])


_name_counts: dict[str, int] = {}


def unique_object_name(base: str, zero_based: bool = True) -> str:
    """Keras' per-process auto names: conv2d, conv2d_1, ... (input_1, input_2, ... when 1-based)."""
    count = _name_counts.get(base, 0)
    _name_counts[base] = count + 1
    if zero_based:
        return base if count == 0 else f"{base}_{count}"
    return f"{base}_{count + 1}"


def clear_session() -> None:
    """Restart the auto-name counters (conv2d, conv2d_1, ...), as keras.backend.clear_session()."""
    _name_counts.clear()

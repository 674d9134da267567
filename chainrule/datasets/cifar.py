"""Reading the CIFAR "python version" batches: pickled dicts of a uint8 array and labels.

The files are pickles, so they are read with an unpickler that builds only what they hold
(NumPy arrays, lists, bytes, numbers): a tampered file cannot run code.
"""
from __future__ import annotations

import pickle

import numpy as np

_ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
            ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}


class _ArraysOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"CIFAR batch file refers to {module}.{name}, which a "
                                         f"CIFAR file never holds; refusing to load it.")
        if module.startswith("numpy.core") and hasattr(np, "_core"):   # NumPy 2's new home
            module = module.replace("numpy.core", "numpy._core", 1)
        return super().find_class(module, name)


def load_batch(fpath: str, label_key: str = "labels") -> tuple[np.ndarray, list]:
    """(data (n, 3, 32, 32) uint8, labels) from one CIFAR batch file."""
    with open(fpath, "rb") as f:
        d = _ArraysOnly(f, encoding="bytes").load()
    d = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in d.items()}
    data = np.asarray(d["data"], dtype=np.uint8)
    return data.reshape(data.shape[0], 3, 32, 32), d[label_key]


def as_keras_arrays(x: np.ndarray, y) -> tuple[np.ndarray, np.ndarray]:
    """channels_last images (n, 32, 32, 3) and uint8 labels of shape (n, 1), as Keras."""
    return x.transpose(0, 2, 3, 1), np.asarray(y, dtype=np.uint8).reshape(-1, 1)

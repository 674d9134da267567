"""Label and array helpers: `to_categorical` (one-hot labels) and `normalize` (unit-norm rows)."""
from __future__ import annotations

import numpy as np


def to_categorical(y, num_classes: int | None = None, dtype="float32") -> np.ndarray:
    """Class indices -> one-hot rows, as keras.utils.to_categorical.

    A trailing axis of length 1 is dropped first, so (n, 1) CIFAR labels give (n, num_classes).
    A label outside [0, num_classes) is an error (Keras silently turns -1 into the last class).

    >>> to_categorical([0, 2, 1], 3).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    """
    y = np.array(y)
    if y.size and (y.dtype.kind not in "iub" and not np.all(np.equal(np.mod(y, 1), 0))):
        raise ValueError(f"to_categorical expects integer class indices. Received values such as "
                         f"{y.reshape(-1)[:5].tolist()} (dtype {y.dtype}).")
    y = y.astype(np.int64)
    shape = y.shape[:-1] if y.ndim > 1 and y.shape[-1] == 1 else y.shape
    flat = y.reshape(-1)
    num_classes = int(flat.max()) + 1 if num_classes is None and flat.size else num_classes or 0
    if flat.size and (flat.min() < 0 or flat.max() >= num_classes):
        raise ValueError(f"to_categorical: class indices must be in [0, num_classes). Received "
                         f"num_classes={num_classes} and labels from {int(flat.min())} to "
                         f"{int(flat.max())}.")
    out = np.zeros((flat.size, num_classes), dtype=dtype)
    out[np.arange(flat.size), flat] = 1
    return out.reshape(*shape, num_classes)


def normalize(x, axis: int = -1, order: int = 2) -> np.ndarray:
    """`x` divided by its `order`-norm along `axis` (rows of zeros stay zero).

    >>> normalize([[3.0, 4.0], [0.0, 0.0]]).tolist()
    [[0.6, 0.8], [0.0, 0.0]]
    """
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)

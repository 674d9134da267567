"""CIFAR-100, as keras.datasets.cifar100: Keras' URL and hash; fine or coarse labels.

Returns `(x_train, y_train), (x_test, y_test)`: uint8 (50000, 32, 32, 3) / (10000, 32, 32, 3)
images and uint8 labels of shape (n, 1): 100 fine classes, or 20 coarse ones.
"""
from __future__ import annotations

import os

from chainrule.datasets.cifar import as_keras_arrays, load_batch
from chainrule.utils.file_utils import get_file

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"
DIRNAME = "cifar-100-python"


def load_data(label_mode: str = "fine"):
    """`(x_train, y_train), (x_test, y_test)` of CIFAR-100.

    Args:
        label_mode: "fine" (100 classes) or "coarse" (20 super-classes).
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f'`label_mode` must be one of `"fine"`, `"coarse"`. '
                         f"Received: label_mode={label_mode}.")
    path = get_file(DIRNAME, origin=ORIGIN, untar=True, file_hash=FILE_HASH)
    key = f"{label_mode}_labels"
    train = load_batch(os.path.join(path, "train"), label_key=key)
    test = load_batch(os.path.join(path, "test"), label_key=key)
    return as_keras_arrays(*train), as_keras_arrays(*test)

"""CIFAR-10, as keras.datasets.cifar10: Keras' URL and hash, the five training batches.

Returns `(x_train, y_train), (x_test, y_test)`: uint8 (50000, 32, 32, 3) / (10000, 32, 32, 3)
images and uint8 labels of shape (n, 1). The archive (163 MB) is cached as
`datasets/cifar-10-batches-py.tar.gz` and unpacked next to it.
"""
from __future__ import annotations

import os

import numpy as np

from chainrule.datasets.cifar import as_keras_arrays, load_batch
from chainrule.utils.file_utils import get_file

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
DIRNAME = "cifar-10-batches-py"


def load_data():
    """`(x_train, y_train), (x_test, y_test)` of CIFAR-10 (see the module docstring)."""
    path = get_file(DIRNAME, origin=ORIGIN, untar=True, file_hash=FILE_HASH)
    parts = [load_batch(os.path.join(path, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([x for x, _ in parts])
    y_train = [label for _, labels in parts for label in labels]
    x_test, y_test = load_batch(os.path.join(path, "test_batch"))
    return as_keras_arrays(x_train, y_train), as_keras_arrays(x_test, y_test)

"""Fashion-MNIST, as keras.datasets.fashion_mnist: Keras' four IDX files from Keras' URL.

Returns `(x_train, y_train), (x_test, y_test)`: uint8 (60000, 28, 28) / (10000, 28, 28)
images and uint8 labels of shape (n,), classes 0-9 (T-shirt/top ... Ankle boot). The gzip
files are cached under `datasets/fashion-mnist/`. Keras publishes no hashes for them.
"""
from __future__ import annotations

import gzip
import os

import numpy as np

from chainrule.utils.file_utils import get_file

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")


def read_idx(path: str, offset: int) -> np.ndarray:
    """The uint8 payload of a gzipped IDX file after its `offset`-byte header."""
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def load_data():
    """`(x_train, y_train), (x_test, y_test)` of Fashion-MNIST (see the module docstring)."""
    paths = [get_file(name, origin=ORIGIN_FOLDER + name,
                      cache_subdir=os.path.join("datasets", "fashion-mnist")) for name in FILES]
    y_train, y_test = read_idx(paths[0], 8), read_idx(paths[2], 8)
    x_train = read_idx(paths[1], 16).reshape(len(y_train), 28, 28)
    x_test = read_idx(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)

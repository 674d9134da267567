"""MNIST handwritten digits, as keras.datasets.mnist: Keras' own file, URL and hash.

`load_data()` downloads `mnist.npz` (11 MB) once into `~/.chainrule/datasets/` (or
`$CHAINRULE_HOME/datasets/`), checks its SHA-256 and returns
`(x_train, y_train), (x_test, y_test)`: uint8 (60000, 28, 28) and (10000, 28, 28) images,
uint8 labels of shape (n,). Offline, put the file at the path the error names.
"""
from __future__ import annotations

import numpy as np

from chainrule.utils.file_utils import get_file

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path: str = "mnist.npz"):
    """`(x_train, y_train), (x_test, y_test)` of MNIST (see the module docstring).

    Args:
        path: file name under the cache's `datasets/` folder.
    """
    path = get_file(path, origin=ORIGIN_FOLDER + "mnist.npz", file_hash=FILE_HASH)
    with np.load(path, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])

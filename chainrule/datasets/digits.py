"""The bundled handwritten digits: 1,797 8x8 grey images, 10 classes, no download needed.

See data/DIGITS_LICENSE.txt for the source (UCI optdigits, CC BY 4.0).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

DATA_FILE = Path(__file__).parent / "data" / "digits.npz"


def load_data(test_fraction: float = 0.2, seed: int = 0):
    """The digits as `(x_train, y_train), (x_test, y_test)`, like keras.datasets loaders.

    Images are uint8 (n, 8, 8) with values 0..16; labels uint8 digits. The split is a fixed
    shuffle (`seed`) so every run and every machine sees the same test images.
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1. Received: {test_fraction!r}")
    with np.load(DATA_FILE) as f:
        images, labels = f["images"], f["labels"]
    order = np.random.default_rng(seed).permutation(len(images))
    cut = len(images) - int(round(len(images) * test_fraction))
    train, test = order[:cut], order[cut:]
    return (images[train], labels[train]), (images[test], labels[test])

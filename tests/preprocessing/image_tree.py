"""A small class-per-folder image tree, rebuilt byte for byte from a fixed recipe.

Both the Keras fixture script (tests/fixtures/make_keras_directory_reference.py) and the parity
tests call `make_image_tree`, so the tests read exactly the tree Keras read. It covers what
flow_from_directory must get right: odd sizes (up- and down-scaling, one already at the target
size), RGBA (alpha dropped), grayscale and palette images, an uppercase .JPG (sorts first), a
nested sub-folder, .tif/.bmp/.ppm/.jpeg, ignored .txt/.gif/.ipynb files, a loose file beside the
class folders, and a hidden '.ipynb_checkpoints' class folder (hidden folders count in Keras).

PNG/BMP/TIF/PPM pixels do not depend on the Pillow version; JPEG bytes might, which is why the
fixture records every file's sha256 (`tree_digests`).
"""
from __future__ import annotations

import hashlib
import os

import numpy as np

TARGET_SIZE = (20, 24)

# (relative path, PIL mode, (height, width)); order fixes the random stream of each image.
IMAGES = [
    (".ipynb_checkpoints/sample-checkpoint.png", "RGB", (26, 30)),
    ("cats/cat.1.png", "RGB", (17, 31)),
    ("cats/cat.10.png", "RGB", (40, 40)),
    ("cats/cat.2.jpg", "RGB", (33, 21)),
    ("cats/cat_alpha.png", "RGBA", (24, 20)),
    ("cats/cat_gray.png", "L", (19, 27)),
    ("cats/UPPER.JPG", "RGB", (22, 26)),
    ("cats/cat.tif", "RGB", TARGET_SIZE),
    ("cats/sub/nested.jpeg", "RGB", (35, 29)),
    ("cats/sub/deeper/deep.bmp", "RGB", (18, 18)),
    ("dogs/dog_0.png", "RGB", (30, 36)),
    ("dogs/dog_1.png", "RGB", (12, 16)),
    ("dogs/dog_2.jpg", "RGB", (41, 23)),
    ("dogs/dog_3.ppm", "RGB", (21, 25)),
    ("dogs/dog_palette.png", "P", (25, 19)),
    ("dogs/Dog_upper.png", "RGB", (20, 30)),
    ("horses/h0.png", "RGB", (16, 12)),
    ("horses/h1.png", "RGBA", (28, 22)),
    ("horses/h2.jpg", "RGB", (30, 30)),
    ("horses/h3.png", "L", (23, 29)),
    ("horses/h4.png", "RGB", (45, 15)),
    ("horses/h5.png", "RGB", (19, 33)),
    ("horses/h6.jpg", "RGB", (26, 24)),
]
IGNORED = {
    "loose.png": b"",                                   # beside the class folders: not read
    ".ipynb_checkpoints/lecture-checkpoint.ipynb": b'{"cells": []}\n',
    "cats/notes.txt": b"not an image\n",
}
GIF = "cats/anim.gif"                                    # a real image, but not a Keras format


def _pixels(rng: np.random.Generator, mode: str, size: tuple[int, int]) -> np.ndarray:
    """A smooth gradient plus noise, so that every resampling choice shows in the result."""
    height, width = size
    yy, xx = np.mgrid[0:height, 0:width] / max(height, width)
    bands = {"L": 1, "P": 1, "RGB": 3, "RGBA": 4}[mode]
    slopes = rng.uniform(-255, 255, (2, bands))
    image = rng.uniform(0, 255, bands) + yy[..., None] * slopes[0] + xx[..., None] * slopes[1]
    image += rng.normal(0, 20, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def _make_image(rng: np.random.Generator, mode: str, size: tuple[int, int]):
    from PIL import Image

    array = _pixels(rng, mode, size)
    if mode in ("L", "P"):
        image = Image.fromarray(array[..., 0], "L")
        return image.quantize(8) if mode == "P" else image
    return Image.fromarray(array, mode)


def make_image_tree(root: str, seed: int = 0) -> list[str]:
    """Write the tree under `root` (which must exist) and return the image paths written."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    written = []
    for relpath, mode, size in IMAGES:
        path = os.path.join(root, relpath)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        _make_image(rng, mode, size).save(path)
        written.append(path)
    for relpath, content in IGNORED.items():
        with open(os.path.join(root, relpath), "wb") as f:
            f.write(content)
    Image.fromarray(_pixels(rng, "RGB", (8, 8)), "RGB").save(os.path.join(root, GIF))
    return written


def tree_digests(root: str) -> dict[str, str]:
    """sha256 of every image file of the recipe, keyed by its relative path."""
    digests = {}
    for relpath, _, _ in IMAGES:
        with open(os.path.join(root, relpath), "rb") as f:
            digests[relpath] = hashlib.sha256(f.read()).hexdigest()
    return digests


def flow_arrays(seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x (10, 6, 5, 3) in 0..255, labels 0,1,2,0,1,... and sample weights for flow()."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (10, 6, 5, 3)).astype(np.float32)
    y = np.arange(10) % 3
    weights = rng.uniform(0.5, 2.0, 10).astype(np.float32)
    return x, y, weights


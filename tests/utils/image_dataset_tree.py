"""The image folder both `make_tf_namespace_reference.py` (under tf.keras) and the tests build.

Three classes with unequal counts, a nested sub-folder, mixed-case names (plain string sort puts
'B.png' before 'a.png'), a JPEG, a grey PNG and a file that is not an image, so that Keras' file
order, split and decoding are all exercised. Pixel values come from a fixed formula.
"""
import os

import numpy as np
from PIL import Image

CLASSES = {"ant": 7, "Bee": 5, "cat": 9}


def _pixels(seed: int, height: int, width: int) -> np.ndarray:
    yy, xx = np.mgrid[0:height, 0:width]
    return np.stack([(yy * 17 + xx * 5 + seed * 31) % 256, (xx * 23 + seed * 7) % 256,
                     (yy * 11 + seed * 13) % 256], axis=-1).astype(np.uint8)


def build(root: str) -> str:
    """Write the tree under `root`; returns `root`."""
    seed = 0
    for name, count in CLASSES.items():
        folder = os.path.join(root, name)
        os.makedirs(os.path.join(folder, "sub"), exist_ok=True)
        for i in range(count):
            seed += 1
            where = os.path.join(folder, "sub") if i % 4 == 3 else folder
            stem = f"{'B' if i % 3 == 0 else 'a'}{i:02d}"
            img = Image.fromarray(_pixels(seed, 10 + i % 3, 14 - i % 2))
            if i == 2:
                img.save(os.path.join(where, stem + ".jpg"), quality=95)
            elif i == 4:
                img.convert("L").save(os.path.join(where, stem + ".png"))
            else:
                img.save(os.path.join(where, stem + ".png"))
        with open(os.path.join(folder, "notes.txt"), "w") as f:
            f.write("not an image")
    return root

"""The bundled 8x8 digits as a `load()` dataset: no download, one `train` split of 1,797.

The stored values count "on" pixels in 4x4 blocks (0..16). Here they are scaled to 0..255
(`(v * 255 + 8) // 16`, so 16 -> 255) because every other uint8 image in chainrule uses that
range: `x / 255` then means the same for digits as for photos, and the class-folder PNGs look
like digits rather than black squares. The map is one-to-one, so no information is lost;
`chainrule.datasets.digits.load_data()` still returns the raw 0..16 values.
"""
import os
import shutil

import numpy as np
from PIL import Image

from chainrule.datasets import digits as digits_module
from chainrule.datasets.builder import DatasetBuilder


def scale_to_255(images: np.ndarray) -> np.ndarray:
    """0..16 -> 0..255, rounding halves up.

    >>> scale_to_255(np.array([0, 1, 8, 16], dtype=np.uint8)).tolist()
    [0, 16, 128, 255]
    """
    return ((images.astype(np.uint16) * 255 + 8) // 16).astype(np.uint8)


class Digits(DatasetBuilder):
    """UCI optdigits (the copy scikit-learn ships), as uint8 (8, 8, 1) images in 0..255."""

    name = "digits"
    description = "1,797 8x8 handwritten digits (UCI optdigits), bundled with chainrule."
    homepage = "https://archive.ics.uci.edu/dataset/80/optical+recognition+of+handwritten+digits"
    citation = ("Alpaydin, E. & Kaynak, C. (1998). Optical Recognition of Handwritten Digits "
                "[Dataset]. UCI Machine Learning Repository. https://doi.org/10.24432/C50P49")
    label_names = tuple("0123456789")
    image_shape = (8, 8, 1)

    def prepare(self, download: bool = True) -> None:
        if not hasattr(self, "_images"):
            with np.load(digits_module.DATA_FILE) as f:
                self._images = scale_to_255(f["images"])[..., None]
                self._labels = f["labels"].astype(np.int64)

    def split_sizes(self) -> dict[str, int]:
        self.prepare()
        return {"train": len(self._labels)}

    def read(self, split: str, index: int) -> dict:
        self.prepare()
        return {"image": self._images[index], "label": self._labels[index]}

    def class_directory(self, split: str) -> str:
        """`<data_dir>/digits/folders/train/<digit>/<index>.png`, written once."""
        target = os.path.join(self.root, "folders", split)
        if os.path.isdir(target):
            return target
        partial = target + ".partial"
        shutil.rmtree(partial, ignore_errors=True)  # left over from an interrupted run
        self.prepare()
        for digit in self.label_names:
            os.makedirs(os.path.join(partial, digit), exist_ok=True)
        for i, (image, label) in enumerate(zip(self._images, self._labels)):
            path = os.path.join(partial, self.label_names[label], f"{i:04d}.png")
            Image.fromarray(image[..., 0]).save(path)  # 2-D uint8 -> mode "L"
        os.replace(partial, target)
        return target

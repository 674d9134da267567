"""What the directory and dataframe iterators share: turning image files into labelled batches."""
from __future__ import annotations

import os

import numpy as np

from chainrule import config
from chainrule.preprocessing.base_iterator import Skipped, check_channels_last, check_subset
from chainrule.preprocessing.image_io import (check_color_mode, check_interpolation,
                                              check_target_size, load_array)

# What Pillow raises for an empty, truncated or non-image file (UnidentifiedImageError and
# "image file is truncated" are OSErrors; broken headers can raise the others).
UNREADABLE_ERRORS = (OSError, SyntaxError, ValueError, EOFError)
_CHANNELS = {"rgb": 3, "rgba": 4, "grayscale": 1}


def dtype_for(dtype, image_data_generator) -> str:
    """The batch dtype: as given, else the generator's, else floatx() (float32)."""
    return dtype or getattr(image_data_generator, "dtype", None) or config.floatx()


def check_save_to_dir(save_to_dir):
    """Fail at construction, not at the first batch, when the folder to save into is missing."""
    if save_to_dir is not None and not os.path.isdir(save_to_dir):
        raise FileNotFoundError(f"`save_to_dir` must be an existing folder. Received: "
                                f"save_to_dir={os.fspath(save_to_dir)!r}. Create it first, "
                                "e.g. os.makedirs(save_to_dir, exist_ok=True).")
    return save_to_dir


class BatchFromFilesMixin:
    """Loads the files named in `self.filepaths` and labels them according to `class_mode`.

    The class using it sets `filepaths`, `classes`, `class_indices`, `class_mode`, `labels` and
    `sample_weight`, and calls `set_processing_attrs` in its constructor.
    """

    def set_processing_attrs(self, image_data_generator, target_size, color_mode, data_format,
                             save_to_dir, save_prefix, save_format, subset, interpolation,
                             keep_aspect_ratio, dtype=None) -> None:
        """Validate and store how files are read; `split` is the (start, stop) fraction kept."""
        self.image_data_generator = image_data_generator
        self.target_size = check_target_size(target_size)
        self.color_mode = check_color_mode(color_mode)
        self.data_format = check_channels_last(data_format)
        self.image_shape = self.target_size + (_CHANNELS[color_mode],)
        self.save_to_dir = check_save_to_dir(save_to_dir)
        self.save_prefix = save_prefix
        self.save_format = save_format
        self.interpolation = check_interpolation(interpolation)
        self.keep_aspect_ratio = keep_aspect_ratio
        self.dtype = dtype_for(dtype, image_data_generator)
        validation_split = check_subset(subset, image_data_generator)
        self.subset = subset
        self.split = None if subset is None else (
            (0.0, validation_split) if subset == "validation" else (validation_split, 1.0))

    def _sample_shape(self) -> tuple[int, ...]:
        return self.image_shape

    def _load_sample(self, j: int, params):
        """Decode, resize and augment file j (runs in a worker thread)."""
        path = self.filepaths[j]
        if path in self._unreadable:                 # known bad: do not decode it every epoch
            return Skipped(path, self._unreadable[path])
        try:
            x = load_array(path, color_mode=self.color_mode, target_size=self.target_size,
                           interpolation=self.interpolation,
                           keep_aspect_ratio=self.keep_aspect_ratio, dtype=self.dtype)
        except UNREADABLE_ERRORS as err:
            return Skipped(path, f"{type(err).__name__}: {err}")
        return self._augment(x, params)

    def _assemble(self, indices: np.ndarray, batch_x: np.ndarray):
        if self.class_mode is None:
            return batch_x
        batch_y = self._labels(indices, batch_x)
        if self.sample_weight is None:
            return batch_x, batch_y
        return batch_x, batch_y, self.sample_weight[indices]

    def _labels(self, indices: np.ndarray, batch_x: np.ndarray):
        """Keras' label arrays: float32 indices or one-hot rows, a copy of x, or raw values."""
        mode = self.class_mode
        if mode == "input":
            return batch_x.copy()
        if mode in ("binary", "sparse"):
            return np.array([self.classes[j] for j in indices], dtype=self.dtype)
        if mode == "categorical":
            batch_y = np.zeros((len(indices), len(self.class_indices)), dtype=self.dtype)
            for i, j in enumerate(indices):
                batch_y[i, self.classes[j]] = 1.0      # a list of classes marks several
            return batch_y
        if mode == "multi_output":
            return [output[indices] for output in self.labels]
        return self.labels[indices]                      # "raw"

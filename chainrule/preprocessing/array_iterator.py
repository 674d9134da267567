"""`NumpyArrayIterator`: what `ImageDataGenerator.flow(x, y)` returns.

Unlike the folder iterator, the subset split here is one global cut: validation is
`x[:int(len(x) * validation_split)]`, training the rest, so arrays sorted by label must be
shuffled first (a check refuses a split whose two parts hold different sets of classes).
"""
from __future__ import annotations

import warnings

import numpy as np

from chainrule.preprocessing.base_iterator import Iterator, check_channels_last, check_subset
from chainrule.preprocessing.file_batches import check_save_to_dir, dtype_for


def _split_inputs(x):
    """x, or [images, extra_array or list of extra arrays] -> (images, [extra arrays])."""
    if not isinstance(x, tuple | list):
        return x, []
    extra = x[1] if isinstance(x[1], list) else [x[1]]
    extra = [np.asarray(e) for e in extra]
    for e in extra:
        if len(x[0]) != len(e):
            raise ValueError("All of the arrays in `x` should have the same length. Found a "
                             f"pair with: len(x[0]) = {len(x[0])}, len(x[?]) = {len(e)}")
    return x[0], extra


def _check_lengths(x, y, sample_weight) -> None:
    if y is not None and len(x) != len(y):
        raise ValueError("`x` (images tensor) and `y` (labels) should have the same length. "
                         f"Found: x.shape = {np.shape(x)}, y.shape = {np.shape(y)}")
    if sample_weight is not None and len(x) != len(sample_weight):
        raise ValueError("`x` (images tensor) and `sample_weight` should have the same length. "
                         f"Found: x.shape = {np.shape(x)}, "
                         f"sample_weight.shape = {np.shape(sample_weight)}")


def _cut(arrays: dict, subset: str, split_idx: int) -> dict:
    keep = slice(None, split_idx) if subset == "validation" else slice(split_idx, None)
    return {k: None if v is None else (
        [np.asarray(e[keep]) for e in v] if k == "extra" else v[keep])
        for k, v in arrays.items()}


def _check_class_split(y, split_idx: int) -> None:
    if not np.array_equal(np.unique(y[:split_idx]), np.unique(y[split_idx:])):
        raise ValueError("Training and validation subsets have different number of classes "
                         "after the split. If your numpy arrays are sorted by the label, you "
                         "might want to shuffle them (or pass ignore_class_split=True).")


def _check_images(x: np.ndarray) -> None:
    if x.ndim != 4:
        raise ValueError("Input data in `NumpyArrayIterator` should have rank 4 "
                         "(samples, height, width, channels). You passed an array with shape "
                         f"{x.shape}.")
    if x.shape[3] not in (1, 3, 4):
        warnings.warn('NumpyArrayIterator is set to use the data format convention '
                      '"channels_last" (channels on axis 3), i.e. expected either 1, 3, or 4 '
                      f"channels on axis 3. However, it was passed an array with shape "
                      f"{x.shape} ({x.shape[3]} channels).", UserWarning, stacklevel=4)


class NumpyArrayIterator(Iterator):
    """Batches of (augmented) images from an array, with `y` and weights passed through as-is.

    Args: see `ImageDataGenerator.flow`. `x` may be `[images, extra]` where `extra` (an array
    or a list of arrays) is yielded alongside the images, unaugmented.

    Yields `x_batch`, `(x_batch, y_batch)` or `(x_batch, y_batch, weight_batch)`.
    """

    save_hash_range = 10**4

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False,
                 sample_weight=None, seed=None, data_format=None, save_to_dir=None,
                 save_prefix="", save_format="png", subset=None, ignore_class_split=False,
                 dtype=None):
        self.dtype = dtype_for(dtype, image_data_generator)
        self.data_format = check_channels_last(data_format)
        x, extra = _split_inputs(x)
        _check_lengths(x, y, sample_weight)
        arrays = {"x": x, "y": y, "sample_weight": sample_weight, "extra": extra}
        validation_split = check_subset(subset, image_data_generator)
        if subset is not None:
            split_idx = int(len(x) * validation_split)
            if y is not None and not ignore_class_split:
                _check_class_split(np.asarray(y), split_idx)
            arrays = _cut(arrays, subset, split_idx)
        self.x = np.asarray(arrays["x"], dtype=self.dtype)
        _check_images(self.x)
        self.x_misc = arrays["extra"]
        self.y = None if arrays["y"] is None else np.asarray(arrays["y"])
        self.sample_weight = None if sample_weight is None else np.asarray(
            arrays["sample_weight"])
        self.image_data_generator = image_data_generator
        self.save_to_dir = check_save_to_dir(save_to_dir)
        self.save_prefix, self.save_format = save_prefix, save_format
        self.subset = subset
        super().__init__(self.x.shape[0], batch_size, shuffle, seed)

    def _sample_shape(self) -> tuple[int, ...]:
        return self.x.shape[1:]

    def _load_sample(self, j: int, params) -> np.ndarray:
        return self._augment(self.x[j].copy(), params)

    def _assemble(self, indices: np.ndarray, batch_x: np.ndarray):
        misc = [extra[indices] for extra in self.x_misc]
        inputs = [batch_x, *misc] if misc else batch_x
        if self.y is None:
            return inputs
        if self.sample_weight is None:
            return inputs, self.y[indices]
        return inputs, self.y[indices], self.sample_weight[indices]

    def _save_batch(self, batch_x, indices, rng) -> None:
        super()._save_batch(batch_x[0] if isinstance(batch_x, list) else batch_x, indices, rng)

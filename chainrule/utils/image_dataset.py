"""`image_dataset_from_directory`: class sub-folders of images -> a `Dataset` of batches.

The files and their split are tf.keras 2.12's, so a program moved from TensorFlow trains and
validates on the same images for the same seed:

1. Classes are the sorted sub-folders; each is walked recursively (roots sorted, names sorted),
   keeping .bmp .gif .jpeg .jpg .png files.
2. With `shuffle`, the whole list is shuffled once with `np.random.RandomState(seed)`.
3. `validation_split` takes the *last* `int(split * n)` files for validation, the rest for
   training.

Images are decoded as `flow_from_directory` decodes them (`preprocessing.image_io.load_array`,
fast for PNGs) and resized with `chainrule.image.resize` (TF's resize, bilinear by default), as
float32 (uint8 with 'nearest', as tf.image.resize gives). A file that cannot be decoded is
skipped with a warning, so its batch is one image short, as with `flow_from_directory`. Each
epoch reshuffles the order (a buffer of `batch_size * 8`, seeded), as Keras does.
"""
from __future__ import annotations

import os
import warnings

import numpy as np

from chainrule import config, image
from chainrule.data import AUTOTUNE, Dataset
from chainrule.preprocessing.directory_iterator import list_class_files
from chainrule.preprocessing.image_io import load_array

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_CHANNELS = {"rgb": 3, "rgba": 4, "grayscale": 1}
_UNREADABLE = (OSError, SyntaxError, ValueError, EOFError)


def image_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, color_mode="rgb", batch_size=32,
                                 image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False, **kwargs):
    """A `Dataset` of `(images, labels)` batches from class folders, as in Keras.

    Args as keras.utils.image_dataset_from_directory (tf.keras 2.12): `labels` "inferred",
    None or a list (one per file, in sorted file order); `label_mode` "int" (int32), "binary"
    (float32, shape (n, 1)), "categorical" (float32 one-hot) or None; `subset` "training",
    "validation" or "both" (two datasets). Results have `class_names` and `file_paths`.
    """
    if "smart_resize" in kwargs:
        crop_to_aspect_ratio = kwargs.pop("smart_resize")
    if kwargs:
        raise TypeError(f"Unknown keywords argument(s): {tuple(kwargs.keys())}")
    labels, label_mode = _check_labels(labels, label_mode, class_names)
    if color_mode not in _CHANNELS:
        raise ValueError('`color_mode` must be one of {"rgb", "rgba", "grayscale"}. '
                         f"Received: color_mode={color_mode}")
    image_size = tuple(int(v) for v in image_size)
    image.resize(np.zeros((1, 1, 1), np.float32), image_size, method=interpolation)  # checks
    _check_split(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = int(config.make_rng().integers(1_000_000))
    paths, label_list, class_names = index_directory(os.fspath(directory), labels,
                                                     class_names, follow_links)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 '
                         f"class_names. Received: class_names={class_names}")
    if shuffle:
        np.random.RandomState(seed).shuffle(paths)
        np.random.RandomState(seed).shuffle(label_list)
    options = dict(label_mode=label_mode, num_classes=len(class_names), color_mode=color_mode,
                   image_size=image_size, interpolation=interpolation,
                   crop=crop_to_aspect_ratio, batch_size=batch_size, seed=seed)
    return _build(directory, paths, label_list, class_names, validation_split, subset, shuffle,
                  options)


def _build(directory, paths, label_list, class_names, validation_split, subset, shuffle,
           options: dict):
    """The dataset of `subset`, or [training, validation] for "both"."""
    both = subset == "both"
    # each epoch reshuffles, except the validation half of subset="both" (as Keras)
    datasets = [_subset(directory, paths, label_list, class_names, validation_split, name,
                        shuffle and not (both and name == "validation"), both, options)
                for name in (["training", "validation"] if both else [subset])]
    return datasets if both else datasets[0]


def _subset(directory, paths, label_list, class_names, validation_split, name, shuffle,
            both: bool, options: dict) -> Dataset:
    part_paths, part_labels = split_files(paths, label_list, validation_split, name)
    if not part_paths:
        what = f"{name} images" if both else "images"
        raise ValueError(f"No {what} found in directory {directory}. Allowed formats: "
                         f"{ALLOWLIST_FORMATS}")
    ds = _files_dataset(part_paths, part_labels, shuffle=shuffle, **options)
    ds.class_names, ds.file_paths = list(class_names), list(part_paths)
    return ds


def _check_labels(labels, label_mode, class_names):
    if labels not in ("inferred", None):
        if not isinstance(labels, list | tuple):
            raise ValueError("`labels` argument should be a list/tuple of integer labels, of the "
                             "same size as the number of image files in the target directory. "
                             'If you wish to infer the labels from the subdirectory names in the '
                             'target directory, pass `labels="inferred"`. If you wish to get a '
                             "dataset that only contains images (no labels), pass "
                             f"`labels=None`. Received: labels={labels}")
        if class_names:
            raise ValueError("You can only pass `class_names` if `labels=\"inferred\"`. "
                             f"Received: labels={labels}, and class_names={class_names}")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError('`label_mode` argument must be one of "int", "categorical", "binary", '
                         f"or None. Received: label_mode={label_mode}")
    if labels is None or label_mode is None:
        return None, None
    return labels, label_mode


def _check_split(validation_split, subset, shuffle, seed) -> None:
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: "
                         f"{validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError('`subset` must be either "training", "validation" or "both", '
                         f"received: {subset}")
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must provide "
                         "a `seed` argument, to make sure that there is no overlap between the "
                         "training and validation subset.")


def index_directory(directory: str, labels, class_names, follow_links: bool):
    """(file paths, int32 labels, class names) in Keras' sorted order; prints what it found."""
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"Could not find directory {directory}")
    if labels == "inferred":
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d))]
        if class_names and set(class_names) != set(subdirs):
            raise ValueError("The `class_names` passed did not match the names of the "
                             "subdirectories of the target directory. Expected: "
                             f"{subdirs}, but received: {class_names}")
        class_names = list(class_names or subdirs)
        index = {name: i for i, name in enumerate(class_names)}
        paths, found = [], []
        for name in subdirs:
            files = list_class_files(os.path.join(directory, name), ALLOWLIST_FORMATS,
                                     follow_links)
            paths += [os.path.join(directory, name, f) for f in files]
            found += [index[name]] * len(files)
        label_list = np.asarray(found, dtype=np.int32)
    else:
        paths = [os.path.join(directory, f)
                 for f in list_class_files(directory, ALLOWLIST_FORMATS, follow_links)]
        label_list, class_names = _explicit_labels(labels, paths, directory)
    if labels is None:
        print(f"Found {len(paths)} files.")
    else:
        print(f"Found {len(paths)} files belonging to {len(class_names)} classes.")
    return paths, label_list, class_names


def _explicit_labels(labels, paths: list, directory: str):
    if labels is None:                         # tf.keras 2.12 names the one "class" ''
        return np.zeros(len(paths), np.int32), [""]
    if len(labels) != len(paths):
        raise ValueError("Expected the lengths of `labels` to match the number of files in the "
                         f"target directory. len(labels) is {len(labels)} while we found "
                         f"{len(paths)} files in directory {directory}.")
    return np.asarray(labels), sorted(set(labels))


def split_files(paths: list, labels, validation_split, subset):
    """Keras' split of the (shuffled) list: validation is the last int(split * n) files."""
    if not validation_split:
        return paths, labels
    n_val = int(validation_split * len(paths))
    if subset == "training":
        print(f"Using {len(paths) - n_val} files for training.")
        return paths[:len(paths) - n_val], labels[:len(paths) - n_val]
    print(f"Using {n_val} files for validation.")
    return paths[len(paths) - n_val:], labels[len(paths) - n_val:]


def _files_dataset(paths, labels, label_mode, num_classes, color_mode, image_size,
                   interpolation, crop, batch_size, seed, shuffle) -> Dataset:
    """Indices -> (shuffled) -> batched -> decoded in parallel -> prefetched."""
    load = _Loader(paths, labels, label_mode, num_classes, color_mode, image_size,
                   interpolation, crop)
    ds = Dataset.from_tensor_slices(np.arange(len(paths)))
    if shuffle:
        ds = ds.shuffle(batch_size * 8 if batch_size is not None else 1024, seed=seed)
    if batch_size is not None:
        return ds.batch(batch_size).map(load.batch, num_parallel_calls=AUTOTUNE).prefetch(
            AUTOTUNE)
    return ds.batch(1).map(load.batch, num_parallel_calls=AUTOTUNE).unbatch().prefetch(
        AUTOTUNE)                                    # a skipped file: an empty batch of one


class _Loader:
    """Decodes and resizes files by index; remembers files that could not be read."""

    def __init__(self, paths, labels, label_mode, num_classes, color_mode, image_size,
                 interpolation, crop):
        self.paths, self.label_mode, self.num_classes = paths, label_mode, num_classes
        self.labels = None if label_mode is None else _encode(labels, label_mode, num_classes)
        self.color_mode, self.size = color_mode, image_size
        self.interpolation, self.crop = interpolation, crop

    def image(self, i: int) -> np.ndarray | None:
        try:
            x = load_array(self.paths[i], color_mode=self.color_mode, dtype="float32")
        except _UNREADABLE as err:
            warnings.warn(f"Skipping {self.paths[i]!r}: it could not be decoded as an image "
                          f"({type(err).__name__}: {err}).", UserWarning, stacklevel=2)
            return None
        if self.crop:
            x = _crop_to_ratio(x, self.size)
        if self.interpolation == "nearest":          # tf.image.resize keeps uint8 here
            return image.resize(x.astype(np.uint8), self.size, method="nearest")
        return image.resize(x, self.size, method=self.interpolation).astype(np.float32)

    def batch(self, indices):
        kept = [(i, x) for i in indices.tolist() if (x := self.image(i)) is not None]
        shape = (0, *self.size, _CHANNELS[self.color_mode])
        dtype = np.uint8 if self.interpolation == "nearest" else np.float32
        xs = np.stack([x for _, x in kept]) if kept else np.zeros(shape, dtype)
        if self.labels is None:
            return xs
        return xs, self.labels[np.asarray([i for i, _ in kept], dtype=np.int64)]


def _encode(labels, label_mode: str, num_classes: int) -> np.ndarray:
    labels = np.asarray(labels)
    if label_mode == "binary":
        return labels.astype(np.float32).reshape(-1, 1)
    if label_mode == "categorical":
        return np.eye(num_classes, dtype=np.float32)[labels.astype(np.int64)]
    return labels.astype(np.int32)


def _crop_to_ratio(x: np.ndarray, size) -> np.ndarray:
    """The centred crop with the target's aspect ratio (Keras' smart_resize crop)."""
    height, width = x.shape[0], x.shape[1]
    crop_h = min(height, int(np.float32(width * size[0]) / np.float32(size[1])))
    crop_w = min(width, int(np.float32(height * size[1]) / np.float32(size[0])))
    top, left = int(np.float32(height - crop_h) / 2), int(np.float32(width - crop_w) / 2)
    return x[top:top + crop_h, left:left + crop_w]

"""`DirectoryIterator`: what `ImageDataGenerator.flow_from_directory` returns.

Classes are the sorted sub-folders of `directory` (hidden ones included, as in Keras); each is
walked recursively with sorted roots and plain string sort of file names, so 'B.png' comes
before 'a.png'. With `subset`, each class is cut on its own: validation is the first
`int(validation_split * n)` files of that sorted list, training the rest.
"""
from __future__ import annotations

import os
import warnings

import numpy as np

from chainrule.preprocessing.base_iterator import Iterator
from chainrule.preprocessing.file_batches import BatchFromFilesMixin

_HINT = "Expected one sub-folder per class, e.g. {d}/cats/001.jpg and {d}/dogs/001.jpg."


def list_class_files(class_dir: str, formats: tuple[str, ...],
                     follow_links: bool = False) -> list[str]:
    """Image files under `class_dir`, relative to it, in Keras' order (see module doc)."""
    walk = sorted(os.walk(class_dir, followlinks=follow_links), key=lambda entry: entry[0])
    return [os.path.relpath(os.path.join(root, name), class_dir)
            for root, _, names in walk for name in sorted(names)
            if name.lower().endswith(formats)]


def class_names_in(directory: str, classes=None) -> list[str]:
    """The class sub-folder names: `classes` as given (each must exist) or all, sorted."""
    if not os.path.exists(directory):
        raise FileNotFoundError(f"flow_from_directory: directory={directory!r} does not exist "
                                f"(current working directory: {os.getcwd()!r}). "
                                + _HINT.format(d=directory))
    if not os.path.isdir(directory):
        raise ValueError(f"flow_from_directory: directory={directory!r} is a file, not a "
                         "folder. " + _HINT.format(d=directory))
    if classes:
        missing = [c for c in classes if not os.path.isdir(os.path.join(directory, c))]
        if missing:
            raise FileNotFoundError(f"flow_from_directory: classes={list(classes)!r} names "
                                    f"folders that do not exist in directory={directory!r}: "
                                    f"{missing!r}.")
        return list(classes)
    names = [d for d in sorted(os.listdir(directory))
             if os.path.isdir(os.path.join(directory, d))]
    if not names:
        raise ValueError(f"flow_from_directory: directory={directory!r} has no class "
                         "sub-folders (files directly inside it are ignored). "
                         + _HINT.format(d=directory))
    return names


def _check_not_empty(directory: str, name: str, files: list[str], formats) -> None:
    if not files:
        raise ValueError(
            f"flow_from_directory: class folder {os.path.join(directory, name)!r} (class "
            f"{name!r}) contains no image files; expected files ending in "
            f"{', '.join(formats)}. Hidden folders such as '.ipynb_checkpoints' count as classes "
            "(as in Keras): delete the folder, or pass classes=[...] to choose the class folders.")


def _split(files: list[str], split: tuple[float, float] | None) -> list[str]:
    if split is None:
        return files
    return files[int(split[0] * len(files)):int(split[1] * len(files))]


def _warn_tiff(filenames: list[str]) -> None:
    count = sum(name.lower().endswith(".tiff") for name in filenames)
    if count:
        warnings.warn(f'Using ".tiff" files with multiple bands will cause distortion. Please '
                      f"verify your output ({count} .tiff file(s) found).", UserWarning,
                      stacklevel=4)


class DirectoryIterator(BatchFromFilesMixin, Iterator):
    """Batches of images read from class sub-folders, with labels from the folder names.

    Args: see `ImageDataGenerator.flow_from_directory`; `image_data_generator` supplies the
    random transform, `standardize`, `validation_split` and `dtype`.

    Attributes:
        filenames: Paths relative to `directory` ('cats/001.jpg'), grouped by class.
        filepaths: The same joined to `directory`.
        classes: int32 class index of every file, aligned with `filenames` (never shuffled).
        labels: Same as `classes`.
        class_indices: {class folder name: index}.
        samples, num_classes, image_shape: counts and the (height, width, channels) of x.

    Prints "Found {samples} images belonging to {num_classes} classes." when made.
    """

    allowed_class_modes = {"categorical", "binary", "sparse", "input", None}

    def __init__(self, directory, image_data_generator, target_size=(256, 256),
                 color_mode="rgb", classes=None, class_mode="categorical", batch_size=32,
                 shuffle=True, seed=None, data_format=None, save_to_dir=None, save_prefix="",
                 save_format="png", follow_links=False, subset=None, interpolation="nearest",
                 keep_aspect_ratio=False, dtype=None):
        if class_mode not in self.allowed_class_modes:
            raise ValueError(f"Invalid class_mode: {class_mode!r}; expected one of: "
                             "'categorical', 'binary', 'sparse', 'input' or None.")
        self.set_processing_attrs(image_data_generator, target_size, color_mode, data_format,
                                  save_to_dir, save_prefix, save_format, subset, interpolation,
                                  keep_aspect_ratio, dtype)
        self.directory = directory
        self.class_mode = class_mode
        names = class_names_in(os.fspath(directory), classes)
        self.num_classes = len(names)
        self.class_indices = dict(zip(names, range(len(names))))
        self.filenames, self.classes = self._list_files(names, follow_links)
        self.samples = len(self.filenames)
        self._filepaths = [os.path.join(directory, name) for name in self.filenames]
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        super().__init__(self.samples, batch_size, shuffle, seed)

    def _list_files(self, names: list[str], follow_links: bool):
        directory = os.fspath(self.directory)
        filenames, classes = [], []
        for name in names:
            files = list_class_files(os.path.join(directory, name), self.white_list_formats,
                                     follow_links)
            _check_not_empty(directory, name, files, self.white_list_formats)
            kept = _split(files, self.split)
            filenames += [os.path.join(name, f) for f in kept]
            classes += [self.class_indices[name]] * len(kept)
        if not filenames:
            raise ValueError(
                f"flow_from_directory: subset={self.subset!r} of directory={directory!r} is "
                f"empty: validation_split keeps int(split * n) files of each class, which is 0 "
                "for every class here. Use a larger validation_split or more images.")
        _warn_tiff(filenames)
        return filenames, np.asarray(classes, dtype="int32")

    @property
    def filepaths(self) -> list[str]:
        """`filenames` joined to `directory`."""
        return self._filepaths

    @property
    def labels(self) -> np.ndarray:
        """The class index of every file (same as `classes`)."""
        return self.classes

    @property
    def sample_weight(self):
        """Folders carry no sample weights."""
        return None

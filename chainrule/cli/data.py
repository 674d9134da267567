"""Image folders for the command line: checks with messages for people, and the iterators."""
from __future__ import annotations

import os
import warnings
from pathlib import Path

from chainrule.cli import run_state
from chainrule.cli.architectures import CLIError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".tif", ".tiff")


def bundled_digits_dir() -> Path:
    """The bundled digits as a class-per-folder PNG tree (written once, then reused)."""
    from chainrule.datasets import get_directory

    return Path(get_directory("digits"))


def class_folders(directory: str) -> list[str]:
    """Sorted class sub-folders of `directory`, each checked to hold at least one image."""
    if not str(directory).strip():
        raise CLIError("the data folder is an empty name ''; pass a folder with one sub-folder "
                       "of images per class (or no folder at all for the bundled digits)")
    root = Path(directory)
    if not root.is_dir():
        raise CLIError(f"data folder {directory} does not exist; pass a folder with one "
                       f"sub-folder of images per class")
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")
                     and not _holds_a_run(p))
    if not classes:
        raise CLIError(f"{directory} has no class sub-folders; put the images of each class "
                       f"in a folder of its own, e.g. {directory}/cats/1.jpg")
    for name in classes:
        if not any(f.lower().endswith(IMAGE_EXTENSIONS)
                   for _, _, files in os.walk(root / name) for f in files):
            raise CLIError(f"class folder {root / name} has no images "
                           f"({', '.join(e[1:] for e in IMAGE_EXTENSIONS)}); add some or "
                           f"remove the folder")
    return classes


def _holds_a_run(folder: Path) -> bool:
    """True (with a warning) for a folder that is or holds a chainrule run: not a class."""
    for path, _, files in os.walk(folder):
        if run_state.is_run_dir(Path(path)):
            warnings.warn(f"ignoring {folder}: it holds a chainrule run ({path}), "
                          f"not images of a class", UserWarning, stacklevel=2)
            return True
    return False


def make_iterators(config):
    """Training iterator (augmented) and validation iterator (rescale only, not shuffled).

    The iterators' own refusals (an empty validation subset, a bad augmentation value...) are
    about the user's folder or flags, so they come out as a CLIError.
    """
    try:
        return _make_iterators(config)
    except ValueError as error:
        raise CLIError(str(error)) from None


def _make_iterators(config):
    from chainrule.preprocessing.image import ImageDataGenerator

    classes = class_folders(config.data_dir)
    if len(classes) < 2:
        raise CLIError(f"{config.data_dir} has a single class folder ({classes[0]}); a "
                       f"classifier needs at least 2 classes to tell apart. Add a folder of "
                       f"images for each other class")
    common = {"target_size": (config.image_size, config.image_size),
              "batch_size": config.batch_size, "classes": classes,
              "class_mode": "categorical", "color_mode": config.color_mode}
    if config.validation_dir:
        if class_folders(config.validation_dir) != classes:
            raise CLIError(f"--validation-dir {config.validation_dir} must have the same class "
                           f"folders as {config.data_dir}: {classes}")
        train = ImageDataGenerator(rescale=1 / 255, **config.augmentation).flow_from_directory(
            config.data_dir, seed=config.seed, **common)
        val = ImageDataGenerator(rescale=1 / 255).flow_from_directory(
            config.validation_dir, shuffle=False, **common)
        return train, val
    if not 0 < config.validation_split < 1:
        raise CLIError(f"--validation-split must be between 0 and 1 (got "
                       f"{config.validation_split}), or pass --validation-dir")
    split = {"validation_split": config.validation_split}
    train = ImageDataGenerator(rescale=1 / 255, **config.augmentation, **split)\
        .flow_from_directory(config.data_dir, subset="training", seed=config.seed, **common)
    val = ImageDataGenerator(rescale=1 / 255, **split).flow_from_directory(
        config.data_dir, subset="validation", shuffle=False, **common)
    return train, val

"""Image folders for the command line: checks with messages for people, and the iterators."""
from __future__ import annotations

import os
from pathlib import Path

from chainrule.cli.architectures import CLIError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".tif", ".tiff")


def bundled_digits_dir() -> Path:
    """The bundled digits as a class-per-folder PNG tree (written once, then reused)."""
    from chainrule.datasets import get_directory

    return Path(get_directory("digits"))


def class_folders(directory: str) -> list[str]:
    """Sorted class sub-folders of `directory`, each checked to hold at least one image."""
    root = Path(directory)
    if not root.is_dir():
        raise CLIError(f"data folder {directory} does not exist; pass a folder with one "
                       f"sub-folder of images per class")
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
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


def make_iterators(config):
    """Training iterator (augmented) and validation iterator (rescale only, not shuffled)."""
    from chainrule.preprocessing.image import ImageDataGenerator

    classes = class_folders(config.data_dir)
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

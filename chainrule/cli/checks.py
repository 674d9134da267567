"""Checks on what a user typed, made before anything is written.

The argparse types here turn a bad value (`--batch-size 0`, `--zoom -5`, `--learning-rate
nan`) into one "chainrule: error: argument --zoom: ..." line instead of a traceback later on,
and `check_new_run_dir` refuses an `--out` that would overwrite files of the user's own.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

from chainrule.cli import run_state
from chainrule.cli.architectures import CLIError


def whole_number(minimum: int = 1):
    """An argparse type: a whole number of at least `minimum`."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, "
                                             f"received {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number of at least {minimum}, "
                                             f"received {value}")
        return value
    parse.__name__ = "whole number"
    return parse


positive_int = whole_number(1)


def number(minimum: float = 0.0, below: float | None = None, exclusive: bool = False):
    """An argparse type: a finite float >= `minimum` (> when `exclusive`), < `below`."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, received {text!r}") from None
        low = f"{'above' if exclusive else 'at least'} {minimum:g}"
        high = f" and below {below:g}" if below is not None else ""
        if (not math.isfinite(value) or value < minimum or (exclusive and value == minimum)
                or (below is not None and value >= below)):
            raise argparse.ArgumentTypeError(f"expected a finite number {low}{high}, "
                                             f"received {text}")
        return value
    parse.__name__ = "number"
    return parse


def path_name(text: str) -> str:
    """An argparse type: a file or folder name, which may not be empty ('' would mean '.')."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a file or folder name, received ''")
    return text


def check_new_run_dir(out: Path, data_dirs: list[str]) -> None:
    """Refuse an `--out` that is a file, holds a run already, holds files of the user's own,
    or lies inside a data folder (where it would become a class of its own).

    A marked folder without config.json is a start that was killed before its first write
    finished: it holds nothing of the user's, so a new run may use it.
    """
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {out} is a file, not a folder; choose a folder for the run")
    if run_state.is_run_dir(out) and (out / run_state.CONFIG).exists():
        raise CLIError(f"{out} already holds a run; continue it with --resume {out}, "
                       f"or choose another --out")
    if out.is_dir() and not run_state.is_run_dir(out) and any(out.iterdir()):
        raise CLIError(f"--out {out} is a folder with files that are not a chainrule run; "
                       f"nothing was written there. Choose a new or empty folder")
    target = out.resolve()
    for folder in data_dirs:
        if folder and target.is_relative_to(Path(folder).resolve()):
            raise CLIError(f"--out {out} is inside the data folder {folder}, where the run "
                           f"would be read as a class; choose --out outside it, "
                           f"e.g. --out {Path(folder).resolve().parent / 'runs' / 'latest'}")


RESUME_FIXED = {"data_dir": "DATA_DIR", "image_size": "--image-size",
                "batch_size": "--batch-size", "validation_split": "--validation-split",
                "validation_dir": "--validation-dir", "optimizer": "--optimizer",
                "learning_rate": "--learning-rate", "seed": "--seed",
                "vgg_weights": "--vgg-weights", "augmentation": "--augment and its flags"}


def check_resume_overrides(out: Path, config, given: dict) -> None:
    """`--resume` continues a run with its own settings: refuse any other one given."""
    for key, value in given.items():
        if value in (None, False, {}) or value == getattr(config, key, None):
            continue                              # not given, or the run's own value
        if key == "out":
            raise CLIError(f"--resume {out} continues in {out}; leave out --out")
        flag, before = RESUME_FIXED[key], getattr(config, key)
        raise CLIError(f"--resume continues {out} with the settings it was started with "
                       f"({flag} {before!r}, see {out / run_state.CONFIG}); {flag} cannot be "
                       f"changed. Start a new run with another --out to use {value!r}")

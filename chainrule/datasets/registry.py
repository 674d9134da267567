"""`load`, `get_directory` and `list_builders`: the `tfds.load` entry points over our builders.

>>> ds = load("digits", split="train[:10]", as_supervised=True)
>>> image, label = next(iter(ds))
>>> image.shape, image.dtype, label.dtype
((8, 8, 1), dtype('uint8'), dtype('int64'))
"""
from __future__ import annotations

import difflib
import os

import numpy as np

from chainrule.datasets import builders
from chainrule.datasets import splits as splits_lib
from chainrule.datasets.builder import DatasetBuilder

_BUILDERS: dict[str, type[DatasetBuilder]] = {
    cls.name: cls for cls in (builders.CatsVsDogs, builders.Digits, builders.HorsesOrHumans,
                              builders.RockPaperScissors)
}
_ALIASES = {"horse_or_human": "horses_or_humans"}


def list_builders() -> list[str]:
    """Names `load` accepts (aliases such as `horse_or_human` work too but are not listed).

    >>> list_builders()
    ['cats_vs_dogs', 'digits', 'horses_or_humans', 'rock_paper_scissors']
    """
    return sorted(_BUILDERS)


def register(cls: type[DatasetBuilder]) -> type[DatasetBuilder]:
    """Make a `DatasetBuilder` subclass loadable by its `name` (usable as a class decorator)."""
    if not (isinstance(cls, type) and issubclass(cls, DatasetBuilder)) or not cls.name:
        raise TypeError(f"register() expects a DatasetBuilder subclass with a `name`. "
                        f"Received: {cls!r}")
    _BUILDERS[cls.name] = cls
    return cls


def builder(name: str, data_dir: str | os.PathLike | None = None) -> DatasetBuilder:
    """The builder registered as `name` (or one of its aliases), reading from `data_dir`."""
    key = _ALIASES.get(name, name)
    if key not in _BUILDERS:
        close = difflib.get_close_matches(str(name), list(_BUILDERS) + list(_ALIASES), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"Dataset {name!r} not found. Available datasets: "
                         f"{list_builders()}.{hint}")
    return _BUILDERS[key](data_dir)


def load(name: str, split: str | list[str] | None = None,
         data_dir: str | os.PathLike | None = None, download: bool = True,
         as_supervised: bool = False, shuffle_files: bool = False, with_info: bool = False,
         batch_size: int | None = None):
    """Load a dataset as a `chainrule.data.Dataset`, like `tfds.load`.

    Args:
        name: A name from `list_builders()`.
        split: A split string (`'train'`, `'train[:80%]'`, `'train[:50%]+test'`, `'all'`; see
            `chainrule.datasets.splits`), a list of them (gives a list of datasets), or `None`
            for a dict `{split name: dataset}` of every split.
        data_dir: Where prepared data lives; default `<CHAINRULE_HOME>/datasets`.
        download: Whether missing archives may be downloaded (ones in `<data_dir>/downloads`
            are used either way).
        as_supervised: Elements are `(image, label)` tuples instead of dicts.
        shuffle_files: Visit the selected examples in a new random order on every pass (seeded
            from `chainrule.config.make_rng`, so `set_random_seed` makes it repeatable).
            Default: the fixed stored order.
        with_info: Also return a `DatasetInfo`.
        batch_size: Batch elements with `Dataset.batch`. `-1` returns the whole selection as
            NumPy arrays instead of a dataset (images must then share one shape).

    Returns the dataset(s), and with `with_info=True` a `(dataset(s), info)` pair.
    """
    ds_builder = builder(name, data_dir)
    ds_builder.prepare(download=download)
    def make(spec):
        return _dataset(ds_builder, spec, as_supervised, shuffle_files, batch_size)

    if split is None:
        result = {s: make(s) for s in ds_builder.split_names}
    else:
        result = [make(s) for s in split] if isinstance(split, list | tuple) else make(split)
    return (result, ds_builder.info()) if with_info else result


def get_directory(name: str, split: str = "train", data_dir: str | os.PathLike | None = None,
                  download: bool = True) -> str:
    """A folder with one sub-folder of images per class, ready for `flow_from_directory`.

    rock_paper_scissors and horses_or_humans give the unpacked archive folder; cats_vs_dogs
    gives `cat/` and `dog/` holding links to the kept JPEGs only (so the 1,738 broken files
    are left out); digits writes its PNGs once. Class folders sort alphabetically there, so the
    class indices may differ from `load()`'s labels (rock_paper_scissors: paper=0, rock=1).
    """
    ds_builder = builder(name, data_dir)
    if split not in ds_builder.split_names:
        raise ValueError(f"get_directory() needs a whole split of {ds_builder.name!r}: one of "
                         f"{list(ds_builder.split_names)}. Received: split={split!r}. Slices "
                         f"such as 'train[:80%]' need load(); flow_from_directory has "
                         f"validation_split for that.")
    ds_builder.prepare(download=download)
    return ds_builder.class_directory(split)


def _dataset(ds_builder: DatasetBuilder, spec: str, as_supervised: bool, shuffle_files: bool,
             batch_size: int | None):
    """Positions of the selected examples, mapped to decoded elements on iteration.

    Starting from the positions (not a generator) keeps the length known, as in TFDS, so
    `len(ds)` and `ds.cardinality()` work; files are decoded by a thread pool.
    """
    from chainrule.data import AUTOTUNE, Dataset  # chainrule.data imports nothing from here

    refs = [(r.split, i) for r in splits_lib.resolve(spec, ds_builder.split_sizes())
            for i in range(r.start, r.stop)]

    def element(position):
        record = ds_builder.read(*refs[int(position)])
        return (record["image"], record["label"]) if as_supervised else record

    if batch_size == -1:
        return _as_arrays([element(p) for p in range(len(refs))], spec)
    ds = Dataset.from_tensor_slices(np.arange(len(refs), dtype=np.int64))
    if shuffle_files and len(refs) > 1:  # a new order each pass, seeded by config.make_rng
        ds = ds.shuffle(len(refs), reshuffle_each_iteration=True)
    ds = ds.map(element, num_parallel_calls=AUTOTUNE if ds_builder.decodes_files else None)
    return ds if batch_size is None else ds.batch(batch_size)


def _as_arrays(elements: list, spec: str):
    """`batch_size=-1`: the whole selection stacked into arrays, as TFDS returns it."""
    if not elements:
        raise ValueError(f"Split {spec!r} selects no examples; batch_size=-1 has nothing to "
                         f"stack.")
    first = elements[0]
    keys = range(len(first)) if isinstance(first, tuple) else first.keys()
    shapes = {np.shape(e[0] if isinstance(e, tuple) else e["image"]) for e in elements}
    if len(shapes) > 1:
        raise ValueError(f"batch_size=-1 needs images of one shape, but split {spec!r} has "
                         f"{len(shapes)} different shapes, e.g. {sorted(shapes)[:2]}. Use "
                         f"batch_size=None and resize the images in Dataset.map first.")
    stacked = {k: np.stack([e[k] for e in elements]) for k in keys}
    return tuple(stacked.values()) if isinstance(first, tuple) else stacked

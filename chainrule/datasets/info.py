"""What `load(..., with_info=True)` returns next to the data: a small `tfds.core.DatasetInfo`.

Only the parts lecture code reads are kept: `info.features['label'].names` / `.num_classes` /
`.int2str()`, `info.splits['train'].num_examples` (also for sub-splits such as
`'train[:80%]'`), `info.supervised_keys`, `info.homepage` and `info.citation`.
"""
from __future__ import annotations

import dataclasses

from chainrule.datasets import splits as splits_lib


@dataclasses.dataclass(frozen=True)
class ClassLabel:
    """An integer label with names, like `tfds.features.ClassLabel`.

    >>> label = ClassLabel(("cat", "dog"))
    >>> label.num_classes, label.int2str(1), label.str2int("cat")
    (2, 'dog', 0)
    """

    names: tuple[str, ...]
    dtype: str = "int64"

    @property
    def num_classes(self) -> int:
        return len(self.names)

    def int2str(self, index: int) -> str:
        """Name of class `index`."""
        if not 0 <= int(index) < len(self.names):
            raise ValueError(
                f"Invalid label index {index!r}: expected 0 <= index < {len(self.names)} "
                f"(names={list(self.names)})."
            )
        return self.names[int(index)]

    def str2int(self, name: str) -> int:
        """Index of class `name`."""
        if name not in self.names:
            raise ValueError(f"Invalid label name {name!r}. Expected one of {list(self.names)}.")
        return self.names.index(name)


@dataclasses.dataclass(frozen=True)
class Image:
    """An image feature: `shape` uses `None` for sizes that vary between examples."""

    shape: tuple[int | None, ...] = (None, None, 3)
    dtype: str = "uint8"


@dataclasses.dataclass(frozen=True)
class Text:
    """A string feature, such as the archive path of an image."""

    dtype: str = "string"


@dataclasses.dataclass(frozen=True)
class SplitInfo:
    """Name and size of one split (or sub-split)."""

    name: str
    num_examples: int


class SplitDict(dict):
    """`{name: SplitInfo}`; a split string such as `'train[:80%]'` is resolved on lookup."""

    def __missing__(self, key: str) -> SplitInfo:
        sizes = {name: info.num_examples for name, info in self.items()}
        return SplitInfo(str(key), splits_lib.num_examples(key, sizes))

    @property
    def total_num_examples(self) -> int:
        return sum(info.num_examples for info in self.values())


@dataclasses.dataclass
class DatasetInfo:
    """Description of a prepared dataset. `num_skipped` counts source files left out."""

    name: str
    description: str
    features: dict
    splits: SplitDict
    homepage: str = ""
    citation: str = ""
    supervised_keys: tuple[str, str] = ("image", "label")
    num_skipped: int = 0

    @property
    def label_names(self) -> tuple[str, ...]:
        return self.features["label"].names

    def __repr__(self) -> str:
        splits = ", ".join(f"'{s.name}': {s.num_examples}" for s in self.splits.values())
        return (f"DatasetInfo(name={self.name!r}, labels={list(self.label_names)}, "
                f"splits={{{splits}}})")

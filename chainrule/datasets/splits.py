"""TFDS split strings: `'train'`, `'train[:80%]'`, `'train[10:20]+test'`, `'all'`.

Lecture notebooks written for `tfds.load` pass these strings unchanged, and a 80/20 split must
select the very same examples, so the grammar, the rounding and the error messages follow
`tensorflow_datasets/core/splits.py` (KERAS_SPEC 9.2):

- sub-specs are joined by `+` (spaces allowed around it);
- a sub-spec is `name` or `name[from:to]`; each bound is a signed number with an optional unit,
  `%` (may be fractional) or `shard`; a unit on one side applies to both;
- a percent becomes an index with `int(round(pct * n / 100))`. Python's `round` rounds halves to
  even, so 2.5 -> 2 and 3.5 -> 4;
- negative bounds count from the end; `all` is every split in order and cannot be sliced.

>>> resolve("train[:80%]", {"train": 23262})
[AbsoluteRange(split='train', start=0, stop=18610)]
>>> [len(r) for r in resolve("train[80%:]+test", {"train": 23262, "test": 10})]
[4652, 10]
"""
from __future__ import annotations

import dataclasses
import re

SPLITS_DOC_URL = "https://www.tensorflow.org/datasets/splits"

# <split_name>[<split_selector>], e.g. `train[54%:]`
_SUB_SPEC_RE = re.compile(r"^(?P<split_name>[\w-]+)(\[(?P<split_selector>[\d\w%:.-]+)\])?$")
# <val><unit>, e.g. `-54%`; an empty bound matches too
_SLICE_RE = re.compile(r"^((?P<val>-?[\d_.]+)(?P<unit>(?:%|shard))?)?$")
_ADDITION_SEP_RE = re.compile(r"\s*\+\s*")


@dataclasses.dataclass(frozen=True)
class ReadInstruction:
    """One parsed sub-spec: a split name and optional bounds in `unit` ('abs', '%', 'shard')."""

    split_name: str
    from_: int | float | None = None
    to: int | float | None = None
    unit: str = "abs"

    def __post_init__(self):
        if self.unit == "%" and (abs(self.from_ or 0) > 100 or abs(self.to or 0) > 100):
            raise ValueError(
                f"When unit=%, percent slice boundaries should be in [-100, 100]. Got: {self}"
            )

    def __repr__(self) -> str:
        unit = "" if self.unit == "abs" else self.unit
        from_ = "" if self.from_ is None else f"{self.from_:g}{unit}"
        to = "" if self.to is None else f"{self.to:g}{unit}"
        bounds = "" if self.from_ is None and self.to is None else f"[{from_}:{to}]"
        rounding = ", rounding='closest'" if self.unit == "%" else ""
        return f"ReadInstruction('{self.split_name}{bounds}'{rounding})"


@dataclasses.dataclass(frozen=True)
class AbsoluteRange:
    """Examples `start <= i < stop` of one split, in its stored order."""

    split: str
    start: int
    stop: int

    def __len__(self) -> int:
        return max(0, self.stop - self.start)


def parse(spec: str) -> list[ReadInstruction]:
    """Parse a split string; `all` comes back as `ReadInstruction('all')`.

    >>> parse("train[:50%] + test")
    [ReadInstruction('train[:50%]', rounding='closest'), ReadInstruction('test')]
    """
    spec = str(spec)
    instructions = []
    for sub in _ADDITION_SEP_RE.split(spec):
        try:
            instructions.append(_parse_sub_spec(sub))
        except (ValueError, NotImplementedError) as e:  # TFDS prefixes every parse error
            raise type(e)(
                f"Error parsing split {spec!r}. See format at: {SPLITS_DOC_URL}\n{e}"
            ) from None
    return instructions


def _parse_sub_spec(spec: str) -> ReadInstruction:
    match = _SUB_SPEC_RE.match(spec)
    err_msg = f"Unrecognized split format: {spec!r}. See format at {SPLITS_DOC_URL}"
    if not match:
        raise ValueError(err_msg)
    split_name, selector = match.group("split_name"), match.group("split_selector")
    if split_name == "all":
        if selector:
            raise NotImplementedError(
                f"{split_name!r} does not support slice. Please open a github issue if you "
                f"need this feature."
            )
        return ReadInstruction("all")
    if selector is None:
        return ReadInstruction(split_name)
    slices = [_SLICE_RE.match(bound) for bound in selector.split(":")]
    if not all(slices) or not any(s.group(0) for s in slices) or len(slices) > 2:
        raise ValueError(err_msg)
    if len(slices) == 1:  # `train[5]`: only shards may be picked one by one
        if slices[0]["unit"] != "shard":
            raise ValueError("Absolute or percent only support slice syntax.")
        return ReadInstruction(split_name, int(slices[0]["val"]), int(slices[0]["val"]) + 1,
                               "shard")
    unit = slices[0]["unit"] or slices[1]["unit"] or "abs"
    number = float if unit == "%" else int
    from_, to = (None if s["val"] is None else number(s["val"]) for s in slices)
    return ReadInstruction(split_name, from_, to, unit)


def resolve(spec: str, split_sizes: dict[str, int]) -> list[AbsoluteRange]:
    """Turn a split string into index ranges, given how many examples each split holds.

    Args:
        spec: A split string, e.g. `'train[:80%]+test'`.
        split_sizes: `{split name: number of examples}`, in the dataset's split order (`all`
            follows this order).
    """
    ranges = []
    for instruction in parse(spec):
        if instruction.split_name == "all":
            ranges += [AbsoluteRange(name, 0, n) for name, n in split_sizes.items()]
        else:
            ranges.append(_to_absolute(instruction, split_sizes))
    return ranges


def _to_absolute(instruction: ReadInstruction, split_sizes: dict[str, int]) -> AbsoluteRange:
    split = instruction.split_name
    if split not in split_sizes:
        raise ValueError(f"Unknown split {split!r}. Should be one of {list(split_sizes)}.")
    if instruction.unit == "shard":
        raise ValueError(
            f"Split {instruction!r} uses the 'shard' unit, but chainrule stores each split as "
            f"a single shard. Slice with absolute indices or percents instead, e.g. "
            f"'{split}[:10%]'."
        )
    n = split_sizes[split]
    from_, to = instruction.from_, instruction.to
    if instruction.unit == "%":
        from_ = 0 if from_ is None else int(round(from_ * n / 100.0))
        to = n if to is None else int(round(to * n / 100.0))
    from_ = 0 if from_ is None else from_
    to = n if to is None else to
    if abs(from_) > n or abs(to) > n:
        raise ValueError(
            f"Requested slice [{from_ or ''}:{to or ''}] incompatible with {n} examples."
        )
    return AbsoluteRange(split, from_ + n if from_ < 0 else from_, to + n if to < 0 else to)


def num_examples(spec: str, split_sizes: dict[str, int]) -> int:
    """How many examples a split string selects.

    >>> num_examples("train[10:20]+train[-5:]", {"train": 100})
    15
    """
    return sum(len(r) for r in resolve(spec, split_sizes))

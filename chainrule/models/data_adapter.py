"""Turns whatever `fit`/`evaluate`/`predict` received into batches of (x, y, sample_weight).

Accepted: NumPy arrays (batched here), a Keras-style Sequence such as flow_from_directory's
iterator (`len()` batches, `it[i]`, `on_epoch_end()`), or any iterable of batches (a
Dataset, a generator). `steps` bounds an endless iterable.
"""
from __future__ import annotations

import math

import numpy as np

from chainrule.backend import to_numpy
from chainrule.utils.sequence import iterate_batches


def map_structure(fn, x):
    """`fn` on every array of `x`: an array, a list/tuple of arrays, or a dict of them."""
    if isinstance(x, dict):
        return {k: fn(v) for k, v in x.items()}
    if is_array_list(x):
        return [fn(v) for v in x]
    return fn(x)


def is_array_list(x) -> bool:
    """A list/tuple of arrays (several model inputs), not a nested list of numbers."""
    return isinstance(x, list | tuple) and len(x) > 0 and all(
        hasattr(v, "shape") and np.ndim(v) > 0 for v in x)


def first_array(x):
    if isinstance(x, dict):
        return next(iter(x.values()))
    return x[0] if is_array_list(x) else x


def batch_size_of(x) -> int:
    return len(first_array(x))


def _unpack(batch):
    """(x,), (x, y) or (x, y, sample_weight) -> a 3-tuple with None for what is missing."""
    if isinstance(batch, tuple | list):
        if len(batch) == 1:
            return batch[0], None, None
        if len(batch) == 2:
            return batch[0], batch[1], None
        if len(batch) == 3:
            return tuple(batch)
        raise ValueError(f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                         f"`(x, y, sample_weight)`, found a tuple of length {len(batch)}.")
    return batch, None, None


def _is_sequence(x) -> bool:
    return hasattr(x, "__len__") and hasattr(x, "__getitem__") and not isinstance(
        x, np.ndarray | list | tuple) and hasattr(x, "on_epoch_end")


def _is_iterable_data(x) -> bool:
    return not isinstance(x, np.ndarray | list | tuple | dict) and hasattr(x, "__iter__")


class DataHandler:
    """Yields each epoch's batches and knows how many steps an epoch has (None if unknown).

    Args:
        x, y, sample_weight: arrays, or x alone as a Sequence/iterable of batches.
        batch_size: for arrays; default 32, as Keras.
        shuffle: reshuffle arrays each epoch (with `rng`).
        steps: batches per epoch (required for endless iterables).
        rng: Generator for shuffling.
        workers: threads loading a `utils.Sequence`'s batches ahead (None: its own setting).
    """

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, shuffle=False,
                 steps=None, rng=None, class_weight=None, workers=None):
        self.kind = "sequence" if _is_sequence(x) else "iterable" if _is_iterable_data(
            x) else "arrays"
        self.batch_size = batch_size or 32
        self.shuffle, self.rng, self.class_weight = shuffle, rng, class_weight
        self.workers = workers                     # threads loading a Sequence's batches
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self._iterator = None
        if self.kind == "arrays":
            self.x, self.y, self.sample_weight = _check_arrays(x, y, sample_weight)
        elif y is not None:
            raise ValueError("`y` argument is not supported when using a dataset, generator or "
                             "Sequence as input: it must yield (x, y) batches itself.")
        self._fixed_steps = steps is not None      # the user bounds each epoch
        self.steps = steps if steps is not None else self._known_steps()

    def _known_steps(self):
        if self.kind == "arrays":
            return math.ceil(batch_size_of(self.x) / self.batch_size)
        try:
            return len(self.x)
        except TypeError:                          # no len(), or a Dataset of unknown size
            return None

    def epoch(self):
        """One epoch of (x, y, sample_weight) batches as NumPy arrays."""
        for batch in self._raw_epoch():
            x, y, sw = _unpack(batch)
            x, y = map_structure(to_numpy, x), None if y is None else map_structure(to_numpy, y)
            yield x, y, self._weights(y, None if sw is None else map_structure(to_numpy, sw))

    def _raw_epoch(self):
        if self.kind == "arrays":
            n = batch_size_of(self.x)
            order = self.rng.permutation(n) if self.shuffle else np.arange(n)
            for i in range(0, n, self.batch_size):
                idx = order[i:i + self.batch_size]
                yield tuple(None if a is None else map_structure(lambda v, i=idx: v[i], a)
                            for a in (self.x, self.y, self.sample_weight))
        elif self.kind == "sequence":         # threads load ahead when x.workers > 1
            yield from iterate_batches(self.x, self.steps if self.steps is not None else len(
                self.x), self.workers)
            self.x.on_epoch_end()
        else:
            yield from self._iterable_epoch()

    def _iterable_epoch(self):
        if not self._fixed_steps:
            yield from self.x                          # a Dataset re-iterates each epoch
            return
        for _ in range(self.steps):
            if self._iterator is None:
                self._iterator = iter(self.x)
            try:
                yield next(self._iterator)
            except StopIteration:
                self._iterator = None
                return

    def _weights(self, y, sw):
        if self.class_weight is None or y is None:
            return sw
        if isinstance(y, dict) or is_array_list(y):
            raise ValueError("`class_weight` is only supported for models with a single "
                             "output. Use `sample_weight` for several outputs.")
        cw = class_weights_for(y, self.class_weight)
        return cw if sw is None else sw * cw


def class_weights_for(y, class_weight: dict):
    """Per-sample weights from {class: weight}: class = argmax of one-hot y, else the label."""
    y = np.asarray(y)
    if y.ndim >= 2 and y.shape[-1] > 1:
        classes = y.argmax(axis=-1)
    else:
        classes = np.rint(y.reshape(len(y))).astype(np.int64)
    return np.array([class_weight.get(int(c), 1.0) for c in classes], dtype=np.float32)


def _as_input_array(v):
    v = np.asarray(to_numpy(v))
    return v if v.dtype.kind == "f" else v.astype("float32")


def _check_arrays(x, y, sample_weight):
    x = map_structure(_as_input_array, x)
    y = None if y is None else map_structure(lambda v: np.asarray(to_numpy(v)), y)
    sw = None if sample_weight is None else map_structure(
        lambda v: np.asarray(to_numpy(v), np.float32), sample_weight)
    sizes = {name: [len(a) for a in _flat(arr)] for name, arr in
             (("x", x), ("y", y), ("sample_weight", sw)) if arr is not None}
    if len({n for ns in sizes.values() for n in ns}) > 1:
        detail = ", ".join(f"{name} sizes: {', '.join(map(str, ns))}"
                           for name, ns in sizes.items())
        raise ValueError(f"Data cardinality is ambiguous: {detail}. Make sure all arrays "
                         f"contain the same number of samples.")
    return x, y, sw


def _flat(x) -> list:
    if isinstance(x, dict):
        return list(x.values())
    return list(x) if is_array_list(x) else [x]


def split_validation(x, y, sample_weight, validation_split: float):
    """Keras' validation_split: the *last* fraction of the arrays, taken before shuffling."""
    if not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1 (exclusive). "
                         f"Received: validation_split={validation_split}")
    if _is_sequence(x) or _is_iterable_data(x):
        raise ValueError("`validation_split` is only supported for NumPy array inputs. "
                         "Pass `validation_data` instead.")
    x, y, sample_weight = _check_arrays(x, y, sample_weight)
    n = batch_size_of(x)
    cut = int(n * (1.0 - validation_split))
    if cut == 0 or cut == n:
        raise ValueError(f"Training data contains {n} samples, which is not sufficient to "
                         f"split it into a validation and training set as specified by "
                         f"`validation_split={validation_split}`. Either provide more data, or "
                         f"a different value for the `validation_split` argument.")

    def part(a, sl):
        return None if a is None else map_structure(lambda v: v[sl], a)

    head, tail = slice(None, cut), slice(cut, None)
    return tuple(tuple(part(a, sl) for a in (x, y, sample_weight)) for sl in (head, tail))


def sequence_workers(workers: int) -> int | None:
    """Keras 2's `fit(workers=N)` for a Sequence; the default 1 leaves the Sequence's own."""
    return None if workers == 1 else max(int(workers), 1)

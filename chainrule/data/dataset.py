"""`Dataset`: tf.data's input-pipeline API, run eagerly on NumPy values.

A Dataset is a recipe, not a container: each method returns a new Dataset with one more
step, and nothing runs until it is iterated. Iterating again starts from the beginning,
which is what `model.fit` does once per epoch. Elements are NumPy arrays and scalars,
nested in tuples and dicts exactly as they were given.

>>> ds = Dataset.from_tensor_slices(({"x": [[1., 2.], [3., 4.], [5., 6.]]}, [0, 1, 1]))
>>> [(d["x"].tolist(), y.tolist()) for d, y in ds.batch(2)]
[([[1.0, 2.0], [3.0, 4.0]], [0, 1]), ([[5.0, 6.0]], [1])]
>>> [int(i) for i in Dataset.range(10).filter(lambda i: i % 3 == 0).map(lambda i: i * 10)]
[0, 30, 60, 90]
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from chainrule import config
from chainrule.data import parallel, sources, transforms
from chainrule.data.base import INFINITE, UNKNOWN, Node, check_count, upstream
from chainrule.data.element import ElementIterator, unwrap_element, wrap_element
from chainrule.data.structure import TensorSpec, flatten, map_structure, specs_from


class Cardinality(int):
    """An int that also has `.numpy()`, so TF code's `ds.cardinality().numpy()` runs as is."""

    def numpy(self) -> np.int64:
        """The value as a NumPy int64 scalar, as a TF tensor's `.numpy()` gives it."""
        return np.int64(self)


class Dataset:
    """A re-iterable pipeline of elements. Build one with the static constructors below."""

    def __init__(self, node: Node):
        self._node = node

    # --- sources -----------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors) -> Dataset:
        """One element per row of the arrays in `tensors` (an array, tuple, dict or nested).

        A list is one array, as in TF: `[[1, 2], [3, 4]]` gives two elements of shape (2,).
        """
        return Dataset(sources.TensorSlices(tensors))

    @staticmethod
    def from_tensors(tensors) -> Dataset:
        """A dataset of exactly one element: `tensors` itself."""
        return Dataset(sources.Tensors(tensors))

    @staticmethod
    def from_generator(generator: Callable, output_types=None, output_shapes=None,
                       args: tuple | None = None, output_signature=None) -> Dataset:
        """Elements from `generator(*args)`, called again for every pass over the data.

        Args:
            generator: A callable returning an iterable (e.g. a generator function).
            output_types, output_shapes: Optional dtypes and shapes, in the element's layout.
            args: Arguments for `generator`.
            output_signature: Optional `TensorSpec`s in the element's layout; leaves are
                cast to their dtypes and their shapes checked. Unlike TF, all of these may
                be left out: elements are then taken as the generator yields them.
        """
        signature = output_signature
        if signature is None and output_types is not None:
            signature = specs_from(output_types, output_shapes)
        return Dataset(sources.Generator(generator, tuple(args or ()), signature))

    @staticmethod
    def range(*args: int, output_type=np.int64) -> Dataset:
        """Like Python's `range(stop)` / `range(start, stop[, step])`, as int64 scalars."""
        if not 1 <= len(args) <= 3:
            raise TypeError(f"Dataset.range takes 1 to 3 integers (stop, or start, stop[, "
                            f"step]). Received {len(args)} arguments: {args}.")
        start, stop, step = (0, args[0], 1) if len(args) == 1 else (*args, 1)[:3]
        return Dataset(sources.Range(start, stop, step, output_type))

    @staticmethod
    def zip(datasets, *more: Dataset) -> Dataset:
        """Elements of several datasets side by side: `zip((a, b))`, `zip(a, b)`, `zip({...})`.

        Stops at the shortest. The element has the same tuple/dict layout as `datasets`.
        """
        structure = (datasets, *more) if more else datasets
        for leaf in flatten(structure):
            if not isinstance(leaf, Dataset):
                raise TypeError(f"Dataset.zip expects a tuple or dict of Datasets. Received "
                                f"an item of type {type(leaf).__name__}: {leaf!r}.")
        return Dataset(sources.Zip(map_structure(lambda ds: ds._node, structure)))

    # --- element-wise steps --------------------------------------------------------------
    def map(self, map_func: Callable, num_parallel_calls: int | None = None,
            deterministic: bool | None = None) -> Dataset:
        """Apply `map_func` to each element; a tuple's items arrive as separate arguments.

        `num_parallel_calls` (an int or AUTOTUNE) runs it in that many threads; the
        output order is always the input order. Tensors returned become NumPy arrays.
        """
        if num_parallel_calls is None or num_parallel_calls == 1:
            return Dataset(transforms.Map(self._node, map_func))
        workers = check_count("num_parallel_calls", num_parallel_calls, -1)
        if workers == 0:
            raise ValueError("`num_parallel_calls` must be positive or AUTOTUNE (-1). "
                             "Received: num_parallel_calls=0.")
        return Dataset(parallel.ParallelMap(self._node, map_func, workers))

    def filter(self, predicate: Callable) -> Dataset:
        """Keep the elements for which `predicate` (called like map's function) is True."""
        return Dataset(transforms.Filter(self._node, predicate))

    def enumerate(self, start: int = 0) -> Dataset:
        """(index, element) pairs; the index is an int64 scalar."""
        return Dataset(transforms.Enumerate(self._node, check_count("start", start, -2**63)))

    # --- grouping ------------------------------------------------------------------------
    def batch(self, batch_size: int, drop_remainder: bool = False,
              num_parallel_calls: int | None = None, deterministic: bool | None = None
              ) -> Dataset:
        """Stack `batch_size` consecutive elements; the last batch may be smaller.

        Every element of a batch must have the same shapes (resize images in `map`
        first). `num_parallel_calls` and `deterministic` are accepted for TF compatibility;
        stacking is cheap, so they change nothing.
        """
        size = check_count("batch_size", batch_size, 1)
        return Dataset(transforms.Batch(self._node, size, bool(drop_remainder)))

    def unbatch(self) -> Dataset:
        """Split each element along its first axis into separate elements."""
        return Dataset(transforms.Unbatch(self._node))

    # --- order and length ----------------------------------------------------------------
    def shuffle(self, buffer_size: int, seed: int | None = None,
                reshuffle_each_iteration: bool = True) -> Dataset:
        """Randomly order elements with a buffer of `buffer_size` (see `transforms.Shuffle`).

        Without `seed`, one is drawn from `chainrule.config.make_rng()`, so
        `chainrule.set_random_seed` makes the order repeatable too.
        """
        size = check_count("buffer_size", buffer_size, 1)
        if seed is None:
            seed = int(config.make_rng().integers(2**63))
        seed = check_count("seed", seed, 0)
        return Dataset(transforms.Shuffle(self._node, size, seed, bool(reshuffle_each_iteration)))

    def repeat(self, count: int | None = None) -> Dataset:
        """The elements `count` times over; forever when `count` is None or -1."""
        count = -1 if count is None else check_count("count", count, -1)
        return Dataset(transforms.Repeat(self._node, count))

    def take(self, count: int) -> Dataset:
        """At most the first `count` elements (-1: all)."""
        return Dataset(transforms.Take(self._node, check_count("count", count, -1)))

    def skip(self, count: int) -> Dataset:
        """All but the first `count` elements (-1: skip everything)."""
        return Dataset(transforms.Skip(self._node, check_count("count", count, -1)))

    def concatenate(self, dataset: Dataset) -> Dataset:
        """This dataset's elements followed by `dataset`'s."""
        if not isinstance(dataset, Dataset):
            raise TypeError(f"concatenate expects a Dataset. Received: {type(dataset).__name__}.")
        return Dataset(transforms.Concatenate(self._node, dataset._node))

    # --- performance ---------------------------------------------------------------------
    def cache(self, filename: str = "") -> Dataset:
        """Keep the elements in memory after the first full pass (only memory caching)."""
        if filename:
            raise NotImplementedError(f"cache() keeps elements in memory only; a file cache "
                                      f"is not supported. Received: filename={filename!r}. "
                                      f"Call cache() without a filename.")
        return Dataset(transforms.Cache(self._node))

    def prefetch(self, buffer_size: int) -> Dataset:
        """Prepare up to `buffer_size` elements in a background thread (AUTOTUNE: 2)."""
        size = check_count("buffer_size", buffer_size, -1)
        return Dataset(parallel.Prefetch(self._node, size))

    def apply(self, transformation_func: Callable[[Dataset], Dataset]) -> Dataset:
        """`transformation_func(self)`: lets reusable pipeline pieces be chained."""
        return transformation_func(self)

    # --- reading -------------------------------------------------------------------------
    def __iter__(self) -> Iterator:
        """Each element's arrays as `TensorValue`s: NumPy arrays with TF's `.numpy()`."""
        return ElementIterator(self._node, wrap_element)

    def as_numpy_iterator(self) -> ElementIterator:
        """An iterator over the elements as plain NumPy values (with TF's `.next()`)."""
        return ElementIterator(self._node, unwrap_element)

    def cardinality(self) -> Cardinality:
        """Number of elements, or INFINITE_CARDINALITY (-1) / UNKNOWN_CARDINALITY (-2)."""
        return Cardinality(self._node.cardinality())

    def __len__(self) -> int:
        n = self._node.cardinality()
        if n == INFINITE:
            raise TypeError("The dataset is infinite. Bound it with take(n), or give fit "
                            "steps_per_epoch.")
        if n == UNKNOWN:
            raise TypeError("The dataset length is unknown. It comes from a generator, "
                            "filter or unbatch; check cardinality() before calling len().")
        return n

    def __bool__(self) -> bool:
        return True           # not len(): a dataset of unknown size is still a dataset

    @property
    def element_spec(self):
        """TensorSpecs of the *first* element (so this runs the pipeline for one element).

        Lighter than TF's: shapes are those of that element, batch dimension included.
        """
        with upstream(self._node) as elements:
            for element in elements:
                return map_structure(TensorSpec.from_value, element)
        raise ValueError("element_spec of an empty dataset is not known here: it is read "
                         "from the first element.")

    def __repr__(self) -> str:
        n = self._node.cardinality()
        size = {INFINITE: "infinite", UNKNOWN: "unknown"}.get(n, n)
        return f"<Dataset {type(self._node).__name__} cardinality={size}>"

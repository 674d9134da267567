"""The image iterators that `ImageDataGenerator.flow*` return, under their Keras names.

- `Iterator`: the shared `Sequence`/endless-iterator base (batching, seeding, worker threads,
  prefetch, skipping unreadable files); see `base_iterator` for the policies.
- `DirectoryIterator` (`flow_from_directory`), `NumpyArrayIterator` (`flow`) and
  `DataFrameIterator` (`flow_from_dataframe`).
"""
from chainrule.preprocessing.array_iterator import NumpyArrayIterator
from chainrule.preprocessing.base_iterator import Iterator
from chainrule.preprocessing.dataframe_iterator import DataFrameIterator
from chainrule.preprocessing.directory_iterator import DirectoryIterator

__all__ = ["DataFrameIterator", "DirectoryIterator", "Iterator", "NumpyArrayIterator"]

"""Datasets. `digits` ships with chainrule; the others are downloaded once and cached.

`load(name, split=...)` works like `tfds.load` and returns a `chainrule.data.Dataset`;
`get_directory(name)` gives class folders for `flow_from_directory`; `digits.load_data()` is the
keras.datasets-style loader of the bundled digits. `mnist`, `fashion_mnist`, `cifar10` and
`cifar100` are Keras' loaders: same files, URLs, hashes, shapes and dtypes.
"""
from chainrule.datasets import cifar10, cifar100, digits, fashion_mnist, mnist
from chainrule.datasets.builder import DatasetBuilder
from chainrule.datasets.info import DatasetInfo
from chainrule.datasets.registry import builder, get_directory, list_builders, load, register

__all__ = ["DatasetBuilder", "DatasetInfo", "builder", "cifar10", "cifar100", "digits",
           "fashion_mnist", "get_directory", "list_builders", "load", "mnist", "register"]

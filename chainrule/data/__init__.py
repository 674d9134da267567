"""tf.data for NumPy: `Dataset` pipelines that `model.fit` can train on.

    from chainrule.data import Dataset, AUTOTUNE
    ds = Dataset.from_tensor_slices((x, y)).shuffle(1000, seed=0).batch(32).prefetch(AUTOTUNE)
    model.fit(ds, epochs=3)
"""
from chainrule.data.base import AUTOTUNE, INFINITE, UNKNOWN
from chainrule.data.dataset import Cardinality, Dataset
from chainrule.data.structure import TensorSpec

INFINITE_CARDINALITY = INFINITE
UNKNOWN_CARDINALITY = UNKNOWN


class experimental:  # noqa: N801 - mirrors the tf.data.experimental namespace
    """The few `tf.data.experimental` names that lecture-era code still uses."""

    AUTOTUNE = AUTOTUNE
    INFINITE_CARDINALITY = INFINITE
    UNKNOWN_CARDINALITY = UNKNOWN

    @staticmethod
    def cardinality(dataset: Dataset) -> Cardinality:
        """`dataset.cardinality()`, as a function."""
        return dataset.cardinality()


__all__ = ["AUTOTUNE", "Cardinality", "Dataset", "INFINITE_CARDINALITY", "TensorSpec",
           "UNKNOWN_CARDINALITY", "experimental"]

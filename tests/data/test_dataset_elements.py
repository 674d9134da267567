"""Dataset elements behave like the eager tensors tutorials use: .numpy(), .shape, indexing."""
import numpy as np
import pytest

from chainrule.data import AUTOTUNE, Dataset
from chainrule.data.element import TensorValue


def test_batches_are_arrays_with_numpy():
    x = np.arange(2 * 4 * 4 * 3, dtype=np.float32).reshape(2, 4, 4, 3)
    y = np.array([1, 0], np.int32)
    images, labels = next(iter(Dataset.from_tensor_slices((x, y)).batch(2)))
    assert isinstance(images, TensorValue) and images.shape == (2, 4, 4, 3)
    assert images.dtype == np.float32 and type(np.asarray(images)) is np.ndarray
    plain = images[1].numpy().astype("uint8")
    assert type(plain) is np.ndarray and plain.shape == (4, 4, 3)
    assert labels[0].numpy() == 1 and type(labels[0].numpy()) is np.int32
    assert ["cat", "dog"][labels[0]] == "dog" and int(labels[1]) == 0
    assert f"{images[0, 0, 0, 1]:.1f}" == "1.0"


def test_as_numpy_iterator_gives_plain_values_and_next():
    it = Dataset.range(3).as_numpy_iterator()
    assert it.next() == 0 and next(it) == 1 and type(it.next()) is np.int64
    with pytest.raises(StopIteration):
        it.next()
    batches = list(Dataset.from_tensor_slices(np.ones((5, 2))).batch(2).as_numpy_iterator())
    assert all(type(b) is np.ndarray for b in batches)


def test_pipeline_steps_tutorials_chain():
    ds = Dataset.from_tensor_slices((np.arange(10.0), np.arange(10))).batch(4)
    ds = ds.cache().prefetch(buffer_size=AUTOTUNE)
    assert [len(x) for x, _ in ds] == [4, 4, 2] and len(list(ds.unbatch())) == 10
    (x, y), = ds.take(1)
    assert x.numpy().tolist() == [0.0, 1.0, 2.0, 3.0]
